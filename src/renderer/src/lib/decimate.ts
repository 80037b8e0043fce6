// Largest-Triangle-Three-Buckets: keeps the shape of a long curve with few points, so charts
// stay smooth with long runs. Only what is drawn is thinned; the stored metrics are untouched.
export interface Point {
  x: number
  y: number
}

export function decimate(points: Point[], threshold: number): Point[] {
  if (threshold >= points.length || threshold < 3) return points
  const out: Point[] = [points[0]]
  const every = (points.length - 2) / (threshold - 2)
  let a = 0
  for (let i = 0; i < threshold - 2; i++) {
    const start = Math.floor((i + 1) * every) + 1
    const end = Math.min(Math.floor((i + 2) * every) + 1, points.length)
    let avgX = 0
    let avgY = 0
    for (let j = start; j < end; j++) {
      avgX += points[j].x
      avgY += points[j].y
    }
    const n = Math.max(end - start, 1)
    avgX /= n
    avgY /= n
    const from = Math.floor(i * every) + 1
    const to = Math.floor((i + 1) * every) + 1
    let best = from
    let bestArea = -1
    for (let j = from; j < to; j++) {
      const area = Math.abs((points[a].x - avgX) * (points[j].y - points[a].y) - (points[a].x - points[j].x) * (avgY - points[a].y))
      if (area > bestArea) {
        bestArea = area
        best = j
      }
    }
    out.push(points[best])
    a = best
  }
  out.push(points[points.length - 1])
  return out
}
