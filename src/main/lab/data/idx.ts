// IDX files (the format MNIST ships in): big-endian header, then raw uint8 values.
import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'

export class DatasetFileError extends Error {
  override name = 'DatasetFileError'
  readonly kind = 'invalid'
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`)
  }
}

export interface IdxImages {
  count: number
  rows: number
  cols: number
  /** count * rows * cols bytes, row-major. */
  pixels: Uint8Array
}

const IMAGE_MAGIC = 0x00000803
const LABEL_MAGIC = 0x00000801

function readMaybeGzip(file: string): Buffer {
  let raw: Buffer
  try {
    raw = readFileSync(file)
  } catch (err) {
    throw new DatasetFileError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`)
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw)
    } catch (err) {
      throw new DatasetFileError(file, `is not valid gzip (${(err as Error).message})`)
    }
  }
  return raw
}

function header(buf: Buffer, file: string, magic: number, dims: number): number[] {
  const headerBytes = 4 + 4 * dims
  if (buf.length < 4) throw new DatasetFileError(file, `is too short for an IDX header (${buf.length} bytes)`)
  const found = buf.readUInt32BE(0)
  if (found !== magic) {
    throw new DatasetFileError(
      file,
      `bad magic number 0x${found.toString(16).padStart(8, '0')} (expected 0x${magic.toString(16).padStart(8, '0')} for ${dims === 3 ? 'images' : 'labels'})`
    )
  }
  if (buf.length < headerBytes) throw new DatasetFileError(file, `is too short for an IDX header (${buf.length} bytes)`)
  const sizes = Array.from({ length: dims }, (_, i) => buf.readUInt32BE(4 + 4 * i))
  const expected = headerBytes + sizes.reduce((a, b) => a * b, 1)
  if (buf.length !== expected) {
    throw new DatasetFileError(file, `length ${buf.length} bytes does not match its header ${sizes.join('x')} (expected ${expected})`)
  }
  return sizes
}

export function readIdxImages(file: string): IdxImages {
  const buf = readMaybeGzip(file)
  const [count, rows, cols] = header(buf, file, IMAGE_MAGIC, 3)
  if (rows === 0 || cols === 0) throw new DatasetFileError(file, `has empty images (${rows}x${cols})`)
  // A view, not a copy: the buffer already holds exactly these bytes after the header.
  return { count, rows, cols, pixels: new Uint8Array(buf.buffer, buf.byteOffset + 16, count * rows * cols) }
}

export function readIdxLabels(file: string, numClasses = 10): Uint8Array {
  const buf = readMaybeGzip(file)
  const [count] = header(buf, file, LABEL_MAGIC, 1)
  const labels = new Uint8Array(buf.buffer, buf.byteOffset + 8, count)
  for (let i = 0; i < count; i++) {
    if (labels[i] >= numClasses) {
      throw new DatasetFileError(file, `label ${labels[i]} at index ${i} is out of range 0..${numClasses - 1}`)
    }
  }
  return labels
}
