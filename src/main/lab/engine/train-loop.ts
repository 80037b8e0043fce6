// The training loop. Runs wherever it is called (the worker calls it); talks only through
// `emit` and `control`, so it knows nothing of threads, stores or UIs.
import * as tf from '@tensorflow/tfjs'
import type { Hyperparams } from '../../../shared/hyperparams'
import type { RunStatus, TrainEvent } from '../../../shared/run-types'
import { selectBackend } from '../backend/select'
import { epochOrder, gatherBatch } from '../data/batches'
import { limitSplit, loadDataset } from '../data/datasets'
import { buildModel, countTrainableParams, summarise } from '../model/build'
import { evaluate, type Evaluation } from './evaluate'
import { exportArtifacts, type ModelArtifacts } from './weights'

export type ControlState = 'run' | 'pause' | 'stop'

export interface RunControl {
  state(): ControlState
  /** Blocks (or awaits) until the state is no longer 'pause'. */
  waitWhilePaused(): void | Promise<void>
}

export interface TrainOutcome {
  status: RunStatus
  error: string | null
  weights: ModelArtifacts | null
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

export async function trainRun(runId: number, hp: Hyperparams, emit: (e: TrainEvent) => void, control: RunControl): Promise<TrainOutcome> {
  let step = 0
  let last: Evaluation | null = null
  let status: RunStatus = 'completed'
  let error: string | null = null
  let rate = 0 // examples/s, smoothed: one batch's timing alone is too jumpy to show
  let model: tf.LayersModel | null = null
  let optimizer: tf.Optimizer | null = null

  try {
    // Setup fails like training does (bad backend choice, unreadable dataset, impossible model):
    // as a 'failed' run with the reason, never as a crashed worker.
    const backend = await selectBackend()
    const dataset = loadDataset(hp.dataset)
    const pixels = dataset.rows * dataset.cols
    const train = limitSplit(dataset.train, hp.limitTrain, pixels)
    const test = limitSplit(dataset.test, hp.limitTest, pixels)
    const shape = { rows: dataset.rows, cols: dataset.cols, numClasses: dataset.classNames.length }
    const built = buildModel(hp, shape)
    model = built.model
    const logits = built.logits
    const opt = makeOptimizer(hp)
    optimizer = opt
    const stepsPerEpoch = Math.ceil(train.count / hp.batchSize)
    emit({
      type: 'started',
      runId,
      backend,
      layers: summarise(model),
      paramCount: countTrainableParams(model),
      stepsPerEpoch,
      totalSteps: stepsPerEpoch * hp.epochs,
      classNames: dataset.classNames
    })
    const started = performance.now()

    epochs: for (let epoch = 1; epoch <= hp.epochs; epoch++) {
      const epochStart = performance.now()
      const order = epochOrder(train.count, hp.seed, epoch)
      let lossSum = 0
      let correctSum = 0
      let seen = 0
      for (let s = 0; s < stepsPerEpoch; s++) {
        if (control.state() === 'pause') {
          emit({ type: 'status', runId, status: 'paused' })
          await control.waitWhilePaused()
          if (control.state() !== 'stop') emit({ type: 'status', runId, status: 'running' })
        }
        if (control.state() === 'stop') {
          status = 'stopped'
          break epochs
        }
        const t0 = performance.now()
        const idx = order.subarray(s * hp.batchSize, Math.min((s + 1) * hp.batchSize, train.count))
        const n = idx.length
        const { x, y } = gatherBatch(train, idx, pixels, dataset)
        // The count of right answers comes out of the same forward pass as the loss.
        const held: { correct?: tf.Tensor } = {}
        const lossT = tf.tidy(() => {
          const xs = tf.tensor4d(x, [n, shape.rows, shape.cols, 1])
          const labels = tf.tensor1d(y, 'int32')
          const ys = tf.oneHot(labels, shape.numClasses)
          return opt.minimize(() => {
            const out = logits.apply(xs, { training: true }) as tf.Tensor2D
            held.correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), labels), 'int32')))
            return tf.losses.softmaxCrossEntropy(ys, out) as tf.Scalar
          }, true) as tf.Scalar
        })
        const loss = lossT.dataSync()[0]
        const correct = held.correct?.dataSync()[0] ?? 0
        tf.dispose([lossT, ...(held.correct ? [held.correct] : [])])
        step++
        const dt = (performance.now() - t0) / 1000
        rate = rate === 0 ? n / dt : 0.9 * rate + 0.1 * (n / dt)
        if (!Number.isFinite(loss)) {
          status = 'diverged'
          error = `loss became ${loss} at epoch ${epoch}, step ${step}: the learning rate (${hp.learningRate}) is probably too high`
          break epochs
        }
        lossSum += loss * n
        correctSum += correct
        seen += n
        emit({ type: 'batch', runId, metric: { step, epoch, loss, accuracy: correct / n, examplesPerSec: rate, elapsed: (performance.now() - started) / 1000 } })
      }
      last = evaluate(logits, test, shape, dataset, hp.testBatchSize)
      if (!Number.isFinite(last.loss)) {
        status = 'diverged'
        error = `test loss became ${last.loss} after epoch ${epoch}`
      }
      emit({
        type: 'epoch',
        runId,
        metric: {
          epoch,
          trainLoss: lossSum / Math.max(seen, 1),
          trainAccuracy: correctSum / Math.max(seen, 1),
          testLoss: last.loss,
          testAccuracy: last.accuracy,
          seconds: (performance.now() - epochStart) / 1000,
          numTensors: tf.memory().numTensors
        },
        confusion: last.confusion,
        misclassified: last.misclassified
      })
      if (status === 'diverged') break
    }
    const weights = status === 'diverged' ? null : await exportArtifacts(model)
    return { status, error, weights }
  } catch (err) {
    status = 'failed'
    error = (err as Error).message
    return { status, error, weights: null }
  } finally {
    optimizer?.dispose()
    model?.dispose()
    emitFinished()
  }

  function emitFinished() {
    emit({
      type: 'finished',
      runId,
      status,
      error,
      finalTestAccuracy: last?.accuracy ?? null
    })
  }
}
