// Who may talk to serve mode. Three independent checks, because each stops a different attacker:
// - Host: a page on a rebound DNS name reaches our socket but cannot claim one of our names.
// - Origin: a page on another local port (same site, so it shares cookies and is not blocked by
//   SameSite) must not use the API or read the event stream, even if it learned the token.
// - Token: other programs and users (on this machine, or anywhere with --host) lack the secret.
// The token never travels in a cookie or a query string: cookies ignore ports, and query strings
// end up in logs and history. Browsers send it in a header (API) or a subprotocol (WebSocket).
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { hostname as osHostname, networkInterfaces as osNetworkInterfaces, type NetworkInterfaceInfo } from 'node:os'
import { tokenProtocol, TOKEN_HEADER } from '@shared/channels'

const TOKEN_PROTOCOL_PREFIX = tokenProtocol('')

export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1']
export const WILDCARD_HOSTS = ['0.0.0.0', '::']

export function newToken(): string {
  return randomBytes(24).toString('base64url')
}

export function sameToken(given: string | undefined | null, token: string): boolean {
  if (!given) return false
  const x = Buffer.from(given)
  const y = Buffer.from(token)
  return x.length === y.length && timingSafeEqual(x, y)
}

export interface HostNamesOptions {
  /** The address the server listens on. */
  host: string
  port: number
  /** Extra names (a reverse proxy's, a machine's DNS name), with or without ":port". */
  allowHosts?: readonly string[]
  /** Injected by tests; the machine's own otherwise. */
  interfaces?: NodeJS.Dict<NetworkInterfaceInfo[]>
  hostname?: string
}

const bracketed = (address: string) => (address.includes(':') && !address.startsWith('[') ? `[${address}]` : address)

/**
 * Every Host header value the server answers to: its names with the port, and bare when the
 * port is 80 (browsers leave the default port out of Host and Origin).
 */
export function hostNames({ host, port, allowHosts = [], interfaces, hostname }: HostNamesOptions): Set<string> {
  const h = host.toLowerCase()
  let names: string[]
  if (h === '127.0.0.1' || h === 'localhost') names = ['127.0.0.1', 'localhost']
  else if (h === '::1' || h === '[::1]') names = ['[::1]', 'localhost']
  else if (WILDCARD_HOSTS.includes(h)) {
    // "::" also accepts IPv4 (Node listens dual-stack), "0.0.0.0" only IPv4.
    const families = h === '::' ? ['IPv4', 'IPv6'] : ['IPv4']
    const addresses = Object.values(interfaces ?? osNetworkInterfaces())
      .flat()
      .filter((i): i is NetworkInterfaceInfo => !!i && families.includes(String(i.family)))
      .map((i) => bracketed(i.address.toLowerCase()))
    names = [...addresses, 'localhost', (hostname ?? osHostname()).toLowerCase()]
  } else names = [bracketed(h)]
  const out = new Set<string>()
  for (const name of names) {
    out.add(`${name}:${port}`)
    if (port === 80) out.add(name)
  }
  for (const raw of allowHosts) {
    const name = raw.trim().toLowerCase()
    if (!name) continue
    // "name:port" (or "[v6]:port") is taken as written; a bare name gets our port.
    if (/^\[.*\]:\d+$|^[^:]+:\d+$/.test(name)) out.add(name)
    else {
      out.add(`${bracketed(name)}:${port}`)
      if (port === 80) out.add(bracketed(name))
    }
  }
  return out
}

export type Refusal = { status: 421 | 403 | 401; message: string }

export interface Guard {
  /** Checks for every request, static files included: right Host, no foreign Origin. */
  checkSite(req: IncomingMessage): Refusal | null
  /** The API and the event stream also need the token. */
  checkToken(req: IncomingMessage): Refusal | null
}

/** The token from the header (API, non-browser clients) or the WebSocket subprotocol list (browsers). */
export function tokenOf(req: IncomingMessage): string | undefined {
  const header = req.headers[TOKEN_HEADER]
  if (typeof header === 'string') return header
  for (const p of String(req.headers['sec-websocket-protocol'] ?? '').split(',')) {
    const protocol = p.trim()
    if (protocol.startsWith(TOKEN_PROTOCOL_PREFIX)) return protocol.slice(TOKEN_PROTOCOL_PREFIX.length)
  }
  return undefined
}

export function createGuard(token: string, names: Set<string>): Guard {
  // Serve mode speaks plain HTTP, so its pages' origin is always http://<one of its Host names>.
  const origins = new Set([...names].map((n) => `http://${n}`))
  return {
    checkSite(req) {
      if (!names.has((req.headers.host ?? '').toLowerCase()))
        return { status: 421, message: 'unexpected Host header: start serve with --allow-host NAME to use another name' }
      const origin = req.headers.origin
      // No Origin: not a browser page (curl, Node, a same-origin GET); the token still decides.
      if (origin !== undefined && !origins.has(origin.toLowerCase())) return { status: 403, message: 'requests from other origins are refused' }
      return null
    },
    checkToken(req) {
      return sameToken(tokenOf(req), token) ? null : { status: 401, message: 'missing or wrong token: open the URL that "npm run serve" printed' }
    }
  }
}
