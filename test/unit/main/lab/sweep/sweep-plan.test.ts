// Planning a sweep: every combination of a grid, seeded log-uniform draws for a random sweep,
// repeats with the next seeds, and bad plans refused before anything trains.
import { describe, expect, it } from 'vitest'
import { MAX_SWEEP_RUNS, planSweep, pointName, sweepRunCount } from '../../../../../src/main/lab/sweep/sweep-plan'
import { DEFAULT_HYPERPARAMS } from '../../../../../src/shared/hyperparams'
import type { SweepSpec } from '../../../../../src/shared/sweep'
import { HUGE_AXES, HUGE_REFUSAL } from '../../../../helpers/huge-sweep'

const grid = (over: Partial<SweepSpec> = {}): SweepSpec => ({
  base: { epochs: 1, limitTrain: 500 },
  axes: [
    { key: 'learningRate', values: ['0.001', '0.01', '0.1'] },
    { key: 'activation', values: ['relu', 'tanh'] }
  ],
  mode: 'grid',
  repeat: 1,
  seed: 1,
  ...over
})

describe('sweep plans', () => {
  it('a grid is every combination, on top of the base settings', () => {
    const runs = planSweep(grid())
    expect(runs).toHaveLength(6)
    expect(runs.map((r) => [r.hyperparams.learningRate, r.hyperparams.activation])).toEqual([
      [0.001, 'relu'],
      [0.001, 'tanh'],
      [0.01, 'relu'],
      [0.01, 'tanh'],
      [0.1, 'relu'],
      [0.1, 'tanh']
    ])
    for (const r of runs) expect(r.hyperparams).toMatchObject({ epochs: 1, limitTrain: 500, optimizer: DEFAULT_HYPERPARAMS.optimizer })
    expect(pointName(runs[1].point, 1, 1)).toBe('learning rate 0.001 · activation tanh')
    expect(pointName({ activation: 'leakyRelu' }, 2, 2)).toBe('activation leaky ReLU max(0.1x, x) · repeat 2')
  })

  it('sweeps the model from the course CNN to an MLP, which takes its default hidden layers (it used to fail: "Hidden layer sizes is empty")', () => {
    const runs = planSweep(grid({ axes: [{ key: 'preset', values: ['seed-cnn', 'mlp'] }] }))
    expect(runs.map((r) => r.hyperparams.architecture)).toEqual([{ preset: 'seed-cnn' }, { preset: 'mlp', hidden: [100] }])
  })

  it('repeats each combination with the next seeds, to show the noise', () => {
    const runs = planSweep(grid({ axes: [{ key: 'activation', values: ['relu', 'elu'] }], repeat: 3, base: { seed: 7 } }))
    expect(runs.map((r) => `${r.hyperparams.activation}/${r.hyperparams.seed}/${r.repeat}`)).toEqual([
      'relu/7/1',
      'relu/8/2',
      'relu/9/3',
      'elu/7/1',
      'elu/8/2',
      'elu/9/3'
    ])
  })

  it('a random sweep draws from values and log-uniform ranges, the same draws for the same seed', () => {
    const spec: SweepSpec = {
      base: {},
      axes: [
        { key: 'learningRate', range: { min: 1e-4, max: 1, scale: 'log' } },
        { key: 'optimizer', values: ['sgd', 'adam'] }
      ],
      mode: 'random',
      samples: MAX_SWEEP_RUNS,
      repeat: 1,
      seed: 42
    }
    const runs = planSweep(spec)
    expect(runs).toHaveLength(MAX_SWEEP_RUNS)
    const lrs = runs.map((r) => r.hyperparams.learningRate)
    expect(Math.min(...lrs)).toBeGreaterThanOrEqual(1e-4)
    expect(Math.max(...lrs)).toBeLessThanOrEqual(1)
    // Log-uniform: each decade gets about a quarter of the draws (four decades), not 90% in the last.
    const decades = [1e-4, 1e-3, 1e-2, 1e-1].map((lo) => lrs.filter((v) => v >= lo && v < lo * 10).length / lrs.length)
    for (const share of decades) expect(share).toBeGreaterThan(0.15)
    expect(new Set(runs.map((r) => r.hyperparams.optimizer))).toEqual(new Set(['sgd', 'adam']))
    expect(planSweep(spec).map((r) => r.hyperparams.learningRate)).toEqual(lrs)
    expect(planSweep({ ...spec, seed: 43 }).map((r) => r.hyperparams.learningRate)).not.toEqual(lrs)
  })

  it('refuses bad plans before anything trains, in plain words', () => {
    expect(() => planSweep(grid({ axes: [{ key: 'learningRate', values: ['0.01', 'fast'] }] }))).toThrow('Learning rate must be a number (got "fast")')
    expect(() => planSweep(grid({ axes: [{ key: 'learningRate', values: ['-1'] }] }))).toThrow('Learning rate must be greater than 0')
    expect(() => planSweep(grid({ axes: [{ key: 'learningRate', range: { min: 0.001, max: 0.1, scale: 'log' } }] }))).toThrow(/a range needs a random sweep/)
    expect(() => planSweep(grid({ axes: [{ key: 'seed', values: Array.from({ length: 300 }, (_, i) => String(i)) }] }))).toThrow(
      `this sweep would start 300 runs (300); the lab's limit is ${MAX_SWEEP_RUNS}`
    )
    expect(() => planSweep(grid({ mode: 'random', samples: 0 }))).toThrow(/needs a number of samples/)
  })

  it('refuses a sweep too big by counting its axes, never building its combinations', () => {
    // 50^8 combinations: enumerating them once took serve past 5 GB and killed it.
    const before = process.memoryUsage().heapUsed
    const axes = HUGE_AXES
    expect(() => planSweep(grid({ axes }))).toThrow(HUGE_REFUSAL)
    expect(() => planSweep(grid({ axes: axes.slice(0, 2), repeat: 10 }))).toThrow('would start 25,000 runs (50 × 50 × 10 repeats)')
    expect(() => planSweep(grid({ mode: 'random', samples: 150, repeat: 2, axes: axes.slice(0, 1) }))).toThrow('would start 300 runs (150 draws × 2 repeats)')
    expect(sweepRunCount(grid({ axes }))).toBe(50 ** 8)
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(20e6)
  })
})
