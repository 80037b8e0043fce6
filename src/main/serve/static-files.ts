// The built renderer, read-only. It is public code, so it needs no token: a page that cannot
// load without the secret would have to carry it in a cookie, and cookies ignore ports.
import { createReadStream, existsSync, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { pipeline } from 'node:stream'
import { CONTENT_SECURITY_POLICY } from '../api/csp'
import { contentTypeOf, staticFile } from '../api/static-files'
import { BASE_HEADERS, HttpError } from './reply'

export function serveStatic(root: string, req: IncomingMessage, res: ServerResponse, pathname: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'static files are read with GET')
  const file = staticFile(root, pathname)
  if (!file) throw new HttpError(403, 'path outside the app')
  if (!existsSync(file) || !statSync(file).isFile()) throw new HttpError(404, 'not found')
  const type = contentTypeOf(file)
  const headers: Record<string, string> = { ...BASE_HEADERS, 'content-type': type, 'cache-control': 'no-cache' }
  if (type.startsWith('text/html')) headers['content-security-policy'] = CONTENT_SECURITY_POLICY
  res.writeHead(200, headers)
  if (req.method === 'HEAD') res.end()
  // pipeline, not pipe: a read error (file replaced by a rebuild) must end this response, not the process.
  else pipeline(createReadStream(file), res, () => {})
}
