// Test-set evaluation: loss, accuracy, confusion matrix and the misclassified examples.
import * as tf from '@tensorflow/tfjs'
import type { Misclassified } from '@shared/run-types'
import { gatherBatch, range } from '../data/batches'
import type { Normaliser, Split } from '../data/datasets'
import type { InputSpec } from '../model/build'

export interface Evaluation {
  loss: number
  accuracy: number
  confusion: number[][]
  misclassified: Misclassified[]
  /** What a `Look` asked for, when the engine could take it along (see TrainStepper.evaluate). */
  looked?: Looked
}

/** Layers (tfjs layer indices) to look at on the first `count` test examples, while evaluating. */
export interface Look {
  count: number
  layers: number[]
}

/** Per looked-at layer, [examples][positions][units] (channels last, as tfjs); the examples' probabilities, [examples][classes]. */
export interface Looked {
  outputs: Float32Array[]
  probs: Float32Array
}

export function emptyConfusion(n: number): number[][] {
  return Array.from({ length: n }, () => new Array<number>(n).fill(0))
}

/** Counts predictions into loss, accuracy, confusion and the misclassified examples. */
export class Tally {
  private readonly confusion: number[][]
  private readonly misclassified: Misclassified[] = []
  private lossSum = 0
  private correct = 0
  private count = 0

  constructor(private readonly numClasses: number) {
    this.confusion = emptyConfusion(numClasses)
  }

  /**
   * `n` examples from index `start` of the split: `probs` holds each one's class probabilities,
   * `stride` floats apart; `lossSum` is their summed loss.
   */
  add(start: number, n: number, probs: Float32Array, stride: number, labels: ArrayLike<number>, lossSum: number): void {
    this.lossSum += lossSum
    this.count += n
    for (let b = 0; b < n; b++) {
      const row = probs.subarray(b * stride, b * stride + this.numClasses)
      let predicted = 0
      for (let k = 1; k < row.length; k++) if (row[k] > row[predicted]) predicted = k
      const label = labels[b]
      this.confusion[label][predicted]++
      if (predicted === label) this.correct++
      else this.misclassified.push({ index: start + b, label, predicted, probs: Array.from(row, (p) => Math.round(p * 1e6) / 1e6) })
    }
  }

  result(): Evaluation {
    return { loss: this.lossSum / this.count, accuracy: this.correct / this.count, confusion: this.confusion, misclassified: this.misclassified }
  }
}

export function evaluate(logitsModel: tf.LayersModel, split: Split, shape: InputSpec, norm: Normaliser, batchSize: number): Evaluation {
  const pixels = shape.rows * shape.cols
  const tally = new Tally(shape.numClasses)
  for (let start = 0; start < split.count; start += batchSize) {
    const n = Math.min(batchSize, split.count - start)
    const { x, y } = gatherBatch(split, range(start, start + n), pixels, norm)
    const [probsT, lossT] = tf.tidy(() => {
      const logits = logitsModel.predict(tf.tensor4d(x, [n, shape.rows, shape.cols, 1])) as tf.Tensor2D
      const labels = tf.oneHot(tf.tensor1d(y, 'int32'), shape.numClasses)
      return [tf.softmax(logits), tf.losses.softmaxCrossEntropy(labels, logits, undefined, undefined, tf.Reduction.SUM)]
    })
    tally.add(start, n, probsT.dataSync() as Float32Array, shape.numClasses, y, lossT.dataSync()[0])
    tf.dispose([probsT, lossT])
  }
  return tally.result()
}
