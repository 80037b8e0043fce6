// Real training in a worker thread, on MNIST subsets, through the lab facade and a real SQLite file.
import * as tf from '@tensorflow/tfjs'
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadDataset } from '../../src/main/lab/data/datasets'
import { gatherBatch, range } from '../../src/main/lab/data/batches'
import { loadArtifacts } from '../../src/main/lab/model/weights'
import { parseHyperparams } from '../../src/shared/fields'
import { Lab } from '../../src/main/lab/lab'
import type { ExportedModel } from '../../src/shared/contract'
import type { LabEvent, TrainEvent } from '../../src/shared/run-types'
import { writeFolderDataset } from '../helpers/idx-files'
import { tempDir } from '../helpers/tmp'

const dir = tempDir()
const lab = new Lab({ dbPath: join(dir, 'lab.db') })
afterAll(() => lab.close())

/** The exported files back as artifacts, as a user's tf.loadLayersModel would read them. */
function exported(files: ExportedModel) {
  const json = JSON.parse(files.modelJson)
  const data = Buffer.from(files.weightsBase64, 'base64')
  return { modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) }
}

function collect(runId: number): TrainEvent[] {
  const events: TrainEvent[] = []
  lab.subscribe((e) => {
    if (e.type !== 'store' && e.type !== 'run' && e.type !== 'deleted' && e.runId === runId) events.push(e)
  })
  return events
}

describe('training engine', () => {
  it("trains the course's CNN on an MNIST subset, clearly learning, without blocking the event loop", async () => {
    let ticks = 0
    let last = performance.now()
    let worstGap = 0
    const timer = setInterval(() => {
      const now = performance.now()
      worstGap = Math.max(worstGap, now - last)
      last = now
      ticks++
    }, 10)
    const { runId } = lab.startRun(parseHyperparams({ optimizer: 'adam', learningRate: 0.003, epochs: 2, limitTrain: 2000, limitTest: 500 }))
    const events = collect(runId)
    const outcome = await lab.waitForRun(runId)
    clearInterval(timer)
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
    expect(worstGap).toBeLessThan(1000)
    expect(ticks).toBeGreaterThan(20)

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
    const mnist = loadDataset('mnist')
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
        const { runId } = lab.startRun(parseHyperparams({ dropout: 0, learningRate: 0.05, epochs: 1, limitTrain: 1500, limitTest: 100, batchSize: 50 }))
        const events = collect(runId)
        expect(await lab.waitForRun(runId)).toEqual({ status: 'completed', error: null })
        const started = events.find((e) => e.type === 'started')
        return { note: started?.type === 'started' ? (started.backend.note ?? '') : '', loss: lab.runMetrics(runId).batches.map((b) => b.loss), accuracy: lab.getRun(runId).finalTestAccuracy! }
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
    const { runId } = lab.startRun(parseHyperparams({ architecture: { preset: 'mlp', hidden: [64] }, optimizer: 'adam', learningRate: 0.001, epochs: 4, limitTrain: 500, limitTest: 100 }))
    await lab.waitForRun(runId)
    const counts = lab.runMetrics(runId).epochs.map((e) => e.numTensors)
    expect(counts).toHaveLength(4)
    expect(new Set(counts).size).toBe(1)
  })

  it('ends a run whose loss turns NaN as diverged, keeping what was logged', async () => {
    const { runId } = lab.startRun(parseHyperparams({ architecture: { preset: 'mlp', hidden: [256, 256] }, learningRate: 10, epochs: 2, limitTrain: 3000, limitTest: 200 }))
    const outcome = await lab.waitForRun(runId)
    expect(outcome.status).toBe('diverged')
    expect(outcome.error).toMatch(/loss became (NaN|Infinity|-Infinity) at epoch 1, step \d+: the learning rate \(10\) is probably too high/)
    const run = lab.getRun(runId)
    expect(run.status).toBe('diverged')
    expect(run.batchCount).toBeGreaterThan(0)
    expect(lab.runMetrics(runId).batches.every((b) => Number.isFinite(b.loss))).toBe(true)
  })

  it('pauses, resumes and stops within one batch', async () => {
    const { runId } = lab.startRun(parseHyperparams({ architecture: { preset: 'mlp', hidden: [32] }, epochs: 50, limitTrain: 2000, limitTest: 100, batchSize: 10 }))
    const events = collect(runId)
    const waitFor = async (pred: () => boolean) => {
      for (let i = 0; i < 600 && !pred(); i++) await new Promise((r) => setTimeout(r, 25))
      expect(pred()).toBe(true)
    }
    const batchCount = () => events.filter((e) => e.type === 'batch').length
    await waitFor(() => batchCount() >= 5)
    lab.pauseRun(runId)
    await waitFor(() => events.some((e) => e.type === 'status' && e.status === 'paused'))
    const atPause = batchCount()
    await new Promise((r) => setTimeout(r, 300))
    expect(batchCount()).toBe(atPause)
    expect(lab.getRun(runId).status).toBe('paused')
    lab.resumeRun(runId)
    await waitFor(() => batchCount() > atPause + 3)
    lab.stopRun(runId)
    const outcome = await lab.waitForRun(runId)
    expect(outcome.status).toBe('stopped')
    const steps = lab.getRun(runId).batchCount
    expect(steps).toBeLessThan(50 * 200)
    expect(steps).toBe(batchCount())
  })

  it('loses nothing while another process holds the database locked mid-run', async () => {
    const path = join(dir, 'locked.db')
    const locked = new Lab({ dbPath: path, busyTimeoutMs: 20 })
    try {
      const { runId } = locked.startRun(parseHyperparams({ architecture: { preset: 'mlp', hidden: [16] }, epochs: 3, limitTrain: 1000, limitTest: 100, batchSize: 10 }))
      const seen: LabEvent[] = []
      locked.subscribe((e) => seen.push(e))
      for (let i = 0; i < 400 && seen.filter((e) => e.type === 'batch').length < 20; i++) await new Promise((r) => setTimeout(r, 10))
      const blocker = new Database(path)
      blocker.exec('BEGIN IMMEDIATE')
      for (let i = 0; i < 400 && !locked.storeError; i++) await new Promise((r) => setTimeout(r, 10))
      expect(locked.storeError).toMatch(/locked\.db is locked by another process/)
      await new Promise((r) => setTimeout(r, 400))
      blocker.exec('ROLLBACK')
      blocker.close()
      expect(await locked.waitForRun(runId)).toEqual({ status: 'completed', error: null })
      const run = locked.getRun(runId)
      expect(run).toMatchObject({ status: 'completed', epochsDone: 3, batchCount: 300 })
      expect(locked.runMetrics(runId).batches.map((b) => b.step)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
      expect(locked.storeError).toBeNull()
      // Listeners (the UI) heard about the lock and about its end.
      const store = seen.filter((e) => e.type === 'store')
      expect(store[0]).toEqual({ type: 'store', error: expect.stringMatching(/is locked by another process/) })
      expect(store.at(-1)).toEqual({ type: 'store', error: null })
    } finally {
      await locked.close()
    }
  })

  it('trains on a folder dataset with its own classes and statistics', async () => {
    const folder = writeFolderDataset(join(dir, 'stripes'), { gzip: true, classes: ['top', 'middle', 'bottom'], train: 300, test: 60 })
    const { runId } = lab.startRun(parseHyperparams({ dataset: folder, architecture: { preset: 'mlp', hidden: [16] }, optimizer: 'adam', learningRate: 0.01, epochs: 3, batchSize: 20 }))
    expect(await lab.waitForRun(runId)).toEqual({ status: 'completed', error: null })
    const run = lab.getRun(runId)
    expect(run.classNames).toEqual(['top', 'middle', 'bottom'])
    expect(run.confusion).toHaveLength(3)
    expect(run.confusion!.flat().reduce((a, b) => a + b, 0)).toBe(60)
    expect(run.finalTestAccuracy).toBeGreaterThan(0.9) // a bright row per class: easy to learn
    expect(lab.dataset(folder).classNames).toEqual(['top', 'middle', 'bottom'])
  })

  it('refuses bad hyperparameters and datasets before starting anything', () => {
    const before = lab.listRuns().length
    expect(() => lab.startRun(parseHyperparams({ epochs: 0 }))).toThrow('Invalid settings: Epochs must be at least 1')
    expect(() => lab.startRun(parseHyperparams({ dataset: join(dir, 'missing') }))).toThrow(/is not a folder/)
    expect(lab.listRuns().length).toBe(before)
  })
})
