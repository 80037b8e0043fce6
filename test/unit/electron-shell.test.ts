// The Electron shell, with the `electron` module stood in for (its binary cannot run here).
// Everything behind the stand-in is real: the contract, the dispatch, the lab and its SQLite file.
import { afterAll, describe, expect, it, vi } from 'vitest'
import { REQUEST_NAMES, requestChannel } from '../../src/shared/channels'
import { tempDir } from '../helpers/tmp'

const dir = tempDir()

const fake = vi.hoisted(() => {
  const handlers = new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>()
  const exposed: Record<string, unknown> = {}
  const invoked: [string, unknown][] = []
  const windows: FakeWindowType[] = []
  type FakeWindowType = { options: Record<string, unknown>; webContents: Record<string, unknown> & { handlers: Record<string, (...a: unknown[]) => unknown> }; loaded: string[]; session: Record<string, unknown> }
  const state = { userData: '', permission: null as null | ((wc: unknown, p: string, cb: (ok: boolean) => void) => void), windowOpen: null as null | (() => unknown), replies: new Map<string, unknown>() }
  return { handlers, exposed, invoked, windows, state }
})

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events')
  class FakeContents extends EventEmitter {
    handlers: Record<string, (...a: unknown[]) => unknown> = {}
    session = {
      setPermissionRequestHandler: (h: never) => (fake.state.permission = h),
      setPermissionCheckHandler: () => {},
      webRequest: { onHeadersReceived: () => {} }
    }
    setWindowOpenHandler = (h: () => unknown) => (fake.state.windowOpen = h)
    send = () => {}
    override on(event: string, fn: (...a: unknown[]) => void) {
      this.handlers[event] = fn
      return super.on(event, fn)
    }
  }
  class BrowserWindow {
    webContents = new FakeContents()
    loaded: string[] = []
    constructor(public options: Record<string, unknown>) {
      fake.windows.push(this as never)
    }
    once() {}
    isDestroyed() {
      return false
    }
    async loadFile(f: string) {
      this.loaded.push(f)
    }
    async loadURL(u: string) {
      this.loaded.push(u)
    }
  }
  return {
    app: {
      enableSandbox: vi.fn(),
      whenReady: () => Promise.resolve(),
      getPath: () => fake.state.userData,
      getAppPath: () => fake.state.userData,
      on: () => {},
      quit: () => {},
      exit: () => {}
    },
    BrowserWindow,
    ipcMain: {
      handle: (channel: string, fn: never) => fake.handlers.set(channel, fn),
      removeHandler: (channel: string) => fake.handlers.delete(channel)
    },
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (fake.exposed[key] = api) },
    ipcRenderer: {
      invoke: async (channel: string, payload: unknown) => {
        fake.invoked.push([channel, payload])
        return fake.state.replies.get(channel) ?? { ok: true, value: 'fine' }
      },
      on: () => {},
      removeListener: () => {}
    }
  }
})

afterAll(() => vi.resetModules())

describe('Electron main', () => {
  it('opens one hardened window and handles every request of the contract', async () => {
    fake.state.userData = dir
    await import('../../src/main/index')
    await vi.waitFor(() => expect(fake.windows[0]?.loaded.length).toBe(1))
    const win = fake.windows[0]
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false })
    expect(String((win.options.webPreferences as Record<string, unknown>).preload)).toMatch(/preload[\\/]index\.cjs$/)
    expect(win.loaded[0]).toMatch(/renderer[\\/]index\.html$/)
    expect([...fake.handlers.keys()].sort()).toEqual(REQUEST_NAMES.map(requestChannel).sort())

    // Permissions are refused, new windows denied, foreign navigation stopped.
    let granted: boolean | null = null
    fake.state.permission!(null, 'media', (ok) => (granted = ok))
    expect(granted).toBe(false)
    expect(fake.state.windowOpen!()).toEqual({ action: 'deny' })
    const nav = { preventDefault: vi.fn() }
    win.webContents.handlers['will-navigate'](nav, 'https://example.com/')
    expect(nav.preventDefault).toHaveBeenCalled()
  })

  it('validates payloads, refuses foreign senders and answers from the real lab', async () => {
    const win = fake.windows[0]
    const trusted = { sender: win.webContents, senderFrame: { url: 'file:///app/out/renderer/index.html' } }
    const call = (name: string, payload: unknown, event: unknown = trusted) => fake.handlers.get(requestChannel(name as never))!(event, payload)
    expect(await call('listRuns', {})).toEqual({ ok: true, value: [] })
    expect(await call('startRun', { batchSize: 0 })).toEqual({ ok: false, error: 'Invalid settings: Batch size must be at least 1', kind: 'invalid' })
    expect(await call('getRun', { runId: 'one' })).toEqual({ ok: false, error: 'Invalid getRun request: runId must be a number', kind: 'invalid' })
    expect(await call('listPresets', undefined)).toMatchObject({ ok: true, value: [{ id: 'seed-cnn' }, { id: 'mlp' }, { id: 'custom' }] })
    const stranger = { sender: {}, senderFrame: { url: 'https://evil.example/' } }
    expect(await call('listRuns', {}, stranger)).toEqual({ ok: false, error: 'request refused: it did not come from the Digit Lab window', kind: 'invalid' })
    expect(await call('deleteRun', { runId: 1 }, { sender: win.webContents, senderFrame: { url: 'https://evil.example/' } })).toMatchObject({ ok: false })
  })
})

describe('preload', () => {
  it('exposes exactly the contract (and an event subscription) as window.lab, never ipcRenderer', async () => {
    await import('../../src/preload/index')
    const api = fake.exposed.lab as Record<string, (p?: unknown) => Promise<unknown>>
    expect(Object.keys(fake.exposed)).toEqual(['lab'])
    expect(Object.keys(api).sort()).toEqual([...REQUEST_NAMES, 'onEvents'].sort())
    for (const name of REQUEST_NAMES) expect(typeof api[name]).toBe('function')
    expect(api).not.toHaveProperty('invoke')
    expect(api).not.toHaveProperty('send')

    expect(await api.getRun({ runId: 3 })).toBe('fine')
    expect(fake.invoked.at(-1)).toEqual(['lab:getRun', { runId: 3 }])
    fake.state.replies.set('lab:deleteRun', { ok: false, error: 'run 3 does not exist' })
    await expect(api.deleteRun({ runId: 3 })).rejects.toThrow('run 3 does not exist')
  })
})
