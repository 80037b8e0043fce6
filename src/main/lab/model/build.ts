// Hyperparameters -> a tfjs model. Presets expand to a layer list first, so the course's
// `Net`, the MLP and any custom list all go through one builder.
import * as tf from '@tensorflow/tfjs'
import type { Activation, Architecture, Hyperparams, LayerSpec } from '../../../shared/hyperparams'
import type { LayerSummary } from '../../../shared/run-types'
import { dataConv2d } from './data-conv'
import { Maxout, MAXOUT_PIECES } from './maxout'

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

/** The course's `Net`: conv 1->10 k5, pool, act, conv 10->20 k5, pool, act, dense 50, act, dropout, dense 10. */
export const SEED_CNN_LAYERS: LayerSpec[] = [
  { type: 'conv2d', filters: 10, kernelSize: 5, stride: 1, padding: 'valid' },
  { type: 'maxPool', poolSize: 2 },
  { type: 'activation' },
  { type: 'conv2d', filters: 20, kernelSize: 5, stride: 1, padding: 'valid' },
  { type: 'maxPool', poolSize: 2 },
  { type: 'activation' },
  { type: 'flatten' },
  { type: 'dense', units: 50 },
  { type: 'activation' },
  { type: 'dropout' }
]

export function expandArchitecture(arch: Architecture): LayerSpec[] {
  switch (arch.preset) {
    case 'seed-cnn':
      return SEED_CNN_LAYERS
    case 'mlp':
      return [
        { type: 'flatten' },
        ...arch.hidden.flatMap((units): LayerSpec[] => [{ type: 'dense', units }, { type: 'activation' }]),
        { type: 'dropout' }
      ]
    case 'custom':
      return arch.layers
  }
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

/** Indices of the conv2d/dense layers that feed a maxout and must be widened k-fold. */
function maxoutFeeders(layers: LayerSpec[], runActivation: Activation): Set<number> {
  const feeders = new Set<number>()
  let lastLinear = -1
  layers.forEach((layer, i) => {
    if (layer.type === 'conv2d' || layer.type === 'dense') lastLinear = i
    if (layer.type === 'activation' && (layer.activation ?? runActivation) === 'maxout') {
      if (lastLinear < 0 || feeders.has(lastLinear)) {
        throw new Error(`layer ${i + 1}: maxout needs its own dense or conv2d layer before it`)
      }
      feeders.add(lastLinear)
    }
  })
  return feeders
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

export function buildModel(hp: Hyperparams, input: InputSpec): BuiltModel {
  const specs = expandArchitecture(hp.architecture)
  const feeders = maxoutFeeders(specs, hp.activation)
  const model = tf.sequential()
  const first = { inputShape: [input.rows, input.cols, 1] }
  let seed = hp.seed * 101
  const shape = () => (model.layers.length ? (model.outputShape as (number | null)[]) : [null, input.rows, input.cols, 1])
  const needsFirst = () => (model.layers.length ? {} : first)

  specs.forEach((spec, i) => {
    const shrunk = () => new Error(`layer ${i + 1} (${spec.type}) shrinks the data to nothing (input ${shape().slice(1).join('x')}): use a smaller kernel or pool, or padding "same"`)
    const add = (layer: tf.layers.Layer) => {
      try {
        model.add(layer)
      } catch (err) {
        throw /negative dimension/i.test((err as Error).message) ? shrunk() : err
      }
    }
    const widen = feeders.has(i) ? MAXOUT_PIECES : 1
    seed += 7
    switch (spec.type) {
      case 'conv2d': {
        const s = shape()
        if (s.length !== 4) throw new Error(`layer ${i + 1}: conv2d needs an image input, but the input here is flat (${s.slice(1).join('x')})`)
        const config = { ...needsFirst(), filters: spec.filters * widen, kernelSize: spec.kernelSize, strides: spec.stride, padding: spec.padding, ...torchInit(spec.kernelSize * spec.kernelSize * (s[3] ?? 1), seed) }
        add(model.layers.length ? tf.layers.conv2d(config) : dataConv2d(config))
        break
      }
      case 'maxPool':
      case 'avgPool': {
        const s = shape()
        if (s.length !== 4) throw new Error(`layer ${i + 1}: ${spec.type} needs an image input, but the input here is flat`)
        const config = { ...needsFirst(), poolSize: spec.poolSize, strides: spec.stride ?? spec.poolSize }
        add(spec.type === 'maxPool' ? tf.layers.maxPooling2d(config) : tf.layers.averagePooling2d(config))
        break
      }
      case 'dense': {
        if (shape().length > 2) add(tf.layers.flatten(needsFirst()))
        const fanIn = shape()[1] ?? 1
        add(tf.layers.dense({ ...needsFirst(), units: spec.units * widen, ...torchInit(fanIn, seed) }))
        break
      }
      case 'dropout':
        // No seed: tfjs draws the same mask on every call when dropout is seeded, which would
        // silently turn dropout into a fixed, thinner network.
        add(tf.layers.dropout({ ...needsFirst(), rate: spec.rate ?? hp.dropout }))
        break
      case 'activation': {
        const layer = activationLayer(spec.activation ?? hp.activation)
        if (!model.layers.length) throw new Error(`layer ${i + 1}: an activation cannot be the first layer`)
        add(layer)
        break
      }
      case 'flatten':
        if (shape().length > 2) add(tf.layers.flatten(needsFirst()))
        break
    }
    if (shape().slice(1).some((d) => d != null && d < 1)) throw shrunk()
  })
  if (shape().length > 2) model.add(tf.layers.flatten(needsFirst()))
  model.add(tf.layers.dense({ ...needsFirst(), units: input.numClasses, name: 'logits', ...torchInit(shape()[1] ?? 1, seed + 13) }))
  const logits = model
  const probs = tf.layers.softmax({ name: 'probabilities' }).apply(logits.outputs[0]) as tf.SymbolicTensor
  return { model: tf.model({ inputs: logits.inputs, outputs: probs }), logits }
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
