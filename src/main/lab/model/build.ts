// Hyperparameters -> a tfjs model. Presets expand to a layer list first, so the course's
// `Net`, the MLP and any custom list all go through one builder.
import * as tf from '@tensorflow/tfjs'
import type { Activation, Hyperparams, LayerSpec } from '@shared/hyperparams'
import type { LayerSummary } from '@shared/run-types'
import { dataConv2d } from './data-conv'
import { expandArchitecture, MAXOUT_PIECES, maxoutFeeders } from './layer-list'
import { Maxout } from './maxout'

// The layer list itself lives in layer-list.ts, without tfjs; its callers may still find it here.
export { expandArchitecture, SEED_CNN_LAYERS } from './layer-list'

export interface InputSpec {
  rows: number
  cols: number
  numClasses: number
}

export interface BuiltModel {
  /** Ends in softmax: what is exported and used for prediction. */
  model: tf.LayersModel
  /** The same layers up to the logits: what the loss is computed on (numerically stable). */
  logits: tf.LayersModel
}

function activationLayer(name: Activation): tf.layers.Layer {
  switch (name) {
    case 'leakyRelu':
      return tf.layers.leakyReLU({ alpha: 0.1 }) // the course's max(0.1x, x)
    case 'elu':
      return tf.layers.elu({ alpha: 1 })
    case 'maxout':
      return new Maxout({ pieces: MAXOUT_PIECES })
    default:
      return tf.layers.activation({ activation: name })
  }
}

/**
 * PyTorch's default init, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases, so the
 * course's recipe learns at the course's pace. varianceScaling(1/3, fanIn, uniform) is that bound.
 */
function torchInit(fanIn: number, seed: number) {
  const bound = 1 / Math.sqrt(fanIn)
  return {
    kernelInitializer: tf.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform', seed }),
    biasInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: seed + 1 })
  }
}

/** What a layer builder needs: the model so far, the layer's place, the run's settings, a seed. */
interface BuildContext {
  model: tf.Sequential
  hp: Hyperparams
  input: InputSpec
  index: number
  /** How many times wider a layer feeding a maxout must be (1 otherwise). */
  widen: number
  seed: number
}

const shapeOf = (c: BuildContext) => (c.model.layers.length ? (c.model.outputShape as (number | null)[]) : [null, c.input.rows, c.input.cols, 1])
/** The first layer carries the input shape. */
const inputShape = (c: BuildContext) => (c.model.layers.length ? {} : { inputShape: [c.input.rows, c.input.cols, 1] })
const shrunk = (c: BuildContext, type: string) =>
  new Error(
    `layer ${c.index + 1} (${type}) shrinks the data to nothing (input ${shapeOf(c).slice(1).join('x')}): use a smaller kernel or pool, or padding "same"`
  )

function add(c: BuildContext, type: string, layer: tf.layers.Layer): void {
  try {
    c.model.add(layer)
  } catch (err) {
    throw /negative dimension/i.test((err as Error).message) ? shrunk(c, type) : err
  }
}

function flattenIfImage(c: BuildContext): void {
  if (shapeOf(c).length > 2) add(c, 'flatten', tf.layers.flatten(inputShape(c)))
}

/** One builder per layer kind: each checks what it needs and adds its tfjs layer. */
const BUILDERS: { [K in LayerSpec['type']]: (spec: Extract<LayerSpec, { type: K }>, c: BuildContext) => void } = {
  conv2d(spec, c) {
    const s = shapeOf(c)
    if (s.length !== 4) throw new Error(`layer ${c.index + 1}: conv2d needs an image input, but the input here is flat (${s.slice(1).join('x')})`)
    const config = {
      ...inputShape(c),
      filters: spec.filters * c.widen,
      kernelSize: spec.kernelSize,
      strides: spec.stride,
      padding: spec.padding,
      ...torchInit(spec.kernelSize * spec.kernelSize * (s[3] ?? 1), c.seed)
    }
    add(c, spec.type, c.model.layers.length ? tf.layers.conv2d(config) : dataConv2d(config))
  },
  maxPool: (spec, c) => pool(spec, c),
  avgPool: (spec, c) => pool(spec, c),
  dense(spec, c) {
    flattenIfImage(c)
    add(c, spec.type, tf.layers.dense({ ...inputShape(c), units: spec.units * c.widen, ...torchInit(shapeOf(c)[1] ?? 1, c.seed) }))
  },
  dropout(spec, c) {
    // No seed: tfjs draws the same mask on every call when dropout is seeded, which would
    // silently turn dropout into a fixed, thinner network.
    add(c, spec.type, tf.layers.dropout({ ...inputShape(c), rate: spec.rate ?? c.hp.dropout }))
  },
  activation(spec, c) {
    if (!c.model.layers.length) throw new Error(`layer ${c.index + 1}: an activation cannot be the first layer`)
    add(c, spec.type, activationLayer(spec.activation ?? c.hp.activation))
  },
  flatten: (_spec, c) => flattenIfImage(c)
}

function pool(spec: Extract<LayerSpec, { type: 'maxPool' | 'avgPool' }>, c: BuildContext): void {
  if (shapeOf(c).length !== 4) throw new Error(`layer ${c.index + 1}: ${spec.type} needs an image input, but the input here is flat`)
  const config = { ...inputShape(c), poolSize: spec.poolSize, strides: spec.stride ?? spec.poolSize }
  add(c, spec.type, spec.type === 'maxPool' ? tf.layers.maxPooling2d(config) : tf.layers.averagePooling2d(config))
}

export function buildModel(hp: Hyperparams, input: InputSpec): BuiltModel {
  const specs = expandArchitecture(hp.architecture)
  const feeders = maxoutFeeders(specs, hp.activation)
  const model = tf.sequential()
  const c: BuildContext = { model, hp, input, index: 0, widen: 1, seed: hp.seed * 101 }
  specs.forEach((spec, i) => {
    Object.assign(c, { index: i, widen: feeders.has(i) ? MAXOUT_PIECES : 1, seed: c.seed + 7 })
    ;(BUILDERS[spec.type] as (s: LayerSpec, c: BuildContext) => void)(spec, c)
    if (
      shapeOf(c)
        .slice(1)
        .some((d) => d != null && d < 1)
    )
      throw shrunk(c, spec.type)
  })
  flattenIfImage(c)
  // The output layer: one unit per class of the dataset, logits for a numerically stable loss.
  model.add(tf.layers.dense({ ...inputShape(c), units: input.numClasses, name: 'logits', ...torchInit(shapeOf(c)[1] ?? 1, c.seed + 13) }))
  const probs = tf.layers.softmax({ name: 'probabilities' }).apply(model.outputs[0]) as tf.SymbolicTensor
  return { model: tf.model({ inputs: model.inputs, outputs: probs }), logits: model }
}

export function summarise(model: tf.LayersModel): LayerSummary[] {
  return model.layers
    .filter((layer) => layer.getClassName() !== 'InputLayer')
    .map((layer) => ({
      name: layer.name,
      type: layer.getClassName(),
      outputShape: (Array.isArray(layer.outputShape[0]) ? layer.outputShape[0] : layer.outputShape) as (number | null)[],
      params: layer.countParams()
    }))
}

export function countTrainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0)
}
