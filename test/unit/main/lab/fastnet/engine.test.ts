import { availableParallelism } from 'node:os'
// The fast engine inside the training loop: which engine a run gets, one and two threads, seeded
// runs, evaluation and exported weights against tfjs, and a short real training on MNIST.
import * as tf from '@tensorflow/tfjs'
import { afterEach, describe, expect, it } from 'vitest'
import { batchAt, epochOrder, gatherBatch, range } from '../../../../../src/main/lab/data/batches'
import { evaluate } from '../../../../../src/main/lab/engine/evaluate'
import { prepareRun, type PreparedRun } from '../../../../../src/main/lab/engine/prepared-run'
import { trainRun, type RunControl } from '../../../../../src/main/lab/training/train-loop'
import { readModelWeights } from '../../../../../src/main/lab/fastnet/model-weights'
import { planFromModel } from '../../../../../src/main/lab/fastnet/net-plan'
import { FASTNET_NAME, FastStepper } from '../../../../../src/main/lab/fastnet/fast-stepper'
import { exportArtifacts, loadArtifacts } from '../../../../../src/main/lab/model/weights'
import { parseHyperparams } from '../../../../../src/shared/fields'
import type { Hyperparams, HyperparamsInput } from '../../../../../src/shared/hyperparams'
import type { TrainEvent } from '../../../../../src/shared/run-types'

const running: RunControl = { state: () => 'run', waitWhilePaused: () => {} }
const ENV = ['DIGIT_LAB_ENGINE', 'DIGIT_LAB_REPLICAS', 'DIGIT_LAB_BACKEND'] as const
afterEach(() => {
  for (const k of ENV) delete process.env[k]
})

/** trainRun in this thread, as the worker calls it. */
async function train(input: HyperparamsInput, env: Partial<Record<(typeof ENV)[number], string>> = {}) {
  Object.assign(process.env, env)
  const events: TrainEvent[] = []
  const outcome = await trainRun(1, parseHyperparams(input), (e) => events.push(e), running)
  const started = events.find((e) => e.type === 'started')
  return {
    outcome,
    backend: started?.type === 'started' ? started.backend : null,
    losses: events.flatMap((e) => (e.type === 'batch' ? [e.metric.loss] : [])),
    epochs: events.flatMap((e) => (e.type === 'epoch' ? [e.metric] : []))
  }
}

/** A prepared run and a fast stepper over it, stepped by hand. */
async function fastRun(input: HyperparamsInput, env: Record<string, string>): Promise<{ hp: Hyperparams; r: PreparedRun; s: FastStepper }> {
  const hp = parseHyperparams(input)
  const r = await prepareRun(hp)
  const planned = planFromModel(r.logits, r.shape)
  if (!('plan' in planned)) throw new Error(planned.unsupported)
  return { hp, r, s: await FastStepper.start(hp, r, planned.plan, env) }
}

async function steps(hp: Hyperparams, r: PreparedRun, s: FastStepper, count: number): Promise<number[]> {
  const order = epochOrder(r.train.count, hp.seed, 1)
  const losses: number[] = []
  for (let i = 0; i < count; i++) losses.push((await s.step(batchAt(order, i, hp.batchSize), 1, i)).loss)
  return losses
}

const SMALL_CNN = { limitTrain: 600, limitTest: 300, batchSize: 50 }
const SMALL_MLP = { ...SMALL_CNN, architecture: { preset: 'mlp' as const, hidden: [100, 40] } }
/** Both shapes the engine takes: convolutions one example at a time below dense layers over the batch, and dense layers alone. */
const SMALL_MODELS = [
  { name: "the course's CNN", input: SMALL_CNN },
  { name: 'an MLP', input: SMALL_MLP }
]

describe('engine choice', () => {
  it('trains a covered model on the lab engine, on two threads where it has two cores, and says so', async () => {
    const run = await train({ ...SMALL_CNN, epochs: 1 })
    expect(run.outcome.status).toBe('completed')
    // One core (taskset -c 0, a small VM) gets one thread: splitting a batch there only costs.
    const split = availableParallelism() >= 2
    expect(run.backend).toMatchObject({ name: FASTNET_NAME, threads: split ? 2 : 1 })
    // Which build (SIMD-128 or relaxed) depends on the runtime: loader.test.ts checks the choice.
    expect(run.backend?.version).toMatch(/^\d+\.\d+, (SIMD-128|relaxed SIMD \(fused multiply-add\)) \(wasm [0-9a-f]{8}\)$/)
    const paths =
      /WebAssembly engine, convolutions one example at a time, dense layers as matrix products over the whole batch, convolution 2's forward pass by Winograd's F\(4x4, 5x5\)/
    expect(run.backend?.note).toMatch(paths)
    if (split) expect(run.backend?.note).toMatch(/data parallel over 2 worker threads$/)
    expect(run.epochs[0].numTensors).toBeGreaterThan(0)
  })

  it('falls back to tfjs for what it does not cover, recording why', async () => {
    const layers = [{ type: 'conv2d', filters: 4, kernelSize: 3, stride: 2, padding: 'valid' }, { type: 'activation' }, { type: 'dense', units: 8 }] as const
    const run = await train({ architecture: { preset: 'custom', layers: [...layers] }, limitTrain: 200, limitTest: 100 })
    expect(run.outcome.status).toBe('completed')
    expect(run.backend?.name).toBe('wasm')
    expect(run.backend?.fallback).toMatch(/the lab's WebAssembly engine does not cover conv2d with stride 2/)
  })

  it('DIGIT_LAB_ENGINE=tfjs forces the tfjs path; =fastnet fails plainly on a model it cannot train; others are refused', async () => {
    const tfjs = await train({ ...SMALL_CNN, limitTrain: 100 }, { DIGIT_LAB_ENGINE: 'tfjs' })
    expect(tfjs.backend?.name).toBe('wasm')
    expect(tfjs.backend?.fallback ?? '').not.toMatch(/lab's WebAssembly engine/)
    const strided = [{ type: 'conv2d', filters: 2, kernelSize: 3, stride: 2, padding: 'valid' }] as const
    const forced = await train({ architecture: { preset: 'custom', layers: [...strided] }, limitTrain: 100, limitTest: 50 }, { DIGIT_LAB_ENGINE: 'fastnet' })
    expect(forced.outcome).toMatchObject({
      status: 'failed',
      error: 'DIGIT_LAB_ENGINE=fastnet cannot train this model: it does not cover conv2d with stride 2'
    })
    const bad = await train({ limitTrain: 100, limitTest: 50 }, { DIGIT_LAB_ENGINE: 'gpu' })
    expect(bad.outcome).toMatchObject({ status: 'failed', error: 'DIGIT_LAB_ENGINE must be one of auto, fastnet, tfjs (got "gpu")' })
  })
})

describe('the lab engine in training', () => {
  it("starts from buildModel's weights exactly, and keeps its two replicas identical", async () => {
    const { hp, r, s } = await fastRun({ ...SMALL_CNN, optimizer: 'adam', learningRate: 0.002 }, { DIGIT_LAB_REPLICAS: '2' })
    try {
      const built = readModelWeights(r.logits, s.net.plan)
      s.net.getWeights().forEach((w, i) => expect(Array.from(w.values)).toEqual(Array.from(built[i])))
      expect(s.backend.threads).toBe(2)
      await steps(hp, r, s, 5)
      expect(s.replicasAgree()).toBe(true)
    } finally {
      await s.close()
      r.dispose()
    }
  })

  for (const model of SMALL_MODELS)
    it(`gives the same per-batch losses on one and two threads (dropout included), and repeats a seeded run exactly: ${model.name}`, async () => {
      const input = { ...model.input, learningRate: 0.05, epochs: 1 }
      const one = await train(input, { DIGIT_LAB_REPLICAS: '1' })
      const two = await train(input, { DIGIT_LAB_REPLICAS: '2' })
      const again = await train(input, { DIGIT_LAB_REPLICAS: '2' })
      expect(one.backend).toMatchObject({ name: FASTNET_NAME, threads: 1 })
      expect(two.backend).toMatchObject({ name: FASTNET_NAME, threads: 2 })
      expect(two.losses).toHaveLength(12)
      // Each example draws its dropout mask from its place in the batch, whichever thread runs it:
      // only the order of float32 sums differs.
      two.losses.forEach((l, i) => expect(Math.abs(l - one.losses[i])).toBeLessThan(1e-4 * Math.max(1, one.losses[i])))
      expect(again.losses).toEqual(two.losses)
      expect(again.epochs[0].testLoss).toBe(two.epochs[0].testLoss)
    })

  for (const model of SMALL_MODELS)
    it(`evaluates as tfjs does, and exports weights whose tfjs model predicts what the engine predicts: ${model.name}`, async () => {
      const { hp, r, s } = await fastRun({ ...model.input, optimizer: 'momentum', learningRate: 0.02 }, { DIGIT_LAB_REPLICAS: '2' })
      try {
        await steps(hp, r, s, 12)
        const fast = s.evaluate()
        s.syncModel()
        const ref = evaluate(r.logits, r.test, r.shape, r.dataset, 100)
        expect(Math.abs(fast.loss - ref.loss) / ref.loss).toBeLessThan(1e-5)
        expect(Math.abs(fast.accuracy - ref.accuracy)).toBeLessThanOrEqual(1 / r.test.count) // at most a near-tie
        expect(fast.confusion.flat().reduce((a, b) => a + b, 0)).toBe(r.test.count)

        // Round trip through the stored artifacts, as Draw and exported files load them.
        const model = await loadArtifacts(await exportArtifacts(r.model))
        const { x } = gatherBatch(r.test, range(0, 50), 784, r.dataset)
        const probs = tf.tidy(() => (model.predict(tf.tensor4d(x, [50, 28, 28, 1])) as tf.Tensor).dataSync())
        const mine = new Float32Array(50 * 11)
        s.net.evaluate(r.test, 0, 50, mine)
        for (let e = 0; e < 50; e++) for (let k = 0; k < 10; k++) expect(Math.abs(probs[e * 10 + k] - mine[e * 11 + k])).toBeLessThan(1e-5)
        model.dispose()
      } finally {
        await s.close()
        r.dispose()
      }
    })

  it("learns the course's CNN on an MNIST subset", async () => {
    const run = await train({ optimizer: 'momentum', learningRate: 0.02, epochs: 2, limitTrain: 3000, limitTest: 500 })
    expect(run.outcome.status).toBe('completed')
    expect(run.backend?.name).toBe(FASTNET_NAME)
    expect(run.losses[0]).toBeGreaterThan(2)
    expect(run.epochs[1].testAccuracy).toBeGreaterThan(0.85)
    expect(run.outcome.weights?.weightData.byteLength).toBe(21840 * 4)
  })
})
