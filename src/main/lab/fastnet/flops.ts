// The arithmetic a model costs, for the bench's GFLOP/s: the multiply-adds of its conv and dense
// layers (pools and activations are a rounding error beside them), two flops each. Training an
// example is the forward pass, the weight gradients and the input gradients (none below the lowest
// layer with weights); evaluating one is the forward pass. Counted as the direct dense sums do
// them: the engine's sparse gradients and Winograd's form do fewer, so these are flops of the
// direct form per second, the usual way to compare against a peak.
import type { Plan } from './net-plan'
import { shapesOf } from './program'

export interface ModelFlops {
  /** Per example trained. */
  train: number
  /** Per example evaluated. */
  evaluate: number
}

export function modelFlops(plan: Plan): ModelFlops {
  const shapes = shapesOf(plan)
  const firstWeighted = plan.layers.findIndex((l) => l.kind === 'conv' || l.kind === 'dense')
  let train = 0
  let evaluate = 0
  plan.layers.forEach((layer, i) => {
    const input = shapes[i]
    const output = shapes[i + 1]
    let macs = 0
    if (layer.kind === 'conv') macs = output.height * output.width * layer.kernel * layer.kernel * input.channels * layer.filters
    else if (layer.kind === 'dense') macs = input.channels * layer.units
    evaluate += 2 * macs
    train += 2 * macs * (i > firstWeighted ? 3 : 2)
  })
  return { train, evaluate }
}
