// The first convolution, its 2x2 max-pool and the ReLU above them backward at once
// (convPoolReluGrad) against the three layers one by one, in one engine build and path at a time:
// the same gradient sums and the same training, bit for bit, and taken only where program.ts
// says. (gradients.test.ts checks both against tfjs.)
import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { range } from '../../../../../src/main/lab/data/batches'
import { parseHyperparams } from '../../../../../src/shared/fields'
import type { HyperparamsInput, LayerSpec } from '../../../../../src/shared/hyperparams'
import { buildBoth, compiledFor, engineFor, stepsSideBySide, syntheticSplit, VARIANTS, variantName } from '../../../../helpers/fastnet'

const c = (filters: number, kernelSize: number): LayerSpec => ({ type: 'conv2d', filters, kernelSize, stride: 1, padding: 'valid' })
const pool = (poolSize = 2): LayerSpec => ({ type: 'maxPool', poolSize })
const act: LayerSpec = { type: 'activation' }
const dense: LayerSpec = { type: 'dense', units: 6 }
const MNIST = { rows: 28, cols: 28, numClasses: 10 }
const SMALL = { rows: 14, cols: 14, numClasses: 4 }

describe('the first convolution, its max-pool and ReLU backward at once', () => {
  it('is taken for a ReLU over a tiling 2x2 max-pool over the first convolution, and nowhere else', () => {
    const fused = (hp: HyperparamsInput, input = SMALL, fusedBackward?: false) => compiledFor(hp, input, { fusedBackward }).fusedBackward
    const custom = (layers: LayerSpec[], activation?: 'tanh') => ({
      architecture: { preset: 'custom' as const, layers },
      ...(activation ? { activation } : {})
    })
    // The course's CNN: conv, max-pool, ReLU, conv (a gradient flows below it: not fused), ...
    const course = buildBoth({}, MNIST)
    expect(course.plan.layers.map((l) => l.kind).slice(0, 3)).toEqual(['conv', 'maxPool', 'activation'])
    expect(course.net.c.fusedBackward).toEqual([2])
    course.logits.dispose()
    expect(fused({}, MNIST, false)).toEqual([])
    expect(fused(custom([c(4, 3), pool(), act, c(8, 3), pool(), act, dense, act]))).toEqual([2]) // the second conv passes a gradient down
    expect(fused(custom([c(4, 3), pool(), act, dense, act], 'tanh'))).toEqual([]) // not a ReLU
    expect(fused(custom([c(4, 3), act, pool(), dense, act]))).toEqual([]) // ReLU below the pool
    expect(fused(custom([c(4, 3), pool(3), act, dense, act]))).toEqual([]) // a 3x3 pool
    expect(fused(custom([c(4, 4), pool(), act, dense, act]))).toEqual([]) // 11x11: the pool drops a row and a column
  })

  // Every pooled value positive (the first biases set to 5) and every gradient nonzero: full
  // density, where one by one the sparse and the dense filter gradient tie (an 8x8 output, 16
  // tiles x 10 filters listed, 8 values a kernel row, x 3: 3840; 5 x 1 x 12 lanes x 64 pixels:
  // 3840), and the tie must go to the sparse form, as the fused pass always takes it.
  it('gives the same bits where every tile carries a value', () => {
    const input = { rows: 12, cols: 12, numClasses: 4 }
    const hp = parseHyperparams({ architecture: { preset: 'custom', layers: [c(10, 5), pool(), act, dense] }, dropout: 0 })
    const { logits, plan } = buildBoth(hp, input)
    const [kernel, bias] = logits.layers[0].getWeights()
    logits.layers[0].setWeights([kernel, tf.fill(bias.shape, 5)])
    const split = syntheticSplit(input, 12, 3)
    for (const variant of VARIANTS) {
      const [apart, fused] = [false, true].map((on) => engineFor(plan, logits, hp, 16, { ...variant, fusedBackward: on }))
      const sums = [apart, fused].map((net) => {
        net.zeroGrads()
        net.accumulate(split, range(0, 12), 1)
        return Array.from(net.grads())
      })
      expect(sums[1], variantName(variant)).toEqual(sums[0])
      // Full density: every first-layer tile gave a value, so each filter's bias sum is nonzero.
      const firstBiases = fused.gradientsAsWeights()[1]
      expect(Array.from(firstBiases).every((g) => g !== 0)).toBe(true)
    }
    logits.dispose()
  })

  const CASES: { name: string; hp: HyperparamsInput; input: typeof MNIST }[] = [
    { name: "the course's CNN (10 filters, dropout on)", hp: {}, input: MNIST },
    // 5 filters: a vector of 4 channels and one of 1 (3 pad lanes); a 3x3 kernel on 12x12: 5x5
    // tiles, a count that is no multiple of 4, so the bias's four sums end rotated.
    {
      name: 'conv k3 x5, pool, relu, dense',
      hp: { architecture: { preset: 'custom', layers: [c(5, 3), pool(), act, dense, act] } },
      input: { rows: 12, cols: 12, numClasses: 4 }
    }
  ]
  for (const k of CASES) {
    for (const variant of VARIANTS) {
      it(`gives the gradient sums and training of the three layers one by one, bit for bit (${k.name}; ${variantName(variant)})`, () => {
        const hp = parseHyperparams({ ...k.hp, optimizer: 'adam', learningRate: 0.01 })
        const { logits, plan } = buildBoth(hp, k.input)
        // Ink on a third of the pixels, as in a digit: flat background, where the pool's windows
        // hold ties (of equal patches, so which one takes the gradient changes no sum).
        const split = syntheticSplit(k.input, 40, 5, 0.35)
        const [apart, fused] = [false, true].map((on) => engineFor(plan, logits, hp, 32, { ...variant, fusedBackward: on }))
        expect(apart.c.fusedBackward).toEqual([])
        expect(fused.c.fusedBackward).toEqual([2])
        for (const [step, [a, b]] of stepsSideBySide([apart, fused], split, 700).entries()) {
          expect(b.loss, `loss of step ${step}`).toBe(a.loss)
          expect(b.sums, `gradient sums of step ${step}`).toEqual(a.sums)
          expect(a.sums.some((g, i) => g !== 0 && i < 10)).toBe(true)
        }
        const weights = fused.getWeights()
        apart.getWeights().forEach((w, i) => expect(Array.from(weights[i].values), `weight ${i}`).toEqual(Array.from(w.values)))
        logits.dispose()
      })
    }
  }
})
