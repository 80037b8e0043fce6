// Real training in a worker thread, on MNIST subsets, through the lab facade and a real SQLite file.
import * as tf from '@tensorflow/tfjs'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { loadDataset } from '../../../../../src/main/lab/data/datasets'
import { gatherBatch, range } from '../../../../../src/main/lab/data/batches'
import { loadArtifacts } from '../../../../../src/main/lab/model/weights'
import type { WorkerInput, WorkerMessage } from '../../../../../src/main/lab/training/train-protocol'
import type * as Spawn from '../../../../../src/main/lab/engine/spawn'
import { parseHyperparams } from '../../../../../src/shared/fields'
import { Lab } from '../../../../../src/main/lab/lab'
import type { ExportedModel } from '../../../../../src/shared/contract'
import { isTrainEvent, type TrainEvent } from '../../../../../src/shared/run-types'
import { writeFolderDataset } from '../../../../helpers/idx-files'
import { watchRun } from '../../../../helpers/run-events'
import type { Spawned } from '../../../../helpers/spawned'
import { tempDir } from '../../../../helpers/tmp'

// The real spawnWorker, watched: a test can see which worker a run trains in and what it posts.
const spawned = vi.hoisted(() => [] as Spawned[])
vi.mock('../../../../../src/main/lab/engine/spawn', async (real) =>
  (await import('../../../../helpers/spawned')).recordingSpawn(await real<typeof Spawn>(), spawned)
)

const dir = tempDir()
// Two at once: the pause test trains a second run beside a paused one (which keeps its place).
const lab = new Lab({ dbPath: join(dir, 'lab.db'), maxRuns: 2 })
afterAll(() => lab.close())

/** The exported files back as artifacts, as a user's tf.loadLayersModel would read them. */
function exported(files: ExportedModel) {
  const json = JSON.parse(files.modelJson)
  const data = files.weights
  return {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest[0].weights,
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer
  }
}

function collect(runId: number): TrainEvent[] {
  const events: TrainEvent[] = []
  lab.subscribe((e) => {
    if (isTrainEvent(e) && e.runId === runId) events.push(e)
  })
  return events
}

describe('training engine', () => {
  it("trains the course's CNN on an MNIST subset in a worker thread, clearly learning", async () => {
    const { runId } = await lab.startRun(parseHyperparams({ optimizer: 'adam', learningRate: 0.003, epochs: 2, limitTrain: 2000, limitTest: 500 }))
    const events = collect(runId)
    const outcome = await lab.waitForRun(runId)
    expect(outcome).toEqual({ status: 'completed', error: null })

    const started = events.find((e) => e.type === 'started')
    expect(started).toMatchObject({ paramCount: 21840, stepsPerEpoch: 20, totalSteps: 40 })
    const epochs = events.filter((e) => e.type === 'epoch')
    expect(epochs).toHaveLength(2)
    const batches = events.filter((e) => e.type === 'batch')
    expect(batches).toHaveLength(40)
    const firstLoss = batches[0].type === 'batch' ? batches[0].metric.loss : 0
    expect(firstLoss).toBeGreaterThan(2) // ln(10) = 2.30 at chance
    const final = epochs[1].type === 'epoch' ? epochs[1].metric : null
    expect(final!.testAccuracy).toBeGreaterThan(0.8)
    expect(final!.testLoss).toBeLessThan(firstLoss / 3)

    // Off the main thread: every batch the lab reported was posted by the run's own worker, so the
    // main thread (window, server) only relays. How responsive it stays is a matter of timing,
    // which these tests do not measure.
    const workers = spawned.filter((s) => s.entry === 'trainer' && (s.workerData as WorkerInput).runId === runId)
    expect(workers).toHaveLength(1)
    const posted = (workers[0].messages as WorkerMessage[]).flatMap((m) =>
      m.kind === 'events' ? m.events.flatMap((e) => (e.type === 'batch' ? [e.metric] : [])) : []
    )
    expect(posted).toEqual(batches.map((b) => (b.type === 'batch' ? b.metric : null)))

    // Everything landed in SQLite.
    const run = lab.getRun(runId)
    expect(run).toMatchObject({ status: 'completed', epochsDone: 2, batchCount: 40, paramCount: 21840, hasWeights: true })
    expect(run.backend?.name).toMatch(/wasm|tensorflow/)
    expect(run.confusion!.flat().reduce((a, b) => a + b, 0)).toBe(500)
    const wrong = lab.misclassified(runId)
    expect(wrong.items.length).toBe(Math.round(500 * (1 - run.finalTestAccuracy!)))
    for (const w of wrong.items.slice(0, 5)) {
      expect(w.predicted).not.toBe(w.label)
      expect(w.probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3)
      expect(w.probs.indexOf(Math.max(...w.probs))).toBe(w.predicted)
    }

    // The stored weights reload into a model that predicts what the run measured.
    await tf.ready()
    const model = await loadArtifacts(exported(lab.exportModel(runId)))
    const mnist = await loadDataset('mnist')
    const { x } = gatherBatch(mnist.test, range(0, 500), 784, mnist)
    const predicted = (model.predict(tf.tensor4d(x, [500, 28, 28, 1])) as tf.Tensor).argMax(1).dataSync()
    const wrongIdx = new Set(wrong.items.map((w) => w.index))
    let agree = 0
    for (let i = 0; i < 500; i++) if ((predicted[i] !== mnist.test.labels[i]) === wrongIdx.has(i)) agree++
    expect(agree).toBeGreaterThanOrEqual(498) // float differences between backends may flip a near-tie
  })

  it('splits each batch over two threads with the same result as one thread', async () => {
    const losses = async (replicas: string) => {
      process.env.DIGIT_LAB_REPLICAS = replicas
      try {
        const { runId } = await lab.startRun(parseHyperparams({ dropout: 0, learningRate: 0.05, epochs: 1, limitTrain: 1500, limitTest: 100, batchSize: 50 }))
        const events = collect(runId)
        expect(await lab.waitForRun(runId)).toEqual({ status: 'completed', error: null })
        const started = events.find((e) => e.type === 'started')
        return {
          note: started?.type === 'started' ? (started.backend.note ?? '') : '',
          loss: lab.runMetrics(runId).batches.map((b) => b.loss),
          accuracy: lab.getRun(runId).finalTestAccuracy!
        }
      } finally {
        delete process.env.DIGIT_LAB_REPLICAS
      }
    }
    const one = await losses('1')
    const two = await losses('2')
    expect(one.note).not.toMatch(/data parallel/)
    expect(two.note).toMatch(/data parallel over 2 worker threads/)
    expect(two.loss).toHaveLength(30)
    // Same data order, same initial weights, the same mean gradient: only float rounding differs.
    two.loss.forEach((l, i) => expect(Math.abs(l - one.loss[i])).toBeLessThan(1e-4 * Math.max(1, one.loss[i])))
    expect(two.loss.at(-1)!).toBeLessThan(two.loss[0] * 0.95)
    expect(Math.abs(two.accuracy - one.accuracy)).toBeLessThanOrEqual(0.02)
  })

  it('keeps the number of live tensors constant from epoch to epoch', async () => {
    const { runId } = await lab.startRun(
      parseHyperparams({ architecture: { preset: 'mlp', hidden: [64] }, optimizer: 'adam', learningRate: 0.001, epochs: 4, limitTrain: 500, limitTest: 100 })
    )
    await lab.waitForRun(runId)
    const counts = lab.runMetrics(runId).epochs.map((e) => e.numTensors)
    expect(counts).toHaveLength(4)
    expect(new Set(counts).size).toBe(1)
  })

  it('ends a run whose loss turns NaN as diverged, keeping what was logged', async () => {
    const { runId } = await lab.startRun(
      parseHyperparams({ architecture: { preset: 'mlp', hidden: [256, 256] }, learningRate: 10, epochs: 2, limitTrain: 3000, limitTest: 200 })
    )
    const outcome = await lab.waitForRun(runId)
    expect(outcome.status).toBe('diverged')
    expect(outcome.error).toMatch(/loss became (NaN|Infinity|-Infinity) at epoch 1, step \d+: the learning rate \(10\) is probably too high/)
    const run = lab.getRun(runId)
    expect(run.status).toBe('diverged')
    expect(run.batchCount).toBeGreaterThan(0)
    expect(lab.runMetrics(runId).batches.every((b) => Number.isFinite(b.loss))).toBe(true)
  })

  it('pauses before its next batch, trains nothing while paused, resumes where it left off and stops while paused', async () => {
    // 10,000 steps: the run is still going whenever a pause lands.
    const { runId } = await lab.startRun(
      parseHyperparams({ architecture: { preset: 'mlp', hidden: [32] }, epochs: 50, limitTrain: 2000, limitTest: 100, batchSize: 10 })
    )
    const run = watchRun(lab, runId)
    const statuses = () => run.events.flatMap((e) => (e.type === 'status' ? [e.status] : []))
    lab.pauseRun(runId)
    await run.until("the run's 'paused' status", () => statuses().length === 1)
    const atPause = run.batches().length
    expect(lab.getRun(runId).status).toBe('paused')

    // A paused run would show any batch it took after 'paused'. Give it every chance: a whole
    // other run trains to the end meanwhile, its worker competing for the same cores.
    const other = await lab.startRun(
      parseHyperparams({ architecture: { preset: 'mlp', hidden: [16] }, epochs: 1, limitTrain: 500, limitTest: 100, batchSize: 50 })
    )
    expect(await lab.waitForRun(other.runId)).toEqual({ status: 'completed', error: null })
    expect(lab.getRun(other.runId).batchCount).toBe(10)
    expect(run.events.at(-1)).toEqual({ type: 'status', runId, status: 'paused' })
    expect(lab.getRun(runId)).toMatchObject({ status: 'paused', batchCount: atPause })

    lab.resumeRun(runId)
    await run.until(`${atPause + 20} batches after resuming`, () => run.batches().length >= atPause + 20)
    lab.pauseRun(runId)
    await run.until("a second 'paused' status", () => statuses().length === 3)
    const atSecondPause = run.batches().length
    // Stopped while paused: the worker wakes to 'stop' and ends without another batch.
    lab.stopRun(runId)
    expect(await lab.waitForRun(runId)).toEqual({ status: 'stopped', error: null })

    expect(statuses()).toEqual(['paused', 'running', 'paused'])
    const kinds = run.events.map((e) => (e.type === 'status' ? e.status : e.type))
    expect(kinds.indexOf('running') - kinds.indexOf('paused')).toBe(1)
    expect(kinds.slice(kinds.lastIndexOf('paused') + 1)).toEqual(['finished'])
    expect(run.batches().map((b) => b.step)).toEqual(Array.from({ length: atSecondPause }, (_, i) => i + 1))
    expect(lab.getRun(runId)).toMatchObject({ status: 'stopped', batchCount: atSecondPause })
    expect(lab.runMetrics(runId).batches.map((b) => b.step)).toEqual(run.batches().map((b) => b.step))
  })

  it('loses nothing while another process holds the database locked mid-run', async () => {
    const path = join(dir, 'locked.db')
    // Each write waits 20 ms for the lock before it is queued for retry; only how long the run
    // blocks depends on it, not what the test sees.
    const locked = new Lab({ dbPath: path, busyTimeoutMs: 20 })
    const blocker = new Database(path)
    try {
      const { runId } = await locked.startRun(
        parseHyperparams({ architecture: { preset: 'mlp', hidden: [16] }, epochs: 3, limitTrain: 1000, limitTest: 100, batchSize: 10 })
      )
      const run = watchRun(locked, runId)
      // Taken as the 20th batch is reported, in the same turn: from here on no write can land.
      locked.subscribe((e) => {
        if (e.type === 'batch' && e.runId === runId && e.metric.step === 20) blocker.exec('BEGIN IMMEDIATE')
      })
      const epochsDone = () => run.events.filter((e) => e.type === 'epoch').length
      // The end of an epoch is written at once, so the lock is met by the end of epoch 1 at the latest.
      await run.until('the lab to report the lock', () => run.store.some((error) => error !== null))
      expect(locked.storeError).toMatch(/locked\.db is locked by another process/)
      const epochsAtReport = epochsDone()
      expect(epochsAtReport).toBeLessThanOrEqual(1)
      await run.until('another epoch to end while the database is locked', () => epochsDone() > epochsAtReport)
      expect(locked.storeError).toMatch(/is locked by another process/)
      blocker.exec('ROLLBACK')

      expect(await locked.waitForRun(runId)).toEqual({ status: 'completed', error: null })
      const stored = locked.getRun(runId)
      expect(stored).toMatchObject({ status: 'completed', epochsDone: 3, batchCount: 300 })
      expect(locked.runMetrics(runId).batches.map((b) => b.step)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
      expect(locked.storeError).toBeNull()
      // Listeners (the UI) heard about the lock and about its end.
      expect(run.store[0]).toMatch(/is locked by another process/)
      expect(run.store.at(-1)).toBeNull()
    } finally {
      if (blocker.inTransaction) blocker.exec('ROLLBACK')
      blocker.close()
      await locked.close()
    }
  })

  it('trains on a folder dataset with its own classes and statistics', async () => {
    const folder = writeFolderDataset(join(dir, 'stripes'), { gzip: true, classes: ['top', 'middle', 'bottom'], train: 300, test: 60 })
    const { runId } = await lab.startRun(
      parseHyperparams({ dataset: folder, architecture: { preset: 'mlp', hidden: [16] }, optimizer: 'adam', learningRate: 0.01, epochs: 3, batchSize: 20 })
    )
    expect(await lab.waitForRun(runId)).toEqual({ status: 'completed', error: null })
    const run = lab.getRun(runId)
    expect(run.classNames).toEqual(['top', 'middle', 'bottom'])
    expect(run.confusion).toHaveLength(3)
    expect(run.confusion!.flat().reduce((a, b) => a + b, 0)).toBe(60)
    expect(run.finalTestAccuracy).toBeGreaterThan(0.9) // a bright row per class: easy to learn
    expect((await lab.dataset(folder)).classNames).toEqual(['top', 'middle', 'bottom'])
  })

  it('refuses bad hyperparameters and datasets before starting anything', async () => {
    const before = lab.listRuns().length
    expect(() => lab.startRun(parseHyperparams({ epochs: 0 }))).toThrow('Invalid settings: Epochs must be at least 1')
    await expect(lab.startRun(parseHyperparams({ dataset: join(dir, 'missing') }))).rejects.toThrow(/is not a folder/)
    expect(lab.listRuns().length).toBe(before)
  })
})
