// The numbers behind the inside views, as plain functions over plain arrays: the tests check
// them against direct computation, and the recorder only feeds them.
import { encodeBytes, HISTOGRAM_BINS, type ActivationFamily, type ActivationStats, type FilterImages, type Histogram } from '@shared/inside'

export function histogram(values: ArrayLike<number>, bins = HISTOGRAM_BINS): Histogram {
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (!Number.isFinite(v)) continue
    if (v < min) min = v
    if (v > max) max = v
  }
  const counts = new Array<number>(bins).fill(0)
  if (!values.length || !Number.isFinite(min) || !Number.isFinite(max)) return { min: 0, max: 0, counts }
  const span = max - min
  for (let i = 0; i < values.length; i++) {
    // NaN and ±Infinity are left out: they have no bin (the coach reads a diverged run elsewhere).
    if (!Number.isFinite(values[i])) continue
    // The top edge belongs to the last bin, as in numpy.histogram.
    const b = span > 0 ? Math.min(bins - 1, Math.floor(((values[i] - min) / span) * bins)) : 0
    counts[b]++
  }
  return { min, max, counts }
}

export function norm(values: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < values.length; i++) s += values[i] * values[i]
  return Math.sqrt(s)
}

/** |after - before| / |before|. */
export function updateRatio(before: ArrayLike<number>, after: ArrayLike<number>): number {
  let d = 0
  for (let i = 0; i < before.length; i++) d += (after[i] - before[i]) ** 2
  const base = norm(before)
  return base > 0 ? Math.sqrt(d) / base : 0
}

export function familyOf(fn: string): ActivationFamily {
  if (fn === 'relu' || fn === 'leakyRelu' || fn === 'elu') return 'relu'
  if (fn === 'sigmoid' || fn === 'tanh') return 'saturating'
  return 'other'
}

function isSaturated(fn: string, v: number): boolean {
  return fn === 'sigmoid' ? v < 0.01 || v > 0.99 : Math.abs(v) > 0.99
}

/**
 * Statistics of one activation layer's output over a batch. `values` is [examples][...][units]
 * with the unit (a dense neuron, or a conv channel) last, as tfjs lays out channelsLast tensors.
 */
export function activationStats(
  values: ArrayLike<number>,
  units: number,
  fn: string
): Pick<ActivationStats, 'fn' | 'family' | 'units' | 'mean' | 'neverActive' | 'saturated'> {
  const family = familyOf(fn)
  let sum = 0
  let saturated = 0
  const active = new Uint8Array(units)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    sum += v
    if (family === 'relu' && v > 0) active[i % units] = 1
    else if (family === 'saturating' && isSaturated(fn, v)) saturated++
  }
  const n = Math.max(1, values.length)
  // No values (an empty probe batch) say nothing about units: none is "never active".
  const seen = values.length > 0
  return {
    fn,
    family,
    units,
    mean: sum / n,
    neverActive: family === 'relu' && seen ? (units - active.reduce((a, b) => a + b, 0)) / units : null,
    saturated: family === 'saturating' && seen ? saturated / n : null
  }
}

/**
 * The first layer's filters as small grey images. A conv kernel is [k][k][in][out]: filter o is
 * its k x k slice, averaged over input channels. A dense kernel is [inputs][units]: unit u's
 * column is an image when the inputs are the image's pixels (rows x cols).
 */
export function filterImages(layer: string, kernel: Float32Array, shape: number[], image: { rows: number; cols: number }, max: number): FilterImages | null {
  let height: number
  let width: number
  let total: number
  let at: (f: number, p: number) => number
  if (shape.length === 4) {
    const [kh, kw, inC, outC] = shape
    ;[height, width, total] = [kh, kw, outC]
    at = (f, p) => {
      let s = 0
      for (let c = 0; c < inC; c++) s += kernel[(p * inC + c) * outC + f]
      return s / inC
    }
  } else if (shape.length === 2 && shape[0] === image.rows * image.cols) {
    ;[height, width, total] = [image.rows, image.cols, shape[1]]
    at = (f, p) => kernel[p * total + f]
  } else return null
  const count = Math.min(total, max)
  const pixels = height * width
  const bytes = new Uint8Array(count * pixels)
  const one = new Float32Array(pixels)
  for (let f = 0; f < count; f++) {
    let reach = 0
    for (let p = 0; p < pixels; p++) {
      one[p] = at(f, p)
      reach = Math.max(reach, Math.abs(one[p]))
    }
    // Symmetric around zero: 128 is 0, 255 the filter's largest weight (drawn dark, as ink), 0 its most negative.
    for (let p = 0; p < pixels; p++) bytes[f * pixels + p] = Math.round(128 + (reach > 0 ? (one[p] / reach) * 127 : 0))
  }
  return { layer, count, total, height, width, images: encodeBytes(bytes) }
}

/**
 * The two principal axes of `n` rows of `d` values (power iteration on the covariance, with
 * deflation; d is a layer's width, so d x d is small). Signs are fixed so that each axis's
 * largest component is positive: the same data always gives the same picture.
 */
const COVARIANCE_ROWS = 500

export function pca2(rows: Float32Array, n: number, d: number): { x: number[]; y: number[]; explained: [number, number] } {
  const mean = new Float64Array(d)
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += rows[i * d + j] / n
  const cov = new Float64Array(d * d)
  const centred = new Float64Array(d)
  // The covariance from at most COVARIANCE_ROWS evenly spaced rows: it costs rows x d² / 2, and
  // 500 digits pin two axes down well enough for a picture; every row is projected.
  const used = Math.min(n, COVARIANCE_ROWS)
  for (let k = 0; k < used; k++) {
    const i = Math.floor((k * n) / used)
    for (let j = 0; j < d; j++) centred[j] = rows[i * d + j] - mean[j]
    for (let a = 0; a < d; a++) {
      const ca = centred[a]
      if (ca === 0) continue
      for (let b = a; b < d; b++) cov[a * d + b] += ca * centred[b]
    }
  }
  for (let a = 0; a < d; a++) for (let b = a; b < d; b++) cov[b * d + a] = cov[a * d + b] /= Math.max(1, used - 1)
  let trace = 0
  for (let a = 0; a < d; a++) trace += cov[a * d + a]
  const axes: Float64Array[] = []
  const values: number[] = []
  const w = new Float64Array(d)
  for (let k = 0; k < 2; k++) {
    const v = new Float64Array(d)
    for (let j = 0; j < d; j++) v[j] = 1 + j * 1e-3
    let lambda = 0
    for (let it = 0; it < 100; it++) {
      let len = 0
      for (let a = 0; a < d; a++) {
        let s = 0
        const row = a * d
        for (let b = 0; b < d; b++) s += cov[row + b] * v[b]
        w[a] = s
        len += s * s
      }
      len = Math.sqrt(len)
      if (len === 0) break
      let moved = 0
      for (let a = 0; a < d; a++) {
        const next = w[a] / len
        moved += (next - v[a]) ** 2
        v[a] = next
      }
      lambda = len
      if (moved < 1e-16) break
    }
    // No variance left (a one-unit layer's second axis): that axis is zero, not the start vector.
    if (lambda === 0) v.fill(0)
    let big = 0
    for (let a = 0; a < d; a++) if (Math.abs(v[a]) > Math.abs(v[big])) big = a
    if (v[big] < 0) for (let a = 0; a < d; a++) v[a] = -v[a]
    axes.push(v)
    values.push(lambda)
    // Deflate: the next power iteration finds the next axis.
    for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) cov[a * d + b] -= lambda * v[a] * v[b]
  }
  const x: number[] = []
  const y: number[] = []
  for (let i = 0; i < n; i++) {
    let px = 0
    let py = 0
    for (let j = 0; j < d; j++) {
      const c = rows[i * d + j] - mean[j]
      px += c * axes[0][j]
      py += c * axes[1][j]
    }
    x.push(Math.round(px * 1e4) / 1e4)
    y.push(Math.round(py * 1e4) / 1e4)
  }
  const share = (l: number) => (trace > 0 ? Math.round((l / trace) * 1e4) / 1e4 : 0)
  return { x, y, explained: [share(values[0]), share(values[1])] }
}
