// A diverged model must show at the loss (the training loop ends such a run as diverged): a NaN
// kernel weight in any layer of the course's CNN reaches every example's loss through the
// max-pools and ReLUs. It makes its whole channel NaN, so every pool window over it is NaN
// whichever way its maxima are taken; the ReLU must pass NaN on (pmax(x, 0) in layers.ts does,
// pmax(0, x) would not).
import { afterAll, describe, expect, it } from 'vitest'
import { readModelWeights } from '../../../../../src/main/lab/fastnet/model-weights'
import { buildBoth, engineFor, syntheticSplit, variantName, VARIANTS } from '../../../../helpers/fastnet'

const INPUT = { rows: 28, cols: 28, numClasses: 10 }
const EXAMPLES = 6

describe('a NaN weight', () => {
  const { logits, plan } = buildBoth({}, INPUT)
  const weights = readModelWeights(logits, plan)
  afterAll(() => logits.dispose())
  // Digit-like images: mostly background, so pools and ReLUs see flat regions and zeros.
  const split = syntheticSplit(INPUT, EXAMPLES, 11, 0.2)

  it.each(VARIANTS.map((v) => [variantName(v), v] as const))('reaches every loss from each layer with weights (%s)', (_, variant) => {
    // Kernels only (even indices): the first weight of each conv and dense layer's first unit.
    for (let k = 0; k < weights.length; k += 2) {
      const net = engineFor(plan, logits, { optimizer: 'sgd', learningRate: 0.01 }, 4, variant)
      const poisoned = weights.map((w, i) => (i === k ? Float32Array.from(w, (v, j) => (j === 0 ? NaN : v)) : w))
      net.setWeights(poisoned)
      const out = new Float32Array(EXAMPLES * (INPUT.numClasses + 1))
      const { lossSum } = net.evaluate(split, 0, EXAMPLES, out)
      expect(lossSum, `weight array ${k}`).toBeNaN()
      for (let e = 0; e < EXAMPLES; e++) expect(out[e * (INPUT.numClasses + 1) + INPUT.numClasses], `weight array ${k}, example ${e}`).toBeNaN()
      // Unpoisoned, the same engine's losses are finite: the NaN above came from the weight.
      net.setWeights(weights)
      expect(Number.isFinite(net.evaluate(split, 0, EXAMPLES, out).lossSum), `weight array ${k}, restored`).toBe(true)
    }
  })
})
