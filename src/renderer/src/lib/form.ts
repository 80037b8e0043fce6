// The Train form's state: the text of every field of the shared field table, plus the custom
// layer list. Empty or unparsable text is an error naming the field, never a silent default.
import { FIELD, FIELDS, checkHyperparams, describeIssue, inputFromText, issueField, textsOf, type FieldKey } from '@shared/fields'
import { DEFAULT_CUSTOM_LAYERS, DEFAULT_HYPERPARAMS, layerSpec, type Hyperparams, type HyperparamsInput, type LayerSpec } from '@shared/hyperparams'

export interface FormState {
  texts: Record<FieldKey, string>
  layers: LayerSpec[]
}

/** A form holding a run's settings; the name is left empty so a copy is not named like its origin. */
export function formFrom(hp: Hyperparams): FormState {
  const texts = textsOf(hp)
  texts.name = ''
  return { texts, layers: hp.architecture.preset === 'custom' ? structuredClone(hp.architecture.layers) : DEFAULT_CUSTOM_LAYERS.map((l) => ({ ...l })) }
}

export function defaultForm(): FormState {
  const form = formFrom(DEFAULT_HYPERPARAMS)
  form.texts.hidden = '100'
  return form
}

/** The texts that apply: `hidden` only for the MLP. */
function applicableTexts(f: FormState): Partial<Record<FieldKey, string>> {
  const texts: Partial<Record<FieldKey, string>> = { ...f.texts }
  if (f.texts.preset !== 'mlp') delete texts.hidden
  return texts
}

export function toInput(f: FormState): HyperparamsInput {
  return inputFromText(applicableTexts(f), f.layers).input
}

/** Field key ("learningRate", "hidden", "layers.2", "layers", "form") -> a plain-words message. */
export function validate(f: FormState): Record<string, string> {
  const { input, errors: textErrors } = inputFromText(applicableTexts(f), f.layers)
  const errors: Record<string, string> = { ...textErrors }
  const checked = checkHyperparams(input)
  if (checked.errors) {
    for (const issue of checked.errors) {
      const key = issueField(issue.path)
      // A field whose text could not be read already says so; the schema's complaint about the gap it left adds nothing.
      if (key in FIELD && textErrors[key as FieldKey]) continue
      errors[key] ??= describeIssue(issue)
    }
  }
  return errors
}

const STORAGE_KEY = 'digit-lab:train-form'

/** The part of the browser's Storage the form uses: passed in, so this file needs no DOM (tests run it in Node). */
export interface FormStorage {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

/** The last settings, so a reload keeps what the user typed. Anything unreadable falls back to the defaults. */
export function loadSavedForm(storage: Pick<FormStorage, 'getItem'>): FormState {
  const fresh = defaultForm()
  try {
    const saved = JSON.parse(storage.getItem(STORAGE_KEY) ?? 'null') as Partial<FormState> | null
    if (!saved || typeof saved !== 'object') return fresh
    for (const f of FIELDS) if (typeof saved.texts?.[f.key] === 'string') fresh.texts[f.key] = saved.texts[f.key]
    // Saved layers are read back through the schema: a damaged save must not crash the layer editor.
    if (Array.isArray(saved.layers) && saved.layers.length && saved.layers.every((l) => layerSpec.safeParse(l).success))
      fresh.layers = saved.layers as LayerSpec[]
    return fresh
  } catch {
    return fresh
  }
}

export function saveForm(f: FormState, storage: Pick<FormStorage, 'setItem'>): void {
  try {
    storage.setItem(STORAGE_KEY, JSON.stringify(f))
  } catch {
    // Storage full or disabled: the form still works, it just will not survive a reload.
  }
}
