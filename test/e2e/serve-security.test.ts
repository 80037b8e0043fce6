// Serve mode's guards, over real HTTP and WebSocket against the real CLI on a temp database.
import { request } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { runTs } from '../helpers/node-child'
import { serve, type Served } from '../helpers/serve'
import { tempDir } from '../helpers/tmp'

const dir = tempDir()
let s: Served

beforeAll(async () => {
  s = await serve(join(dir, 'serve.db'))
})
afterAll(() => s?.stop())

/** Raw HTTP, so paths are sent exactly as written (fetch would normalise "../"). */
function raw(path: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const { port } = new URL(s.origin)
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      let body = ''
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }))
    })
    req.on('error', reject)
    if (init.body) req.write(init.body)
    req.end()
  })
}
const api = (name: string, body: unknown, token = s.token) =>
  raw(`/api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-digit-lab-token': token }, body: JSON.stringify(body) })

describe('serve mode', () => {
  it('prints a loopback URL with a long random token, and serves the app with it', async () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/)
    const page = await raw(`/?token=${s.token}`)
    expect(page.status).toBe(200)
    expect(page.body).toContain('<div id="app"></div>')
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'; script-src 'self'/)
    expect(page.headers['set-cookie']).toEqual([expect.stringMatching(/^digit_lab_token=.+; HttpOnly; SameSite=Strict; Path=\/$/)])
    const cookie = `digit_lab_token=${s.token}`
    const asset = /src="\.?(\/assets\/[^"]+\.js)"/.exec(page.body)![1]
    expect((await raw(asset, { headers: { cookie } })).status).toBe(200)
  })

  it('listens on 127.0.0.1 only: another loopback address finds nothing there', async () => {
    const { port } = new URL(s.origin)
    const reach = (host: string) =>
      new Promise<string>((resolve) => {
        const socket = connect({ host, port: Number(port) })
        socket.on('connect', () => {
          socket.destroy()
          resolve('connected')
        })
        socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message))
      })
    expect(await reach('127.0.0.1')).toBe('connected')
    // A server bound to all interfaces would answer here too.
    expect(await reach('127.0.0.2')).toBe('ECONNREFUSED')
  })

  it('says which port is taken instead of failing obscurely', async () => {
    const { port } = new URL(s.origin)
    const r = await runTs('src/main/serve/cli.ts', ['--port', port, '--db', join(dir, 'other.db')])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe(`digit-lab: port ${port} is already in use: choose another with --port N (0 picks a free one)\n`)
  })

  it('refuses requests without the token or with a wrong one', async () => {
    expect((await raw('/')).status).toBe(401)
    expect((await raw('/?token=wrong')).status).toBe(401)
    const almost = s.token.slice(0, -1) + (s.token.endsWith('X') ? 'Y' : 'X')
    expect((await raw(`/?token=${almost}`)).status).toBe(401)
    const noToken = await raw('/api/listRuns', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(noToken.status).toBe(401)
    expect(JSON.parse(noToken.body).error).toMatch(/missing or wrong token/)
    expect((await api('listRuns', {}, 'nope')).status).toBe(401)
    expect((await api('listRuns', {})).status).toBe(200)
  })

  it('keeps static files inside the renderer folder', async () => {
    const auth = { 'x-digit-lab-token': s.token }
    for (const path of ['/../package.json', '/assets/../../package.json', '/%2e%2e/%2e%2e/package.json', '/..%2f..%2fpackage.json', '/%2e%2e%5c..%5cpackage.json']) {
      const r = await raw(path, { headers: auth })
      expect([403, 404], path).toContain(r.status)
      expect(r.body, path).not.toContain('digit-lab')
    }
    expect((await raw('/%00', { headers: auth })).status).toBe(403)
  })

  it('refuses oversized bodies, wrong methods and a foreign Host header', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2_000_000) })
    const r = await raw('/api/startRun', { method: 'POST', headers: { 'content-type': 'application/json', 'x-digit-lab-token': s.token }, body: big })
    expect(r.status).toBe(413)
    expect((await raw('/api/listRuns', { headers: { 'x-digit-lab-token': s.token } })).status).toBe(405)
    const { port } = new URL(s.origin)
    expect((await raw('/', { headers: { 'x-digit-lab-token': s.token, host: `evil.example:${port}` } })).status).toBe(421)
  })

  it('validates payloads with the shared contract and answers with clear messages', async () => {
    const bad = await api('startRun', { learningRate: 0, epochs: 'two' })
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.body)).toEqual({ ok: false, kind: 'invalid', error: 'Invalid settings: Learning rate must be greater than 0; Epochs must be a number' })
    const rename = await api('renameRun', { runId: -1, name: '' })
    expect(JSON.parse(rename.body).error).toBe('Invalid renameRun request: runId must be greater than 0; Run name must not be empty')
    const missing = await api('getRun', { runId: 999 })
    expect(missing.status).toBe(404)
    expect(JSON.parse(missing.body)).toEqual({ ok: false, kind: 'missing', error: 'run 999 does not exist' })
    expect((await api('dropTables', {})).status).toBe(404)
    const notJson = await raw('/api/listRuns', { method: 'POST', headers: { 'content-type': 'application/json', 'x-digit-lab-token': s.token }, body: '{oops' })
    expect(notJson.status).toBe(400)
  })

  it('streams events over a WebSocket only with the token', async () => {
    const ws = (q: string) => new WebSocket(`${s.origin.replace('http', 'ws')}/api/events${q}`)
    const refused = await new Promise<string>((resolve) => {
      const w = ws('')
      w.on('open', () => resolve('open'))
      w.on('error', (e) => resolve(e.message))
      w.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)))
    })
    expect(refused).not.toBe('open')
    const good = ws(`?token=${s.token}`)
    await new Promise((resolve, reject) => {
      good.on('open', resolve)
      good.on('error', reject)
    })
    const batches: unknown[][] = []
    good.on('message', (m) => batches.push(JSON.parse(String(m))))
    const started = JSON.parse((await api('startRun', { architecture: { preset: 'mlp', hidden: [16] }, limitTrain: 600, limitTest: 100, batchSize: 10, epochs: 1 })).body)
    expect(started).toEqual({ ok: true, value: { runId: expect.any(Number) } })
    for (let i = 0; i < 400 && !batches.flat().some((e) => (e as { type: string }).type === 'finished'); i++) await new Promise((r) => setTimeout(r, 50))
    const events = batches.flat() as { type: string }[]
    expect(events.filter((e) => e.type === 'batch')).toHaveLength(60) // aggregated, none dropped
    expect(batches.length).toBeLessThan(60) // ...in fewer messages than batches
    expect(events.at(-1)!.type).toBe('finished')
    good.close()
  })
})
