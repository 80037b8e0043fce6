// The predictor's model cache: bounded by the bytes of the weights it holds, least recently used
// out first. Real (untrained, seeded) tfjs models, exported as the store keeps them.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { runTs } from '../../../../helpers/node-child'
import { selectBackend } from '../../../../../src/main/lab/backend/select'
import { buildModel } from '../../../../../src/main/lab/model/build'
import { Predictor } from '../../../../../src/main/lab/model/predictor'
import { exportArtifacts, type ModelArtifacts } from '../../../../../src/main/lab/model/weights'
import { parseHyperparams } from '../../../../../src/shared/fields'

const MNIST = { rows: 28, cols: 28, numClasses: 10 }
const NORM = { mean: 0.1307, std: 0.3081 }
const PIXELS = Array.from({ length: 28 * 28 }, (_, i) => (i * 37) % 256)

/** Weights by run, as the store would give them, and how often each was read. */
const stored = new Map<number, ModelArtifacts>()
const reads = new Map<number, number>()

async function storeModel(runId: number, hidden: number): Promise<void> {
  // A different seed per run: different weights, so an answer shows which model gave it.
  const { model } = buildModel(parseHyperparams({ architecture: { preset: 'mlp', hidden: [hidden] }, seed: runId }), MNIST)
  stored.set(runId, await exportArtifacts(model))
  model.dispose()
}

function predict(p: Predictor, runId: number): Promise<number[]> {
  return p.predict(
    runId,
    () => {
      reads.set(runId, (reads.get(runId) ?? 0) + 1)
      return stored.get(runId)!
    },
    PIXELS,
    NORM
  )
}

beforeAll(async () => {
  await selectBackend()
  for (const runId of [1, 2, 3]) await storeModel(runId, 8)
  await storeModel(4, 64)
})
beforeEach(() => reads.clear())

describe('predictor cache', () => {
  it('keeps the most recently used models that fit its byte budget, reloading the others', async () => {
    const bytes = stored.get(1)!.weightData.byteLength
    expect(stored.get(2)!.weightData.byteLength).toBe(bytes)
    // Room for two of the small models, not three.
    const budget = Math.floor(2.5 * bytes)
    const p = new Predictor(budget)

    const first = { 1: await predict(p, 1), 2: await predict(p, 2) }
    expect(p.cachedRuns()).toEqual([1, 2])
    expect(first[1]).not.toEqual(first[2])

    // A hit reads nothing and makes run 1 the most recently used...
    expect(await predict(p, 1)).toEqual(first[1])
    expect(reads.get(1)).toBe(1)
    expect(p.cachedRuns()).toEqual([2, 1])
    // ...so run 3 pushes out run 2, the least recently used.
    await predict(p, 3)
    expect(p.cachedRuns()).toEqual([1, 3])
    expect(p.cachedBytes).toBe(2 * bytes)
    expect(p.cachedBytes).toBeLessThanOrEqual(budget)

    // An evicted run is read again and answers as before.
    expect(await predict(p, 2)).toEqual(first[2])
    expect(reads.get(2)).toBe(2)
    expect(p.cachedRuns()).toEqual([3, 2])
    expect([...reads.values()].reduce((a, b) => a + b, 0)).toBe(4)
  })

  it('serves a model bigger than the whole budget, keeping only it', async () => {
    const small = stored.get(1)!.weightData.byteLength
    const big = stored.get(4)!.weightData.byteLength
    const budget = Math.floor(2.5 * small)
    expect(big).toBeGreaterThan(budget)
    const p = new Predictor(budget)
    await predict(p, 1)
    await predict(p, 2)
    const probs = await predict(p, 4)
    expect(probs).toHaveLength(10)
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5)
    expect(p.cachedRuns()).toEqual([4])
    expect(p.cachedBytes).toBe(big)
  })

  it('forgets a run on request, so its weights are read again', async () => {
    const p = new Predictor()
    await predict(p, 1)
    p.forget(1)
    expect(p.cachedRuns()).toEqual([])
    await predict(p, 1)
    expect(reads.get(1)).toBe(2)
  })
})

describe('a prediction thread started by several requests at once', () => {
  it('chooses its tfjs backend once: every first prediction is made, on the backend the lab chose', async () => {
    // A fresh process: the backend is chosen once per thread, and this test needs a thread that has not chosen yet.
    const r = await runTs('test/fixtures/first-predictions.ts', [])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { chosen: string[]; fallback: (string | null)[]; predictions: (number | string)[]; backend: string }
    // One choice for all three, the one tfjs runs on (two at once used to fall back to cpu, mid-way).
    expect(new Set(out.chosen).size).toBe(1)
    expect(out.backend).toBe(out.chosen[0])
    expect(new Set(out.fallback).size).toBe(1)
    expect(out.predictions).toEqual([10, 10, 10])
  })
})
