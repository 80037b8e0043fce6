// The field table: every setting of a run once, with its label, unit, CLI flag and help line.
// The CLI's flags and usage, the Train form, the Runs columns and Compare's rows all derive
// from it, so a setting is named the same way everywhere.
import { z } from 'zod'
import { ACTIVATIONS, OPTIMIZERS, hyperparams, type Hyperparams, type HyperparamsInput, type LayerSpec } from './hyperparams'

/** How a field's text is read: the form and the CLI both hold text, the schema judges the value. */
export type FieldKind = 'text' | 'choice' | 'number' | 'integer' | 'optionalInteger' | 'integerList'

export interface FieldDef {
  key: FieldKey
  label: string
  unit?: string
  /** Without the leading dashes. */
  flag: string
  help: string
  kind: FieldKind
  choices?: readonly string[]
  /** Words for a choice where its id is not self-explanatory. */
  choiceLabels?: Readonly<Record<string, string>>
  /** What an empty optional field means. */
  emptyMeans?: string
}

/** Architecture fields are flattened: `preset` and `hidden` stand for architecture.preset / .hidden. */
export type FieldKey = Exclude<keyof Hyperparams, 'architecture'> | 'preset' | 'hidden'

export const ACTIVATION_LABELS: Readonly<Record<string, string>> = {
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  relu: 'ReLU',
  leakyRelu: 'leaky ReLU max(0.1x, x)',
  maxout: 'maxout',
  elu: 'ELU'
}

export const FIELDS: readonly FieldDef[] = [
  {
    key: 'name',
    label: 'Run name',
    flag: 'name',
    help: 'a name to find the run by (default: one made from its settings)',
    kind: 'text',
    emptyMeans: 'named from its settings'
  },
  {
    key: 'preset',
    label: 'Model',
    flag: 'preset',
    help: "the course's CNN, an MLP, or a custom layer list (the layer list is edited in the app)",
    kind: 'choice',
    choices: ['seed-cnn', 'mlp', 'custom'],
    choiceLabels: { 'seed-cnn': "the course's CNN", mlp: 'MLP', custom: 'custom layer list' }
  },
  { key: 'hidden', label: 'Hidden layer sizes', flag: 'hidden', help: "the MLP's hidden layers, comma-separated, e.g. 128,64", kind: 'integerList' },
  {
    key: 'activation',
    label: 'Activation',
    flag: 'activation',
    help: 'the hidden layers’ activation',
    kind: 'choice',
    choices: ACTIVATIONS,
    choiceLabels: ACTIVATION_LABELS
  },
  {
    key: 'optimizer',
    label: 'Optimizer',
    flag: 'optimizer',
    help: 'how the gradient updates the weights',
    kind: 'choice',
    choices: OPTIMIZERS,
    choiceLabels: { sgd: 'SGD (gradient descent)', momentum: 'momentum 0.9', adam: 'Adam', rmsprop: 'RMSprop' }
  },
  { key: 'learningRate', label: 'Learning rate', flag: 'lr', help: 'the step size of gradient descent', kind: 'number' },
  { key: 'batchSize', label: 'Batch size', unit: 'examples', flag: 'batch-size', help: 'training examples per gradient step', kind: 'integer' },
  { key: 'testBatchSize', label: 'Test batch size', unit: 'examples', flag: 'test-batch-size', help: 'test examples per evaluation batch', kind: 'integer' },
  { key: 'epochs', label: 'Epochs', flag: 'epochs', help: 'passes over the training set', kind: 'integer' },
  { key: 'dropout', label: 'Dropout rate', flag: 'dropout', help: 'the share of units dropped in training (0 to 0.95)', kind: 'number' },
  { key: 'seed', label: 'Seed', flag: 'seed', help: 'the seed of the initial weights and the shuffling', kind: 'integer' },
  { key: 'dataset', label: 'Dataset', flag: 'dataset', help: '"mnist" (embedded) or a folder holding the four IDX files', kind: 'text' },
  {
    key: 'limitTrain',
    label: 'Training examples',
    flag: 'limit-train',
    help: 'use only the first N training examples',
    kind: 'optionalInteger',
    emptyMeans: 'all'
  },
  { key: 'limitTest', label: 'Test examples', flag: 'limit-test', help: 'use only the first N test examples', kind: 'optionalInteger', emptyMeans: 'all' }
]

export const FIELD: Readonly<Record<FieldKey, FieldDef>> = Object.fromEntries(FIELDS.map((f) => [f.key, f])) as Record<FieldKey, FieldDef>

/** A field's value in a run's settings, as the field table names it. */
export function fieldValue(hp: Hyperparams, key: FieldKey): unknown {
  if (key === 'preset') return hp.architecture.preset
  if (key === 'hidden') return hp.architecture.preset === 'mlp' ? hp.architecture.hidden : undefined
  return hp[key]
}

/** A run's name when it was given none: its model, activation, optimizer and learning rate in the field table's words. */
export function defaultRunName(hp: Hyperparams): string {
  const word = (key: FieldKey) => formatFieldValue(FIELD[key], fieldValue(hp, key))
  return `${word('preset')} · ${word('activation')} · ${word('optimizer')} · learning rate ${hp.learningRate}`
}

/** A value as people read it: choices in words, lists with commas, nothing as a dash. */
export function formatFieldValue(field: FieldDef, value: unknown): string {
  if (value === undefined || value === null || value === '') return field.emptyMeans ?? '–'
  if (Array.isArray(value)) return value.join(', ')
  if (field.choiceLabels && typeof value === 'string') return field.choiceLabels[value] ?? value
  return String(value)
}

/** The text a field shows in a form for a run's settings (the inverse of `inputFromText`). */
export function fieldText(hp: Hyperparams, key: FieldKey): string {
  const v = fieldValue(hp, key)
  if (v === undefined || v === null) return ''
  return Array.isArray(v) ? v.join(', ') : String(v)
}

/** A run's settings as text per field: what a form or a "train again" starts from. */
export function textsOf(hp: Hyperparams): Record<FieldKey, string> {
  return Object.fromEntries(FIELDS.map((f) => [f.key, fieldText(hp, f.key)])) as Record<FieldKey, string>
}

export type FieldTexts = Partial<Record<FieldKey, string>>

/**
 * A run's settings with some fields changed (as text, as a form, a sweep point or the coach gives
 * them): the schema's input, and errors by field. Only the fields that apply are read (`hidden`
 * for an MLP, its default where none is given); an empty name is no name; a custom run keeps its
 * layer list.
 */
export function changedSettings(hp: Hyperparams, changes: FieldTexts): { input: HyperparamsInput; errors: Partial<Record<FieldKey, string>> } {
  const texts: FieldTexts = { ...textsOf(hp), ...changes }
  // A CNN changed to an MLP has no hidden sizes of its own: the MLP's default ones, not an error.
  if (texts.preset !== 'mlp' || !texts.hidden?.trim()) delete texts.hidden
  if (!texts.name) delete texts.name
  return inputFromText(texts, hp.architecture.preset === 'custom' ? hp.architecture.layers : undefined)
}

/**
 * Text per field -> the schema's input. A field left out (undefined) takes its default; a field
 * present but empty is an error unless the field is optional: nothing is silently defaulted.
 * Errors name the field by its label.
 */
export function inputFromText(texts: FieldTexts, layers?: LayerSpec[]): { input: HyperparamsInput; errors: Partial<Record<FieldKey, string>> } {
  const errors: Partial<Record<FieldKey, string>> = {}
  const values: Partial<Record<FieldKey, unknown>> = {}
  for (const field of FIELDS) {
    const raw = texts[field.key]
    if (raw === undefined) continue
    const text = raw.trim()
    const fail = (why: string) => (errors[field.key] = `${field.label} ${why}`)
    switch (field.kind) {
      case 'text':
        values[field.key] = text === '' ? undefined : text
        if (text === '' && field.key !== 'name') fail('is empty')
        break
      case 'choice':
        if (text === '') fail(`is empty: choose one of ${field.choices!.join(', ')}`)
        else values[field.key] = text
        break
      case 'number':
      case 'integer':
      case 'optionalInteger': {
        if (text === '') {
          if (field.kind === 'optionalInteger') values[field.key] = null
          else fail('is empty: enter a number')
          break
        }
        const n = Number(text)
        const whole = field.kind !== 'number'
        if (!Number.isFinite(n) || (whole && !Number.isInteger(n))) fail(`must be ${whole ? 'a whole number' : 'a number'} (got "${raw}")`)
        else values[field.key] = n
        break
      }
      case 'integerList': {
        const parts = text
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
        if (!parts.length) fail('is empty: enter sizes such as 128, 64')
        else if (parts.some((p) => !/^\d+$/.test(p))) fail(`must be whole numbers separated by commas (got "${raw}")`)
        else values[field.key] = parts.map(Number)
        break
      }
    }
  }
  const { preset, hidden, ...rest } = values
  const chosen = preset as Hyperparams['architecture']['preset'] | undefined
  if (hidden !== undefined && chosen !== undefined && chosen !== 'mlp') errors.hidden ??= `${FIELD.hidden.label} only apply to the MLP`
  const architecture =
    chosen === 'mlp' || (chosen === undefined && hidden !== undefined)
      ? { preset: 'mlp' as const, ...(hidden !== undefined ? { hidden: hidden as number[] } : {}) }
      : chosen === 'custom'
        ? { preset: 'custom' as const, layers: layers ?? [] }
        : chosen === 'seed-cnn'
          ? { preset: 'seed-cnn' as const }
          : undefined
  return { input: { ...rest, ...(architecture ? { architecture } : {}) } as HyperparamsInput, errors }
}

/** Where an issue belongs: a field of the table, one custom layer ("layers.2"), or the whole form. */
export function issueField(path: readonly PropertyKey[]): FieldKey | `layers.${number}` | 'layers' | 'form' {
  const [head, second, third] = path.map(String)
  if (head === 'architecture') {
    if (second === 'layers') return third !== undefined ? `layers.${Number(third)}` : 'layers'
    if (second === 'hidden') return 'hidden'
    return 'preset'
  }
  return head && head in FIELD ? (head as FieldKey) : 'form'
}

/** zod's own wording, as opposed to a message the schema chose (kept as is). */
const LIBRARY_WORDING = /^(Too (small|big)|Invalid|Unrecognized|Expected)/

function plainMessage(issue: z.core.$ZodIssue): string {
  if (!LIBRARY_WORDING.test(issue.message)) return issue.message
  switch (issue.code) {
    case 'too_small': {
      const min = Number(issue.minimum)
      if (issue.origin === 'array') return `needs at least ${min} ${min === 1 ? 'entry' : 'entries'}`
      if (issue.origin === 'string') return 'is empty'
      return issue.inclusive ? `must be at least ${min}` : `must be greater than ${min}`
    }
    case 'too_big': {
      const max = Number(issue.maximum)
      if (issue.origin === 'array') return `may have at most ${max} entries`
      if (issue.origin === 'string') return `is too long (at most ${max} characters)`
      return issue.inclusive ? `must be at most ${max.toLocaleString('en')}` : `must be less than ${max}`
    }
    case 'invalid_type':
      if (issue.expected === 'int') return 'must be a whole number'
      if (issue.expected === 'number') return 'must be a number'
      return `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`
    case 'unrecognized_keys':
      return `has unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
    case 'invalid_union':
      return 'is not a known kind'
    default:
      return issue.message
  }
}

/** One issue in plain words, naming the field by its label: "Learning rate must be greater than 0". */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issueField(issue.path)
  const message = plainMessage(issue)
  if (where === 'form') return issue.path.length ? `${issue.path.join('.')} ${message}` : `Settings ${message}`
  if (where === 'layers') return `The layer list ${message}`
  if (where.startsWith('layers.')) {
    const n = Number(where.slice('layers.'.length)) + 1
    const prop = issue.path.slice(3).map(String).join('.')
    return `Layer ${n}${prop ? ` ${prop}` : ''} ${message}`
  }
  return `${FIELD[where as FieldKey].label} ${message}`
}

/** Every problem of a settings object, or none: for forms, which show each next to its field. */
export function checkHyperparams(input: unknown): { value: Hyperparams; errors: null } | { value: null; errors: z.core.$ZodIssue[] } {
  const result = hyperparams.safeParse(input ?? {})
  return result.success ? { value: result.data, errors: null } : { value: null, errors: result.error.issues }
}

/** Every issue, one sentence each. */
export function describeIssues(error: z.ZodError, subject = 'Settings'): string {
  return error.issues.map((issue) => (issue.path.length ? describeIssue(issue) : `${subject} ${plainMessage(issue)}`)).join('; ')
}

export class ValidationError extends Error {
  override name = 'ValidationError'
}

/** The one parse of settings at a boundary (dispatch, CLI): complete, validated Hyperparams or a plain-words error. */
export function parseHyperparams(input: unknown): Hyperparams {
  const result = hyperparams.safeParse(input ?? {})
  if (!result.success) throw new ValidationError(`Invalid settings: ${describeIssues(result.error)}`)
  return result.data
}
