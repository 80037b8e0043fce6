// The Electron shell, with the `electron` module stood in for (its binary cannot run here). The
// stand-in only carries messages: ipcRenderer.invoke reaches the handler main registered with
// ipcMain.handle, as the window's frame, payloads cloned as IPC clones them; webContents.send
// reaches the preload's listeners; contextBridge copies what crosses it to the page as Electron's
// does (values cloned, an error rebuilt from its message alone). Everything on either side is
// real: main (index.ts), the preload, the renderer's client over it, the dispatch, the lab and its
// SQLite file under userData, the app:// protocol handler main registered (answering real Request
// objects from the files on disk) and the window's guards.
import Database from 'better-sqlite3'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { CONTENT_SECURITY_POLICY } from '../../../../src/main/api/csp'
import { APP_ENTRY, createAppProtocolHandler } from '../../../../src/main/electron/app-protocol'
import { isTrustedUrl } from '../../../../src/main/electron/security'
import { Lab } from '../../../../src/main/lab/lab'
import { APP_NAME } from '../../../../src/main/lab/store/paths'
import { REQUEST_NAMES, requestChannel } from '../../../../src/shared/channels'
import type { LabBridge, LabClientApi, LabEventBatch } from '../../../../src/shared/contract'
import { LabRequestError } from '../../../../src/shared/lab-request-error'
import { isTrainEvent, type TrainEvent } from '../../../../src/shared/run-types'
import { tempDir } from '../../../helpers/tmp'

const dir = tempDir()

const fake = vi.hoisted(() => {
  type Listener = (event: unknown, ...args: unknown[]) => void
  type FakeWindowType = {
    options: Record<string, unknown>
    webContents: { url: string; handlers: Record<string, (...a: unknown[]) => unknown> }
    loaded: string[]
  }
  let loaded = () => {}
  /**
   * What Electron's contextBridge does to what it passes between the preload and the page, as far
   * as these tests go: plain values are copied, functions stay callable (their arguments and
   * results cross the same way), and an error thrown or rejected across it arrives as a new Error
   * with the message only: a `kind` on it would be lost.
   */
  const acrossBridge = (v: unknown): unknown => {
    const rebuilt = (err: unknown) => new Error((err as Error).message)
    if (typeof v === 'function')
      return (...args: unknown[]) => {
        let out: unknown
        try {
          out = (v as (...a: unknown[]) => unknown)(...args.map(acrossBridge))
        } catch (err) {
          throw rebuilt(err)
        }
        return out instanceof Promise
          ? out.then(acrossBridge, (err) => {
              throw rebuilt(err)
            })
          : acrossBridge(out)
      }
    if (Array.isArray(v)) return v.map(acrossBridge)
    if (v && typeof v === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(v)))
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, acrossBridge(x)]))
    return typeof v === 'object' && v !== null ? structuredClone(v) : v
  }
  return {
    acrossBridge,
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
    state: {
      userData: '',
      quit: 0,
      ready: false,
      permission: null as null | ((wc: unknown, p: string, cb: (ok: boolean) => void) => void),
      permissionCheck: null as null | ((wc: unknown, p: string) => boolean),
      windowOpen: null as null | ((details: { url: string }) => unknown)
    },
    /** What main did with the protocol module, and whether the app was ready when it did. */
    protocol: {
      privileged: [] as { schemes: { scheme: string; privileges: Record<string, boolean> }[]; beforeReady: boolean }[],
      handlers: new Map<string, (request: Request) => Promise<Response>>()
    }
  }
})

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events')
  class FakeContents extends EventEmitter {
    url = ''
    handlers: Record<string, (...a: unknown[]) => unknown> = {}
    session = {
      setPermissionRequestHandler: (h: never) => (fake.state.permission = h),
      setPermissionCheckHandler: (h: never) => (fake.state.permissionCheck = h),
      webRequest: { onHeadersReceived: () => {} }
    }
    setWindowOpenHandler = (h: (details: { url: string }) => unknown) => (fake.state.windowOpen = h)
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
      whenReady: async () => {
        fake.state.ready = true
      },
      getPath: () => fake.state.userData,
      getAppPath: () => fake.state.userData,
      on: (event: string, fn: (...a: unknown[]) => unknown) => fake.appListeners.set(event, fn),
      quit: () => fake.state.quit++,
      exit: () => {}
    },
    BrowserWindow,
    protocol: {
      registerSchemesAsPrivileged: (schemes: never) => fake.protocol.privileged.push({ schemes, beforeReady: !fake.state.ready }),
      handle: (scheme: string, handler: never) => fake.protocol.handlers.set(scheme, handler)
    },
    ipcMain: {
      handle: (channel: string, fn: never) => fake.handlers.set(channel, fn),
      removeHandler: (channel: string) => fake.handlers.delete(channel)
    },
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (fake.exposed[key] = fake.acrossBridge(api)) },
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

/** window.lab as the preload exposed it: each request resolves with its Reply envelope. */
const bridge = () => fake.exposed.lab as LabBridge

// The renderer's client, as the page makes it over window.lab. It reads browser globals, so the
// Node typecheck cannot take it in: loaded by path (as client.test.ts does), typed by its contract,
// with `window` stood in for only while it is made.
const CLIENT_MODULE = '../../../../src/renderer/src/api/client'
let client: (LabClientApi & { transport: 'ipc' | 'http' }) | null = null
async function makeClient(): Promise<void> {
  vi.stubGlobal('window', { lab: bridge() })
  try {
    const { lab } = (await import(/* @vite-ignore */ CLIENT_MODULE)) as { lab(): LabClientApi & { transport: 'ipc' | 'http' } }
    client = lab()
  } finally {
    vi.unstubAllGlobals()
  }
}
/** The page's client over IPC: each request resolves with its value or rejects with a LabRequestError. */
const api = () => client!

/** The error a request rejected with (fails if it resolved). */
const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    (v) => {
      throw new Error(`resolved with ${JSON.stringify(v)}`)
    },
    (err: unknown) => err
  )

const appRequest = (url: string, method = 'GET') => fake.protocol.handlers.get('app')!(new Request(url, { method }))

describe('Electron main', () => {
  it('opens one hardened window on app://digit-lab and handles every request of the contract', async () => {
    fake.state.userData = dir
    await import('../../../../src/main/index')
    await fake.pageLoaded
    expect(fake.windows).toHaveLength(1)
    const win = fake.windows[0]
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false
    })
    expect(win.options.webPreferences).not.toHaveProperty('experimentalFeatures')
    expect(win.options.webPreferences).not.toHaveProperty('enableBlinkFeatures')
    // The preload is a file path, whatever the page's scheme: the CommonJS bundle beside main's.
    expect(String((win.options.webPreferences as Record<string, unknown>).preload)).toMatch(/preload[\\/]index\.cjs$/)
    expect(win.loaded).toEqual(['app://digit-lab/index.html'])
    expect([...fake.handlers.keys()].sort()).toEqual(REQUEST_NAMES.map(requestChannel).sort())

    // app:// was made a standard, secure scheme before ready (Electron ignores it later), and handled.
    expect(fake.protocol.privileged).toEqual([
      { schemes: [{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }], beforeReady: true }
    ])
    expect([...fake.protocol.handlers.keys()]).toEqual(['app'])
  })

  it('refuses every permission, denies new windows, stops redirects and webviews', () => {
    const win = fake.windows[0]
    for (const permission of ['media', 'geolocation', 'notifications', 'openExternal', 'clipboard-read']) {
      let granted: boolean | null = null
      fake.state.permission!(win.webContents, permission, (ok) => (granted = ok))
      expect(granted, permission).toBe(false)
      expect(fake.state.permissionCheck!(win.webContents, permission), permission).toBe(false)
    }
    for (const url of ['https://example.com/', APP_ENTRY, 'file:///etc/passwd']) expect(fake.state.windowOpen!({ url })).toEqual({ action: 'deny' })
    for (const event of ['will-redirect', 'will-attach-webview']) {
      const e = { preventDefault: vi.fn() }
      win.webContents.handlers[event](e, 'https://example.com/')
      expect(e.preventDefault, event).toHaveBeenCalled()
    }
  })

  it('lets the window navigate only within app://digit-lab', () => {
    const navigate = (url: string) => {
      const event = { url, preventDefault: vi.fn() }
      fake.windows[0].webContents.handlers['will-frame-navigate'](event)
      return event.preventDefault.mock.calls.length === 0
    }
    expect(navigate('app://digit-lab/index.html#/runs')).toBe(true)
    expect(navigate('app://digit-lab/')).toBe(true)
    for (const url of [
      'file:///etc/passwd',
      pathToFileURL(join(process.cwd(), 'src/renderer/index.html')).href, // the app's own page, as a file
      'http://evil.example/',
      'https://evil.example/index.html',
      'app://other/index.html',
      'app://digit-lab.evil.example/index.html',
      'app://digit-lab:8080/index.html',
      'data:text/html,<script>lab.listRuns()</script>',
      'javascript:alert(1)',
      ''
    ])
      expect(navigate(url), url).toBe(false)
  })
})

describe('the app:// protocol main registered', () => {
  it('serves the renderer folder with the CSP on the response', async () => {
    const res = await appRequest('app://digit-lab/index.html')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await res.text()).toContain('<div id="app"></div>')
    expect(await (await appRequest('app://digit-lab/')).text()).toContain('<div id="app"></div>')
  })

  it("refuses paths out of the folder, plain or encoded, and never shows main's own source", async () => {
    // Under the tests main serves src/renderer, so src/main/index.ts is one folder up.
    for (const url of [
      'app://digit-lab/..%2fmain%2findex.ts',
      'app://digit-lab/%2e%2e%2fmain%2findex.ts',
      'app://digit-lab/..%2f..%2fpackage.json',
      'app://digit-lab/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd'
    ]) {
      const res = await appRequest(url)
      expect(res.status, url).toBe(403)
      expect(await res.text(), url).toBe('path outside the app')
    }
    // The URL parser drops plain `..` segments before the handler sees them: what is left is a path inside.
    for (const url of ['app://digit-lab/../../etc/passwd', 'app://digit-lab/%2e%2e/%2e%2e/etc/passwd', 'app://digit-lab/../main/index.ts']) {
      const res = await appRequest(url)
      expect(res.status, url).toBe(404)
      expect(res.headers.get('content-security-policy'), url).toBe(CONTENT_SECURITY_POLICY)
    }
    expect((await appRequest('app://digit-lab/index.html%00.js')).status).toBe(403)
  })

  it('answers only its own host, and only reads', async () => {
    for (const url of [
      'app://evil/index.html',
      'app://digit-lab.evil.example/index.html',
      'app://digit-lab:8080/index.html',
      'app://other/../digit-lab/index.html'
    ]) {
      const res = await appRequest(url)
      expect(res.status, url).toBe(404)
      expect(await res.text(), url).toBe('unknown host')
    }
    expect((await appRequest(APP_ENTRY, 'POST')).status).toBe(405)
  })
})

describe('createAppProtocolHandler', () => {
  // A built renderer beside a secret: the handler must serve the one and never the other.
  const root = join(dir, 'app', 'renderer')
  mkdirSync(join(root, 'assets'), { recursive: true })
  writeFileSync(join(root, 'index.html'), '<!doctype html><script type="module" src="./assets/index-1.js"></script>')
  writeFileSync(join(root, 'assets', 'index-1.js'), 'console.log(1)')
  writeFileSync(join(root, 'assets', 'index-1.css'), 'body{}')
  writeFileSync(join(root, 'favicon.svg'), '<svg/>')
  writeFileSync(join(dir, 'app', 'secret.txt'), 'SECRET')
  const handle = createAppProtocolHandler(root)
  const get = (url: string, method = 'GET') => handle(new Request(url, { method }))

  it('serves assets with their types and the CSP; HEAD without a body', async () => {
    for (const [path, type, body] of [
      ['assets/index-1.js', 'text/javascript; charset=utf-8', 'console.log(1)'],
      ['assets/index-1.css', 'text/css; charset=utf-8', 'body{}'],
      ['favicon.svg', 'image/svg+xml', '<svg/>']
    ]) {
      const res = await get(`app://digit-lab/${path}`)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('content-type'), path).toBe(type)
      expect(res.headers.get('content-security-policy'), path).toBe(CONTENT_SECURITY_POLICY)
      expect(await res.text(), path).toBe(body)
    }
    const head = await get('app://digit-lab/index.html', 'HEAD')
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
    expect((await get('app://digit-lab/assets')).status).toBe(404) // a folder is not a file
    expect((await get('app://digit-lab/missing.js')).status).toBe(404)
  })

  it('never reads the secret next to the folder, however the path is spelled', async () => {
    for (const url of [
      'app://digit-lab/../secret.txt',
      'app://digit-lab/..%2fsecret.txt',
      'app://digit-lab/%2e%2e%2fsecret.txt',
      'app://digit-lab/%2E%2E/secret.txt',
      'app://digit-lab/.%2e%2fsecret.txt',
      'app://digit-lab/assets/..%2f..%2fsecret.txt',
      'app://digit-lab/..%5csecret.txt',
      'app://digit-lab/%252e%252e%252fsecret.txt',
      'app://digit-lab/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
      'app://digit-lab/%E0%A4%A', // not valid percent-encoding
      'app://digit-lab/secret.txt%00'
    ]) {
      const res = await get(url)
      expect(res.status, url).toBeGreaterThanOrEqual(400)
      expect(await res.text(), url).not.toContain('SECRET')
    }
    expect((await get('app://digit-lab/..%2fsecret.txt')).status).toBe(403)
  })
})

describe('isTrustedUrl', () => {
  it('trusts app://digit-lab when built, and only the dev server in development', () => {
    expect(isTrustedUrl('app://digit-lab/index.html#/train', undefined)).toBe(true)
    for (const url of ['file:///home/me/digit-lab/out/renderer/index.html', 'app://other/', 'http://localhost:5173/', undefined, 'not a url'])
      expect(isTrustedUrl(url, undefined), String(url)).toBe(false)
    const dev = 'http://localhost:5173/'
    expect(isTrustedUrl('http://localhost:5173/#/runs', dev)).toBe(true)
    for (const url of [
      'http://localhost:5174/',
      'http://localhost:5173.evil.example/',
      'https://localhost:5173/',
      'app://digit-lab/index.html',
      'file:///index.html'
    ])
      expect(isTrustedUrl(url, dev), url).toBe(false)
  })
})

describe('preload', () => {
  it('exposes exactly the contract (and an event subscription) as window.lab, never ipcRenderer', async () => {
    await import('../../../../src/preload/index')
    expect(Object.keys(fake.exposed)).toEqual(['lab'])
    const lab = bridge() as LabBridge & Record<string, unknown>
    expect(Object.keys(lab).sort()).toEqual([...REQUEST_NAMES, 'onEvents'].sort())
    for (const name of REQUEST_NAMES) expect(typeof lab[name]).toBe('function')
    expect(lab).not.toHaveProperty('invoke')
    expect(lab).not.toHaveProperty('send')
    await makeClient()
    expect(api().transport).toBe('ipc')
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
    const { runId } = await lab.startRun({
      name: 'over IPC',
      architecture: { preset: 'mlp', hidden: [16] },
      epochs: 1,
      limitTrain: 200,
      limitTest: 50,
      batchSize: 20
    })
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
    expect(await failure(lab.getRun({ runId: 'one' as never }))).toMatchObject({ kind: 'invalid' })

    const [{ id: runId }] = await lab.listRuns()
    const own = fake.renderer!
    expect(own.url).toBe(APP_ENTRY)
    const strangers = [
      { contents: own.contents, url: 'https://evil.example/' }, // a foreign page in the window
      { contents: own.contents, url: 'http://evil.example/index.html' },
      { contents: own.contents, url: pathToFileURL(join(process.cwd(), 'out/renderer/index.html')).href }, // a file:// frame, even of the app's own build
      { contents: own.contents, url: 'app://other/index.html' }, // another app:// host
      { contents: {}, url: own.url } // another window showing the app's page
    ]
    try {
      for (const stranger of strangers) {
        fake.renderer = stranger
        await expect(lab.listRuns()).rejects.toThrow('request refused: it did not come from the Digit Lab window')
        await expect(lab.deleteRun({ runId })).rejects.toThrow('request refused: it did not come from the Digit Lab window')
        expect(await failure(lab.listRuns())).toMatchObject({ request: 'listRuns', kind: 'invalid' })
      }
    } finally {
      fake.renderer = own
    }
    expect(await lab.getRun({ runId })).toMatchObject({ id: runId, status: 'completed' })
  })

  it('keeps the kind of every error across main, the preload, the contextBridge and the client', async () => {
    const lab = api()
    const [{ id: runId }] = await lab.listRuns()
    // window.lab resolves with the envelope: data, which the contextBridge copies whole.
    expect(await bridge().getRun({ runId: 999 })).toEqual({ ok: false, error: 'run 999 does not exist', kind: 'missing' })
    // The client raises it as a LabRequestError that names the request and keeps the kind.
    const cases = [
      [lab.getRun({ runId: 999 }), { request: 'getRun', kind: 'missing', message: 'run 999 does not exist' }],
      [lab.startRun({ batchSize: 0 }), { request: 'startRun', kind: 'invalid', message: 'Invalid settings: Batch size must be at least 1' }],
      [lab.pauseRun({ runId }), { request: 'pauseRun', kind: 'conflict', message: `run ${runId} is not training in this lab` }]
    ] as const
    for (const [request, expected] of cases) {
      const err = await failure(request)
      expect(err, expected.request).toBeInstanceOf(LabRequestError)
      expect(err, expected.request).toMatchObject(expected)
    }
    // What the preload did before: a kind thrown across the bridge arrives without it.
    const thrown = (
      fake.acrossBridge(async () => Promise.reject(new LabRequestError('getRun', 'run 999 does not exist', 'missing'))) as () => Promise<unknown>
    )()
    const lost = await failure(thrown)
    expect(lost).not.toBeInstanceOf(LabRequestError)
    expect(lost).toMatchObject({ message: 'run 999 does not exist' })
    expect(lost).not.toHaveProperty('kind')
  })

  it('quitting from the menu (will-quit, no window-all-closed) holds the quit until the lab is closed, then quits once', async () => {
    const held = vi.fn()
    await fake.appListeners.get('will-quit')!({ preventDefault: held })
    expect(held).toHaveBeenCalledTimes(1)
    await expect.poll(() => fake.state.quit).toBe(1)
    expect(fake.handlers.size).toBe(0)
    // Main is gone: IPC's own refusal comes back as a failure, with Electron's words.
    const closed = await failure(api().listRuns())
    expect(closed).toBeInstanceOf(LabRequestError)
    expect(closed).toMatchObject({ request: 'listRuns', kind: 'failed', message: expect.stringContaining("No handler registered for 'lab:listRuns'") })
    // app.quit() fires will-quit again: this time the lab is closed and nothing holds it.
    const again = vi.fn()
    await fake.appListeners.get('will-quit')!({ preventDefault: again })
    expect(again).not.toHaveBeenCalled()
    expect(fake.state.quit).toBe(1)
  })
})

describe('the app as Electron names and packages it', () => {
  it("is called what the CLI's default database path assumes, so both find one history", () => {
    // Electron names the app (and its userData folder) after package.json's productName, else its name.
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { productName?: string }
    expect(pkg.productName).toBe(APP_NAME)
  })

  it('declares the fuses packaging must flip', () => {
    // electron-builder is not installed here: this reads what the config declares, it cannot flip anything.
    const config = readFileSync('electron-builder.yml', 'utf8')
    const block = /^electronFuses:\n((?:[ \t]+.*\n)+)/m.exec(config)?.[1] ?? ''
    const fuses = Object.fromEntries([...block.matchAll(/^\s+(\w+):\s*(true|false)\s*$/gm)].map((m) => [m[1], m[2] === 'true']))
    expect(fuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false
    })
    expect(config).toMatch(/^asar: true$/m)
  })
})
