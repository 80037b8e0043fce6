// Weights between tfjs's layout and PyTorch's: conv kernels HWIO <-> OIHW, dense [in, out] <->
// Linear [out, in], and the first dense layer after a flatten reordered between NHWC and NCHW
// order (skip that and the model silently drops to chance). Maxout needs nothing: model.py pairs
// the same neighbouring outputs as the lab's Maxout layer.
import type { TorchLayer, TorchPlan, TorchTensor } from './torch-plan'

export interface NamedTensor {
  name: string
  shape: number[]
  data: Float32Array
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1)

/** Index maps: `toTorch[t]` is the tfjs index of the value at PyTorch index t. */
function torchFromTfjs(tensor: TorchTensor, layer: TorchLayer | undefined): Uint32Array {
  const map = new Uint32Array(size(tensor.shape))
  if (tensor.shape.length === 1 || !layer) {
    for (let i = 0; i < map.length; i++) map[i] = i
  } else if (tensor.shape.length === 4) {
    const [o, c, kh, kw] = tensor.shape
    let t = 0
    for (let oi = 0; oi < o; oi++)
      for (let ci = 0; ci < c; ci++) for (let h = 0; h < kh; h++) for (let w = 0; w < kw; w++) map[t++] = ((h * kw + w) * c + ci) * o + oi
  } else {
    const [out, inF] = tensor.shape
    const from = layer.kind === 'linear' ? layer.flattenedFrom : null
    // PyTorch's input feature i, in NCHW order, is tfjs's feature nhwc(i).
    const nhwc = (i: number) => {
      if (!from) return i
      const [hh, ww, cc] = from
      const c = Math.floor(i / (hh * ww))
      const h = Math.floor((i % (hh * ww)) / ww)
      const w = i % ww
      return (h * ww + w) * cc + c
    }
    let t = 0
    for (let oi = 0; oi < out; oi++) for (let i = 0; i < inF; i++) map[t++] = nhwc(i) * out + oi
  }
  return map
}

function layerOf(plan: TorchPlan, tensor: TorchTensor): TorchLayer | undefined {
  const layerName = tensor.name.slice(0, tensor.name.lastIndexOf('.'))
  return plan.layers.find((l) => (l.kind === 'conv' || l.kind === 'linear') && l.name === layerName)
}

/** The tfjs model's weights (in its order, as the plan lists them) as a PyTorch state_dict. */
export function toStateDict(plan: TorchPlan, tfjsWeights: Float32Array[]): NamedTensor[] {
  if (tfjsWeights.length !== plan.tensors.length) {
    throw new Error(`the stored model has ${tfjsWeights.length} weight tensors; its layer list gives ${plan.tensors.length}`)
  }
  return plan.tensors.map((tensor, k) => {
    const source = tfjsWeights[k]
    if (source.length !== size(tensor.shape)) {
      throw new Error(`stored weight ${k + 1} has ${source.length} values; ${tensor.name} needs ${size(tensor.shape)} (${tensor.shape.join('x')})`)
    }
    const map = torchFromTfjs(tensor, layerOf(plan, tensor))
    const data = new Float32Array(map.length)
    for (let t = 0; t < map.length; t++) data[t] = source[map[t]]
    return { name: tensor.name, shape: tensor.shape, data }
  })
}

/** A state_dict already checked against the plan (names and shapes) as the tfjs model's weights, in its order. */
export function fromStateDict(plan: TorchPlan, state: Map<string, Float32Array>): Float32Array[] {
  return plan.tensors.map((tensor) => {
    const source = state.get(tensor.name)
    if (!source) throw new Error(`the state_dict lacks ${tensor.name}`)
    const map = torchFromTfjs(tensor, layerOf(plan, tensor))
    const data = new Float32Array(map.length)
    for (let t = 0; t < map.length; t++) data[map[t]] = source[t]
    return data
  })
}

/** Stored tfjs weight bytes (little-endian float32, one tensor after another) split as the plan's tfjs shapes. */
export function splitTfjsWeights(plan: TorchPlan, data: ArrayBuffer): Float32Array[] {
  const all = new Float32Array(data.slice(0))
  const expected = plan.tensors.reduce((n, t) => n + size(t.tfjsShape), 0)
  if (all.length !== expected) throw new Error(`the stored model holds ${all.length} weights; its layer list gives ${expected}`)
  let at = 0
  return plan.tensors.map((t) => all.subarray(at, (at += size(t.tfjsShape))))
}
