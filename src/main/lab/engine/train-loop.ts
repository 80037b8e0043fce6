// The training loop. Runs wherever it is called (the worker calls it); talks only through
// `emit` and `control`, so it knows nothing of threads, stores or UIs.
import * as tf from '@tensorflow/tfjs'
import type { Hyperparams } from '../../../shared/hyperparams'
import type { RunStatus, TrainEvent } from '../../../shared/run-types'
import { epochOrder } from '../data/batches'
import { countTrainableParams, summarise } from '../model/build'
import { Partner, wantsHelper } from './data-parallel'
import { evaluate, type Evaluation } from './evaluate'
import { applyFlat, gradientInto, prepareReplica, trainStep, type Replica } from './replica'
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

export async function trainRun(runId: number, hp: Hyperparams, emit: (e: TrainEvent) => void, control: RunControl): Promise<TrainOutcome> {
  let stepCount = 0
  let last: Evaluation | null = null
  let status: RunStatus = 'completed'
  let error: string | null = null
  let rate = 0 // examples/s, smoothed: one batch's timing alone is too jumpy to show
  let replica: Replica | null = null
  let partner: Partner | null = null

  try {
    // Setup fails like training does (bad backend choice, unreadable dataset, impossible model):
    // as a 'failed' run with the reason, never as a crashed worker.
    const r = (replica = await prepareReplica(hp))
    const { train, test, shape, model, logits } = r
    const stepsPerEpoch = Math.ceil(train.count / hp.batchSize)
    const single = (indices: Uint32Array) => trainStep(r, indices)
    let parallelNote = ''
    if (wantsHelper(r.backend.name, hp)) {
      try {
        partner = await Partner.start(hp, r)
        parallelNote = 'data parallel over 2 worker threads'
      } catch (err) {
        // A second thread is a speed-up, not a requirement.
        parallelNote = `one thread (the helper thread could not start: ${(err as Error).message})`
      }
    }
    const backend = parallelNote ? { ...r.backend, note: [r.backend.note, parallelNote].filter(Boolean).join('; ') } : r.backend
    let step = partner ? parallelStep(r, partner) : single
    emit({
      type: 'started',
      runId,
      backend,
      layers: summarise(model),
      paramCount: countTrainableParams(model),
      stepsPerEpoch,
      totalSteps: stepsPerEpoch * hp.epochs,
      classNames: r.dataset.classNames
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
        partner?.go(epoch, s)
        let result: { loss: number; correct: number }
        try {
          result = step(idx)
        } catch (err) {
          if (!partner) throw err
          // The helper failed before this step's update was applied anywhere: carry on alone.
          const lost = partner
          partner = null
          await lost.close().catch(() => {})
          step = single
          result = step(idx)
        }
        const { loss, correct } = result
        stepCount++
        const dt = (performance.now() - t0) / 1000
        rate = rate === 0 ? n / dt : 0.9 * rate + 0.1 * (n / dt)
        if (!Number.isFinite(loss)) {
          status = 'diverged'
          error = `loss became ${loss} at epoch ${epoch}, step ${stepCount}: the learning rate (${hp.learningRate}) is probably too high`
          break epochs
        }
        lossSum += loss * n
        correctSum += correct
        seen += n
        emit({ type: 'batch', runId, metric: { step: stepCount, epoch, loss, accuracy: correct / n, examplesPerSec: rate, elapsed: (performance.now() - started) / 1000 } })
      }
      last = evaluate(logits, test, shape, r.dataset, hp.testBatchSize)
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
    await partner?.close()
    replica?.dispose()
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

/**
 * A step split with the helper thread: the trainer takes the first half of the batch, the helper
 * (already started by partner.go) the second; the mean gradient over the whole batch is applied
 * by both. Same result as one thread's step, up to float rounding.
 */
function parallelStep(r: Replica, partner: Partner) {
  const mine = new Float32Array(r.size)
  return (indices: Uint32Array): { loss: number; correct: number } => {
    const n = indices.length
    const half = indices.subarray(0, Math.ceil(n / 2))
    const own = gradientInto(r, half, mine, half.length)
    const theirs = partner.collect()
    const combined = theirs.gradient
    for (let i = 0; i < combined.length; i++) combined[i] = (combined[i] + mine[i]) / n
    partner.publish()
    applyFlat(r, combined)
    return { loss: (own.loss * half.length + theirs.lossSum) / n, correct: own.correct + theirs.correct }
  }
}
