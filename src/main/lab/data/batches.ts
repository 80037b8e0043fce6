// Turning raw pixels into normalised batches, and the seeded order they are visited in.
import type { Normaliser, Split } from './datasets'

/** mulberry32: tiny, fast and good enough to make shuffles reproducible from a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Fisher-Yates over 0..n-1; the epoch number is mixed in so each epoch differs but repeats per seed. */
export function epochOrder(n: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  const rand = seededRandom((seed * 1_000_003 + epoch * 7919) >>> 0)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    const t = order[i]
    order[i] = order[j]
    order[j] = t
  }
  return order
}

/** Gathers `indices` of a split into one Float32Array of normalised pixels plus their labels. */
export function gatherBatch(split: Split, indices: ArrayLike<number>, pixelsPerImage: number, norm: Normaliser) {
  const n = indices.length
  const x = new Float32Array(n * pixelsPerImage)
  const y = new Int32Array(n)
  // A lookup table turns the per-pixel divide into one indexed read.
  const table = normalisationTable(norm)
  for (let b = 0; b < n; b++) {
    const idx = indices[b]
    const src = idx * pixelsPerImage
    const dst = b * pixelsPerImage
    for (let p = 0; p < pixelsPerImage; p++) x[dst + p] = table[split.images[src + p]]
    y[b] = split.labels[idx]
  }
  return { x, y }
}

const tables = new Map<string, Float32Array>()
export function normalisationTable(norm: Normaliser): Float32Array {
  const key = `${norm.mean}/${norm.std}`
  let t = tables.get(key)
  if (!t) {
    t = new Float32Array(256)
    for (let v = 0; v < 256; v++) t[v] = (v / 255 - norm.mean) / norm.std
    tables.set(key, t)
  }
  return t
}

export function range(start: number, end: number): Uint32Array {
  const r = new Uint32Array(Math.max(0, end - start))
  for (let i = 0; i < r.length; i++) r[i] = start + i
  return r
}

/** The examples of step `step` in an epoch's order: trainer and helper thread must slice alike. */
export function batchAt(order: Uint32Array, step: number, batchSize: number): Uint32Array {
  return order.subarray(step * batchSize, Math.min((step + 1) * batchSize, order.length))
}

/** A batch split for two replicas: the trainer takes the first (larger) half, the helper the rest. */
export function halves(batch: Uint32Array): [Uint32Array, Uint32Array] {
  const mid = Math.ceil(batch.length / 2)
  return [batch.subarray(0, mid), batch.subarray(mid)]
}
