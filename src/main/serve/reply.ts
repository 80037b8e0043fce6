// Answers and refusals shared by the routes. Errors are JSON like the API's own replies, so the
// page can show the message whichever layer refused.
import type { ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { STATUS_CODES } from 'node:http'

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

/** Sent on every response: no sniffing, no framing, no Referer leaving the page. */
export const BASE_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY'
}

export function send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    ...BASE_HEADERS,
    'content-type': 'application/json',
    'cache-control': 'no-store',
    // A 413 comes before the body was read: closing is what stops the client sending the rest.
    ...(status === 413 ? { connection: 'close' } : {}),
    ...headers
  })
  res.end(JSON.stringify(body))
}

export function sendError(res: ServerResponse, err: unknown): void {
  const status = err instanceof HttpError ? err.status : 500
  if (res.headersSent) res.destroy()
  else send(res, status, { ok: false, error: (err as Error).message })
}

/** Refuses a WebSocket upgrade with a readable HTTP answer: the raw socket has no ServerResponse. */
export function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ ok: false, error: message })
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  )
}
