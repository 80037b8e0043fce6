// The parameter budget: a model is counted from its layer list, without tensors, exactly as tfjs
// would count it once built; a model over the limit is refused before anything is created.
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-cpu'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDispatch } from '../../../../src/main/api/dispatch'
import { createLabHandlers } from '../../../../src/main/api/handlers'
import { Lab } from '../../../../src/main/lab/lab'
import { buildModel, countTrainableParams } from '../../../../src/main/lab/model/build'
import { countParameters, MAX_PARAMETERS } from '../../../../src/main/lab/model/param-count'
import { parseHyperparams } from '../../../../src/shared/fields'
import type { z } from 'zod'
import type { HyperparamsInput, layerSpec } from '../../../../src/shared/hyperparams'
import { runTs } from '../../../helpers/node-child'
import { tempDir } from '../../../helpers/tmp'

const MNIST = { rows: 28, cols: 28, numClasses: 10 }
const dir = tempDir()
const lab = new Lab({ dbPath: join(dir, 'budget.db') })
const dispatch = createDispatch(createLabHandlers(lab))
beforeAll(() => tf.setBackend('cpu'))
afterAll(() => lab.close())

const custom = (layers: z.input<typeof layerSpec>[], extra: HyperparamsInput = {}) => parseHyperparams({ architecture: { preset: 'custom', layers }, ...extra })

describe('parameter count', () => {
  it('is what tfjs counts once the model is built: presets, custom lists, strides, padding, maxout', () => {
    const cases: [string, ReturnType<typeof parseHyperparams>, typeof MNIST][] = [
      ["the course's CNN", parseHyperparams({}), MNIST],
      ['an MLP', parseHyperparams({ architecture: { preset: 'mlp', hidden: [128, 64] } }), MNIST],
      ['an MLP with maxout', parseHyperparams({ architecture: { preset: 'mlp', hidden: [100, 30] }, activation: 'maxout' }), MNIST],
      [
        'the default custom list',
        parseHyperparams({
          architecture: {
            preset: 'custom',
            layers: [
              { type: 'conv2d', filters: 8, kernelSize: 3, padding: 'same' },
              { type: 'activation' },
              { type: 'maxPool' },
              { type: 'dense', units: 64 },
              { type: 'activation' }
            ]
          }
        }),
        MNIST
      ],
      [
        'strided convs, same and valid padding, strided pools, a maxout conv',
        custom([
          { type: 'conv2d', filters: 6, kernelSize: 5, stride: 2, padding: 'same' },
          { type: 'activation', activation: 'maxout' },
          { type: 'conv2d', filters: 12, kernelSize: 3, stride: 1, padding: 'valid' },
          { type: 'avgPool', poolSize: 3, stride: 2 },
          { type: 'activation', activation: 'tanh' },
          { type: 'conv2d', filters: 7, kernelSize: 2, stride: 3, padding: 'valid' },
          { type: 'flatten' },
          { type: 'dropout', rate: 0.2 },
          { type: 'dense', units: 33 },
          { type: 'activation', activation: 'maxout' },
          { type: 'dense', units: 9 }
        ]),
        MNIST
      ],
      [
        'a folder dataset of 20x17 images in 3 classes',
        custom([
          { type: 'conv2d', filters: 4, kernelSize: 4 },
          { type: 'maxPool', poolSize: 3 },
          { type: 'dense', units: 5 }
        ]),
        { rows: 20, cols: 17, numClasses: 3 }
      ]
    ]
    for (const [what, hp, input] of cases) {
      const { model } = buildModel(hp, input)
      expect(countParameters(hp, input), what).toBe(countTrainableParams(model))
      model.dispose()
    }
  })

  it('counts the 8 x 4096 MLP the schema allows without building it', () => {
    expect(countParameters(parseHyperparams({ architecture: { preset: 'mlp', hidden: Array(8).fill(4096) } }), MNIST)).toBe(120_725_514)
  })
})

describe('parameter budget', () => {
  it('refuses a model over the limit before creating a run, naming the count and the limit', async () => {
    expect(MAX_PARAMETERS).toBe(20_000_000)
    const huge = await dispatch('startRun', { architecture: { preset: 'mlp', hidden: Array(8).fill(4096) } })
    expect(huge).toEqual({
      ok: false,
      kind: 'invalid',
      error: "this model has 120,725,514 parameters; the lab's limit is 20,000,000: use fewer or narrower layers"
    })
    // Just over: 784*4096+4096 + 4096*4096+4096 + 4096*10+10.
    const over = await dispatch('startRun', { architecture: { preset: 'mlp', hidden: [4096, 4096] } })
    expect(over).toMatchObject({ ok: false, kind: 'invalid', error: expect.stringMatching(/^this model has 20,037,642 parameters/) })
    // A maxout with no layer of its own to widen is refused the same way, as a wrong list.
    const misplaced = await dispatch('startRun', {
      architecture: {
        preset: 'custom',
        layers: [
          { type: 'dense', units: 8 },
          { type: 'activation', activation: 'maxout' },
          { type: 'activation', activation: 'maxout' }
        ]
      }
    })
    expect(misplaced).toEqual({ ok: false, kind: 'invalid', error: 'layer 3: maxout needs its own dense or conv2d layer before it' })
    expect(lab.listRuns()).toEqual([])
  })

  it('refuses it from the terminal too, with exit code 2', async () => {
    const r = await runTs('src/main/cli/train.ts', ['--preset', 'mlp', '--hidden', '4096,4096,4096,4096,4096,4096,4096,4096', '--db', join(dir, 'cli.db')])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe("digit-lab: this model has 120,725,514 parameters; the lab's limit is 20,000,000: use fewer or narrower layers\n")
  })
})
