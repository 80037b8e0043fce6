// Serve mode's client in the page, run in Node with the browser's globals stubbed: where the token
// comes from and where it goes, and how the event stream comes back after it drops. Timers are
// fake, so the reconnect backoff is stepped through, never waited out.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { LabBridge, LabEventBatch } from '../../../../src/shared/contract'
import type { LabEvent } from '../../../../src/shared/run-types'

// The client and token modules read browser globals, so the Node typecheck (no DOM library) cannot
// take them in; vue-tsc checks them. Loaded by path here, typed by the contract they implement.
const CLIENT_MODULE = '../../../../src/renderer/src/api/client'
const TOKEN_MODULE = '../../../../src/renderer/src/api/token'
type ClientModule = { lab(): LabBridge & { transport: 'ipc' | 'http' } }
type TokenModule = { SERVE_TOKEN: string }

const TOKEN_KEY = 'digit-lab-token'

/** A WebSocket whose life the test decides: it opens, receives and drops when told to. */
class FakeSocket {
  static readonly CONNECTING = 0
  static readonly OPEN = 1
  static readonly CLOSING = 2
  static readonly CLOSED = 3
  static made: FakeSocket[] = []
  readyState = FakeSocket.CONNECTING
  onopen: (() => void) | null = null
  onmessage: ((m: { data: string }) => void) | null = null
  onclose: (() => void) | null = null
  constructor(
    readonly url: string,
    readonly protocols: string[]
  ) {
    FakeSocket.made.push(this)
  }
  open() {
    this.readyState = FakeSocket.OPEN
    this.onopen?.()
  }
  receive(batch: LabEventBatch) {
    this.onmessage?.({ data: JSON.stringify(batch) })
  }
  drop() {
    this.readyState = FakeSocket.CLOSED
    this.onclose?.()
  }
  static last(): FakeSocket {
    const s = FakeSocket.made[FakeSocket.made.length - 1]
    if (!s) throw new Error('no WebSocket was made')
    return s
  }
}

function memoryStorage() {
  const items = new Map<string, string>()
  return {
    items,
    getItem: (k: string) => items.get(k) ?? null,
    setItem: (k: string, v: string) => void items.set(k, String(v)),
    removeItem: (k: string) => void items.delete(k)
  }
}

let storage: ReturnType<typeof memoryStorage>
let replaceState: ReturnType<typeof vi.fn>
let fetchMock: ReturnType<typeof vi.fn>

/** A page load at `href`: fresh modules, the same localStorage as the previous load. */
async function load(href: string): Promise<ClientModule & TokenModule> {
  vi.stubGlobal('window', { location: new URL(href), history: { replaceState } })
  vi.resetModules()
  const token = (await import(/* @vite-ignore */ TOKEN_MODULE)) as TokenModule
  const client = (await import(/* @vite-ignore */ CLIENT_MODULE)) as ClientModule
  return { ...client, SERVE_TOKEN: token.SERVE_TOKEN }
}

const jsonHeaders = { get: (name: string) => (name.toLowerCase() === 'content-type' ? 'application/json' : null) }
const reply = (body: unknown, status = 200, statusText = 'OK') => ({ status, statusText, headers: jsonHeaders, json: async () => body })
const notJson = (status: number, statusText: string) => ({
  status,
  statusText,
  headers: { get: () => 'text/html' },
  json: async () => {
    throw new SyntaxError('Unexpected token < in JSON')
  }
})
const storeEvent = (error: string | null): LabEvent => ({ type: 'store', error, retrying: error != null, fileLost: null, rescuedTo: null })

beforeEach(() => {
  storage = memoryStorage()
  replaceState = vi.fn()
  fetchMock = vi.fn(async () => reply({ ok: true, value: [] }))
  FakeSocket.made = []
  vi.stubGlobal('localStorage', storage)
  vi.stubGlobal('fetch', fetchMock)
  vi.stubGlobal('WebSocket', FakeSocket)
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('the token', () => {
  it('is taken from #token=…, kept in localStorage and removed from the address bar', async () => {
    const { SERVE_TOKEN } = await load('http://127.0.0.1:5317/#token=s3cret')
    expect(SERVE_TOKEN).toBe('s3cret')
    expect(storage.items.get(TOKEN_KEY)).toBe('s3cret')
    expect(replaceState).toHaveBeenCalledTimes(1)
    expect(replaceState).toHaveBeenCalledWith(null, '', '/')
  })

  it('leaves the rest of the address as it was', async () => {
    await load('http://127.0.0.1:5317/app/?lang=en#token=s3cret&from=7')
    expect(replaceState).toHaveBeenCalledWith(null, '', '/app/?lang=en#from=7')
    expect(replaceState.mock.calls[0][2]).not.toMatch(/s3cret/)
  })

  it('is reused from localStorage on a second load without a fragment, which leaves the address alone', async () => {
    await load('http://127.0.0.1:5317/#token=first')
    replaceState.mockClear()
    const { SERVE_TOKEN, lab } = await load('http://127.0.0.1:5317/#/runs/3')
    expect(SERVE_TOKEN).toBe('first')
    expect(replaceState).not.toHaveBeenCalled()
    await lab().listRuns()
    expect(fetchMock.mock.calls[0][1].headers['x-digit-lab-token']).toBe('first')
  })

  it('is replaced by a newer one in the fragment (the server restarted with a new token)', async () => {
    await load('http://127.0.0.1:5317/#token=old')
    const { SERVE_TOKEN } = await load('http://127.0.0.1:5317/#token=new')
    expect(SERVE_TOKEN).toBe('new')
    expect(storage.items.get(TOKEN_KEY)).toBe('new')
  })

  it('rides on every request as the x-digit-lab-token header, never in the URL', async () => {
    const { lab } = await load('http://127.0.0.1:5317/#token=s3cret')
    fetchMock.mockResolvedValueOnce(reply({ ok: true, value: { ok: true } }))
    await expect(lab().pauseRun({ runId: 4 })).resolves.toEqual({ ok: true })
    const [url, init] = fetchMock.mock.calls[0]
    expect(url).toBe('/api/pauseRun')
    expect(init).toMatchObject({ method: 'POST', headers: { 'content-type': 'application/json', 'x-digit-lab-token': 's3cret' } })
    expect(JSON.parse(init.body)).toEqual({ runId: 4 })
    expect(lab().transport).toBe('http')
  })

  it('rides on the event socket as the digit-lab.<token> subprotocol, beside digit-lab', async () => {
    const { lab } = await load('http://127.0.0.1:5317/#token=s3cret')
    lab().onEvents(() => {})
    expect(FakeSocket.made).toHaveLength(1)
    expect(FakeSocket.last().url).toBe('ws://127.0.0.1:5317/api/events')
    expect(FakeSocket.last().protocols).toEqual(['digit-lab', 'digit-lab.s3cret'])
  })

  it('uses wss:// on a page served over https', async () => {
    const { lab } = await load('https://lab.example.org:8443/#token=s3cret')
    lab().onEvents(() => {})
    expect(FakeSocket.last().url).toBe('wss://lab.example.org:8443/api/events')
  })
})

/** The error a request rejected with, and the LabRequestError class the client was loaded with (fails if it resolved). */
async function failure(
  request: Promise<unknown>
): Promise<{ err: unknown; LabRequestError: typeof import('../../../../src/shared/lab-request-error').LabRequestError }> {
  // Loaded after load() reset the modules: the class the client raises, not an older copy of it.
  const { LabRequestError } = await import('../../../../src/shared/lab-request-error')
  const err = await request.then(
    (v) => {
      throw new Error(`resolved with ${JSON.stringify(v)}`)
    },
    (e: unknown) => e
  )
  return { err, LabRequestError }
}

describe('replies', () => {
  it("turns an error reply into a LabRequestError with the server's message, the request and the kind", async () => {
    const { lab } = await load('http://127.0.0.1:5317/#token=s3cret')
    const cases = [
      [{ ok: false, error: 'Run 9 does not exist', kind: 'missing' }, 404, 'Not Found', 'getRun'],
      [{ ok: false, error: 'Invalid getRun request: runId must be a number', kind: 'invalid' }, 400, 'Bad Request', 'getRun'],
      [{ ok: false, error: 'run 9 is not training in this lab', kind: 'conflict' }, 409, 'Conflict', 'pauseRun'],
      [{ ok: false, error: 'disk I/O error', kind: 'failed' }, 500, 'Internal Server Error', 'listRuns']
    ] as const
    for (const [body, status, statusText, name] of cases) {
      fetchMock.mockResolvedValueOnce(reply(body, status, statusText))
      const { err, LabRequestError } = await failure(name === 'listRuns' ? lab().listRuns() : lab()[name]({ runId: 9 }))
      expect(err, body.kind).toBeInstanceOf(LabRequestError)
      expect(err, body.kind).toMatchObject({ name: 'LabRequestError', request: name, kind: body.kind, message: body.error })
    }
  })

  it('gives a refusal that names no kind (the guards before the dispatch) one from its HTTP status', async () => {
    const { lab } = await load('http://127.0.0.1:5317/#token=s3cret')
    fetchMock.mockResolvedValueOnce(reply({ ok: false, error: 'missing or wrong token: open the URL that "npm run serve" printed' }, 401, 'Unauthorized'))
    expect((await failure(lab().listRuns())).err).toMatchObject({
      request: 'listRuns',
      kind: 'invalid',
      message: 'missing or wrong token: open the URL that "npm run serve" printed'
    })
    fetchMock.mockResolvedValueOnce(reply({ ok: false, error: 'request body over 1048576 bytes' }, 413, 'Payload Too Large'))
    expect((await failure(lab().predict({ runId: 1, pixels: [0] }))).err).toMatchObject({ request: 'predict', kind: 'invalid' })
    fetchMock.mockResolvedValueOnce(reply({ ok: false, error: 'boom' }, 500, 'Internal Server Error'))
    expect((await failure(lab().listRuns())).err).toMatchObject({ kind: 'failed', message: 'boom' })
  })

  it('says which request got an answer that is not the lab’s, and its HTTP status: a failure', async () => {
    const { lab } = await load('http://127.0.0.1:5317/#token=s3cret')
    fetchMock.mockResolvedValueOnce(notJson(502, 'Bad Gateway'))
    const { err, LabRequestError } = await failure(lab().listRuns())
    expect(err).toBeInstanceOf(LabRequestError)
    expect(err).toMatchObject({ request: 'listRuns', kind: 'failed', message: 'listRuns: the lab answered 502 Bad Gateway' })
  })

  it('fails with the browser’s words when the lab cannot be reached', async () => {
    const { lab } = await load('http://127.0.0.1:5317/#token=s3cret')
    fetchMock.mockRejectedValueOnce(new TypeError('Failed to fetch'))
    expect((await failure(lab().getRun({ runId: 3 }))).err).toMatchObject({ request: 'getRun', kind: 'failed', message: 'Failed to fetch' })
  })
})

describe('the event stream', () => {
  it('runs onOpen on every (re)open and delivers events again after a reconnect', async () => {
    vi.useFakeTimers()
    const { lab } = await load('http://127.0.0.1:5317/#token=s3cret')
    const got: LabEventBatch[] = []
    const onOpen = vi.fn()
    lab().onEvents((b) => got.push(b), onOpen)
    expect(onOpen).not.toHaveBeenCalled()
    FakeSocket.last().open()
    expect(onOpen).toHaveBeenCalledTimes(1)
    FakeSocket.last().receive([storeEvent('locked')])
    expect(got).toEqual([[storeEvent('locked')]])

    FakeSocket.last().drop()
    // The first retry waits 500 ms: not a socket before that.
    vi.advanceTimersByTime(499)
    expect(FakeSocket.made).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(FakeSocket.made).toHaveLength(2)
    expect(FakeSocket.last().protocols).toEqual(['digit-lab', 'digit-lab.s3cret'])
    expect(onOpen).toHaveBeenCalledTimes(1)
    FakeSocket.last().open()
    // Events may have been missed while down: the store reads its snapshot again here.
    expect(onOpen).toHaveBeenCalledTimes(2)
    FakeSocket.last().receive([storeEvent(null)])
    expect(got).toEqual([[storeEvent('locked')], [storeEvent(null)]])
  })

  it('backs off, doubling to at most 5 s while the server stays away, and starts over once it is back', async () => {
    vi.useFakeTimers()
    const { lab } = await load('http://127.0.0.1:5317/#token=s3cret')
    lab().onEvents(() => {})
    FakeSocket.last().open()
    const waits: number[] = []
    for (let i = 0; i < 7; i++) {
      const before = FakeSocket.made.length
      FakeSocket.last().drop()
      let waited = 0
      while (FakeSocket.made.length === before) {
        if (waited > 10_000) throw new Error(`no reconnect within 10 s after drop ${i + 1}`)
        vi.advanceTimersByTime(50)
        waited += 50
      }
      waits.push(waited)
    }
    expect(waits).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000])
    FakeSocket.last().open()
    FakeSocket.last().drop()
    vi.advanceTimersByTime(500)
    expect(FakeSocket.made).toHaveLength(9)
  })

  it('shares one socket between listeners; a listener added while it is open gets onOpen at once', async () => {
    const { lab } = await load('http://127.0.0.1:5317/#token=s3cret')
    const first: LabEventBatch[] = []
    const second: LabEventBatch[] = []
    lab().onEvents((b) => first.push(b))
    FakeSocket.last().open()
    const onOpen = vi.fn()
    const stop = lab().onEvents((b) => second.push(b), onOpen)
    expect(onOpen).toHaveBeenCalledTimes(1)
    expect(FakeSocket.made).toHaveLength(1)
    FakeSocket.last().receive([storeEvent('a')])
    stop()
    FakeSocket.last().receive([storeEvent('b')])
    expect(first).toEqual([[storeEvent('a')], [storeEvent('b')]])
    expect(second).toEqual([[storeEvent('a')]])
  })

  it('does not reconnect once nobody listens', async () => {
    vi.useFakeTimers()
    const { lab } = await load('http://127.0.0.1:5317/#token=s3cret')
    const stop = lab().onEvents(() => {})
    FakeSocket.last().open()
    stop()
    FakeSocket.last().drop()
    vi.advanceTimersByTime(60_000)
    expect(FakeSocket.made).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
  })
})
