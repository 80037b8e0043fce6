// The Electron shell, with the `electron` module stood in for (its binary cannot run here). The
// stand-in only carries messages: ipcRenderer.invoke reaches the handler main registered with
// ipcMain.handle, as the window's frame, payloads cloned as IPC clones them; webContents.send
// reaches the preload's listeners. Everything on either side is real: main (index.ts), the
// preload, the dispatch, the lab and its SQLite file under userData.
import Database from 'better-sqlite3'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { Lab } from '../../src/main/lab/lab'
import { REQUEST_NAMES, requestChannel } from '../../src/shared/channels'
import type { LabBridge, LabEventBatch } from '../../src/shared/contract'
import { isTrainEvent, type TrainEvent } from '../../src/shared/run-types'
import { tempDir } from '../helpers/tmp'

const dir = tempDir()

const fake = vi.hoisted(() => {
  type Listener = (event: unknown, ...args: unknown[]) => void
  type FakeWindowType = { options: Record<string, unknown>; webContents: { url: string; handlers: Record<string, (...a: unknown[]) => unknown> }; loaded: string[] }
  let loaded = () => {}
  return {
    /** What main registered with ipcMain.handle. */
    handlers: new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>(),
    /** What the preload registered with ipcRenderer.on. */
    rendererListeners: new Map<string, Set<Listener>>(),
    appListeners: new Map<string, (...a: unknown[]) => unknown>(),
    exposed: {} as Record<string, unknown>,
    windows: [] as FakeWindowType[],
    /** Resolves when main has loaded its page. */
    pageLoaded: new Promise<void>((resolve) => (loaded = resolve)),
    pageLoadedNow: () => loaded(),
    /** The page the preload runs in: by default the window's own, once it is loaded. */
    renderer: null as null | { contents: unknown; url: string },
    state: { userData: '', quit: 0, permission: null as null | ((wc: unknown, p: string, cb: (ok: boolean) => void) => void), windowOpen: null as null | (() => unknown) }
  }
})

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events')
  class FakeContents extends EventEmitter {
    url = ''
    handlers: Record<string, (...a: unknown[]) => unknown> = {}
    session = {
      setPermissionRequestHandler: (h: never) => (fake.state.permission = h),
      setPermissionCheckHandler: () => {},
      webRequest: { onHeadersReceived: () => {} }
    }
    setWindowOpenHandler = (h: () => unknown) => (fake.state.windowOpen = h)
    send(channel: string, ...args: unknown[]) {
      if (fake.renderer?.contents !== this) return
      for (const listener of fake.rendererListeners.get(channel) ?? []) listener({ sender: null }, ...args.map((a) => structuredClone(a)))
    }
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
    async loadFile(file: string) {
      this.load(pathToFileURL(file).href, file)
    }
    async loadURL(url: string) {
      this.load(url, url)
    }
    private load(url: string, asked: string) {
      this.loaded.push(asked)
      this.webContents.url = url
      fake.renderer ??= { contents: this.webContents, url }
      fake.pageLoadedNow()
    }
  }
  return {
    app: {
      enableSandbox: vi.fn(),
      whenReady: () => Promise.resolve(),
      getPath: () => fake.state.userData,
      getAppPath: () => fake.state.userData,
      on: (event: string, fn: (...a: unknown[]) => unknown) => fake.appListeners.set(event, fn),
      quit: () => fake.state.quit++,
      exit: () => {}
    },
    BrowserWindow,
    ipcMain: {
      handle: (channel: string, fn: never) => fake.handlers.set(channel, fn),
      removeHandler: (channel: string) => fake.handlers.delete(channel)
    },
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (fake.exposed[key] = api) },
    ipcRenderer: {
      async invoke(channel: string, payload: unknown) {
        const handler = fake.handlers.get(channel)
        // Electron's own answer when main has no handler for a channel.
        if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`)
        const { contents, url } = fake.renderer!
        return structuredClone(await handler({ sender: contents, senderFrame: { url } }, structuredClone(payload)))
      },
      on(channel: string, listener: (event: unknown, ...args: unknown[]) => void) {
        const set = fake.rendererListeners.get(channel) ?? new Set()
        fake.rendererListeners.set(channel, set.add(listener))
      },
      removeListener: (channel: string, listener: (event: unknown, ...args: unknown[]) => void) => fake.rendererListeners.get(channel)?.delete(listener)
    }
  }
})

afterAll(async () => {
  // Closing the last window is how the app shuts down (the last test does it); it closes the lab.
  if (!fake.state.quit) await fake.appListeners.get('window-all-closed')?.()
  vi.resetModules()
})

const api = () => fake.exposed.lab as LabBridge & Record<string, (p?: unknown) => Promise<unknown>>

describe('Electron main', () => {
  it('opens one hardened window and handles every request of the contract', async () => {
    fake.state.userData = dir
    await import('../../src/main/index')
    await fake.pageLoaded
    expect(fake.windows).toHaveLength(1)
    const win = fake.windows[0]
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false })
    expect(String((win.options.webPreferences as Record<string, unknown>).preload)).toMatch(/preload[\\/]index\.cjs$/)
    expect(win.loaded).toHaveLength(1)
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
})

describe('preload', () => {
  it('exposes exactly the contract (and an event subscription) as window.lab, never ipcRenderer', async () => {
    await import('../../src/preload/index')
    expect(Object.keys(fake.exposed)).toEqual(['lab'])
    const lab = api()
    expect(Object.keys(lab).sort()).toEqual([...REQUEST_NAMES, 'onEvents'].sort())
    for (const name of REQUEST_NAMES) expect(typeof lab[name]).toBe('function')
    expect(lab).not.toHaveProperty('invoke')
    expect(lab).not.toHaveProperty('send')
  })
})

describe('window.lab, over IPC, to the real lab', () => {
  it('trains a run it asked for, hears its events, and reads it back from the SQLite file', async () => {
    const lab = api()
    const heard: LabEventBatch[] = []
    let opened = false
    const finished = new Promise<void>((resolve) => {
      lab.onEvents(
        (batch) => {
          heard.push(batch)
          if (batch.some((e) => e.type === 'finished')) resolve()
        },
        () => (opened = true)
      )
    })
    expect(opened).toBe(true)
    const { runId } = await lab.startRun({ name: 'over IPC', architecture: { preset: 'mlp', hidden: [16] }, epochs: 1, limitTrain: 200, limitTest: 50, batchSize: 20 })
    await finished

    const events = heard.flat().filter((e): e is TrainEvent => isTrainEvent(e) && e.runId === runId)
    expect(events[0]).toMatchObject({ type: 'started', runId, stepsPerEpoch: 10 })
    expect(events.filter((e) => e.type === 'batch').map((e) => (e.type === 'batch' ? e.metric.step : 0))).toEqual(Array.from({ length: 10 }, (_, i) => i + 1))
    expect(events.at(-1)).toMatchObject({ type: 'finished', runId, status: 'completed', error: null })

    expect(await lab.listRuns()).toMatchObject([{ id: runId, name: 'over IPC', status: 'completed', epochsDone: 1 }])
    const run = await lab.getRun({ runId })
    expect(run).toMatchObject({ id: runId, status: 'completed', batchCount: 10, hasWeights: true })
    expect((await lab.runMetrics({ runId })).batches).toHaveLength(10)
    // The file the desktop app keeps under userData holds the same run.
    const db = new Database(Lab.dbPathIn(dir), { readonly: true })
    try {
      expect(db.prepare('SELECT id, name, status FROM runs').all()).toEqual([{ id: runId, name: 'over IPC', status: 'completed' }])
    } finally {
      db.close()
    }
  })

  it("rejects with the dispatch's reasons, and refuses any page but the window's own", async () => {
    const lab = api()
    await expect(lab.startRun({ batchSize: 0 })).rejects.toThrow('Invalid settings: Batch size must be at least 1')
    await expect(lab.getRun({ runId: 'one' as never })).rejects.toThrow('Invalid getRun request: runId must be a number')
    await expect(lab.deleteRun({ runId: 999 })).rejects.toThrow('run 999 does not exist')

    const [{ id: runId }] = await lab.listRuns()
    const own = fake.renderer!
    const strangers = [
      { contents: own.contents, url: 'https://evil.example/' }, // a foreign page in the window
      { contents: {}, url: own.url } // another window showing the app's page
    ]
    try {
      for (const stranger of strangers) {
        fake.renderer = stranger
        await expect(lab.listRuns()).rejects.toThrow('request refused: it did not come from the Digit Lab window')
        await expect(lab.deleteRun({ runId })).rejects.toThrow('request refused: it did not come from the Digit Lab window')
      }
    } finally {
      fake.renderer = own
    }
    expect(await lab.getRun({ runId })).toMatchObject({ id: runId, status: 'completed' })
  })

  it('closing the window closes the lab and removes every handler', async () => {
    await fake.appListeners.get('window-all-closed')!()
    expect(fake.state.quit).toBe(1)
    expect(fake.handlers.size).toBe(0)
    await expect(api().listRuns()).rejects.toThrow("No handler registered for 'lab:listRuns'")
  })
})
