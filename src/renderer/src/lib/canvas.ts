// A canvas drawn in CSS pixels whose backing store follows the device's pixels, so text and thin
// lines stay sharp on high-density screens.

/** Sizes `c` for a width x height (CSS pixels) drawing, clears it to white, and returns its context. */
export function sharpCanvas(c: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1
  c.width = width * dpr
  c.height = height * dpr
  const ctx = c.getContext('2d')!
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.fillStyle = '#fff'
  ctx.fillRect(0, 0, width, height)
  return ctx
}
