// The window's page comes from app://digit-lab/, not file://: a file:// page shares its origin
// with every file on the disk, app://digit-lab is an origin of its own that serves only the built
// renderer, with the CSP on every response. Requests never reach the network.
import type { CustomScheme } from 'electron'
import { readFile, stat } from 'node:fs/promises'
import { CONTENT_SECURITY_POLICY } from '../api/csp'
import { contentTypeOf, staticFile } from '../api/static-files'

export const APP_SCHEME = 'app'
export const APP_HOST = 'digit-lab'
export const APP_ENTRY = `${APP_SCHEME}://${APP_HOST}/index.html`

/**
 * Registered before `ready` (Electron's rule). standard: relative URLs and a real origin, so
 * 'self' in the CSP means this host; secure: a secure context like https; supportFetchAPI: the
 * page may fetch its own files. Not corsEnabled: no other origin may read from it, and
 * no bypassCSP.
 */
export const APP_SCHEME_PRIVILEGES: CustomScheme = { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }

/** Whether a URL is on the app's own origin (host compared whole: no port, no other host). */
export function isAppUrl(url: URL): boolean {
  return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST
}

const HEADERS = { 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' }

function refuse(status: number, message: string): Response {
  return new Response(message, { status, headers: { ...HEADERS, 'content-type': 'text/plain; charset=utf-8' } })
}

/** The handler for protocol.handle(APP_SCHEME): files under `root` only, read with GET or HEAD. */
export function createAppProtocolHandler(root: string): (request: Request) => Promise<Response> {
  return async (request) => {
    let url: URL
    try {
      url = new URL(request.url)
    } catch {
      return refuse(400, 'bad URL')
    }
    if (!isAppUrl(url)) return refuse(404, 'unknown host')
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(405, 'the app is read with GET')
    // Chromium sends app://digit-lab as app://digit-lab/; a bare parse leaves the path empty.
    const file = staticFile(root, url.pathname || '/')
    if (!file) return refuse(403, 'path outside the app')
    try {
      if (!(await stat(file)).isFile()) return refuse(404, 'not found')
      const body = request.method === 'HEAD' ? null : new Uint8Array(await readFile(file))
      return new Response(body, { status: 200, headers: { ...HEADERS, 'content-type': contentTypeOf(file) } })
    } catch {
      return refuse(404, 'not found')
    }
  }
}
