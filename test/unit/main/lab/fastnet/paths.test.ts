// The two paths through the engine give the same training: every layer one example at a time, or
// the flat layers (dense, activation, dropout, maxout) as matrix products over the batch. Dropout
// on both sides of the split checks that each example's mask stream carries across it.
import { describe, expect, it } from 'vitest'
import { range } from '../../../../../src/main/lab/data/batches'
import { parseHyperparams } from '../../../../../src/shared/fields'
import type { LayerSpec } from '../../../../../src/shared/hyperparams'
import { buildBoth, engineFor, relativeError, syntheticSplit, variantName, VARIANTS } from '../../../../helpers/fastnet'

const TOLERANCE = 1e-4
const INPUT = { rows: 10, cols: 11, numClasses: 5 }
const LAYERS: LayerSpec[] = [
  { type: 'conv2d', filters: 6, kernelSize: 3, stride: 1, padding: 'valid' },
  { type: 'activation' },
  { type: 'dropout' },
  { type: 'maxPool', poolSize: 2 },
  { type: 'flatten' },
  { type: 'dense', units: 23 },
  { type: 'activation' },
  { type: 'dropout' },
  { type: 'dense', units: 9 },
  { type: 'activation' }
]

describe('per-example and batched paths', () => {
  it('train alike, dropout masks included, on both builds, over steps and batches of any size', () => {
    const hp = parseHyperparams({ architecture: { preset: 'custom', layers: LAYERS }, dropout: 0.5, optimizer: 'adam', learningRate: 0.01 })
    const { logits, plan } = buildBoth(hp, INPUT)
    const split = syntheticSplit(INPUT, 60)
    // Batches of 13, 1 and 20 examples: tiles of 4 examples with every remainder; maxExamples 16
    // makes the 20 go through in two chunks.
    const batches = [range(0, 13), range(13, 14), range(14, 34)]
    const runs = VARIANTS.map((variant) => {
      const net = engineFor(plan, logits, hp, 16, variant)
      const losses = batches.map((batch, step) => {
        net.zeroGrads()
        const t = net.accumulate(split, batch, 1000 + step)
        net.update(batch.length)
        return t.lossSum
      })
      return { variant, losses, weights: net.getWeights().map((w) => w.values) }
    })
    const [reference, ...others] = runs
    for (const run of others) {
      const name = variantName(run.variant)
      run.losses.forEach((l, i) => expect(Math.abs(l - reference.losses[i]) / reference.losses[i], `${name}: loss of step ${i}`).toBeLessThan(1e-5))
      run.weights.forEach((w, i) => expect(relativeError(w, reference.weights[i]), `${name}: weight ${i}`).toBeLessThan(TOLERANCE))
    }
    logits.dispose()
  })

  it('evaluate alike, and show the last example evaluated inside every layer', () => {
    const hp = parseHyperparams({ architecture: { preset: 'custom', layers: LAYERS }, dropout: 0.5 })
    const { logits, plan } = buildBoth(hp, INPUT)
    const split = syntheticSplit(INPUT, 30)
    const nets = VARIANTS.map((variant) => engineFor(plan, logits, hp, 16, variant))
    const rows = nets.map((net) => {
      const out = new Float32Array(30 * (INPUT.numClasses + 1))
      net.evaluate(split, 0, 30, out)
      return out
    })
    nets.forEach((net, k) => {
      const name = variantName(VARIANTS[k])
      expect(relativeError(rows[k], rows[0]), name).toBeLessThan(1e-5)
      plan.layers.forEach((_, i) => expect(relativeError(net.layerOutput(i), nets[0].layerOutput(i)), `${name}: layer ${i}`).toBeLessThan(1e-5))
    })
    logits.dispose()
  })
})
