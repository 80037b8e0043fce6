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
}

export function emptyConfusion(n: number): number[][] {
  return Array.from({ length: n }, () => new Array<number>(n).fill(0))
}

export function evaluate(
  logitsModel: tf.LayersModel,
  split: Split,
  shape: InputSpec,
  norm: Normaliser,
  batchSize: number
): Evaluation {
  const pixels = shape.rows * shape.cols
  const confusion = emptyConfusion(shape.numClasses)
  const misclassified: Misclassified[] = []
  let lossSum = 0
  let correct = 0
  for (let start = 0; start < split.count; start += batchSize) {
    const n = Math.min(batchSize, split.count - start)
    const { x, y } = gatherBatch(split, range(start, start + n), pixels, norm)
    const [probsT, lossT] = tf.tidy(() => {
      const logits = logitsModel.predict(tf.tensor4d(x, [n, shape.rows, shape.cols, 1])) as tf.Tensor2D
      const labels = tf.oneHot(tf.tensor1d(y, 'int32'), shape.numClasses)
      return [tf.softmax(logits), tf.losses.softmaxCrossEntropy(labels, logits, undefined, undefined, tf.Reduction.SUM)]
    })
    const probs = probsT.dataSync() as Float32Array
    lossSum += lossT.dataSync()[0]
    tf.dispose([probsT, lossT])
    for (let b = 0; b < n; b++) {
      const row = probs.subarray(b * shape.numClasses, (b + 1) * shape.numClasses)
      let predicted = 0
      for (let k = 1; k < row.length; k++) if (row[k] > row[predicted]) predicted = k
      const label = y[b]
      confusion[label][predicted]++
      if (predicted === label) correct++
      else misclassified.push({ index: start + b, label, predicted, probs: Array.from(row, (p) => Math.round(p * 1e6) / 1e6) })
    }
  }
  return { loss: lossSum / split.count, accuracy: correct / split.count, confusion, misclassified }
}
