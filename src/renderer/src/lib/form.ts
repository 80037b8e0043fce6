// The hyperparameter form's state and its translation to the shared schema's input.
import { DEFAULT_CUSTOM_LAYERS, hyperparams, type HyperparamsInput, type LayerSpec } from '@shared/hyperparams'

export interface FormState {
  name: string
  preset: 'seed-cnn' | 'mlp' | 'custom'
  hidden: string
  layers: LayerSpec[]
  activation: string
  optimizer: string
  learningRate: number | string
  batchSize: number | string
  testBatchSize: number | string
  epochs: number | string
  dropout: number | string
  seed: number | string
  dataset: string
  limitTrain: number | string
  limitTest: number | string
}

export function defaultForm(): FormState {
  return {
    name: '',
    preset: 'seed-cnn',
    hidden: '100',
    layers: DEFAULT_CUSTOM_LAYERS.map((l) => ({ ...l })),
    activation: 'relu',
    optimizer: 'sgd',
    learningRate: 0.01,
    batchSize: 100,
    testBatchSize: 100,
    epochs: 1,
    dropout: 0.5,
    seed: 1,
    dataset: 'mnist',
    limitTrain: '',
    limitTest: ''
  }
}

/** Empty inputs mean "not set"; anything else goes to the schema as a number, to be judged there. */
const n = (v: number | string) => (v === '' ? undefined : Number(v))
const nullable = (v: number | string) => (v === '' ? null : Number(v))

export function toInput(f: FormState): HyperparamsInput {
  const architecture =
    f.preset === 'mlp'
      ? { preset: 'mlp' as const, hidden: f.hidden.split(',').filter((s) => s.trim() !== '').map((s) => Number(s.trim())) }
      : f.preset === 'custom'
        ? { preset: 'custom' as const, layers: f.layers }
        : { preset: 'seed-cnn' as const }
  return {
    name: f.name.trim() || undefined,
    architecture,
    activation: f.activation,
    optimizer: f.optimizer,
    learningRate: n(f.learningRate),
    batchSize: n(f.batchSize),
    testBatchSize: n(f.testBatchSize),
    epochs: n(f.epochs),
    dropout: n(f.dropout),
    seed: n(f.seed),
    dataset: f.dataset.trim() || undefined,
    limitTrain: nullable(f.limitTrain),
    limitTest: nullable(f.limitTest)
  } as HyperparamsInput
}

/** Field path ("learningRate", "architecture.hidden", "architecture.layers.2") -> message. */
export function validate(f: FormState): Record<string, string> {
  const result = hyperparams.safeParse(toInput(f))
  const errors: Record<string, string> = {}
  if (result.success) return errors
  for (const issue of result.error.issues) {
    const path = issue.path.map(String)
    let key = path[0] ?? 'form'
    if (key === 'architecture') key = path[1] === 'layers' && path.length > 2 ? `architecture.layers.${path[2]}` : `architecture.${path[1] ?? ''}`
    const detail = key.startsWith('architecture.layers.') && path.length > 3 ? `${path.slice(3).join('.')}: ${issue.message}` : issue.message
    errors[key] ??= detail
  }
  return errors
}
