// Turns a drawing into an MNIST-like input, as MNIST itself was made: the stroke's bounding box
// scaled (keeping its aspect) to fit 20x20, then placed in 28x28 so its centre of mass sits at
// the centre. Input and output are 0..255 grey values, ink high.

export interface Gray {
  width: number
  height: number
  data: Float32Array
}

function boundingBox(img: Gray, threshold: number) {
  let top = img.height
  let left = img.width
  let bottom = -1
  let right = -1
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (img.data[y * img.width + x] > threshold) {
        top = Math.min(top, y)
        bottom = Math.max(bottom, y)
        left = Math.min(left, x)
        right = Math.max(right, x)
      }
    }
  }
  return bottom < 0 ? null : { top, left, width: right - left + 1, height: bottom - top + 1 }
}

/** Area-averaging resample of a box of `img` into a w x h image (anti-aliased, as MNIST's were). */
function resample(img: Gray, box: { top: number; left: number; width: number; height: number }, w: number, h: number): Gray {
  const out = new Float32Array(w * h)
  const sx = box.width / w
  const sy = box.height / h
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const x0 = box.left + x * sx
      const y0 = box.top + y * sy
      let sum = 0
      let area = 0
      for (let yy = Math.floor(y0); yy < Math.ceil(y0 + sy); yy++) {
        const wy = Math.min(yy + 1, y0 + sy) - Math.max(yy, y0)
        if (wy <= 0) continue
        for (let xx = Math.floor(x0); xx < Math.ceil(x0 + sx); xx++) {
          const wx = Math.min(xx + 1, x0 + sx) - Math.max(xx, x0)
          if (wx <= 0) continue
          sum += img.data[yy * img.width + xx] * wx * wy
          area += wx * wy
        }
      }
      out[y * w + x] = area ? sum / area : 0
    }
  }
  return { width: w, height: h, data: out }
}

export function centreOfMass(img: Gray): { x: number; y: number } {
  let mass = 0
  let mx = 0
  let my = 0
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const v = img.data[y * img.width + x]
      mass += v
      mx += v * (x + 0.5)
      my += v * (y + 0.5)
    }
  }
  return mass ? { x: mx / mass, y: my / mass } : { x: img.width / 2, y: img.height / 2 }
}

/** Returns 784 values (28x28), or null for an empty drawing. */
export function toMnist(img: Gray, threshold = 10): Float32Array | null {
  const box = boundingBox(img, threshold)
  if (!box) return null
  const scale = 20 / Math.max(box.width, box.height)
  const w = Math.max(1, Math.round(box.width * scale))
  const h = Math.max(1, Math.round(box.height * scale))
  const small = resample(img, box, w, h)
  const com = centreOfMass(small)
  const out = new Float32Array(28 * 28)
  // Shift so the centre of mass lands on (14, 14), clamped so the digit stays inside the frame.
  const ox = Math.max(0, Math.min(28 - w, Math.round(14 - com.x)))
  const oy = Math.max(0, Math.min(28 - h, Math.round(14 - com.y)))
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(y + oy) * 28 + x + ox] = Math.min(255, small.data[y * w + x])
  return out
}

/** Canvas RGBA with dark ink on a light background (or the reverse) -> ink intensity 0..255. */
export function inkFromRgba(rgba: Uint8ClampedArray, width: number, height: number, darkInk: boolean): Gray {
  const data = new Float32Array(width * height)
  for (let i = 0; i < data.length; i++) {
    const luminance = 0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]
    const alpha = rgba[4 * i + 3] / 255
    data[i] = darkInk ? (255 - luminance) * alpha : luminance * alpha
  }
  return { width, height, data }
}
