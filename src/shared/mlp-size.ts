// The MLP's weight count for the Train form, computed where the form is: a dense layer holds
// in × out weights and out biases; maxout feeds each unit from two pieces, doubling the layer
// before it. The core's countParameters (main/lab/model/param-count.ts) counts every model; a
// unit test holds the two to the same numbers for the MLP.
import type { Activation } from './hyperparams'

/** Pieces per maxout unit: the core's MAXOUT_PIECES. */
const MAXOUT_PIECES = 2

export function mlpParameterCount(hidden: readonly number[], activation: Activation, inputs = 28 * 28, classes = 10): number {
  const widen = activation === 'maxout' ? MAXOUT_PIECES : 1
  let fanIn = inputs
  let total = 0
  for (const units of hidden) {
    total += fanIn * units * widen + units * widen
    fanIn = units
  }
  return total + fanIn * classes + classes
}
