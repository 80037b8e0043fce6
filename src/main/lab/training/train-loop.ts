// The training loop. Runs wherever it is called (the worker calls it); talks only through
// `emit` and `control`, so it knows nothing of threads, stores or UIs.
import * as tf from '@tensorflow/tfjs'
import type { Hyperparams } from '@shared/hyperparams'
import type { RunStatus } from '@shared/run-types'
import type { EngineEvent } from '../engine/engine-event'
import { batchAt, epochOrder } from '../data/batches'
import { InsideRecorder, type InsideEvent } from '../inside/recorder'
import { countTrainableParams, summarise } from '../model/build'
import { exportArtifacts } from '../model/weights'
import type { Evaluation } from '../engine/evaluate'
import { finishedEvent, type TrainOutcome } from '../engine/outcome'
import { prepareRun, type PreparedRun } from '../engine/prepared-run'
import { startStepper, type PartnerFactory } from './start-stepper'
import type { TrainStepper } from '../engine/train-stepper'

export type ControlState = 'run' | 'pause' | 'stop'

export interface RunControl {
  state(): ControlState
  /** Blocks (or awaits) until the state is no longer 'pause'. */
  waitWhilePaused(): void | Promise<void>
}

export interface TrainOptions {
  /** Replaces tfjs's helper thread (tests inject failing partners); given one, the run trains on tfjs. */
  partner?: PartnerFactory
  /** Given, the run records what happens inside the network (see inside/recorder.ts) and sends it here. */
  inside?: (e: InsideEvent) => void
}

/** Where a run is: what the epoch loop carries from step to step. */
interface Progress {
  status: RunStatus
  error: string | null
  steps: number
  /** examples/s, smoothed: one batch's timing alone is too jumpy to show. */
  rate: number
  started: number
  /** Time spent paused, left out of `elapsed` and of epoch times: they measure training. */
  pausedMs: number
  last: Evaluation | null
}

export async function trainRun(
  runId: number,
  hp: Hyperparams,
  emit: (e: EngineEvent) => void,
  control: RunControl,
  options: TrainOptions = {}
): Promise<TrainOutcome> {
  const p: Progress = { status: 'completed', error: null, steps: 0, rate: 0, started: 0, pausedMs: 0, last: null }
  let prepared: PreparedRun | null = null
  let stepper: TrainStepper | null = null
  let recorder: InsideRecorder | null = null
  try {
    // Setup fails like training does (bad backend choice, unreadable dataset, impossible model):
    // as a 'failed' run with the reason, never as a crashed worker.
    const r = (prepared = await prepareRun(hp))
    stepper = await startStepper(hp, r, options.partner)
    const stepsPerEpoch = Math.ceil(r.train.count / hp.batchSize)
    emit({
      type: 'started',
      runId,
      backend: stepper.backend,
      layers: summarise(r.model),
      paramCount: countTrainableParams(r.model),
      stepsPerEpoch,
      totalSteps: stepsPerEpoch * hp.epochs,
      classNames: r.dataset.classNames
    })
    if (options.inside) recorder = new InsideRecorder(r, stepsPerEpoch, stepper, hp.epochs, options.inside, runId)
    p.started = performance.now()
    const training: Training = { runId, hp, run: r, stepper, stepsPerEpoch, progress: p, emit, control, recorder }
    let epochsDone = 0
    for (let epoch = 1; epoch <= hp.epochs && p.status === 'completed'; epoch++) {
      await trainEpoch(training, epoch)
      if (p.status === 'completed') epochsDone = epoch
    }
    stepper.syncModel()
    // The last epoch's evaluation looked at the embedding's sample where the engine could (see Look).
    recorder?.finish(p.status, epochsDone, p.last?.looked)
    const weights = p.status === 'diverged' ? null : await exportArtifacts(r.model)
    return { status: p.status, error: p.error, weights }
  } catch (err) {
    p.status = 'failed'
    p.error = (err as Error).message
    return { status: p.status, error: p.error, weights: null }
  } finally {
    await stepper?.close()
    recorder?.dispose()
    prepared?.dispose()
    emit(finishedEvent(runId, p, p.last?.accuracy ?? null))
  }
}

/** What the epoch loop asks of the inside recorder: which steps to look at, and what it saw. */
type EpochRecorder = Pick<InsideRecorder, 'wants' | 'look' | 'record'>

/** A run in training: what every epoch of it works with. */
interface Training {
  runId: number
  hp: Hyperparams
  run: PreparedRun
  stepper: TrainStepper
  stepsPerEpoch: number
  /** Where the run is; each epoch moves it on. */
  progress: Progress
  emit: (e: EngineEvent) => void
  control: RunControl
  recorder: EpochRecorder | null
}

/** One epoch: its steps (pausing and stopping between them), then the test-set evaluation. */
async function trainEpoch(training: Training, epoch: number): Promise<void> {
  const { runId, hp, run, stepper, stepsPerEpoch, progress: p, emit, control, recorder } = training
  const epochStart = performance.now()
  const pausedBefore = p.pausedMs
  const order = epochOrder(run.train.count, hp.seed, epoch)
  let lossSum = 0
  let correctSum = 0
  let seen = 0
  for (let s = 0; s < stepsPerEpoch; s++) {
    if (control.state() === 'pause') {
      emit({ type: 'status', runId, status: 'paused' })
      const pausedAt = performance.now()
      await control.waitWhilePaused()
      p.pausedMs += performance.now() - pausedAt
      if (control.state() !== 'stop') emit({ type: 'status', runId, status: 'running' })
    }
    if (control.state() === 'stop') {
      p.status = 'stopped'
      return
    }
    const t0 = performance.now()
    const batch = batchAt(order, s, hp.batchSize)
    const n = batch.length
    const { loss, correct, inside } = await stepper.step(batch, epoch, s, recorder?.wants(epoch, s))
    p.steps++
    const dt = (performance.now() - t0) / 1000
    const usual = p.rate > 0 ? n / p.rate : dt
    p.rate = p.rate === 0 ? n / dt : 0.9 * p.rate + 0.1 * (n / dt)
    if (!Number.isFinite(loss)) {
      p.status = 'diverged'
      p.error = `loss became ${loss} at epoch ${epoch}, step ${p.steps}: the learning rate (${hp.learningRate}) is probably too high`
      return
    }
    if (inside) recorder!.record(epoch, s, p.steps, inside, Math.max(0, dt - usual))
    lossSum += loss * n
    correctSum += correct
    seen += n
    emit({
      type: 'batch',
      runId,
      metric: { step: p.steps, epoch, loss, accuracy: correct / n, examplesPerSec: p.rate, elapsed: (performance.now() - p.started - p.pausedMs) / 1000 }
    })
  }
  p.last = stepper.evaluate(hp.testBatchSize, recorder?.look(epoch))
  if (!Number.isFinite(p.last.loss) && p.status === 'completed') {
    p.status = 'diverged'
    p.error = `test loss became ${p.last.loss} after epoch ${epoch}`
  }
  emit({
    type: 'epoch',
    runId,
    metric: {
      epoch,
      trainLoss: lossSum / Math.max(seen, 1),
      trainAccuracy: correctSum / Math.max(seen, 1),
      testLoss: p.last.loss,
      testAccuracy: p.last.accuracy,
      seconds: (performance.now() - epochStart - (p.pausedMs - pausedBefore)) / 1000,
      numTensors: tf.memory().numTensors
    },
    confusion: p.last.confusion,
    misclassified: p.last.misclassified
  })
}
