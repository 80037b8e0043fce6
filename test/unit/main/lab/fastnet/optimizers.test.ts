// The fast engine's optimizers and dropout. Optimizers: given the same gradient, the engine's
// update and tfjs's (cpu backend, tf.train.* with the lab's settings) must give the same weights
// bit for bit, step after step: each element is the same float32 ops in the same order.
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { range } from '../../../../../src/main/lab/data/batches'
import { OPTIMIZERS, type LayerSpec } from '../../../../../src/shared/hyperparams'
import { buildBoth, engineFor, syntheticSplit } from '../../../../helpers/fastnet'
import { parseHyperparams } from '../../../../../src/shared/fields'

const INPUT = { rows: 8, cols: 9, numClasses: 4 }
const LAYERS: LayerSpec[] = [
  { type: 'conv2d', filters: 3, kernelSize: 3, stride: 1, padding: 'valid' },
  { type: 'activation' },
  { type: 'dense', units: 6 },
  { type: 'activation' }
]

/** The optimizer the lab's tfjs path makes (engine/prepared-run.ts). */
function tfjsOptimizer(name: (typeof OPTIMIZERS)[number], lr: number): tf.Optimizer {
  return { sgd: () => tf.train.sgd(lr), momentum: () => tf.train.momentum(lr, 0.9), adam: () => tf.train.adam(lr), rmsprop: () => tf.train.rmsprop(lr) }[name]()
}

describe('fast engine optimizers', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  for (const optimizer of OPTIMIZERS) {
    it(`${optimizer} updates the weights exactly as tfjs does`, () => {
      const lr = 0.05
      const { logits, net } = buildBoth({ architecture: { preset: 'custom', layers: LAYERS }, optimizer, learningRate: lr, dropout: 0 }, INPUT)
      const opt = tfjsOptimizer(optimizer, lr)
      const vars = logits.trainableWeights.map((w) => w.read() as tf.Variable)
      const split = syntheticSplit(INPUT, 40)
      const n = 8
      for (let step = 0; step < 4; step++) {
        net.zeroGrads()
        net.accumulate(split, range(step * n, (step + 1) * n), step)
        // tfjs gets the engine's own mean gradient, so only the update itself is compared.
        const grads = net.gradientsAsWeights()
        tf.tidy(() =>
          opt.applyGradients(
            Object.fromEntries(
              vars.map((v, i) => [
                v.name,
                tf.tensor(
                  grads[i].map((g) => Math.fround(g / n)),
                  v.shape
                )
              ])
            )
          )
        )
        net.update(n)
        const mine = net.getWeights()
        vars.forEach((v, i) => expect(Array.from(mine[i].values), `step ${step}, weight ${i}`).toEqual(Array.from(v.dataSync())))
      }
      opt.dispose()
      logits.dispose()
    })

    it(`${optimizer}: another replica's sums added in the update's pass give the weights that adding them first gives`, () => {
      const hp = { architecture: { preset: 'custom' as const, layers: LAYERS }, optimizer, learningRate: 0.05, dropout: 0 }
      const { logits, plan } = buildBoth(hp, INPUT)
      const [first, fused, replica] = [0, 1, 2].map(() => engineFor(plan, logits, parseHyperparams(hp), 32, { build: 'relaxed', path: 'batched' }))
      const split = syntheticSplit(INPUT, 40)
      for (let step = 0; step < 3; step++) {
        const [mine, theirs] = [range(step * 8, step * 8 + 5), range(step * 8 + 5, (step + 1) * 8)]
        replica.zeroGrads()
        replica.accumulate(split, theirs, step, 5)
        const other = replica.grads().slice()
        for (const net of [first, fused]) {
          net.zeroGrads()
          net.accumulate(split, mine, step)
        }
        const own = fused.grads().slice()
        first.addGradients(other)
        first.update(8)
        fused.update(8, other)
        replica.update(8, own)
        expect(Array.from(fused.grads()), `step ${step}: its own sums stay`).toEqual(Array.from(own))
        expect(Array.from(fused.params()), `step ${step}`).toEqual(Array.from(first.params()))
        expect(Array.from(replica.params()), `step ${step}: the replica, adding the other way round`).toEqual(Array.from(first.params()))
      }
      logits.dispose()
    })
  }
})

describe('fast engine dropout', () => {
  const input = { rows: 6, cols: 6, numClasses: 3 }
  const layers: LayerSpec[] = [
    { type: 'dense', units: 64 },
    { type: 'activation', activation: 'sigmoid' },
    { type: 'dropout', rate: 0.5 }
  ]
  const split = syntheticSplit(input, 4)

  /** The dropout layer's input and output for one example, trained with `seed` at batch position `first`. */
  function through(seed: number, first = 0) {
    const { plan, net } = buildBoth({ architecture: { preset: 'custom', layers } }, input)
    const at = plan.layers.findIndex((l) => l.kind === 'dropout')
    net.zeroGrads()
    net.accumulate(split, [0], seed, first)
    const x = net.layerOutput(at - 1).subarray(0, 64)
    const y = net.layerOutput(at).subarray(0, 64)
    return { x, y, kept: Array.from(y, (v) => v !== 0), net }
  }

  it('keeps each unit with probability 1 - rate and scales it by 1 / (1 - rate), as tfjs does', () => {
    const { x, y, kept } = through(1)
    kept.forEach((k, i) => expect(y[i]).toBe(k ? Math.fround(x[i] * 2) : 0))
    const count = kept.filter(Boolean).length
    expect(count).toBeGreaterThan(16)
    expect(count).toBeLessThan(48)
  })

  it('draws a fresh mask every step and for every example, the same one again for the same step and position', () => {
    const a = through(1).kept
    expect(through(1).kept).toEqual(a)
    expect(through(2).kept).not.toEqual(a) // the next step
    expect(through(1, 1).kept).not.toEqual(a) // the next example of the same step
  })

  it('trains through the mask it drew: the gradient matches finite differences of the same masked loss', () => {
    const { net } = through(3)
    const g = net.gradientsAsWeights()[0] // the hidden layer's kernel: its gradient passes through the mask
    const w = net.getWeights().map((t) => t.values)
    const loss = () => {
      net.setWeights(w)
      net.zeroGrads()
      return net.accumulate(split, [0], 3).lossSum
    }
    const h = 1e-2
    // The largest gradients, where float32 finite differences are meaningful.
    const order = Array.from(g.keys())
      .sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]))
      .slice(0, 5)
    expect(Math.abs(g[order[0]])).toBeGreaterThan(1e-3)
    for (const k of order) {
      const orig = w[0][k]
      w[0][k] = orig + h
      const up = loss()
      w[0][k] = orig - h
      const down = loss()
      w[0][k] = orig
      expect(Math.abs((up - down) / (2 * h) - g[k])).toBeLessThan(2e-2 * Math.abs(g[k]) + 1e-4)
    }
  })
})
