// The fast engine's losses and gradients against tfjs's cpu backend (the reference kernels), for
// every layer kind and activation, on small shapes with odd sizes (channel counts that are not
// multiples of 4, outputs that are not multiples of the 4-pixel tiles, overlapping pools).
//
// Tolerance: per weight tensor, max |fast - tfjs| <= 1e-4 x max |tfjs|. Typically the error is
// about 1e-6 (both sum in float32, in different orders); the worst seen, 4.5e-5, is a kernel whose
// only live filter's gradient is a sum of 182 products that mostly cancel. A wrong index, tie or
// formula shows up as an error of order 1. Loss sums agree to 1e-5 relative.
//
// Every check runs on all four engine variants: the plain SIMD-128 and the relaxed-SIMD (fused
// multiply-add) builds, each with every layer one example at a time and with the flat layers as
// matrix products over the batch.
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { gatherBatch, range } from '../../../../../src/main/lab/data/batches'
import type { InputSpec } from '../../../../../src/main/lab/model/build'
import { ACTIVATIONS, DEFAULT_CUSTOM_LAYERS, type LayerSpec } from '../../../../../src/shared/hyperparams'
import { buildBoth, engineFor, NORM, relativeError, syntheticSplit, variantName, VARIANTS } from '../../../../helpers/fastnet'
import { parseHyperparams } from '../../../../../src/shared/fields'

const TOLERANCE = 1e-4
const LOSS_TOLERANCE = 1e-5

/** tfjs's summed loss over the examples and its gradient for each weight, on the cpu backend. */
function tfjsGradients(logits: tf.LayersModel, input: InputSpec, x: Float32Array, y: Int32Array) {
  return tf.tidy(() => {
    const n = y.length
    const vars = logits.trainableWeights.map((w) => w.read() as tf.Variable)
    const { value, grads } = tf.variableGrads(() => {
      const out = logits.apply(tf.tensor4d(x, [n, input.rows, input.cols, 1]), { training: true }) as tf.Tensor
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(y, 'int32'), input.numClasses), out, undefined, undefined, tf.Reduction.SUM) as tf.Scalar
    }, vars)
    return { loss: value.dataSync()[0], grads: vars.map((v) => grads[v.name].dataSync() as Float32Array) }
  })
}

const c = (filters: number, kernelSize: number, padding: 'valid' | 'same' = 'valid'): LayerSpec => ({ type: 'conv2d', filters, kernelSize, stride: 1, padding })
const act: LayerSpec = { type: 'activation' }

/** `winograd`: the layers that must take Winograd's form (the others must not). */
const CASES: { name: string; input: InputSpec; layers: LayerSpec[]; ink?: number; winograd?: number[] }[] = [
  {
    name: 'conv k3 x5, max-pool 2, conv k2 x6, avg-pool 2 stride 1, flatten, dense 7',
    input: { rows: 11, cols: 12, numClasses: 4 },
    layers: [
      c(5, 3),
      act,
      { type: 'maxPool', poolSize: 2 },
      c(6, 2),
      act,
      { type: 'avgPool', poolSize: 2, stride: 1 },
      { type: 'flatten' },
      { type: 'dense', units: 7 },
      act
    ]
  },
  {
    // The unrolled 2x2 pool. A 1x1 convolution maps the background to one value, so its windows
    // tie and the first maximum must get dy (the pool comes before the activation, as in the course).
    name: 'conv k1 x3 on a mostly blank image, max-pool 2 tiling it (12x10 -> 6x5), conv k2 x5, dense 7',
    input: { rows: 12, cols: 10, numClasses: 4 },
    layers: [c(3, 1), { type: 'maxPool', poolSize: 2 }, act, c(5, 2), act, { type: 'dense', units: 7 }, act],
    ink: 0.3
  },
  {
    name: 'conv k1 x3, overlapping max-pool 3 stride 2, conv k4 x17, dense 9 (auto flatten)',
    input: { rows: 13, cols: 14, numClasses: 3 },
    layers: [c(3, 1), act, { type: 'maxPool', poolSize: 3, stride: 2 }, c(17, 4), act, { type: 'dense', units: 9 }, act]
  },
  {
    name: 'pools on the raw image, conv k3 x4, dense 5',
    input: { rows: 10, cols: 9, numClasses: 5 },
    layers: [{ type: 'avgPool', poolSize: 2, stride: 1 }, { type: 'maxPool', poolSize: 2 }, c(4, 3), act, { type: 'dense', units: 5 }, act]
  },
  {
    name: '"same" convolutions, odd and even kernels (k3, k4: one more zero below and right)',
    input: { rows: 9, cols: 8, numClasses: 3 },
    layers: [c(3, 3, 'same'), act, c(5, 4, 'same'), act, { type: 'maxPool', poolSize: 2 }, { type: 'dense', units: 6 }, act]
  },
  {
    // Winograd's F(2x2, 5x5) forward (5 channels in, 9 out, neither a multiple of 4) on a 10x14
    // output: 35 tiles, an odd count, so the last goes through alone.
    name: 'conv k3 x5, conv k5 x9 (Winograd: 35 tiles of 2x2), dense 6',
    input: { rows: 16, cols: 20, numClasses: 3 },
    layers: [c(5, 3), act, c(9, 5), act, { type: 'dense', units: 6 }, act],
    winograd: [2]
  },
  {
    // F(4x4, 5x5) on a 12x12 output: 3 x 3 tiles, the last alone.
    name: 'conv k3 x5, conv k5 x9 (Winograd: 9 tiles of 4x4), dense 6',
    input: { rows: 18, cols: 18, numClasses: 3 },
    layers: [c(5, 3), act, c(9, 5), act, { type: 'dense', units: 6 }, act],
    winograd: [2]
  },
  { name: 'the default custom layer list', input: { rows: 12, cols: 12, numClasses: 10 }, layers: DEFAULT_CUSTOM_LAYERS },
  {
    name: 'an MLP: dense 13, dropout (rate 0 here), dense 6',
    input: { rows: 7, cols: 6, numClasses: 10 },
    layers: [{ type: 'dense', units: 13 }, act, { type: 'dropout' }, { type: 'dense', units: 6 }, act]
  },
  {
    // The input gradient reads each kernel transposed: 13 x 72 (70 padded) takes two strips of
    // 64 columns, 4 x 4 blocks and one row left over.
    name: 'an MLP: dense 13, dense 70, dense 6',
    input: { rows: 7, cols: 6, numClasses: 10 },
    layers: [{ type: 'dense', units: 13 }, act, { type: 'dense', units: 70 }, act, { type: 'dense', units: 6 }, act]
  }
]

describe('fast engine gradients match tfjs (cpu backend)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  for (const k of CASES) {
    for (const activation of ACTIVATIONS) {
      it(`${k.name}; ${activation}`, () => {
        const hp = { architecture: { preset: 'custom' as const, layers: k.layers }, activation, dropout: 0 }
        const { logits, plan } = buildBoth(hp, k.input)
        const split = syntheticSplit(k.input, 6, 7, k.ink)
        const idx = range(0, 6)
        const { x, y } = gatherBatch(split, idx, k.input.rows * k.input.cols, NORM)
        const ref = tfjsGradients(logits, k.input, x, y)
        for (const variant of VARIANTS) {
          const net = engineFor(plan, logits, parseHyperparams(hp), 32, variant)
          expect(net.c.winogradLayers).toEqual(k.winograd ?? [])
          net.zeroGrads()
          const mine = net.accumulate(split, idx, 1)
          expect(Math.abs(mine.lossSum - ref.loss) / ref.loss, variantName(variant)).toBeLessThan(LOSS_TOLERANCE)
          const grads = net.gradientsAsWeights()
          expect(grads).toHaveLength(ref.grads.length)
          grads.forEach((g, i) => expect(relativeError(g, ref.grads[i]), `${variantName(variant)}: weight ${i}`).toBeLessThan(TOLERANCE))
        }
        logits.dispose()
      })
    }
  }

  it("the course's CNN on MNIST-sized images, every activation", () => {
    const input = { rows: 28, cols: 28, numClasses: 10 }
    const split = syntheticSplit(input, 4, 11)
    const idx = range(0, 4)
    const { x, y } = gatherBatch(split, idx, 784, NORM)
    for (const activation of ACTIVATIONS) {
      const { logits, plan } = buildBoth({ activation, dropout: 0 }, input)
      const ref = tfjsGradients(logits, input, x, y)
      for (const variant of VARIANTS) {
        const net = engineFor(plan, logits, parseHyperparams({ activation }), 32, variant)
        expect(net.c.winogradLayers).toEqual([3])
        net.zeroGrads()
        const mine = net.accumulate(split, idx, 1)
        const name = `${activation}, ${variantName(variant)}`
        expect(Math.abs(mine.lossSum - ref.loss) / ref.loss, name).toBeLessThan(LOSS_TOLERANCE)
        net.gradientsAsWeights().forEach((g, i) => expect(relativeError(g, ref.grads[i]), `${name}: weight ${i}`).toBeLessThan(TOLERANCE))
      }
      logits.dispose()
    }
  })
})
