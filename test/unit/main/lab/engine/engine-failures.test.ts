// How runs end when something breaks: the helper thread mid-run, the training worker itself, the
// backend at start. Real training on MNIST subsets; the lab's runs in a real SQLite file.
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { BACKEND_CHOICES } from '../../../../../src/main/lab/backend/select'
import { batchAt, epochOrder, halves } from '../../../../../src/main/lab/data/batches'
import type { WorkerInput } from '../../../../../src/main/lab/training/train-protocol'
import { gradientInto, type PreparedRun } from '../../../../../src/main/lab/engine/prepared-run'
import type * as Spawn from '../../../../../src/main/lab/engine/spawn'
import type { StepPartner } from '../../../../../src/main/lab/engine/tfjs-stepper'
import { trainRun, type RunControl, type TrainOptions } from '../../../../../src/main/lab/training/train-loop'
import { Lab } from '../../../../../src/main/lab/lab'
import { parseHyperparams } from '../../../../../src/shared/fields'
import type { Hyperparams } from '../../../../../src/shared/hyperparams'
import type { TrainEvent } from '../../../../../src/shared/run-types'
import { watchRun } from '../../../../helpers/run-events'
import type { Spawned } from '../../../../helpers/spawned'
import { tempDir } from '../../../../helpers/tmp'

// The real spawnWorker, watched, so a test can reach the worker a run trains in.
const spawned = vi.hoisted(() => [] as Spawned[])
vi.mock('../../../../../src/main/lab/engine/spawn', async (real) =>
  (await import('../../../../helpers/spawned')).recordingSpawn(await real<typeof Spawn>(), spawned)
)

const dir = tempDir()
const lab = new Lab({ dbPath: join(dir, 'failures.db') })
afterAll(() => lab.close())

/**
 * A partner that does the helper thread's half of each step on the trainer's own replica (same
 * weights, before the update: what a real helper computes) and throws on its collect number
 * `failAt`, as a real one does when its thread dies.
 */
function failingPartner(hp: Hyperparams, r: PreparedRun, failAt: number) {
  const calls = { collect: 0, close: 0 }
  const gradient = new Float32Array(r.size)
  let at = { epoch: 0, step: 0 }
  let order: { epoch: number; indices: Uint32Array } = { epoch: 0, indices: new Uint32Array(0) }
  const partner: StepPartner = {
    go: (epoch, step) => (at = { epoch, step }),
    collect() {
      if (++calls.collect === failAt) throw new Error('the helper thread failed: it went away')
      if (order.epoch !== at.epoch) order = { epoch: at.epoch, indices: epochOrder(r.train.count, hp.seed, at.epoch) }
      const [, half] = halves(batchAt(order.indices, at.step, hp.batchSize))
      const { loss, correct } = gradientInto(r, half, gradient, half.length)
      return { lossSum: loss * half.length, correct, gradient }
    },
    publish: () => {},
    close: async () => void calls.close++
  }
  return { partner, calls }
}

const running: RunControl = { state: () => 'run', waitWhilePaused: () => {} }

/** trainRun in this thread, as the worker calls it. */
async function trainHere(hp: Hyperparams, partner: NonNullable<TrainOptions['partner']>) {
  const events: TrainEvent[] = []
  const outcome = await trainRun(1, hp, (e) => events.push(e), running, { partner })
  const batches = events.flatMap((e) => (e.type === 'batch' ? [e.metric] : []))
  return { outcome, events, batches }
}

describe('when the helper thread fails', () => {
  it('carries on in one thread from the step that failed, as if it had trained alone', async () => {
    // No dropout: with it, two runs draw different masks and their losses cannot be compared.
    const hp = parseHyperparams({
      architecture: { preset: 'mlp', hidden: [32] },
      dropout: 0,
      learningRate: 0.05,
      epochs: 2,
      limitTrain: 600,
      limitTest: 100,
      batchSize: 50
    })
    const alone = await trainHere(hp, async () => ({ partner: null, note: '' }))
    let calls = { collect: 0, close: 0 }
    // 15 steps split in two, then the helper fails in the 4th step of epoch 2.
    const helped = await trainHere(hp, async (h, r) => {
      const made = failingPartner(h, r, 16)
      calls = made.calls
      return { partner: made.partner, note: 'split with a partner that fails' }
    })

    expect(helped.outcome).toMatchObject({ status: 'completed', error: null })
    expect(helped.outcome.weights).not.toBeNull()
    const started = helped.events.find((e) => e.type === 'started')
    expect(started?.type === 'started' && started.stepsPerEpoch).toBe(12)
    expect(helped.batches).toHaveLength((started?.type === 'started' ? started.stepsPerEpoch : 0) * hp.epochs)
    expect(helped.batches.map((b) => b.step)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1))
    expect(helped.batches.every((b) => Number.isFinite(b.loss))).toBe(true)
    // Never asked again once it failed, and closed once.
    expect(calls).toEqual({ collect: 16, close: 1 })
    expect(helped.events.filter((e) => e.type === 'finished')).toEqual([
      { type: 'finished', runId: 1, status: 'completed', error: null, finalTestAccuracy: expect.any(Number) }
    ])

    // The failed step was redone alone, once, and nothing was lost or applied twice: the losses
    // follow the one-thread run's step for step, up to float rounding.
    expect(alone.outcome.status).toBe('completed')
    helped.batches.forEach((b, i) => expect(Math.abs(b.loss - alone.batches[i].loss)).toBeLessThan(1e-4 * Math.max(1, alone.batches[i].loss)))
    expect(helped.batches.at(-1)!.loss).toBeLessThan(helped.batches[0].loss)
  })
})

describe('when the training worker dies', () => {
  it('ends the run failed with the reason, keeps what it logged, and announces the end once', async () => {
    const { runId } = await lab.startRun(
      parseHyperparams({ architecture: { preset: 'mlp', hidden: [16] }, epochs: 50, limitTrain: 2000, limitTest: 100, batchSize: 10 })
    )
    const run = watchRun(lab, runId)
    const workers = spawned.filter((s) => s.entry === 'trainer' && (s.workerData as WorkerInput).runId === runId)
    expect(workers).toHaveLength(1)
    await run.until('5 batches', () => run.batches().length >= 5)
    // Paused first: a paused run cannot end on its own, so only the worker's death can end it.
    lab.pauseRun(runId)
    await run.until("the 'paused' status", () => run.events.some((e) => e.type === 'status' && e.status === 'paused'))
    const logged = run.batches().length

    // Killed as a crash or the OS would: no outcome message, just an exit (code 1).
    expect(await workers[0].worker.terminate()).toBe(1)
    const error = 'training worker exited with code 1 before finishing'
    expect(await lab.waitForRun(runId)).toEqual({ status: 'failed', error })

    expect(run.events.filter((e) => e.type === 'finished')).toEqual([{ type: 'finished', runId, status: 'failed', error, finalTestAccuracy: null }])
    expect(lab.getRun(runId)).toMatchObject({ status: 'failed', error, batchCount: logged, hasWeights: false })
    expect(lab.runMetrics(runId).batches.map((b) => b.step)).toEqual(Array.from({ length: logged }, (_, i) => i + 1))
    expect(lab.liveRuns()).toEqual([])
    expect(() => lab.resumeRun(runId)).toThrow(`run ${runId} is not training in this lab`)
  })
})

describe('when training cannot start', () => {
  it('marks the run failed with the reason when the backend it is told to use does not exist', async () => {
    const before = process.env.DIGIT_LAB_BACKEND
    // The worker reads it from the environment it inherits when it is started.
    process.env.DIGIT_LAB_BACKEND = 'gpu'
    try {
      const { runId } = await lab.startRun(parseHyperparams({ architecture: { preset: 'mlp', hidden: [16] }, limitTrain: 100, limitTest: 100 }))
      const run = watchRun(lab, runId)
      const error = `DIGIT_LAB_BACKEND must be one of ${BACKEND_CHOICES.join(', ')} (got "gpu")`
      expect(await lab.waitForRun(runId)).toEqual({ status: 'failed', error })
      expect(lab.getRun(runId)).toMatchObject({ status: 'failed', error, batchCount: 0, epochsDone: 0, hasWeights: false })
      // It never started: no 'started', no batch; one 'finished' saying why.
      expect(run.events).toEqual([{ type: 'finished', runId, status: 'failed', error, finalTestAccuracy: null }])
      // Asked again once the run is over, the lab answers from the store.
      expect(await lab.waitForRun(runId)).toEqual({ status: 'failed', error })
    } finally {
      if (before === undefined) delete process.env.DIGIT_LAB_BACKEND
      else process.env.DIGIT_LAB_BACKEND = before
    }
  })
})
