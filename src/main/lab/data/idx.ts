// IDX files (the format MNIST ships in): big-endian header, then raw uint8 values, optionally
// gzipped. Sizes are checked from the header before the body is read or unpacked: a header that
// claims 10000x10000 images is refused from its first 16 bytes, a gzip bomb after the bytes its
// header allows.
import { createGunzip } from 'node:zlib'
import { MAX_IMAGE_SIDE } from '@shared/run-types'
import { DatasetFileError } from './dataset-file-error'
import { formatBytes, readRegularFile } from './regular-file'

export { DatasetFileError } from './dataset-file-error'

/** What the lab reads, and says in the README: a bigger image or file is refused from its header. */
export const IDX_LIMITS = {
  /** Rows and columns of an image, each: the same bound as an image sent to a model. */
  maxSide: MAX_IMAGE_SIDE,
  /** Images (or labels) in one file. */
  maxItems: 10_000_000,
  /** Bytes of one file, as stored and once unpacked. */
  maxFileBytes: 2 ** 31
} as const

export interface IdxImages {
  count: number
  rows: number
  cols: number
  /** count * rows * cols bytes, row-major. */
  pixels: Uint8Array
}

const IMAGE_MAGIC = 0x00000803
const LABEL_MAGIC = 0x00000801

interface Kind {
  magic: number
  dims: number
  what: string
}
const IMAGES: Kind = { magic: IMAGE_MAGIC, dims: 3, what: 'an IDX images file (idx3-ubyte)' }
const LABELS: Kind = { magic: LABEL_MAGIC, dims: 1, what: 'an IDX labels file (idx1-ubyte)' }

/** The header's sizes, checked against the limits; the file's total length follows from them. */
function readHeader(head: Buffer, file: string, kind: Kind): number[] {
  const headerBytes = 4 + 4 * kind.dims
  if (head.length < headerBytes) throw new DatasetFileError(file, `is too short for ${kind.what}: its header needs ${headerBytes} bytes`)
  if (head.readUInt32BE(0) !== kind.magic) {
    throw new DatasetFileError(file, `is not ${kind.what}: it does not start with the magic number 0x${kind.magic.toString(16).padStart(8, '0')}`)
  }
  const sizes = Array.from({ length: kind.dims }, (_, i) => head.readUInt32BE(4 + 4 * i))
  if (sizes[0] > IDX_LIMITS.maxItems)
    throw new DatasetFileError(
      file,
      `claims ${sizes[0].toLocaleString('en-US')} items: the lab reads at most ${IDX_LIMITS.maxItems.toLocaleString('en-US')} per file`
    )
  if (kind.dims === 3) {
    const [, rows, cols] = sizes
    if (rows === 0 || cols === 0) throw new DatasetFileError(file, `has empty images (${rows}x${cols})`)
    if (rows > IDX_LIMITS.maxSide || cols > IDX_LIMITS.maxSide) {
      throw new DatasetFileError(file, `claims ${rows}x${cols} images: the lab reads images of at most ${IDX_LIMITS.maxSide}x${IDX_LIMITS.maxSide} pixels`)
    }
  }
  const total = headerBytes + sizes.reduce((a, b) => a * b, 1)
  if (total > IDX_LIMITS.maxFileBytes)
    throw new DatasetFileError(
      file,
      `claims ${sizes.join('x')} values (${formatBytes(total)}): the lab reads at most ${formatBytes(IDX_LIMITS.maxFileBytes)} per file`
    )
  return sizes
}

const expectedLength = (sizes: number[]) => 4 + 4 * sizes.length + sizes.reduce((a, b) => a * b, 1)

/**
 * Unpacks a gzip file off the main thread (zlib's pool), reading its header from the first bytes
 * out and stopping as soon as the output passes what that header allows.
 */
function gunzipBounded(raw: Buffer, file: string, kind: Kind): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = createGunzip({ chunkSize: 1 << 20 })
    const chunks: Buffer[] = []
    let size = 0
    let limit = -1
    const fail = (err: Error) => {
      z.destroy()
      reject(err)
    }
    z.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      size += chunk.length
      try {
        if (limit < 0 && size >= 4 + 4 * kind.dims) limit = expectedLength(readHeader(Buffer.concat(chunks), file, kind))
      } catch (err) {
        return fail(err as Error)
      }
      if (limit >= 0 && size > limit) fail(new DatasetFileError(file, `holds more than its header says (over ${limit} bytes once unpacked)`))
    })
    z.on('error', (err) => fail(new DatasetFileError(file, `is not valid gzip (${err.message})`)))
    z.on('end', () => resolve(Buffer.concat(chunks, size)))
    z.end(raw)
  })
}

async function readIdx(file: string, kind: Kind): Promise<{ sizes: number[]; buf: Buffer }> {
  // A plain file's header is checked, and its length with it, before the rest of it is read.
  const raw = await readRegularFile(file, IDX_LIMITS.maxFileBytes, 'a dataset file', (head, size) => {
    if (head[0] === 0x1f && head[1] === 0x8b) return
    const expected = expectedLength(readHeader(head, file, kind))
    if (size !== expected) throw new DatasetFileError(file, `length ${size} bytes does not match its header (expected ${expected})`)
  })
  const gzipped = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b
  const buf = gzipped ? await gunzipBounded(raw, file, kind) : raw
  const sizes = readHeader(buf, file, kind)
  const expected = expectedLength(sizes)
  if (buf.length !== expected)
    throw new DatasetFileError(file, `length ${buf.length} bytes does not match its header ${sizes.join('x')} (expected ${expected})`)
  return { sizes, buf }
}

export async function readIdxImages(file: string): Promise<IdxImages> {
  const { sizes, buf } = await readIdx(file, IMAGES)
  const [count, rows, cols] = sizes
  // A view, not a copy: the buffer already holds exactly these bytes after the header.
  return { count, rows, cols, pixels: new Uint8Array(buf.buffer, buf.byteOffset + 16, count * rows * cols) }
}

export async function readIdxLabels(file: string, numClasses = 10): Promise<Uint8Array> {
  const { sizes, buf } = await readIdx(file, LABELS)
  const labels = new Uint8Array(buf.buffer, buf.byteOffset + 8, sizes[0])
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= numClasses) throw new DatasetFileError(file, `label ${labels[i]} at index ${i} is out of range 0..${numClasses - 1}`)
  }
  return labels
}
