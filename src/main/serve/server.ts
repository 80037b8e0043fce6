// The lab over HTTP + WebSocket for browsers: loopback by default, Host and Origin checked on
// every request, a random token on the API and the event stream, the built renderer as static
// files. Requests go through the same dispatch as IPC.
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { EVENTS_PATH } from '@shared/channels'
import type { Dispatch } from '../api/dispatch'
import type { Lab } from '../lab/lab'
import { API_PREFIX, handleApi } from './api-route'
import { createGuard, hostNames, newToken, WILDCARD_HOSTS } from './auth'
import { createEventsSocket } from './events-socket'
import { HttpError, refuseUpgrade, sendError } from './reply'
import { serveStatic } from './static-files'

export interface ServeOptions {
  lab: Lab
  dispatch: Dispatch
  staticDir: string
  port?: number
  host?: string
  /** Other names the server may be reached by (Host header), e.g. a machine's DNS name. */
  allowHosts?: readonly string[]
  token?: string
  maxBodyBytes?: number
}

export interface RunningServer {
  /** Opens the app: the token is in the fragment, which browsers never send to a server. */
  url: string
  port: number
  host: string
  token: string
  /** The Host header values accepted, for telling the user how the lab can be reached. */
  names: string[]
  close(): Promise<void>
}

/** null for a request target URL cannot parse: thrown in the upgrade listener, it would end the process. */
function pathnameOf(rawUrl: string | undefined): string | null {
  try {
    return new URL(rawUrl ?? '/', 'http://localhost').pathname
  } catch {
    return null
  }
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? newToken()
  const root = resolve(options.staticDir)
  const limit = options.maxBodyBytes ?? 1_000_000
  if (!existsSync(join(root, 'index.html'))) throw new Error(`no built renderer in ${root}: run "npm run build" first`)

  const server = createServer()
  // A malformed request (bad headers, a reset mid-request) costs that client its connection only.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n')
    else socket.destroy()
  })
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', fail)
      ok()
    })
  })
  server.on('error', (err) => process.stderr.write(`serve: ${err.message}\n`))
  // Handlers attach once the port is known (port 0 picks one), before any connection is read.
  const port = (server.address() as AddressInfo).port
  const names = hostNames({ host, port, allowHosts: options.allowHosts })
  const guard = createGuard(token, names)
  const events = createEventsSocket(options.lab)

  server.on('request', async (req, res) => {
    try {
      const refusal = guard.checkSite(req)
      if (refusal) throw new HttpError(refusal.status, refusal.message)
      const pathname = pathnameOf(req.url)
      if (pathname === null) throw new HttpError(400, 'unreadable request path')
      if (pathname.startsWith(API_PREFIX)) {
        const denied = guard.checkToken(req)
        if (denied) throw new HttpError(denied.status, denied.message)
        await handleApi(options.dispatch, limit, req, res, pathname)
      } else serveStatic(root, req, res, pathname)
    } catch (err) {
      sendError(res, err)
    }
  })

  server.on('upgrade', (req, socket, head) => {
    // Node removes its own error handler from upgraded sockets: a reset here would be uncaught.
    socket.on('error', () => socket.destroy())
    if (pathnameOf(req.url) !== EVENTS_PATH) return refuseUpgrade(socket, 404, 'no WebSocket here')
    const refusal = guard.checkSite(req) ?? guard.checkToken(req)
    if (refusal) return refuseUpgrade(socket, refusal.status, refusal.message)
    events.accept(req, socket, head)
  })

  // On every interface, the URL that works here and through an SSH tunnel.
  const shownHost = WILDCARD_HOSTS.includes(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return {
    url: `http://${shownHost}:${port}/#token=${token}`,
    port,
    host,
    token,
    names: [...names],
    close: async () => {
      events.close()
      server.closeAllConnections()
      await new Promise<void>((ok) => server.close(() => ok()))
    }
  }
}
