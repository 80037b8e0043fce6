// The safetensors format (8-byte little-endian header length, a JSON header naming each tensor's
// dtype, shape and byte range, then the bytes), written for the export and read strictly for the
// import: a file is checked whole before anything is kept, and every refusal says what was wrong.
import type { NamedTensor } from './layout'

/** What the safetensors library itself allows for a header: anything larger is not one. */
export const MAX_HEADER_BYTES = 100_000_000

export class SafetensorsError extends Error {
  override name = 'ValidationError'
}

const fmt = (n: number) => n.toLocaleString('en')
const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`

/** state_dict tensors as a .safetensors file (float32, 8-byte aligned header, as safetensors.torch writes). */
export function writeSafetensors(tensors: NamedTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata }
  let offset = 0
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] }
    offset += t.data.byteLength
  }
  let json = JSON.stringify(header)
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8)
  const head = new TextEncoder().encode(json)
  const out = new Uint8Array(8 + head.byteLength + offset)
  new DataView(out.buffer).setBigUint64(0, BigInt(head.byteLength), true)
  out.set(head, 8)
  let at = 8 + head.byteLength
  for (const t of tensors) {
    // Little-endian on every machine the lab runs on, as safetensors stores it.
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at)
    at += t.data.byteLength
  }
  return out
}

/** What a file must hold: each tensor's name, shape and, for the sentence, what layer it belongs to. */
export interface ExpectedTensor {
  name: string
  shape: number[]
  describes: string
}

interface HeaderEntry {
  dtype: string
  shape: number[]
  data_offsets: [number, number]
}

function parseHeader(file: Uint8Array, what: string): { entries: [string, HeaderEntry][]; dataStart: number } {
  if (file.byteLength < 8) throw new SafetensorsError(`${what} is not a safetensors file: it has ${file.byteLength} bytes, fewer than the 8 of a header length`)
  const length = new DataView(file.buffer, file.byteOffset, file.byteLength).getBigUint64(0, true)
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(
      `${what} is not a safetensors file: its first 8 bytes claim a header of ${fmt(Number(length))} bytes, and a safetensors header is at most ${fmt(MAX_HEADER_BYTES)}`
    )
  }
  const n = Number(length)
  if (8 + n > file.byteLength) {
    throw new SafetensorsError(
      `${what} is cut short or not a safetensors file: its header claims ${fmt(n)} bytes, but the file has only ${fmt(file.byteLength - 8)} after the length`
    )
  }
  let header: unknown
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, 8 + n))
    if (!text.startsWith('{')) throw new Error('not an object')
    header = JSON.parse(text)
  } catch {
    throw new SafetensorsError(`${what} is not a safetensors file: its ${fmt(n)}-byte header is not a JSON object`)
  }
  if (!header || typeof header !== 'object' || Array.isArray(header))
    throw new SafetensorsError(`${what} is not a safetensors file: its header is not a JSON object`)
  const entries = Object.entries(header as Record<string, unknown>)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, raw]): [string, HeaderEntry] => {
      const e = raw as Partial<HeaderEntry> | null
      const ok =
        e &&
        typeof e.dtype === 'string' &&
        Array.isArray(e.shape) &&
        e.shape.every((d) => Number.isSafeInteger(d) && d >= 0) &&
        Array.isArray(e.data_offsets) &&
        e.data_offsets.length === 2 &&
        e.data_offsets.every((d) => Number.isSafeInteger(d) && d >= 0)
      if (!ok)
        throw new SafetensorsError(`${what} is not a valid safetensors file: the header's entry for "${name}" lacks a dtype, a shape or its data_offsets`)
      return [name, e as HeaderEntry]
    })
  return { entries, dataStart: 8 + n }
}

/**
 * Reads a .safetensors state_dict against what the model expects: every expected tensor present,
 * float32, of its shape, no other tensor, every byte range inside the file. Returns the tensors
 * by name; throws a SafetensorsError naming the first problem.
 */
export function readSafetensors(file: Uint8Array, expected: ExpectedTensor[], what = 'the file'): Map<string, Float32Array> {
  const { entries, dataStart } = parseHeader(file, what)
  const dataBytes = file.byteLength - dataStart
  const wanted = new Map(expected.map((t) => [t.name, t]))
  const names = expected.map((t) => t.name).join(', ')
  const found = new Map<string, Float32Array>()
  for (const [name, e] of entries) {
    const want = wanted.get(name)
    if (!want) {
      throw new SafetensorsError(`${what} holds a tensor "${name}" of shape ${shapeText(e.shape)} that this model has no place for: it expects ${names}`)
    }
    if (e.dtype !== 'F32')
      throw new SafetensorsError(`tensor "${name}" is ${e.dtype}; the lab reads float32 (F32) weights: save the model with its default float32 parameters`)
    if (e.shape.length !== want.shape.length || e.shape.some((d, i) => d !== want.shape[i])) {
      throw new SafetensorsError(`tensor "${name}" has shape ${shapeText(e.shape)}, but this model's ${want.describes} expects ${shapeText(want.shape)}`)
    }
    const [begin, end] = e.data_offsets
    const bytes = e.shape.reduce((a, b) => a * b, 1) * 4
    if (end - begin !== bytes)
      throw new SafetensorsError(
        `tensor "${name}" of shape ${shapeText(e.shape)} should span ${fmt(bytes)} bytes, but its data_offsets span ${fmt(end - begin)}`
      )
    if (end > dataBytes) {
      throw new SafetensorsError(
        `tensor "${name}" claims bytes ${fmt(begin)}..${fmt(end)} of the data, but the file holds only ${fmt(dataBytes)}: it is cut short`
      )
    }
    const copy = new Uint8Array(bytes)
    copy.set(file.subarray(dataStart + begin, dataStart + end))
    found.set(name, new Float32Array(copy.buffer))
  }
  const missing = expected.find((t) => !found.has(t.name))
  if (missing)
    throw new SafetensorsError(`${what} lacks tensor "${missing.name}": this model's ${missing.describes} expects one of shape ${shapeText(missing.shape)}`)
  return found
}
