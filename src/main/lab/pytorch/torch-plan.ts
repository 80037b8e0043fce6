// A run's layer list as PyTorch sees it: each layer with its shapes, and each weight with its
// state_dict name, its PyTorch shape and its tfjs shape. Code generation, export and import all
// read this one plan, so model.py, weights.safetensors and the import agree by construction.
import type { Activation, Hyperparams, LayerSpec } from '@shared/hyperparams'
import { expandArchitecture, MAXOUT_PIECES, maxoutFeeders } from '../model/layer-list'

export interface TorchInput {
  rows: number
  cols: number
  numClasses: number
}

/** An image as [height, width, channels]; a flat vector as [features]. */
export type Shape = [number, number, number] | [number]

export interface Padding {
  top: number
  bottom: number
  left: number
  right: number
}

export type TorchLayer =
  | { kind: 'conv'; name: string; inChannels: number; outChannels: number; kernel: number; stride: number; padding: Padding }
  | { kind: 'maxPool' | 'avgPool'; size: number; stride: number }
  | { kind: 'activation'; activation: Activation }
  | { kind: 'dropout'; rate: number }
  | { kind: 'flatten'; from: [number, number, number] }
  | {
      kind: 'linear'
      name: string
      inFeatures: number
      outFeatures: number
      /** Set on the first dense layer after a flatten: the image its inputs came from (tfjs flattens NHWC, PyTorch NCHW). */
      flattenedFrom: [number, number, number] | null
    }

/** One tensor of the state_dict: where it lives in model.py and in the tfjs model. */
export interface TorchTensor {
  name: string
  shape: number[]
  tfjsShape: number[]
  /** The layer it belongs to, in PyTorch's words, for a refusal's sentence. */
  describes: string
}

export interface TorchPlan {
  input: TorchInput
  layers: TorchLayer[]
  /** In the tfjs model's weight order: each conv/linear's kernel, then its bias. */
  tensors: TorchTensor[]
}

/** TensorFlow's "same": output ceil(in / stride), the odd pixel of padding at the bottom and right. */
function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride)
  const total = Math.max((out - 1) * stride + kernel - size, 0)
  return [Math.floor(total / 2), total - Math.floor(total / 2)]
}

const convOut = (size: number, kernel: number, stride: number, pad: number) => Math.floor((size + pad - kernel) / stride) + 1

/**
 * The plan for a run's settings and its dataset's images. Throws what the lab's builder would
 * throw for a layer list it cannot build.
 */
export function planTorch(hp: Pick<Hyperparams, 'architecture' | 'activation' | 'dropout'>, input: TorchInput): TorchPlan {
  const specs = expandArchitecture(hp.architecture)
  const feeders = maxoutFeeders(specs, hp.activation)
  const layers: TorchLayer[] = []
  const tensors: TorchTensor[] = []
  let shape: Shape = [input.rows, input.cols, 1]
  let convs = 0
  let linears = 0
  let flattenedFrom: [number, number, number] | null = null

  const flattenIfImage = () => {
    if (shape.length !== 3) return
    layers.push({ kind: 'flatten', from: shape })
    flattenedFrom = shape
    shape = [shape[0] * shape[1] * shape[2]]
  }
  const linear = (name: string, outFeatures: number) => {
    flattenIfImage()
    const inFeatures = shape[0]
    layers.push({ kind: 'linear', name, inFeatures, outFeatures, flattenedFrom })
    const describes = `nn.Linear(${inFeatures}, ${outFeatures})`
    tensors.push({ name: `${name}.weight`, shape: [outFeatures, inFeatures], tfjsShape: [inFeatures, outFeatures], describes })
    tensors.push({ name: `${name}.bias`, shape: [outFeatures], tfjsShape: [outFeatures], describes })
    flattenedFrom = null
    shape = [outFeatures]
  }
  const where = (i: number, spec: LayerSpec) => `layer ${i + 1} (${spec.type})`

  specs.forEach((spec, i) => {
    const widen = feeders.has(i) ? MAXOUT_PIECES : 1
    switch (spec.type) {
      case 'conv2d': {
        if (shape.length !== 3) throw new Error(`${where(i, spec)} needs an image input, but the input here is flat (${shape[0]})`)
        const [h, w, c] = shape
        const [top, bottom] = spec.padding === 'same' ? samePadding(h, spec.kernelSize, spec.stride) : [0, 0]
        const [left, right] = spec.padding === 'same' ? samePadding(w, spec.kernelSize, spec.stride) : [0, 0]
        const out = spec.filters * widen
        const name = `conv${++convs}`
        layers.push({
          kind: 'conv',
          name,
          inChannels: c,
          outChannels: out,
          kernel: spec.kernelSize,
          stride: spec.stride,
          padding: { top, bottom, left, right }
        })
        const describes = `nn.Conv2d(${c}, ${out}, kernel_size=${spec.kernelSize})`
        tensors.push({
          name: `${name}.weight`,
          shape: [out, c, spec.kernelSize, spec.kernelSize],
          tfjsShape: [spec.kernelSize, spec.kernelSize, c, out],
          describes
        })
        tensors.push({ name: `${name}.bias`, shape: [out], tfjsShape: [out], describes })
        shape = [convOut(h, spec.kernelSize, spec.stride, top + bottom), convOut(w, spec.kernelSize, spec.stride, left + right), out]
        break
      }
      case 'maxPool':
      case 'avgPool': {
        if (shape.length !== 3) throw new Error(`${where(i, spec)} needs an image input, but the input here is flat`)
        const stride = spec.stride ?? spec.poolSize
        layers.push({ kind: spec.type, size: spec.poolSize, stride })
        shape = [convOut(shape[0], spec.poolSize, stride, 0), convOut(shape[1], spec.poolSize, stride, 0), shape[2]]
        break
      }
      case 'dense':
        linear(`fc${++linears}`, spec.units * widen)
        break
      case 'dropout':
        layers.push({ kind: 'dropout', rate: spec.rate ?? hp.dropout })
        break
      case 'activation': {
        if (!layers.length) throw new Error(`${where(i, spec)}: an activation cannot be the first layer`)
        const activation = spec.activation ?? hp.activation
        if (activation === 'maxout' && flattenedFrom && flattenedFrom[2] > 1) {
          // tfjs would pair neighbouring channels of one pixel; after PyTorch's NCHW view they are not neighbours.
          throw new Error(
            `${where(i, spec)}: a maxout straight after flattening a ${flattenedFrom.join('x')} image cannot be written as PyTorch's view; put a dense layer before it`
          )
        }
        layers.push({ kind: 'activation', activation })
        if (activation === 'maxout') shape = shape.length === 3 ? [shape[0], shape[1], shape[2] / MAXOUT_PIECES] : [shape[0] / MAXOUT_PIECES]
        break
      }
      case 'flatten':
        flattenIfImage()
        break
    }
    if (shape.some((d) => d < 1)) throw new Error(`${where(i, spec)} shrinks the data to nothing: use a smaller kernel or pool, or padding "same"`)
  })
  linear(`fc${++linears}`, input.numClasses)
  return { input, layers, tensors }
}
