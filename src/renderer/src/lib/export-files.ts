// What a run exports as files: its model as one .zip (model.json + weights.bin, as
// tf.loadLayersModel reads them once unpacked) and its curves as one PNG with a title.
import { zipSync, strToU8 } from 'fflate'
import type { ExportedModel } from '@shared/contract'

export function modelZip(files: ExportedModel): Uint8Array<ArrayBuffer> {
  // Stored, not deflated: float weights hardly compress, and deflating 80 MB would stall the page.
  const zipped = zipSync({ 'model.json': strToU8(files.modelJson), 'weights.bin': files.weights }, { level: 0 })
  return new Uint8Array(zipped)
}

/**
 * The charts as the user sees them, side by side on white, under a title, each under its own
 * title (its canvas's aria-label, what the page shows above it): a chart's own canvas is
 * transparent, which most image viewers show as black, and carries no title of its own.
 */
export function chartsPng(title: string, canvases: HTMLCanvasElement[]): string {
  const pad = 16
  const titleHeight = 36
  const chartTitleHeight = 24
  const width = canvases.reduce((w, c) => w + c.width, 0) + pad * (canvases.length + 1)
  const height = Math.max(0, ...canvases.map((c) => c.height)) + titleHeight + chartTitleHeight + pad * 2
  const out = document.createElement('canvas')
  out.width = width
  out.height = height
  const ctx = out.getContext('2d')!
  ctx.fillStyle = '#fff'
  ctx.fillRect(0, 0, width, height)
  ctx.fillStyle = '#222'
  ctx.font = '600 18px system-ui, sans-serif'
  ctx.fillText(title, pad, pad + 20)
  ctx.font = '600 14px system-ui, sans-serif'
  let x = pad
  for (const c of canvases) {
    ctx.fillText(c.getAttribute('aria-label') ?? '', x, pad + titleHeight + 14)
    ctx.drawImage(c, x, pad + titleHeight + chartTitleHeight)
    x += c.width + pad
  }
  return out.toDataURL('image/png')
}
