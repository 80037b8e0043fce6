// Writes small IDX files, so tests can build good and broken datasets byte by byte.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

export function idxImages(count: number, rows: number, cols: number, fill: (i: number, p: number) => number = (i, p) => (i * 31 + p) % 256): Buffer {
  const buf = Buffer.alloc(16 + count * rows * cols)
  buf.writeUInt32BE(0x803, 0)
  buf.writeUInt32BE(count, 4)
  buf.writeUInt32BE(rows, 8)
  buf.writeUInt32BE(cols, 12)
  for (let i = 0; i < count; i++) for (let p = 0; p < rows * cols; p++) buf[16 + i * rows * cols + p] = fill(i, p)
  return buf
}

export function idxLabels(labels: number[]): Buffer {
  const buf = Buffer.alloc(8 + labels.length)
  buf.writeUInt32BE(0x801, 0)
  buf.writeUInt32BE(labels.length, 4)
  labels.forEach((l, i) => (buf[8 + i] = l))
  return buf
}

/** A folder dataset: `count` images per split whose class is readable from a bright row; `size` x `size` pixels (28 unless told). */
export function writeFolderDataset(dir: string, opts: { train?: number; test?: number; gzip?: boolean; classes?: string[]; size?: number } = {}): string {
  mkdirSync(dir, { recursive: true })
  const classes = opts.classes?.length ?? 10
  const write = (name: string, data: Buffer) => writeFileSync(join(dir, opts.gzip ? `${name}.gz` : name), opts.gzip ? gzipSync(data) : data)
  const split = (count: number) => {
    const labels = Array.from({ length: count }, (_, i) => i % classes)
    const size = opts.size ?? 28
    const images = idxImages(count, size, size, (i, p) => (Math.floor(p / size) === 2 + labels[i] * 2 ? 255 : 0))
    return { images, labels: idxLabels(labels) }
  }
  const train = split(opts.train ?? 200)
  const test = split(opts.test ?? 50)
  write('train-images-idx3-ubyte', train.images)
  write('train-labels-idx1-ubyte', train.labels)
  write('t10k-images-idx3-ubyte', test.images)
  write('t10k-labels-idx1-ubyte', test.labels)
  if (opts.classes) writeFileSync(join(dir, 'classes.txt'), opts.classes.join('\n'))
  return dir
}
