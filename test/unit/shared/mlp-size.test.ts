// The Train form's MLP weight count is the core's: the same numbers for the same settings.
import { describe, expect, it } from 'vitest'
import { countParameters } from '../../../src/main/lab/model/param-count'
import { parseHyperparams } from '../../../src/shared/fields'
import { ACTIVATIONS } from '../../../src/shared/hyperparams'
import { mlpParameterCount } from '../../../src/shared/mlp-size'

describe("the MLP's parameter count in the form", () => {
  it('matches the core for every activation and a few layer lists', () => {
    for (const activation of ACTIVATIONS)
      for (const hidden of [[100], [128, 64], [1], [256, 256, 10]]) {
        const hp = parseHyperparams({ architecture: { preset: 'mlp', hidden }, activation })
        expect(mlpParameterCount(hidden, activation), `${activation} ${hidden.join(',')}`).toBe(countParameters(hp, { rows: 28, cols: 28, numClasses: 10 }))
      }
    expect(mlpParameterCount([100], 'relu')).toBe(79_510)
  })
})
