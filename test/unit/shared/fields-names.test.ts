// Runs are named in the field table's words, as the form shows them: "leaky ReLU", not "leakyRelu".
import { describe, expect, it } from 'vitest'
import { defaultRunName, parseHyperparams } from '../../../src/shared/fields'

describe('a run named from its settings', () => {
  it('uses the labels of the model, activation and optimizer', () => {
    expect(defaultRunName(parseHyperparams({ architecture: { preset: 'mlp' }, activation: 'leakyRelu', optimizer: 'momentum', learningRate: 0.05 }))).toBe(
      'MLP · leaky ReLU max(0.1x, x) · momentum 0.9 · learning rate 0.05'
    )
    expect(defaultRunName(parseHyperparams({}))).toBe("the course's CNN · ReLU · SGD (gradient descent) · learning rate 0.01")
  })
})
