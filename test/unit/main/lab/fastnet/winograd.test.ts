// Winograd's F(2x2, 5x5) and F(4x4, 5x5) forward passes against the direct sum, in one engine build at a time: the
// same layer outputs, probabilities and training within float rounding, and taken only where
// program.ts says it pays. (gradients.test.ts checks both forms against tfjs.)
import { describe, expect, it } from 'vitest'
import { range } from '../../../../../src/main/lab/data/batches'
import { parseHyperparams } from '../../../../../src/shared/fields'
import type { HyperparamsInput, LayerSpec } from '../../../../../src/shared/hyperparams'
import { buildBoth, compiledFor, engineFor, relativeError, syntheticSplit } from '../../../../helpers/fastnet'

const c = (filters: number, kernelSize: number): LayerSpec => ({ type: 'conv2d', filters, kernelSize, stride: 1, padding: 'valid' })
const act: LayerSpec = { type: 'activation' }
// 5 channels into the 5x5 convolution, `out` out of it, a 10x14 output: 35 tiles of 2x2 (the sides
// are not multiples of 4), the last alone.
const INPUT = { rows: 16, cols: 20, numClasses: 4 }
// A 12x12 output: 3 x 3 tiles of 4x4, the last alone.
const INPUT4 = { rows: 18, cols: 18, numClasses: 4 }
const layers = (out: number): LayerSpec[] => [c(5, 3), act, c(out, 5), act, { type: 'maxPool', poolSize: 2 }, { type: 'dense', units: 6 }, act]

describe("Winograd's form of a 5x5 convolution", () => {
  it('is taken for 5x5 kernels with an even output and channels to share, and nowhere else', () => {
    const winogradLayers = (list: LayerSpec[], input = INPUT) => compiledFor({ architecture: { preset: 'custom', layers: list } }, input).winogradLayers
    expect(winogradLayers(layers(9))).toEqual([2])
    // The course's CNN: its second convolution (10 channels in), not its first (the image alone),
    // in 4x4 tiles (an 8x8 output).
    const { net, logits, plan } = buildBoth({}, { rows: 28, cols: 28, numClasses: 10 })
    expect(plan.layers.map((l) => l.kind).slice(0, 4)).toEqual(['conv', 'maxPool', 'activation', 'conv'])
    expect(net.c.winogradLayers).toEqual([3])
    expect(net.c.winogradTiles).toEqual([4])
    logits.dispose()
    // 64 channels in and out on an 8x8 output: 4x4 tiles' scratch (64 transformed positions per
    // kernel) would pass the megabyte, 2x2 tiles' does not. The engine must agree on the side, or
    // it would run past the area program.ts sized: so the outputs are checked too.
    const wide: HyperparamsInput = { architecture: { preset: 'custom', layers: [c(64, 5), act, c(64, 5), act, { type: 'dense', units: 6 }] } }
    const fallback = buildBoth(wide, { rows: 16, cols: 16, numClasses: 4 })
    expect(fallback.net.c.winogradLayers).toEqual([2])
    expect(fallback.net.c.winogradTiles).toEqual([2])
    const direct = engineFor(fallback.plan, fallback.logits, parseHyperparams(wide), 8, { build: 'simd128', path: 'batched', winograd: false })
    const split = syntheticSplit({ rows: 16, cols: 16, numClasses: 4 }, 8, 9)
    const rows = (n: typeof direct) => {
      const out = new Float32Array(8 * 5)
      n.evaluate(split, 0, 8, out)
      return out
    }
    expect(relativeError(rows(fallback.net), rows(direct))).toBeLessThan(1e-5)
    expect(relativeError(fallback.net.layerOutput(2), direct.layerOutput(2))).toBeLessThan(1e-5)
    fallback.logits.dispose()
    expect(winogradLayers([c(5, 3), act, c(9, 3), act, { type: 'dense', units: 6 }])).toEqual([]) // 3x3
    expect(winogradLayers([c(3, 3), act, c(9, 5), act, { type: 'dense', units: 6 }])).toEqual([]) // 3 channels in
    expect(winogradLayers(layers(7))).toEqual([]) // 7 channels out
    expect(winogradLayers(layers(9), { ...INPUT, cols: 19 })).toEqual([]) // 13 wide
  })

  // Output channels in vectors of 4: 3 (one block of 3), 4 (a block of 4), 5 (4 + 1).
  for (const [tile, input] of [
    [2, INPUT],
    [4, INPUT4]
  ] as const) {
    for (const build of ['simd128', 'relaxed'] as const) {
      for (const out of [9, 16, 20]) {
        it(`gives the direct sum's outputs and training within float rounding (${tile}x${tile} tiles, ${build}, ${out} channels out)`, () => {
          // Plain SGD: Adam's first step divides each gradient by its own size, so where one is near
          // Adam's epsilon (1e-7) a float rounding in it moves the step itself (4x4 tiles and 9
          // channels: dense weights 7e-4 apart after three steps). At 0.1 the kernels move 3% a
          // step, so a transform left stale by a step would show in the losses.
          const hp = parseHyperparams({ architecture: { preset: 'custom', layers: layers(out) }, optimizer: 'sgd', learningRate: 0.1 })
          const { logits, plan } = buildBoth(hp, input)
          const split = syntheticSplit(input, 40, 3)
          const [direct, winograd] = [false, true].map((on) => engineFor(plan, logits, hp, 16, { build, path: 'batched', winograd: on }))
          expect(direct.c.winogradLayers).toEqual([])
          expect(winograd.c.winogradLayers).toEqual([2])
          expect(winograd.c.winogradTiles).toEqual([tile])
          const evaluate = (net: typeof direct) => {
            const rows = new Float32Array(40 * (input.numClasses + 1))
            net.evaluate(split, 0, 40, rows)
            return rows
          }
          expect(relativeError(evaluate(winograd), evaluate(direct))).toBeLessThan(1e-5)
          expect(relativeError(winograd.layerOutput(2), direct.layerOutput(2))).toBeLessThan(1e-5)
          // Steps change the weights, so the kernels' transforms must follow them.
          for (const [step, batch] of [range(0, 13), range(13, 30), range(30, 40)].entries()) {
            const losses = [direct, winograd].map((net) => {
              net.zeroGrads()
              const t = net.accumulate(split, batch, 500 + step)
              net.update(batch.length)
              return t.lossSum
            })
            expect(Math.abs(losses[1] - losses[0]) / losses[0], `loss of step ${step}`).toBeLessThan(1e-5)
          }
          const weights = winograd.getWeights()
          direct.getWeights().forEach((w, i) => expect(relativeError(weights[i].values, w.values), `weight ${i}`).toBeLessThan(1e-4))
          expect(relativeError(evaluate(winograd), evaluate(direct))).toBeLessThan(1e-5)
          logits.dispose()
        })
      }
    }
  }
})
