// The bytes reply: byte arrays travel beside the JSON head, uncopied, and come back in place.
import { describe, expect, it } from 'vitest'
import { decodeBytesReply, encodeBytesReply } from '../../../src/shared/bytes-reply'

const join = (chunks: Uint8Array[]) => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let at = 0
  for (const c of chunks) out.set(c, (at += c.byteLength) - c.byteLength)
  return out
}

describe('bytes reply', () => {
  it('round-trips byte arrays anywhere in a reply, sending them as they are', () => {
    const weights = new Uint8Array(new Float32Array([1.5, -2, 3.25]).buffer)
    const other = Buffer.from('second')
    const reply = { ok: true as const, value: { modelJson: '{"a":1}', weights, nested: [{ bytes: other, n: 3 }], empty: new Uint8Array(0) } }
    const { prefix, parts, byteLength } = encodeBytesReply(reply)
    expect(parts[0]).toBe(weights) // the same array: nothing copied or re-encoded
    expect(parts[1]).toBe(other)
    const body = join([prefix, ...parts])
    expect(body.byteLength).toBe(byteLength)
    const back = decodeBytesReply(body) as typeof reply
    expect(back.value.modelJson).toBe('{"a":1}')
    expect(Array.from(new Float32Array(back.value.weights.slice().buffer))).toEqual([1.5, -2, 3.25])
    expect(Buffer.from(back.value.nested[0].bytes).toString()).toBe('second')
    expect(back.value.nested[0].n).toBe(3)
    expect(back.value.empty.byteLength).toBe(0)
  })

  it('says so when a body was cut short', () => {
    const { prefix, parts } = encodeBytesReply({ ok: true, value: { weights: new Uint8Array(100) } })
    expect(() => decodeBytesReply(join([prefix, parts[0].subarray(0, 60)]))).toThrow('the lab sent a reply of')
    expect(() => decodeBytesReply(prefix.subarray(0, 10))).toThrow('the lab sent a truncated reply')
  })
})
