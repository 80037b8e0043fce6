// The train command's flags, derived from the shared field table: one flag per setting, named
// and explained as the table says, plus the command's own.
import { FIELD, FIELDS, inputFromText, parseHyperparams, type FieldKey, type FieldTexts } from '@shared/fields'
import type { Hyperparams } from '@shared/hyperparams'
import { UsageError } from '../terminal/args'

/** The layer list of a custom model is edited in the app; from a terminal only the presets. */
const CLI_PRESETS = ['seed-cnn', 'mlp']

const COMMAND_FLAGS = {
  db: { type: 'string', help: 'the database file (default: the desktop app’s; or DIGIT_LAB_DB)', value: 'PATH' },
  'rescue-to': {
    type: 'string',
    help: 'where to save the runs if the database file is deleted or cut short while training (default: beside it)',
    value: 'FILE.db'
  },
  json: { type: 'boolean', help: 'one JSON object per epoch on stdout, then a summary' },
  help: { type: 'boolean', help: 'this text' }
} as const

export const TRAIN_FLAGS = {
  ...Object.fromEntries(FIELDS.map((f) => [f.flag, { type: 'string' as const }])),
  db: { type: 'string' },
  'rescue-to': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' }
} as const satisfies Record<string, { type: 'string' | 'boolean' }>

function placeholder(key: FieldKey): string {
  const f = FIELD[key]
  if (key === 'preset') return CLI_PRESETS.join('|')
  if (f.choices) return f.choices.join('|')
  if (f.kind === 'integerList') return '128,64'
  if (f.kind === 'number') return 'X'
  if (f.kind === 'text') return key === 'dataset' ? 'mnist|PATH' : 'TEXT'
  return 'N'
}

export function trainUsage(): string {
  const rows = [
    ...FIELDS.map((f) => [`--${f.flag} ${placeholder(f.key)}`, `${f.label}: ${f.help}`]),
    ...Object.entries(COMMAND_FLAGS).map(([flag, d]) => [`--${flag}${'value' in d ? ` ${d.value}` : ''}`, d.help])
  ]
  const width = Math.max(...rows.map(([flag]) => flag.length))
  return ['usage: npm run train -- [flags]', ...rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`)].join('\n')
}

/** Flag values -> validated settings; every problem names its flag. */
export function hyperparamsFromFlags(values: Record<string, string | boolean | undefined>): Hyperparams {
  const texts: FieldTexts = {}
  for (const f of FIELDS) {
    const v = values[f.flag]
    if (typeof v === 'string') texts[f.key] = v
  }
  if (texts.preset !== undefined && !CLI_PRESETS.includes(texts.preset)) {
    throw new UsageError(`--preset must be ${CLI_PRESETS.join(' or ')} (got "${texts.preset}"); custom layer lists are edited in the app`)
  }
  const { input, errors } = inputFromText(texts)
  const first = Object.entries(errors)[0] as [FieldKey, string] | undefined
  if (first) throw new UsageError(`--${FIELD[first[0]].flag}: ${first[1]}`)
  return parseHyperparams(input)
}
