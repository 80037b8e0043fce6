// How many trainable parameters a run's model has, by arithmetic on its layer list: no tensors,
// so a model too big for the lab is refused before any memory is spent on it.
import type { Hyperparams } from '@shared/hyperparams'
import { ValidationError } from '@shared/fields'
import { expandArchitecture, MAXOUT_PIECES, maxoutFeeders } from './layer-list'

/**
 * The most parameters a run may have. 20 M float32 weights are 80 MB; training holds a few copies
 * (gradients, optimizer state, the helper thread's replica) and an export one more, so a run at
 * the limit stays under about half a gigabyte. The schema alone allows 8 x 4096 dense layers:
 * 120 M parameters, which took serve mode past 3 GB.
 */
export const MAX_PARAMETERS = 20_000_000

export interface InputShape {
  rows: number
  cols: number
  numClasses: number
}

/**
 * The count tfjs would report for the model buildModel makes (maxout's widening included). A list
 * the builder would refuse (a conv after the data was flattened, a kernel larger than its input)
 * is counted as far as it makes sense: the builder gives the reason when the run starts.
 */
export function countParameters(hp: Hyperparams, input: InputShape): number {
  const specs = expandArchitecture(hp.architecture)
  const feeders = maxoutFeeders(specs, hp.activation)
  // [rows, cols, channels] while the data is an image, [units] once it is flat.
  let shape = [input.rows, input.cols, 1]
  let total = 0
  const flatten = () => {
    if (shape.length === 3) shape = [shape[0] * shape[1] * shape[2]]
  }
  /** Output length of a window sliding over n (tfjs's rule; 'valid' unless said). */
  const slide = (n: number, size: number, stride: number, padding = 'valid') =>
    Math.max(0, padding === 'same' ? Math.ceil(n / stride) : Math.floor((n - size) / stride) + 1)
  specs.forEach((spec, i) => {
    const widen = feeders.has(i) ? MAXOUT_PIECES : 1
    switch (spec.type) {
      case 'conv2d': {
        if (shape.length !== 3) return
        const filters = spec.filters * widen
        total += spec.kernelSize * spec.kernelSize * shape[2] * filters + filters
        shape = [slide(shape[0], spec.kernelSize, spec.stride, spec.padding), slide(shape[1], spec.kernelSize, spec.stride, spec.padding), filters]
        return
      }
      case 'maxPool':
      case 'avgPool': {
        if (shape.length !== 3) return
        const stride = spec.stride ?? spec.poolSize
        shape = [slide(shape[0], spec.poolSize, stride), slide(shape[1], spec.poolSize, stride), shape[2]]
        return
      }
      case 'dense': {
        flatten()
        const units = spec.units * widen
        total += shape[0] * units + units
        shape = [units]
        return
      }
      case 'activation':
        // Maxout takes the max over each unit's pieces: the last dimension shrinks back.
        if ((spec.activation ?? hp.activation) === 'maxout') shape[shape.length - 1] = Math.floor(shape[shape.length - 1] / MAXOUT_PIECES)
        return
      case 'flatten':
        return flatten()
      case 'dropout':
        return
    }
  })
  flatten()
  // The output layer: one unit per class.
  return total + shape[0] * input.numClasses + input.numClasses
}

/** Refuses, in plain words, a model over the lab's limit. */
export function checkParameterBudget(hp: Hyperparams, input: InputShape, limit = MAX_PARAMETERS): number {
  let count: number
  try {
    count = countParameters(hp, input)
  } catch (err) {
    // A maxout without its own layer to widen: the list is wrong, whatever its size.
    throw new ValidationError((err as Error).message)
  }
  if (count > limit) {
    throw new ValidationError(
      `this model has ${count.toLocaleString('en')} parameters; the lab's limit is ${limit.toLocaleString('en')}: use fewer or narrower layers`
    )
  }
  return count
}
