// The lab over HTTP + WebSocket for browsers: loopback by default, a random token on every
// request, the built renderer as static files. Requests go through the same dispatch as IPC.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, isAbsolute, join, relative, resolve } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { EVENTS_PATH } from '@shared/channels'
import type { ErrorKind } from '@shared/contract'
import type { Dispatch } from '../api/dispatch'
import { coalesce } from '../api/coalesce'
import type { Lab } from '../lab/lab'
import { CONTENT_SECURITY_POLICY } from '../api/csp'

export interface ServeOptions {
  lab: Lab
  dispatch: Dispatch
  staticDir: string
  port?: number
  host?: string
  token?: string
  maxBodyBytes?: number
}

export interface RunningServer {
  url: string
  port: number
  host: string
  token: string
  close(): Promise<void>
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm'
}

const COOKIE = 'digit_lab_token'

const STATUS_OF: Record<ErrorKind, number> = { unknown: 404, invalid: 400, missing: 404, conflict: 409, failed: 500 }

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

function sameToken(a: string | undefined | null, b: string): boolean {
  if (!a) return false
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === COOKIE) return v.join('=')
  }
  return undefined
}

function send(res: ServerResponse, status: number, body: string | object, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'cache-control': 'no-store',
    ...(status === 413 ? { connection: 'close' } : {}),
    ...headers
  })
  res.end(text)
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const tooBig = () => new HttpError(413, `request body over ${limit} bytes`)
    // An oversized body is read and thrown away, not kept: the client then gets the 413 cleanly.
    if (Number(req.headers['content-length'] ?? 0) > limit) {
      req.resume()
      return reject(tooBig())
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        chunks.length = 0
        reject(tooBig())
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** Resolves a URL path inside `root`, or null when it would escape it. */
export function staticFile(root: string, urlPath: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const file = resolve(root, `.${decoded === '/' ? '/index.html' : decoded}`)
  const rel = relative(root, file)
  if (rel.startsWith('..') || isAbsolute(rel)) return null
  return file
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? randomBytes(24).toString('base64url')
  const root = resolve(options.staticDir)
  const limit = options.maxBodyBytes ?? 1_000_000
  if (!existsSync(join(root, 'index.html'))) throw new Error(`no built renderer in ${root}: run "npm run build" first`)
  let port = options.port ?? 0

  // The Host check defeats DNS rebinding: a page elsewhere cannot reach us by renaming itself.
  const allowedHost = (req: IncomingMessage) => {
    const h = (req.headers.host ?? '').toLowerCase()
    const names = host === '127.0.0.1' || host === 'localhost' ? ['127.0.0.1', 'localhost'] : host === '::1' ? ['[::1]', 'localhost'] : [host.toLowerCase()]
    return names.some((n) => h === `${n}:${port}`)
  }
  const authorised = (req: IncomingMessage, url: URL) =>
    sameToken(url.searchParams.get('token'), token) || sameToken(req.headers['x-digit-lab-token'] as string | undefined, token) || sameToken(cookieToken(req), token)

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost')
      if (!allowedHost(req)) throw new HttpError(421, 'unexpected Host header')
      if (!authorised(req, url)) throw new HttpError(401, 'missing or wrong token: open the URL that "npm run serve" printed')
      res.setHeader('x-content-type-options', 'nosniff')
      res.setHeader('referrer-policy', 'no-referrer')
      res.setHeader('x-frame-options', 'DENY')
      if (url.pathname.startsWith('/api/')) {
        if (req.method !== 'POST') throw new HttpError(405, 'API requests use POST')
        if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, 'API requests send application/json')
        const text = await readBody(req, limit)
        let payload: unknown
        try {
          payload = text ? JSON.parse(text) : undefined
        } catch {
          throw new HttpError(400, 'request body is not valid JSON')
        }
        const reply = await options.dispatch(url.pathname.slice('/api/'.length), payload)
        send(res, reply.ok ? 200 : STATUS_OF[reply.kind], reply)
        return
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'static files are read with GET')
      const file = staticFile(root, url.pathname)
      if (!file) throw new HttpError(403, 'path outside the app')
      if (!existsSync(file) || !statSync(file).isFile()) throw new HttpError(404, 'not found')
      const type = MIME[extname(file)] ?? 'application/octet-stream'
      const headers: Record<string, string> = { 'content-type': type, 'cache-control': 'no-cache' }
      if (type.startsWith('text/html')) {
        headers['content-security-policy'] = CONTENT_SECURITY_POLICY
        // The token moves from the URL into a cookie the page's own requests (scripts, styles) carry.
        headers['set-cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`
      }
      res.writeHead(200, headers)
      if (req.method === 'HEAD') res.end()
      else createReadStream(file).pipe(res)
    } catch (err) {
      const status = err instanceof HttpError ? err.status : 500
      if (!res.headersSent) send(res, status, { ok: false, error: (err as Error).message })
      else res.destroy()
    }
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 })
  const sockets = new Set<WebSocket>()
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname !== EVENTS_PATH || !allowedHost(req) || !authorised(req, url)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws)
      ws.on('close', () => sockets.delete(ws))
    })
  })
  const events = coalesce((batch) => {
    const text = JSON.stringify(batch)
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text)
  })
  const unsubscribe = options.lab.subscribe((e) => events.push(e))

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(port, host, () => ok())
  })
  port = (server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    host,
    token,
    close: async () => {
      unsubscribe()
      events.close()
      for (const ws of sockets) ws.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((ok) => server.close(() => ok()))
    }
  }
}
