// A drawing kept as strokes, so it can be rendered again for the model with a pen width that
// follows the drawing's size: MNIST's strokes are about an eighth of the digit's height, so a
// small digit drawn with the screen's fat pen would become a blob once scaled up to 20x20.
export type Point = { x: number; y: number }
export type Stroke = Point[]

/** The drawing's extent, or null when nothing is drawn. */
export function extent(strokes: Stroke[]): { width: number; height: number } | null {
  const points = strokes.flat()
  if (!points.length) return null
  const xs = points.map((p) => p.x)
  const ys = points.map((p) => p.y)
  return { width: Math.max(...xs) - Math.min(...xs), height: Math.max(...ys) - Math.min(...ys) }
}

/** The pen for the model's copy: 12.5% of the larger side of the drawing, within sane bounds. */
export function modelPenWidth(strokes: Stroke[], screenPen: number): number {
  const e = extent(strokes)
  if (!e) return screenPen
  return Math.max(3, Math.min(screenPen * 1.2, 0.125 * Math.max(e.width, e.height) + 2))
}

export function drawStrokes(ctx: CanvasRenderingContext2D, strokes: Stroke[], width: number): void {
  ctx.strokeStyle = '#000'
  ctx.lineWidth = width
  ctx.lineCap = 'round'
  ctx.lineJoin = 'round'
  for (const s of strokes) {
    if (!s.length) continue
    ctx.beginPath()
    ctx.moveTo(s[0].x, s[0].y)
    for (const p of s.slice(1)) ctx.lineTo(p.x, p.y)
    // A single click still leaves a dot.
    if (s.length === 1) ctx.lineTo(s[0].x + 0.01, s[0].y)
    ctx.stroke()
  }
}
