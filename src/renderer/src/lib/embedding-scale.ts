// Placing the embedding map's points on a canvas and finding the one under the pointer.
// Both principal axes get the same pixels per unit: distances on the map are distances between
// the digits' codes, and a stretched axis would suggest clusters that are not there.

export interface MapScale {
  /** Pixels per unit, the same on both axes. */
  unit: number
  toX(x: number): number
  /** Up is positive, as on paper. */
  toY(y: number): number
}

export function mapScale(xs: readonly number[], ys: readonly number[], width: number, height: number, pad: number): MapScale {
  const range = (v: readonly number[]) => {
    let lo = Infinity
    let hi = -Infinity
    for (const x of v) {
      if (x < lo) lo = x
      if (x > hi) hi = x
    }
    return lo > hi ? [0, 0] : [lo, hi]
  }
  const [x0, x1] = range(xs)
  const [y0, y1] = range(ys)
  const unit = Math.min((width - 2 * pad) / (x1 - x0 || 1), (height - 2 * pad) / (y1 - y0 || 1))
  // Centred: the spare room of the tighter axis is shared on both sides.
  const cx = (x0 + x1) / 2
  const cy = (y0 + y1) / 2
  return { unit, toX: (x) => width / 2 + (x - cx) * unit, toY: (y) => height / 2 - (y - cy) * unit }
}

/** The index of the point nearest (px, py) in canvas pixels, if one is within `radius`; else null. */
export function nearestPoint(scale: MapScale, xs: readonly number[], ys: readonly number[], px: number, py: number, radius: number): number | null {
  let best: number | null = null
  let bestD = radius * radius
  for (let i = 0; i < xs.length; i++) {
    const dx = scale.toX(xs[i]) - px
    const dy = scale.toY(ys[i]) - py
    const d = dx * dx + dy * dy
    if (d <= bestD) {
      bestD = d
      best = i
    }
  }
  return best
}

/** "PC 1 (16.7% of variance)" */
export function axisCaption(axis: 1 | 2, explained: number): string {
  return `PC ${axis} (${(explained * 100).toFixed(1)}% of variance)`
}

/** Ten colours told apart by most eyes (Tableau 10); classes past ten take them again. */
export const CLASS_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac']
export const classColour = (k: number): string => CLASS_COLOURS[k % CLASS_COLOURS.length]
