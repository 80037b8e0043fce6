// POST /api/<request>: JSON in, the shared dispatch, JSON out (bytes out for a reply that carries
// a model's weights: see bytes-reply.ts). The guard has already checked
// Host, Origin and token before anything here reads the body.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { BYTES_REPLIES, type RequestName } from '@shared/channels'
import { IMPORT_BODY_BYTES, type ErrorKind } from '@shared/contract'
import type { Dispatch } from '../api/dispatch'
import { HttpError, send, sendBytes } from './reply'

export const API_PREFIX = '/api/'

const STATUS_OF: Record<ErrorKind, number> = { unknown: 404, invalid: 400, missing: 404, conflict: 409, failed: 500 }

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

export async function handleApi(dispatch: Dispatch, limit: number, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  if (req.method !== 'POST') throw new HttpError(405, 'API requests use POST')
  // JSON only: a form or text/plain POST is what a foreign page can send without a preflight.
  if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) throw new HttpError(415, 'API requests send application/json')
  const name = pathname.slice(API_PREFIX.length)
  // A state_dict travels in the body (as base64): the one request whose body may be a model's size.
  const text = await readBody(req, name === 'importPytorch' ? Math.max(limit, IMPORT_BODY_BYTES) : limit)
  let payload: unknown
  try {
    payload = text ? JSON.parse(text) : undefined
  } catch {
    throw new HttpError(400, 'request body is not valid JSON')
  }
  const reply = await dispatch(name, payload)
  const status = reply.ok ? 200 : STATUS_OF[reply.kind]
  // A model's weights go out as bytes; refusals stay JSON like every other.
  if (reply.ok && BYTES_REPLIES.includes(name as RequestName)) await sendBytes(res, status, reply)
  else send(res, status, reply)
}
