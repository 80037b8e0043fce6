// The Train form on top of the shared field table: what a person types, the words they get back,
// and what survives a reload.
import { describe, expect, it } from 'vitest'
import { defaultForm, formFrom, loadSavedForm, saveForm, toInput, validate, type FormState } from '../../../../src/renderer/src/lib/form'
import { DEFAULT_CUSTOM_LAYERS, DEFAULT_HYPERPARAMS, hyperparams, type Hyperparams, type LayerSpec } from '../../../../src/shared/hyperparams'

/** Just enough of the browser's Storage for the form, in memory. */
function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial))
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, String(value))
  }
}

const withTexts = (changes: Partial<FormState['texts']>, layers?: LayerSpec[]): FormState => {
  const f = defaultForm()
  Object.assign(f.texts, changes)
  if (layers) f.layers = layers
  return f
}

describe('validate', () => {
  it('finds nothing wrong with the defaults', () => {
    expect(validate(defaultForm())).toEqual({})
  })

  it('says an empty learning rate is empty, in plain words, and nothing else about it', () => {
    const errors = validate(withTexts({ learningRate: '' }))
    expect(errors).toEqual({ learningRate: 'Learning rate is empty: enter a number' })
    // Blank is as empty as nothing.
    expect(validate(withTexts({ learningRate: '   ' })).learningRate).toBe('Learning rate is empty: enter a number')
  })

  it('rejects words and fractions where a whole number belongs, quoting what was typed', () => {
    expect(validate(withTexts({ epochs: 'abc' }))).toEqual({ epochs: 'Epochs must be a whole number (got "abc")' })
    expect(validate(withTexts({ batchSize: '1.5' }))).toEqual({ batchSize: 'Batch size must be a whole number (got "1.5")' })
    expect(validate(withTexts({ learningRate: 'abc' }))).toEqual({ learningRate: 'Learning rate must be a number (got "abc")' })
    // A fraction is fine where a number is asked for.
    expect(validate(withTexts({ learningRate: '1.5' }))).toEqual({})
  })

  it("passes the schema's limits on in words naming the field", () => {
    expect(validate(withTexts({ learningRate: '-1' }))).toEqual({ learningRate: 'Learning rate must be greater than 0' })
    expect(validate(withTexts({ dropout: '2' }))).toEqual({ dropout: 'Dropout rate must be at most 0.95' })
    expect(validate(withTexts({ dataset: ' ' }))).toEqual({ dataset: 'Dataset is empty' })
    // Optional limits may be left empty: "all".
    expect(validate(withTexts({ limitTrain: '', limitTest: '' }))).toEqual({})
  })

  it('checks hidden sizes only for the MLP', () => {
    expect(validate(withTexts({ preset: 'seed-cnn', hidden: 'abc' }))).toEqual({})
    expect(validate(withTexts({ preset: 'custom', hidden: '' }))).toEqual({})
    expect(validate(withTexts({ preset: 'mlp', hidden: 'abc' }))).toEqual({
      hidden: 'Hidden layer sizes must be whole numbers separated by commas (got "abc")'
    })
    expect(validate(withTexts({ preset: 'mlp', hidden: '' }))).toEqual({ hidden: 'Hidden layer sizes is empty: enter sizes such as 128, 64' })
    expect(validate(withTexts({ preset: 'mlp', hidden: '64, 0' }))).toEqual({ hidden: 'Hidden layer sizes must be at least 1' })
    expect(validate(withTexts({ preset: 'mlp', hidden: '128, 64' }))).toEqual({})
  })

  it('keys layer-list errors by layer, numbered from 1 in the words', () => {
    const layers = [
      { type: 'dense', units: 0 },
      { type: 'conv2d', filters: 300, kernelSize: 3, stride: 1, padding: 'same' },
      { type: 'flatten' }
    ] as LayerSpec[]
    expect(validate(withTexts({ preset: 'custom' }, layers))).toEqual({
      'layers.0': 'Layer 1 units must be at least 1',
      'layers.1': 'Layer 2 filters must be at most 256'
    })
    expect(validate(withTexts({ preset: 'custom' }, []))).toEqual({ layers: 'The layer list needs at least 1 entry' })
    // The layer list is the custom model's only: another preset ignores it.
    expect(validate(withTexts({ preset: 'mlp' }, layers))).toEqual({})
  })

  it('reports every broken field at once', () => {
    const errors = validate(withTexts({ learningRate: '', epochs: 'two', seed: '', preset: 'mlp', hidden: '0' }))
    expect(Object.keys(errors).sort()).toEqual(['epochs', 'hidden', 'learningRate', 'seed'])
  })
})

describe('toInput', () => {
  it('leaves hidden sizes out unless the model is the MLP', () => {
    expect(toInput(withTexts({ preset: 'seed-cnn', hidden: '64' })).architecture).toEqual({ preset: 'seed-cnn' })
    expect(toInput(withTexts({ preset: 'mlp', hidden: '128, 64' })).architecture).toEqual({ preset: 'mlp', hidden: [128, 64] })
  })

  it('sends the layer list with the custom model', () => {
    const layers: LayerSpec[] = [{ type: 'flatten' }, { type: 'dense', units: 32 }]
    expect(toInput(withTexts({ preset: 'custom' }, layers)).architecture).toEqual({ preset: 'custom', layers })
  })

  it('sends empty optional limits as null ("all") and an empty name as none', () => {
    const input = toInput(withTexts({ limitTrain: '', limitTest: '500', name: '' }))
    expect(input.limitTrain).toBeNull()
    expect(input.limitTest).toBe(500)
    expect(input.name).toBeUndefined()
  })
})

describe('formFrom', () => {
  it('round-trips the defaults: form, input, schema give the defaults back', () => {
    expect(hyperparams.parse(toInput(formFrom(DEFAULT_HYPERPARAMS)))).toEqual(DEFAULT_HYPERPARAMS)
  })

  it('round-trips an MLP and a custom model', () => {
    const mlp: Hyperparams = {
      ...DEFAULT_HYPERPARAMS,
      architecture: { preset: 'mlp', hidden: [128, 64] },
      optimizer: 'adam',
      learningRate: 0.003,
      limitTest: 300,
      dataset: '/data/shapes'
    }
    expect(hyperparams.parse(toInput(formFrom(mlp)))).toEqual(mlp)
    const layers: LayerSpec[] = [
      { type: 'conv2d', filters: 4, kernelSize: 5, stride: 2, padding: 'valid' },
      { type: 'activation', activation: 'elu' },
      { type: 'dense', units: 16 }
    ]
    const custom: Hyperparams = { ...DEFAULT_HYPERPARAMS, architecture: { preset: 'custom', layers } }
    expect(hyperparams.parse(toInput(formFrom(custom)))).toEqual(custom)
  })

  it('clears the run name, so a copy is not named like its origin, and keeps the rest', () => {
    const f = formFrom({ ...DEFAULT_HYPERPARAMS, name: 'careful mlp', epochs: 7 })
    expect(f.texts.name).toBe('')
    expect(f.texts.epochs).toBe('7')
  })

  it("copies a custom run's layers, so editing the form does not edit the run", () => {
    const layers: LayerSpec[] = [{ type: 'dense', units: 16 }]
    const f = formFrom({ ...DEFAULT_HYPERPARAMS, architecture: { preset: 'custom', layers } })
    ;(f.layers[0] as { units: number }).units = 99
    expect(layers[0]).toEqual({ type: 'dense', units: 16 })
  })

  it('starts a non-custom run with the default layer list to edit', () => {
    expect(formFrom(DEFAULT_HYPERPARAMS).layers).toEqual(DEFAULT_CUSTOM_LAYERS)
  })
})

describe('saved form', () => {
  it('comes back after a reload as it was typed, errors and all', () => {
    const storage = memoryStorage()
    const typed = withTexts({ preset: 'mlp', hidden: '32, 16', learningRate: '', name: 'mine' }, [{ type: 'flatten' }])
    saveForm(typed, storage)
    expect(loadSavedForm(storage)).toEqual(typed)
  })

  it('falls back to the defaults when nothing was saved', () => {
    expect(loadSavedForm(memoryStorage())).toEqual(defaultForm())
  })

  it('falls back to the defaults for anything unreadable', () => {
    const storage = memoryStorage()
    saveForm(defaultForm(), storage)
    const [key] = [...storage.items.keys()]
    for (const unreadable of ['{not json', '"a string"', '42', 'null', '[]']) {
      storage.items.set(key, unreadable)
      expect(loadSavedForm(storage), unreadable).toEqual(defaultForm())
    }
  })

  it('keeps the readable fields of a partly broken save and defaults the rest', () => {
    const storage = memoryStorage()
    saveForm(defaultForm(), storage)
    const [key] = [...storage.items.keys()]
    storage.items.set(key, JSON.stringify({ texts: { epochs: '5', learningRate: 0.5, unknown: 'x' }, layers: 'not a list' }))
    const form = loadSavedForm(storage)
    expect(form.texts).toEqual({ ...defaultForm().texts, epochs: '5' })
    expect(form.layers).toEqual(defaultForm().layers)
  })

  it('still works when storage refuses to read or write', () => {
    const refusing = {
      getItem: (): string | null => {
        throw new Error('SecurityError: storage is disabled')
      },
      setItem: () => {
        throw new Error('QuotaExceededError')
      }
    }
    expect(loadSavedForm(refusing)).toEqual(defaultForm())
    expect(() => saveForm(defaultForm(), refusing)).not.toThrow()
  })
})
