// Gradient kernels the wasm backend lacks or gets wrong, written with public tfjs ops.
//
// - Conv2DBackpropFilter: missing from tfjs-backend-wasm. tfjs-layers' conv layers reach it
//   through fused.conv2d's gradient, so it must be a registered kernel, not a custom gradient.
// - MaxPoolGrad: wasm's native kernel routes the gradient wrongly when every value in a
//   window is negative (the course's net pools before its ReLU, so this happens).
import * as tf from '@tensorflow/tfjs'
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs'

type Backend = { incRef(dataId: object): void }
type Attrs = NamedAttrMap & Record<string, unknown>
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding
type Shape4 = [number, number, number, number]
type Rounding = 'floor' | 'round' | 'ceil' | undefined

/**
 * A kernel's result must be a TensorInfo the engine adopts. Computing it with ops yields a
 * tracked Tensor; taking a reference on its data before disposing the Tensor hands the data
 * over without a copy, as tfjs's own Reshape kernels do.
 */
function adopt(backend: Backend, result: tf.Tensor): TensorInfo {
  backend.incRef(result.dataId)
  const info = { dataId: result.dataId, shape: result.shape, dtype: result.dtype }
  result.dispose()
  return info
}

/** Wraps a kernel input as a Tensor without copying; the extra reference keeps disposal of the wrapper harmless. */
function borrow(backend: Backend, info: TensorInfo): tf.Tensor {
  backend.incRef(info.dataId)
  return tf.engine().makeTensorFromTensorInfo(info)
}

/** Runs `compute` on borrowed inputs and hands its result to the engine; nothing leaks either way. */
function runOnBorrowed(backend: Backend, infos: TensorInfo[], compute: (...ts: tf.Tensor[]) => tf.Tensor): TensorInfo {
  const borrowed = infos.map((info) => borrow(backend, info))
  try {
    return adopt(backend, compute(...borrowed))
  } finally {
    for (const t of borrowed) t.dispose()
  }
}

/** dW[i,j,c,o] = sum over batch and output positions of x(padded)[b, oh*s+i, ow*s+j, c] * dy[b,oh,ow,o]. */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: Shape4,
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode?: Rounding
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast')
    const { top, bottom, left, right } = info.padInfo
    const padded =
      top || bottom || left || right
        ? tf.pad(x, [
            [0, 0],
            [Math.max(top, 0), Math.max(bottom, 0)],
            [Math.max(left, 0), Math.max(right, 0)],
            [0, 0]
          ])
        : x
    // Swap batch and channels: the batch becomes the reduction axis of one ordinary conv whose
    // "filter" is dy, dilated by the forward stride. That runs on wasm's fast native conv.
    const xT = tf.transpose(padded, [3, 1, 2, 0])
    const dyT = tf.transpose(dy, [1, 2, 0, 3])
    const r = tf.conv2d(xT as tf.Tensor4D, dyT as tf.Tensor4D, 1, 'valid', 'NHWC', [info.strideHeight, info.strideWidth])
    const [fh, fw] = filterShape
    const cropped = r.shape[1] === fh && r.shape[2] === fw ? r : tf.slice(r, [0, 0, 0, 0], [-1, fh, fw, -1])
    return tf.transpose(cropped, [1, 2, 0, 3]) as tf.Tensor4D
  })
}

/**
 * dx of a stride-1 conv is a "full" conv of dy with the filter rotated 180 degrees and its
 * in/out channels swapped. wasm's own Conv2DBackpropInput is a naive loop, several times slower.
 */
export function conv2dInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: Shape4, pad: Pad, dimRoundingMode?: Rounding): tf.Tensor4D {
  return tf.tidy(() => {
    const [fh, fw] = filter.shape
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, 1, 1, pad, dimRoundingMode, false, 'channelsLast')
    const { top, left } = info.padInfo
    const [, h, w] = inputShape
    const padTop = fh - 1 - top
    const padLeft = fw - 1 - left
    const padBottom = h + fh - 1 - padTop - dy.shape[1]
    const padRight = w + fw - 1 - padLeft - dy.shape[2]
    const full = tf.pad(dy, [
      [0, 0],
      [padTop, padBottom],
      [padLeft, padRight],
      [0, 0]
    ])
    const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D
    return tf.conv2d(full, rotated, 1, 'valid')
  })
}

/**
 * Routes each output gradient to the first maximum of its pooling window (row-major), as TF and
 * the cpu backend do. A plain loop over the pixels: op-based versions (slices, stacks,
 * transposed convs) were ten times slower than this on wasm.
 */
export function maxPoolGradient(
  dy: tf.Tensor4D,
  input: tf.Tensor4D,
  filterSize: number | [number, number],
  strides: number | [number, number],
  pad: Pad,
  dimRoundingMode?: Rounding
): tf.Tensor4D {
  const info = tf.backend_util.computePool2DInfo(input.shape, filterSize, strides, 1, pad, dimRoundingMode)
  const [batch, h, w, c] = input.shape
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info
  const { top, left } = info.padInfo
  const x = input.dataSync() as Float32Array
  const g = dy.dataSync() as Float32Array
  const dx = new Float32Array(x.length)
  if (fh === 2 && fw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0) {
    pool2x2Gradient(x, g, dx, batch, h, w, c, oh, ow)
    return tf.tensor4d(dx, input.shape)
  }
  const best = new Float32Array(c)
  const where = new Int32Array(c)
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        where.fill(-1)
        for (let i = 0; i < fh; i++) {
          const row = r * sh + i - top
          if (row < 0 || row >= h) continue
          for (let j = 0; j < fw; j++) {
            const col = q * sw + j - left
            if (col < 0 || col >= w) continue
            const base = ((b * h + row) * w + col) * c
            for (let k = 0; k < c; k++) {
              const v = x[base + k]
              if (where[k] < 0 ? v === v : v > best[k]) {
                best[k] = v
                where[k] = base + k
              }
            }
          }
        }
        const out = ((b * oh + r) * ow + q) * c
        for (let k = 0; k < c; k++) if (where[k] >= 0) dx[where[k]] += g[out + k]
      }
    }
  }
  return tf.tensor4d(dx, input.shape)
}

/** The course's pooling (2x2, stride 2, no padding), unrolled: most CNNs spend their pooling time here. */
function pool2x2Gradient(x: Float32Array, g: Float32Array, dx: Float32Array, batch: number, h: number, w: number, c: number, oh: number, ow: number): void {
  const row = w * c
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        const p00 = ((b * h + 2 * r) * w + 2 * q) * c
        const p01 = p00 + c
        const p10 = p00 + row
        const p11 = p10 + c
        const out = ((b * oh + r) * ow + q) * c
        for (let k = 0; k < c; k++) {
          // First maximum in row-major order wins ties; NaN never wins: the generic loop's rules.
          let at = -1
          let best = 0
          let v = x[p00 + k]
          if (v === v) {
            best = v
            at = p00 + k
          }
          v = x[p01 + k]
          if (at < 0 ? v === v : v > best) {
            best = v
            at = p01 + k
          }
          v = x[p10 + k]
          if (at < 0 ? v === v : v > best) {
            best = v
            at = p10 + k
          }
          v = x[p11 + k]
          if (at < 0 ? v === v : v > best) at = p11 + k
          if (at >= 0) dx[at] += g[out + k]
        }
      }
    }
  }
}

const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const a = attrs as Attrs
  if (a.dataFormat && a.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only')
  return runOnBorrowed(backend as unknown as Backend, [inputs.x as TensorInfo, inputs.dy as TensorInfo], (x, dy) =>
    conv2dFilterGradient(
      x as tf.Tensor4D,
      dy as tf.Tensor4D,
      a.filterShape as Shape4,
      a.strides as [number, number],
      a.pad as Pad,
      a.dimRoundingMode as Rounding
    )
  )
}

/** The native kernel handles strides > 1, where the full-conv identity would need a dilated dy. */
let nativeConv2DBackpropInput: KernelFunc | null = null

const conv2DBackpropInput: KernelFunc = (args) => {
  const { inputs, backend, attrs } = args
  const a = attrs as Attrs
  const strides = a.strides as number | [number, number]
  const unitStride = Array.isArray(strides) ? strides.every((v) => v === 1) : strides === 1
  if (!unitStride || (a.dataFormat && a.dataFormat !== 'NHWC') || typeof a.pad === 'object') {
    if (!nativeConv2DBackpropInput) throw new Error('Conv2DBackpropInput: no native kernel for strides > 1')
    return nativeConv2DBackpropInput(args)
  }
  return runOnBorrowed(backend as unknown as Backend, [inputs.dy as TensorInfo, inputs.filter as TensorInfo], (dy, filter) =>
    conv2dInputGradient(dy as tf.Tensor4D, filter as tf.Tensor4D, a.inputShape as Shape4, a.pad as Pad, a.dimRoundingMode as Rounding)
  )
}

const maxPoolGrad: KernelFunc = ({ inputs, backend, attrs }) => {
  const a = attrs as Attrs
  return runOnBorrowed(backend as unknown as Backend, [inputs.dy as TensorInfo, inputs.input as TensorInfo], (dy, input) =>
    maxPoolGradient(
      dy as tf.Tensor4D,
      input as tf.Tensor4D,
      a.filterSize as [number, number],
      a.strides as [number, number],
      a.pad as Pad,
      a.dimRoundingMode as Rounding
    )
  )
}

export const wasmGradientKernels: KernelConfig[] = [
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter },
  { kernelName: 'MaxPoolGrad', backendName: 'wasm', kernelFunc: maxPoolGrad },
  { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: conv2DBackpropInput }
]

/** Installs the kernels above for wasm, replacing any registered ones. Idempotent. */
export function installWasmGradientKernels(): void {
  const native = tf.getKernel('Conv2DBackpropInput', 'wasm')
  if (native && native.kernelFunc !== conv2DBackpropInput) nativeConv2DBackpropInput = native.kernelFunc
  for (const config of wasmGradientKernels) {
    if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName)
    tf.registerKernel(config)
  }
}
