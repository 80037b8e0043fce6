// The safetensors writer and its strict reader, byte by byte: what the writer writes reads back
// exactly; a dtype other than float32 and byte ranges that disagree with the shape are refused.
import { describe, expect, it } from 'vitest'
import { readSafetensors, writeSafetensors } from '../../../../../src/main/lab/pytorch/safetensors'

const expected = [{ name: 'fc.weight', shape: [2, 3], describes: 'nn.Linear(3, 2)' }]
const weights = Float32Array.from([1, -2, 3.5, 0.25, -0, 6])

function withHeader(header: object, data: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(JSON.stringify(header))
  const out = new Uint8Array(8 + head.byteLength + data.byteLength)
  new DataView(out.buffer).setBigUint64(0, BigInt(head.byteLength), true)
  out.set(head, 8)
  out.set(data, 8 + head.byteLength)
  return out
}

describe('safetensors', () => {
  it('reads back exactly what it wrote, its header 8-byte aligned as safetensors writes it', () => {
    const file = writeSafetensors([{ name: 'fc.weight', shape: [2, 3], data: weights }], { format: 'pt' })
    const headerLength = Number(new DataView(file.buffer).getBigUint64(0, true))
    expect((8 + headerLength) % 8).toBe(0)
    expect(Array.from(readSafetensors(file, expected).get('fc.weight')!)).toEqual(Array.from(weights))
  })

  it('refuses a tensor that is not float32, naming it', () => {
    const file = withHeader({ 'fc.weight': { dtype: 'F16', shape: [2, 3], data_offsets: [0, 12] } }, new Uint8Array(12))
    expect(() => readSafetensors(file, expected)).toThrow('tensor "fc.weight" is F16; the lab reads float32 (F32) weights')
  })

  it('refuses byte ranges that disagree with the shape', () => {
    const file = withHeader({ 'fc.weight': { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, new Uint8Array(24))
    expect(() => readSafetensors(file, expected)).toThrow('tensor "fc.weight" of shape [2, 3] should span 24 bytes, but its data_offsets span 20')
  })

  it('refuses a header that is not JSON', () => {
    const file = new Uint8Array(16)
    new DataView(file.buffer).setBigUint64(0, 4n, true)
    file.set([0xff, 0xfe, 0x00, 0x01], 8)
    expect(() => readSafetensors(file, expected, 'net.pt')).toThrow('net.pt is not a safetensors file: its 4-byte header is not a JSON object')
  })
})
