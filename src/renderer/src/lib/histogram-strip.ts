// TensorBoard's "distributions", as a heat strip: one column per recorded point, the value on
// the vertical axis, the colour saying how many weights sit there. Each point's histogram has
// its own min and max, so the columns are first spread onto one shared value axis.
import type { Histogram } from '@shared/inside'

/** The value range every histogram of a strip fits in. A constant strip gets a range of ±0.5 around it. */
export function sharedRange(histograms: readonly Histogram[]): { min: number; max: number } {
  let min = Infinity
  let max = -Infinity
  for (const h of histograms) {
    if (!Number.isFinite(h.min) || !Number.isFinite(h.max)) continue
    min = Math.min(min, h.min)
    max = Math.max(max, h.max)
  }
  if (min > max) return { min: -0.5, max: 0.5 }
  if (min === max) return { min: min - 0.5, max: max + 0.5 }
  return { min, max }
}

/**
 * A histogram's counts moved onto `bins` equal bins between lo and hi: each source bin's count is
 * shared among the target bins it overlaps, in proportion (counts are taken as even within a bin).
 * A histogram with min == max is one spike: all of it lands in the bin holding that value.
 */
export function rebin(h: Histogram, lo: number, hi: number, bins: number): number[] {
  const out = new Array<number>(bins).fill(0)
  const width = (hi - lo) / bins
  const binOf = (v: number) => Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / width)))
  const n = h.counts.length
  if (!n || !(width > 0)) return out
  if (h.max === h.min) {
    out[binOf(h.min)] += h.counts.reduce((a, b) => a + b, 0)
    return out
  }
  const src = (h.max - h.min) / n
  h.counts.forEach((count, i) => {
    if (!count) return
    const a = h.min + i * src
    const b = a + src
    for (let t = binOf(a); t <= binOf(b - src * 1e-9); t++) {
      const overlap = Math.min(b, lo + (t + 1) * width) - Math.max(a, lo + t * width)
      if (overlap > 0) out[t] += (count * overlap) / src
    }
  })
  return out
}

export interface HeatStrip {
  min: number
  max: number
  /** columns[point][bin], bin 0 at `min`: each column scaled so its fullest bin is 1. */
  columns: number[][]
}

/**
 * The strip of one layer. Each column is scaled on its own: every point has the same number of
 * weights, but a narrow histogram piles them into few bins, and its shape is what matters.
 */
export function heatStrip(histograms: readonly Histogram[], bins: number): HeatStrip {
  const { min, max } = sharedRange(histograms)
  const columns = histograms.map((h) => {
    const col = rebin(h, min, max, bins)
    const top = Math.max(...col)
    return top > 0 ? col.map((c) => c / top) : col
  })
  return { min, max, columns }
}

/**
 * The colour of a share 0..1 of a column's fullest bin: white for none, through light blue to a
 * dark blue for the most. A square root lifts the thin tails, where a histogram's news often is.
 */
export function heatColour(share: number): [number, number, number] {
  const t = Math.sqrt(Math.max(0, Math.min(1, share)))
  if (t === 0) return [255, 255, 255]
  const from = [222, 235, 247]
  const to = [8, 48, 107]
  return [0, 1, 2].map((k) => Math.round(from[k] + (to[k] - from[k]) * t)) as [number, number, number]
}

/** A value for an axis tick or a table: three significant digits, exponents for the very small. */
export function shortNumber(v: number): string {
  if (v === 0) return '0'
  const a = Math.abs(v)
  if (a >= 1e4 || a < 1e-3) return v.toExponential(1)
  return Number(v.toPrecision(3)).toString()
}
