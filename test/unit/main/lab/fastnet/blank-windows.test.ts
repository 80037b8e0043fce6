// The first convolution's blank windows (every pixel byte under the kernel 0: MNIST's background)
// taken from one sum per step against every window summed, on real MNIST images, in one engine
// build and path at a time: the same outputs, gradient sums and training, bit for bit, and taken
// only where program.ts says.
import { describe, expect, it } from 'vitest'
import { loadDataset } from '../../../../../src/main/lab/data/datasets'
import { parseHyperparams } from '../../../../../src/shared/fields'
import type { HyperparamsInput, LayerSpec } from '../../../../../src/shared/hyperparams'
import { buildBoth, compiledFor, engineFor, stepsSideBySide, VARIANTS, variantName } from '../../../../helpers/fastnet'

const MNIST = { rows: 28, cols: 28, numClasses: 10 }
const c = (filters: number, kernelSize: number): LayerSpec => ({ type: 'conv2d', filters, kernelSize, stride: 1, padding: 'valid' })
const act: LayerSpec = { type: 'activation' }
const dense: LayerSpec = { type: 'dense', units: 10 }

describe("the first convolution's blank windows", () => {
  it('are taken from one sum where the first layer is a convolution over an image up to 32 wide and 64 high', () => {
    const blank = (hp: HyperparamsInput, input = MNIST, blankWindows?: false) => compiledFor(hp, input, { blankWindows }).blankWindows
    expect(blank({})).toBe(true)
    expect(blank({}, MNIST, false)).toBe(false)
    expect(blank({ architecture: { preset: 'mlp', hidden: [20] } })).toBe(false) // no convolution first
    expect(blank({ architecture: { preset: 'custom', layers: [c(4, 5), act, dense] } }, { rows: 12, cols: 33, numClasses: 10 })).toBe(false) // 33 wide
    expect(blank({ architecture: { preset: 'custom', layers: [c(4, 5), act, dense] } }, { rows: 65, cols: 8, numClasses: 10 })).toBe(false) // 65 high
    expect(blank({ architecture: { preset: 'custom', layers: [c(4, 5), act, dense] } }, { rows: 64, cols: 32, numClasses: 10 })).toBe(true)
  })

  // 10 filters: blocks of 3 pixels x 12 channel lanes; 7: blocks of 4 pixels x 8 lanes, then the
  // last pixel of each 22-wide row alone (a 7x7 kernel).
  const CASES: { name: string; hp: HyperparamsInput }[] = [
    { name: "the course's CNN", hp: {} },
    { name: 'conv k7 x7, relu, dense', hp: { architecture: { preset: 'custom', layers: [c(7, 7), act, dense] } } }
  ]
  for (const k of CASES) {
    for (const variant of VARIANTS) {
      it(`give the outputs, gradient sums and training of every window summed, bit for bit (${k.name}; ${variantName(variant)})`, async () => {
        const mnist = await loadDataset('mnist')
        const split = { count: 40, images: mnist.train.images.subarray(0, 40 * 784), labels: mnist.train.labels.subarray(0, 40) }
        // The images hold blank windows: about 40% of the 5x5 ones, as MNIST's digits leave them.
        let blankWindows = 0
        for (let e = 0; e < 40; e++) {
          for (let oy = 0; oy < 24; oy++) {
            for (let ox = 0; ox < 24; ox++) {
              let ink = 0
              for (let ky = 0; ky < 5; ky++) for (let kx = 0; kx < 5; kx++) ink |= split.images[e * 784 + (oy + ky) * 28 + ox + kx]
              if (!ink) blankWindows++
            }
          }
        }
        expect(blankWindows / (40 * 576)).toBeGreaterThan(0.25)
        const hp = parseHyperparams({ ...k.hp, optimizer: 'adam', learningRate: 0.01 })
        const { logits, plan } = buildBoth(hp, MNIST)
        const [summed, taken] = [false, true].map((on) => engineFor(plan, logits, hp, 32, { ...variant, blankWindows: on }))
        expect(summed.c.blankWindows).toBe(false)
        expect(taken.c.blankWindows).toBe(true)
        const evaluate = (net: typeof summed) => {
          const rows = new Float32Array(40 * 11)
          net.evaluate(split, 0, 40, rows)
          return { rows: Array.from(rows), first: Array.from(net.layerOutput(0)) }
        }
        summed.takeBlankFilled()
        taken.takeBlankFilled()
        expect(evaluate(taken)).toEqual(evaluate(summed))
        // The path ran: blank blocks' pixels came from the sums (a third of the 24x24 outputs for
        // 5x5 windows, about a sixth of the 22x22 ones for 7x7; blocks with any ink are summed).
        expect(summed.takeBlankFilled()).toBe(0)
        expect(taken.takeBlankFilled() / (40 * 576)).toBeGreaterThan(0.1)
        for (const [step, [a, b]] of stepsSideBySide([summed, taken], split, 900).entries()) {
          expect(b.loss, `loss of step ${step}`).toBe(a.loss)
          expect(b.sums, `gradient sums of step ${step}`).toEqual(a.sums)
        }
        // After the updates, the blank sums must follow the new weights.
        expect(evaluate(taken)).toEqual(evaluate(summed))
        logits.dispose()
      })
    }
  }
})
