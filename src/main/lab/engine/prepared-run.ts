// A run prepared to train: its data, its tfjs model and its optimizer, ready for the first step.
// The trainer prepares one; when training is split over two threads, the helper prepares another
// (a replica), built from the same hyperparameters.
import * as tf from '@tensorflow/tfjs'
import type { Hyperparams } from '@shared/hyperparams'
import type { BackendInfo } from '@shared/run-types'
import { selectBackend } from '../backend/select'
import { gatherBatch } from '../data/batches'
import { limitSplit, loadDataset, type Dataset, type Split } from '../data/datasets'
import { buildModel, type InputSpec } from '../model/build'

export interface PreparedRun {
  backend: BackendInfo
  dataset: Dataset
  train: Split
  test: Split
  shape: InputSpec
  model: tf.LayersModel
  logits: tf.LayersModel
  optimizer: tf.Optimizer
  /** The trainable variables, in a fixed order: flat gradients and weights follow it. */
  variables: tf.Variable[]
  /** Total number of trainable values. */
  size: number
  dispose(): void
}

function makeOptimizer(hp: Hyperparams): tf.Optimizer {
  switch (hp.optimizer) {
    case 'sgd':
      return tf.train.sgd(hp.learningRate)
    case 'momentum':
      return tf.train.momentum(hp.learningRate, 0.9)
    case 'adam':
      return tf.train.adam(hp.learningRate)
    case 'rmsprop':
      return tf.train.rmsprop(hp.learningRate)
  }
}

export async function prepareRun(hp: Hyperparams): Promise<PreparedRun> {
  const backend = await selectBackend()
  const dataset = await loadDataset(hp.dataset)
  const pixels = dataset.rows * dataset.cols
  const shape = { rows: dataset.rows, cols: dataset.cols, numClasses: dataset.classNames.length }
  const { model, logits } = buildModel(hp, shape)
  const optimizer = makeOptimizer(hp)
  const variables = logits.trainableWeights.map((w) => w.read() as tf.Variable)
  return {
    backend,
    dataset,
    train: limitSplit(dataset.train, hp.limitTrain, pixels),
    test: limitSplit(dataset.test, hp.limitTest, pixels),
    shape,
    model,
    logits,
    optimizer,
    variables,
    size: variables.reduce((a, v) => a + v.size, 0),
    dispose() {
      optimizer.dispose()
      model.dispose()
    }
  }
}

/** Builds the tensors of one batch and the loss function over it; `held.correct` gets the right answers. */
function lossOver(r: PreparedRun, indices: ArrayLike<number>) {
  const pixels = r.shape.rows * r.shape.cols
  const { x, y } = gatherBatch(r.train, indices, pixels, r.dataset)
  const n = indices.length
  const held: { correct?: tf.Tensor } = {}
  const f = () => {
    const xs = tf.tensor4d(x, [n, r.shape.rows, r.shape.cols, 1])
    const labels = tf.tensor1d(y, 'int32')
    const out = r.logits.apply(xs, { training: true }) as tf.Tensor2D
    held.correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), labels), 'int32')))
    return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, r.shape.numClasses), out) as tf.Scalar
  }
  const read = () => {
    const correct = held.correct?.dataSync()[0] ?? 0
    held.correct?.dispose()
    return correct
  }
  return { f, read }
}

/** One ordinary training step over `indices`: mean loss, its gradient, the update. */
export function trainStep(r: PreparedRun, indices: ArrayLike<number>): { loss: number; correct: number } {
  const { f, read } = lossOver(r, indices)
  const cost = tf.tidy(() => r.optimizer.minimize(f, true, r.variables) as tf.Scalar)
  const loss = cost.dataSync()[0]
  cost.dispose()
  return { loss, correct: read() }
}

/**
 * The mean loss's gradient over `indices`, times `scale`, written flat into `into` (variables in
 * order); nothing is applied. Scaling by the example count lets two halves of a batch be summed.
 */
export function gradientInto(r: PreparedRun, indices: ArrayLike<number>, into: Float32Array, scale: number): { loss: number; correct: number } {
  const { f, read } = lossOver(r, indices)
  const loss = tf.tidy(() => {
    const { value, grads } = r.optimizer.computeGradients(f, r.variables)
    let offset = 0
    for (const v of r.variables) {
      const g = grads[v.name].dataSync()
      for (let i = 0; i < g.length; i++) into[offset + i] = g[i] * scale
      offset += g.length
    }
    return value.dataSync()[0]
  })
  return { loss, correct: read() }
}

/** Applies a flat gradient (variables in order) with the run's optimizer. */
export function applyFlat(r: PreparedRun, flat: Float32Array): void {
  tf.tidy(() => {
    const grads: tf.NamedTensorMap = {}
    let offset = 0
    for (const v of r.variables) {
      grads[v.name] = tf.tensor(flat.subarray(offset, offset + v.size), v.shape)
      offset += v.size
    }
    r.optimizer.applyGradients(grads)
  })
}

export function readWeights(r: PreparedRun, into: Float32Array): void {
  let offset = 0
  for (const v of r.variables) {
    into.set(v.dataSync() as Float32Array, offset)
    offset += v.size
  }
}

export function writeWeights(r: PreparedRun, from: Float32Array): void {
  let offset = 0
  for (const v of r.variables) {
    const start = offset
    tf.tidy(() => v.assign(tf.tensor(from.slice(start, start + v.size), v.shape)))
    offset += v.size
  }
}
