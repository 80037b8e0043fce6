// The one schema for a run's hyperparameters. Main validates every payload with it;
// the renderer uses it for inline form messages. Pure: no Node, no DOM.
import { z } from 'zod'

export const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'maxout', 'elu'] as const
export const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'rmsprop'] as const
export const PRESETS = ['seed-cnn', 'mlp', 'custom'] as const

export type Activation = (typeof ACTIVATIONS)[number]
export type OptimizerName = (typeof OPTIMIZERS)[number]
export type PresetName = (typeof PRESETS)[number]

const int = (min: number, max: number) => z.number().int().min(min).max(max)

export const conv2dLayer = z.strictObject({
  type: z.literal('conv2d'),
  filters: int(1, 256),
  kernelSize: int(1, 11),
  stride: int(1, 4).default(1),
  padding: z.enum(['valid', 'same']).default('valid')
})
export const poolLayer = z.strictObject({
  type: z.enum(['maxPool', 'avgPool']),
  poolSize: int(1, 8).default(2),
  stride: int(1, 8).optional()
})
export const denseLayer = z.strictObject({ type: z.literal('dense'), units: int(1, 4096) })
/** rate omitted: the run's dropout rate. */
export const dropoutLayer = z.strictObject({
  type: z.literal('dropout'),
  rate: z.number().min(0).max(0.95).optional()
})
/** activation omitted: the run's activation. */
export const activationLayer = z.strictObject({
  type: z.literal('activation'),
  activation: z.enum(ACTIVATIONS).optional()
})
export const flattenLayer = z.strictObject({ type: z.literal('flatten') })

export const layerSpec = z.discriminatedUnion('type', [conv2dLayer, poolLayer, denseLayer, dropoutLayer, activationLayer, flattenLayer])
export type LayerSpec = z.infer<typeof layerSpec>
export const LAYER_TYPES = ['conv2d', 'maxPool', 'avgPool', 'dense', 'dropout', 'activation', 'flatten'] as const

/** Where a custom layer list starts: a small CNN the user can edit. */
export const DEFAULT_CUSTOM_LAYERS: LayerSpec[] = [
  { type: 'conv2d', filters: 8, kernelSize: 3, stride: 1, padding: 'same' },
  { type: 'activation' },
  { type: 'maxPool', poolSize: 2 },
  { type: 'dense', units: 64 },
  { type: 'activation' }
]

export const architecture = z.discriminatedUnion('preset', [
  z.strictObject({ preset: z.literal('seed-cnn') }),
  z.strictObject({ preset: z.literal('mlp'), hidden: z.array(int(1, 4096)).min(1).max(8).default([100]) }),
  z.strictObject({ preset: z.literal('custom'), layers: z.array(layerSpec).min(1).max(40) })
])
export type Architecture = z.infer<typeof architecture>

export const hyperparams = z.strictObject({
  name: z.string().trim().max(120).optional(),
  architecture: architecture.default({ preset: 'seed-cnn' }),
  activation: z.enum(ACTIVATIONS).default('relu'),
  optimizer: z.enum(OPTIMIZERS).default('sgd'),
  learningRate: z.number().gt(0, 'must be greater than 0').max(10).default(0.01),
  batchSize: int(1, 60000).default(100),
  testBatchSize: int(1, 10000).default(100),
  epochs: int(1, 1000).default(1),
  dropout: z.number().min(0).max(0.95).default(0.5),
  seed: int(0, 2 ** 31 - 1).default(1),
  dataset: z.string().min(1).max(4096).default('mnist'),
  limitTrain: int(1, 10_000_000).nullable().default(null),
  limitTest: int(1, 10_000_000).nullable().default(null)
})

/** What a caller may send: every field optional, defaults filled in by the schema. */
export type HyperparamsInput = z.input<typeof hyperparams>
/** What the lab runs with: complete and validated. */
export type Hyperparams = z.output<typeof hyperparams>

export const DEFAULT_HYPERPARAMS: Hyperparams = hyperparams.parse({})
