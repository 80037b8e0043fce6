// The built renderer as files, for both shells that serve it: serve mode over HTTP and the
// desktop window over app://. One resolution, so neither can be talked out of the folder.
import { extname, isAbsolute, relative, resolve } from 'node:path'

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

export function contentTypeOf(file: string): string {
  return MIME[extname(file)] ?? 'application/octet-stream'
}

/**
 * Resolves a URL path inside `root`, or null when it would escape it. The path is decoded here,
 * after the URL parser removed its `..` segments, so an encoded `%2e%2e%2f` or `..%2f` is caught.
 */
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
