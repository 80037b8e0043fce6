// A reply that carries bytes (a model's weights) crosses HTTP as bytes, never as base64 inside
// JSON: a model at the lab's parameter limit has 80 MB of weights, which as one base64 string in
// one JSON text costs several times that in memory on both ends. IPC needs none of this: its
// structured clone carries a Uint8Array as it is.
//
// Layout: a 4-byte big-endian length, the head (UTF-8 JSON: the reply with each byte array
// replaced by {"$bytes": index}, and the arrays' sizes), then the arrays, one after another.
import type { Reply } from './contract'

export const BYTES_REPLY_TYPE = 'application/vnd.digit-lab.reply+bytes'

const MARK = '$bytes'

interface Head {
  reply: Reply<unknown>
  sizes: number[]
}

/** Byte arrays out of a reply, anywhere inside it, in order; a marker in their place. */
function extract(v: unknown, parts: Uint8Array[]): unknown {
  if (v instanceof Uint8Array) return { [MARK]: parts.push(v) - 1 }
  if (Array.isArray(v)) return v.map((x) => extract(x, parts))
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, extract(x, parts)]))
  return v
}

function restore(v: unknown, parts: Uint8Array[]): unknown {
  if (Array.isArray(v)) return v.map((x) => restore(x, parts))
  if (v && typeof v === 'object') {
    const index = (v as Record<string, unknown>)[MARK]
    if (typeof index === 'number' && Object.keys(v).length === 1) return parts[index]
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, restore(x, parts)]))
  }
  return v
}

/** The reply as a prefix (length + head) and the byte arrays to send after it, uncopied. */
export function encodeBytesReply(reply: Reply<unknown>): { prefix: Uint8Array; parts: Uint8Array[]; byteLength: number } {
  const parts: Uint8Array[] = []
  const head: Head = { reply: extract(reply, parts) as Reply<unknown>, sizes: [] }
  head.sizes = parts.map((p) => p.byteLength)
  const json = new TextEncoder().encode(JSON.stringify(head))
  const prefix = new Uint8Array(4 + json.byteLength)
  new DataView(prefix.buffer).setUint32(0, json.byteLength)
  prefix.set(json, 4)
  return { prefix, parts, byteLength: prefix.byteLength + head.sizes.reduce((a, b) => a + b, 0) }
}

/** The reply back, its byte arrays as views into `body` (no copies). */
export function decodeBytesReply(body: Uint8Array): Reply<unknown> {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  const headLength = body.byteLength >= 4 ? view.getUint32(0) : -1
  if (headLength < 0 || 4 + headLength > body.byteLength) throw new Error('the lab sent a truncated reply')
  const head = JSON.parse(new TextDecoder().decode(body.subarray(4, 4 + headLength))) as Head
  let at = 4 + headLength
  const parts = head.sizes.map((size) => body.subarray(at, (at += size)))
  if (at !== body.byteLength) throw new Error(`the lab sent a reply of ${body.byteLength} bytes, expected ${at}`)
  return restore(head.reply, parts) as Reply<unknown>
}
