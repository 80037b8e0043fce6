// Answers and refusals shared by the routes. Errors are JSON like the API's own replies, so the
// page can show the message whichever layer refused.
import type { ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { STATUS_CODES } from 'node:http'
import { BYTES_REPLY_TYPE, encodeBytesReply } from '@shared/bytes-reply'
import type { Reply } from '@shared/contract'

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
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

/** Slices of this size at most go to the socket at a time, each after the last has drained. */
const CHUNK_BYTES = 1 << 20

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

/**
 * A reply with byte arrays in it (a model's weights), written as bytes straight from where they lie:
 * no base64, no JSON of them, and no more than a chunk waiting in the socket's buffer.
 */
export async function sendBytes(res: ServerResponse, status: number, reply: Reply<unknown>): Promise<void> {
  const { prefix, parts, byteLength } = encodeBytesReply(reply)
  res.writeHead(status, { ...BASE_HEADERS, 'content-type': BYTES_REPLY_TYPE, 'content-length': String(byteLength), 'cache-control': 'no-store' })
  for (const part of [prefix, ...parts]) {
    for (let at = 0; at < part.byteLength; at += CHUNK_BYTES) {
      if (res.destroyed) return
      if (!res.write(part.subarray(at, at + CHUNK_BYTES))) await drainedOrClosed(res)
    }
  }
  res.end()
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
