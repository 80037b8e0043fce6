// One digit's layer outputs, cut into what the eye reads: a stack of small images per channel for
// conv and pool layers, a row of units for dense ones. The bytes stay bytes (0..255 over the
// layer's own min..max), so every channel of a layer shares one scale and can be compared.
import { decodeBytes, type FilterImages, type InsidePoint, type LayerOutputView } from '@shared/inside'

/** [height, width, channels] outputs are images; anything else is a vector of units. */
export const isImageStack = (view: LayerOutputView): boolean => view.shape.length === 3

/** Channel c of an image stack, row by row: tfjs keeps channels last (pixel (y, x) is at (y * W + x) * C + c). */
export function channelImages(view: LayerOutputView): Uint8Array[] {
  const [h, w, c] = view.shape
  const bytes = decodeBytes(view.values.bytes)
  return Array.from({ length: c }, (_, k) => {
    const img = new Uint8Array(h * w)
    for (let i = 0; i < h * w; i++) img[i] = bytes[i * c + k]
    return img
  })
}

/**
 * The byte that stands for 0 in a layer's output, if 0 is inside its range: the images are drawn
 * so that zero is white and only what the layer "sees" is ink. Below zero is clipped to white.
 */
export function zeroByte(view: LayerOutputView): number {
  const { min, max } = view.values
  if (min >= 0 || max <= min) return 0
  if (max <= 0) return 255
  return Math.round((-min / (max - min)) * 255)
}

/** Bytes re-stretched so that `zero` becomes 0 and 255 stays 255 (ink strength of the positive part). */
export function positivePart(img: Uint8Array, zero: number): Uint8Array {
  if (zero <= 0) return img
  const span = 255 - zero || 1
  return img.map((b) => (b <= zero ? 0 : Math.round(((b - zero) / span) * 255)))
}

/** Every filter of a point's first layer as its own image (height x width bytes). */
export function filterImages(f: FilterImages): Uint8Array[] {
  const bytes = decodeBytes(f.images)
  const n = f.height * f.width
  return Array.from({ length: f.count }, (_, k) => bytes.subarray(k * n, (k + 1) * n))
}

/** The points that kept their filters: step 1 (as training began), then one per epoch end, in order. */
export const filterPoints = (points: readonly InsidePoint[]): InsidePoint[] => points.filter((p) => p.filters)
/** When a point's filters were kept, in words: "the end of epoch 2", "step 1 (as training began)". */
export const filtersName = (p: Pick<InsidePoint, 'epoch' | 'step' | 'epochEnd'>): string =>
  p.epochEnd ? `the end of epoch ${p.epoch}` : `step ${p.step} (as training began)`

/** "epoch 1, step 10" or "end of epoch 2": what a recorded point is, in words. */
export const pointName = (p: Pick<InsidePoint, 'epoch' | 'step' | 'epochEnd'>): string =>
  p.epochEnd ? `end of epoch ${p.epoch}` : `epoch ${p.epoch}, step ${p.step}`
/** The same, short enough for an axis: "s10", "e2". */
export const pointTick = (p: Pick<InsidePoint, 'epoch' | 'step' | 'epochEnd'>): string => (p.epochEnd ? `e${p.epoch}` : `s${p.step}`)
