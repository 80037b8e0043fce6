// What the fast engine will train: read from the tfjs model that buildModel made, layer by layer,
// so the stack, its shapes and its initial weights are decided in one place (model/build.ts).
// Anything the engine does not cover is reported in words, and the run trains on tfjs instead.
import type * as tf from '@tensorflow/tfjs'

export type ActivationFn = 'relu' | 'sigmoid' | 'tanh' | 'leakyRelu' | 'elu'

export type PlanLayer =
  | { kind: 'conv'; kernel: number; filters: number }
  | { kind: 'maxPool' | 'avgPool'; pool: number; stride: number }
  | { kind: 'dense'; units: number }
  | { kind: 'flatten' }
  | { kind: 'activation'; fn: ActivationFn; alpha: number }
  | { kind: 'maxout'; pieces: number }
  | { kind: 'dropout'; rate: number }
  /** Zeros around an image: a "same" convolution is a pad, then a valid one. */
  | { kind: 'pad'; top: number; bottom: number; left: number; right: number }

/** A sequential stack on rows x cols x 1 images; the last layer is the dense layer giving the logits. */
export interface Plan {
  rows: number
  cols: number
  classes: number
  layers: PlanLayer[]
  /** For each layer with weights (conv, dense), its index among the tfjs model's layers. */
  weightLayers: number[]
  /** For each plan layer, the index of the tfjs layer it comes from (a "same" conv's pad: the conv's). */
  sources: number[]
}

type Config = Record<string, unknown>

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)])
const isOne = (v: unknown) => pair(v ?? 1).every((n) => n === 1)

/** Why a layer is not covered, or null. */
function unsupported(cls: string, c: Config): string | null {
  switch (cls) {
    case 'Conv2D': {
      const [kh, kw] = pair(c.kernelSize)
      if (kh !== kw) return `conv2d with a ${kh}x${kw} kernel`
      if (!isOne(c.strides)) return `conv2d with stride ${pair(c.strides)[0]}`
      if (c.padding !== 'valid' && c.padding !== 'same') return `conv2d with padding "${String(c.padding)}"`
      if (!isOne(c.dilationRate)) return 'dilated conv2d'
      break
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const [ph, pw] = pair(c.poolSize)
      const [sh, sw] = pair(c.strides ?? c.poolSize)
      if (ph !== pw || sh !== sw) return `${cls} with a non-square window or stride`
      if (c.padding !== 'valid') return `pooling with padding "${String(c.padding)}"`
      break
    }
    case 'Dense':
    case 'Flatten':
    case 'Dropout':
    case 'LeakyReLU':
    case 'ELU':
    case 'Maxout':
    case 'Activation':
      break
    default:
      return `the layer ${cls}`
  }
  if ((cls === 'Conv2D' || cls === 'Dense') && (c.activation !== 'linear' || c.useBias === false)) return `${cls} with a built-in activation or no bias`
  if ((cls === 'Conv2D' || cls.endsWith('Pooling2D')) && c.dataFormat && c.dataFormat !== 'channelsLast') return 'channels-first data'
  if (cls === 'Activation' && !['relu', 'sigmoid', 'tanh', 'elu'].includes(String(c.activation))) return `the activation ${String(c.activation)}`
  if (cls === 'ELU' && Number(c.alpha ?? 1) !== 1) return 'ELU with alpha other than 1'
  if (cls === 'Dropout' && c.noiseShape) return 'dropout with a noise shape'
  return null
}

function toLayer(cls: string, c: Config, layer: tf.layers.Layer): PlanLayer {
  switch (cls) {
    case 'Conv2D':
      return { kind: 'conv', kernel: pair(c.kernelSize)[0], filters: Number(c.filters) }
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return { kind: cls === 'MaxPooling2D' ? 'maxPool' : 'avgPool', pool: pair(c.poolSize)[0], stride: pair(c.strides ?? c.poolSize)[0] }
    case 'Dense':
      return { kind: 'dense', units: Number(c.units) }
    case 'Flatten':
      return { kind: 'flatten' }
    case 'Dropout':
      return { kind: 'dropout', rate: Number(c.rate) }
    case 'LeakyReLU':
      return { kind: 'activation', fn: 'leakyRelu', alpha: Number(c.alpha) }
    case 'ELU':
      return { kind: 'activation', fn: 'elu', alpha: 1 }
    case 'Maxout':
      return { kind: 'maxout', pieces: (layer as unknown as { pieces: number }).pieces }
    default:
      return { kind: 'activation', fn: String(c.activation) as ActivationFn, alpha: 0 }
  }
}

/** The plan for `logits` (the model up to its logits), or why the fast engine does not cover it. */
export function planFromModel(logits: tf.LayersModel, input: { rows: number; cols: number; numClasses: number }): { plan: Plan } | { unsupported: string } {
  const layers: PlanLayer[] = []
  const weightLayers: number[] = []
  const sources: number[] = []
  for (const [i, layer] of logits.layers.entries()) {
    const cls = layer.getClassName()
    if (cls === 'InputLayer') continue
    const config = layer.getConfig() as Config
    const why = unsupported(cls, config)
    if (why) return { unsupported: why }
    const planned = toLayer(cls, config, layer)
    if (planned.kind === 'conv' && config.padding === 'same') {
      // tfjs's "same" at stride 1: k - 1 zeros in all, the odd one at the bottom and right.
      const before = Math.floor((planned.kernel - 1) / 2)
      const after = planned.kernel - 1 - before
      layers.push({ kind: 'pad', top: before, bottom: after, left: before, right: after })
      sources.push(i)
    }
    if (planned.kind === 'conv' || planned.kind === 'dense') weightLayers.push(i)
    else if (layer.trainableWeights.length) return { unsupported: `trainable weights in ${cls}` }
    layers.push(planned)
    sources.push(i)
  }
  const last = layers.at(-1)
  if (last?.kind !== 'dense' || last.units !== input.numClasses) return { unsupported: 'a model that does not end in its logits layer' }
  return { plan: { rows: input.rows, cols: input.cols, classes: input.numClasses, layers, weightLayers, sources } }
}
