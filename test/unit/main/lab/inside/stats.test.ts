// The inside statistics against direct computation: histogram bins, norms, activation shares,
// filter images, PCA, and the byte encodings they travel in.
import { describe, expect, it } from 'vitest'
import { activationStats, filterImages, histogram, norm, pca2, updateRatio } from '../../../../../src/main/lab/inside/stats'
import { decodeBytes, dequantise, encodeBytes, HISTOGRAM_BINS, quantise } from '../../../../../src/shared/inside'
import { seededRandom } from '../../../../../src/main/lab/data/batches'

const random = (n: number, seed = 1, scale = 1) => {
  const r = seededRandom(seed)
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale)
}

describe('histogram', () => {
  it('puts every value in the bin a direct count puts it in, the maximum in the last bin', () => {
    const values = random(5000, 3)
    const h = histogram(values)
    expect(h.counts).toHaveLength(HISTOGRAM_BINS)
    expect(h.min).toBe(Math.min(...values))
    expect(h.max).toBe(Math.max(...values))
    const width = (h.max - h.min) / HISTOGRAM_BINS
    const direct = new Array(HISTOGRAM_BINS).fill(0)
    for (const v of values) {
      let b = 0
      while (b < HISTOGRAM_BINS - 1 && v >= h.min + (b + 1) * width) b++
      direct[b]++
    }
    // Float edges may move a value sitting exactly on a bin edge; nothing else may differ.
    const moved = h.counts.reduce((a, c, i) => a + Math.abs(c - direct[i]), 0)
    expect(moved).toBeLessThanOrEqual(2)
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(values.length)
  })

  it('holds a constant array in one bin, leaves NaN and infinities out, and an empty array has no counts', () => {
    expect(histogram([2, 2, 2]).counts[0]).toBe(3)
    expect(histogram([]).counts.every((c) => c === 0)).toBe(true)
    expect(histogram([1, Number.NaN, 3, Infinity])).toMatchObject({ min: 1, max: 3 })
    expect(histogram([1, Number.NaN, 3, Infinity]).counts.reduce((a, b) => a + b, 0)).toBe(2)
    expect(histogram([Number.NaN]).counts.reduce((a, b) => a + b, 0)).toBe(0)
  })
})

describe('norms and update ratio', () => {
  it('is the Euclidean norm, and |after - before| / |before|', () => {
    expect(norm([3, 4])).toBe(5)
    expect(updateRatio([3, 4], [3, 4])).toBe(0)
    expect(updateRatio([3, 4], [3.3, 4.4])).toBeCloseTo(0.1, 12)
    expect(updateRatio([0, 0], [1, 1])).toBe(0)
  })
})

describe('activation statistics', () => {
  it('ReLU family: the share of units (last axis) never above 0 on any example, by a direct count', () => {
    const units = 8
    const examples = 50
    const values = random(units * examples * 4, 7) // [50][2][2][8]: a conv output, channel last
    // Units 0 and 5 never fire.
    for (let i = 0; i < values.length; i++) if (i % units === 0 || i % units === 5) values[i] = -Math.abs(values[i])
    const s = activationStats(values, units, 'relu')
    expect(s.neverActive).toBe(2 / 8)
    expect(s.saturated).toBeNull()
    expect(s.mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6)
    expect(activationStats(values, units, 'leakyRelu').family).toBe('relu')
  })

  it('sigmoid: values below 0.01 or above 0.99; tanh: beyond ±0.99', () => {
    const sig = [0.005, 0.5, 0.995, 0.2, 0.999, 0.01]
    expect(activationStats(sig, 2, 'sigmoid').saturated).toBe(3 / 6)
    expect(activationStats([-0.995, 0, 0.5, 0.991], 2, 'tanh').saturated).toBe(2 / 4)
    expect(activationStats(sig, 2, 'sigmoid').neverActive).toBeNull()
    expect(activationStats(sig, 2, 'maxout')).toMatchObject({ family: 'other', neverActive: null, saturated: null })
  })
})

describe('first-layer filters', () => {
  it("a conv kernel [k][k][in][out]: filter o's k x k slice averaged over input channels, scaled symmetric around 128", () => {
    const [k, inC, outC] = [3, 2, 4]
    const kernel = random(k * k * inC * outC, 11)
    const f = filterImages('conv', kernel, [k, k, inC, outC], { rows: 28, cols: 28 }, 64)!
    expect(f).toMatchObject({ count: 4, total: 4, height: 3, width: 3 })
    const bytes = decodeBytes(f.images)
    for (let o = 0; o < outC; o++) {
      const direct = Array.from({ length: k * k }, (_, p) => (kernel[(p * inC + 0) * outC + o] + kernel[(p * inC + 1) * outC + o]) / 2)
      const reach = Math.max(...direct.map(Math.abs))
      direct.forEach((v, p) => expect(bytes[o * k * k + p]).toBe(Math.round(128 + (v / reach) * 127)))
    }
  })

  it('a dense kernel over the pixels: one rows x cols image per unit, at most `max` of them; otherwise none', () => {
    const kernel = random(12 * 5, 5)
    const f = filterImages('dense', kernel, [12, 5], { rows: 3, cols: 4 }, 3)!
    expect(f).toMatchObject({ count: 3, total: 5, height: 3, width: 4 })
    const bytes = decodeBytes(f.images)
    const unit1 = Array.from({ length: 12 }, (_, p) => kernel[p * 5 + 1])
    const reach = Math.max(...unit1.map(Math.abs))
    unit1.forEach((v, p) => expect(bytes[12 + p]).toBe(Math.round(128 + (v / reach) * 127)))
    expect(filterImages('dense', kernel, [12, 5], { rows: 28, cols: 28 }, 3)).toBeNull()
  })
})

describe('PCA', () => {
  it('finds the axes of points spread along known directions, and how much variance each explains', () => {
    const n = 400
    const d = 5
    const r = seededRandom(9)
    const rows = new Float32Array(n * d)
    const a = [1, 1, 0, 0, 0].map((v) => v / Math.SQRT2)
    const b = [0, 0, 1, -1, 0].map((v) => v / Math.SQRT2)
    const truth: [number, number][] = []
    for (let i = 0; i < n; i++) {
      const s = (r() * 2 - 1) * 10
      const t = (r() * 2 - 1) * 3
      truth.push([s, t])
      for (let j = 0; j < d; j++) rows[i * d + j] = 5 + s * a[j] + t * b[j] + (r() - 0.5) * 0.01
    }
    const p = pca2(rows, n, d)
    // Up to the sign rule, the projections are the hidden coordinates (less their means).
    const meanS = truth.reduce((acc, [s]) => acc + s, 0) / n
    const sign = Math.sign(p.x[0] / (truth[0][0] - meanS))
    truth.forEach(([s], i) => expect(p.x[i]).toBeCloseTo(sign * (s - meanS), 1))
    expect(p.explained[0]).toBeGreaterThan(0.85)
    expect(p.explained[0] + p.explained[1]).toBeGreaterThan(0.999)
    // The same data gives the same picture.
    expect(pca2(rows, n, d)).toEqual(p)
  })
})

describe('byte encodings', () => {
  it('round-trips bytes through base64, and values through quantisation to within half a step', () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256)
    expect(decodeBytes(encodeBytes(bytes))).toEqual(bytes)
    const values = random(1000, 2, 4)
    const q = quantise(values)
    const back = dequantise(q)
    const step = (q.max - q.min) / 255
    values.forEach((v, i) => expect(Math.abs(back[i] - v)).toBeLessThanOrEqual(step / 2 + 1e-6))
    expect(dequantise(quantise([1, 1]))).toEqual(new Float32Array([1, 1]))
  })
})
