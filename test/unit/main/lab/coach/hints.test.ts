// The coach on stored metrics built to trigger each hint and built not to, on a recorded course
// run, and on real training that produces each problem on an MNIST subset.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { COACH, coach, type CoachInput } from '../../../../../src/main/lab/coach/hints'
import { Lab } from '../../../../../src/main/lab/lab'
import { parseHyperparams } from '../../../../../src/shared/fields'
import { evidenceText } from '../../../../../src/shared/format'
import { DEFAULT_HYPERPARAMS } from '../../../../../src/shared/hyperparams'
import type { ActivationStats, InsidePoint } from '../../../../../src/shared/inside'
import type { BatchMetric, EpochMetric } from '../../../../../src/shared/run-types'
import { ROOT } from '../../../../helpers/node-child'
import { tempDir } from '../../../../helpers/tmp'

const NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']

/** A loss curve from `from` to `to` over `steps` batches per epoch, with a little noise. */
function curve(epochs: number, steps: number, loss: (t: number) => number): BatchMetric[] {
  const out: BatchMetric[] = []
  for (let e = 1; e <= epochs; e++) {
    for (let s = 0; s < steps; s++) {
      const step = (e - 1) * steps + s + 1
      out.push({ step, epoch: e, loss: loss(step / (epochs * steps)) * (1 + 0.02 * Math.sin(step)), accuracy: 0.5, examplesPerSec: 1000, elapsed: step / 100 })
    }
  }
  return out
}
const epoch = (n: number, trainLoss: number, testLoss: number, testAccuracy: number): EpochMetric => ({
  epoch: n,
  trainLoss,
  trainAccuracy: 0.9,
  testLoss,
  testAccuracy,
  seconds: 10,
  numTensors: 20
})
/** A confusion matrix of 1,000 test digits, `diagonal` of them right, the rest spread over the next class. */
function confusion(right: number, toClass?: number): number[][] {
  const m = NAMES.map(() => NAMES.map(() => 0))
  for (let i = 0; i < 10; i++) {
    m[i][i] = right / 10
    m[i][toClass ?? (i + 1) % 10] += 100 - right / 10
  }
  return m
}
const healthy = (): CoachInput => ({
  status: 'completed',
  hyperparams: { ...DEFAULT_HYPERPARAMS, epochs: 3 },
  batches: curve(3, 100, (t) => 2.3 * Math.exp(-4 * t) + 0.2),
  epochs: [epoch(1, 0.9, 0.5, 0.9), epoch(2, 0.5, 0.35, 0.93), epoch(3, 0.4, 0.3, 0.9305)],
  confusion: confusion(930),
  classNames: NAMES
})
const kinds = (r: CoachInput) => coach(r).map((h) => h.kind)

describe('the coach on built metrics', () => {
  it('says nothing about a run that learned and levelled off', () => {
    expect(kinds(healthy())).toEqual([])
  })

  it('diverged: the run ended on NaN → a learning rate ten times smaller', () => {
    const r = { ...healthy(), status: 'diverged' as const, hyperparams: { ...DEFAULT_HYPERPARAMS, learningRate: 10 }, epochs: [], confusion: null }
    const [hint] = coach(r)
    expect(hint).toMatchObject({ kind: 'diverged', suggestion: { settings: { learningRate: '1' } } })
    expect(hint.message).toMatch(/learning rate 10 makes steps so big/)
  })

  it('exploding: the loss rose far above its start → lr ÷ 10; a loss that only wobbles is not', () => {
    const r = { ...healthy(), batches: curve(1, 200, (t) => 2.3 * (1 + 10 * t)) }
    expect(coach(r)[0]).toMatchObject({ kind: 'exploding', suggestion: { settings: { learningRate: '0.001' } } })
    expect(coach(r)[0].evidence.factor).toBeGreaterThanOrEqual(COACH.explodingFactor)
    const wobbly = { ...healthy(), batches: curve(1, 200, (t) => 2.3 * (1 + 0.5 * Math.sin(20 * t))) }
    expect(kinds(wobbly)).not.toContain('exploding')
  })

  it('collapsed: nine in ten test digits given one class; a model that is merely bad is not', () => {
    const all6 = NAMES.map(() => NAMES.map((_, j) => (j === 6 ? 100 : 0)))
    const [hint] = coach({ ...healthy(), confusion: all6 })
    expect(hint).toMatchObject({ kind: 'collapsed', evidence: { predictedClass: '6', share: 1 } })
    expect(hint.message).toMatch(/answers "6" for 100.0% of the test digits/)
    expect(kinds({ ...healthy(), confusion: confusion(500) })).not.toContain('collapsed')
  })

  it('too slow: the first epoch barely moved the loss → lr × 10, or ReLU for a saturating activation', () => {
    const flat = { ...healthy(), batches: curve(1, 200, () => 2.3), epochs: [epoch(1, 2.3, 2.3, 0.11)] }
    expect(coach(flat)[0]).toMatchObject({ kind: 'tooSlow', suggestion: { settings: { learningRate: '0.1' } } })
    const sigmoid = { ...flat, hyperparams: { ...flat.hyperparams, activation: 'sigmoid' as const } }
    expect(coach(sigmoid)[0]).toMatchObject({ kind: 'tooSlow', suggestion: { settings: { activation: 'relu' } } })
    expect(coach(sigmoid)[0].message).toMatch(/sigmoid, units saturate/)
  })

  it('overfitting: test loss up two epochs running while train loss falls → more dropout', () => {
    const r = {
      ...healthy(),
      hyperparams: { ...DEFAULT_HYPERPARAMS, epochs: 4, dropout: 0.2 },
      epochs: [epoch(1, 0.5, 0.3, 0.9), epoch(2, 0.3, 0.25, 0.92), epoch(3, 0.2, 0.27, 0.92), epoch(4, 0.1, 0.3, 0.919)]
    }
    expect(coach(r)).toEqual([
      expect.objectContaining({
        kind: 'overfitting',
        evidence: expect.objectContaining({ bestEpoch: 2 }),
        suggestion: { label: 'dropout 0.4', settings: { dropout: '0.4' } }
      })
    ])
    // One bad epoch is noise, not overfitting.
    const once = { ...r, epochs: r.epochs.slice(0, 3) }
    expect(kinds(once)).not.toContain('overfitting')
    // Both losses rising is a model getting worse everywhere (steps too big), not one learning the training digits by heart.
    const bothRising = { ...r, epochs: [epoch(1, 0.5, 0.3, 0.9), epoch(2, 0.3, 0.25, 0.92), epoch(3, 0.35, 0.27, 0.92), epoch(4, 0.4, 0.3, 0.919)] }
    expect(kinds(bothRising)).not.toContain('overfitting')
  })

  it('still improving: test accuracy rose at the last epoch → twice the epochs', () => {
    const r = { ...healthy(), epochs: [epoch(1, 0.9, 0.5, 0.9), epoch(2, 0.5, 0.35, 0.93), epoch(3, 0.4, 0.3, 0.945)] }
    expect(coach(r)).toEqual([expect.objectContaining({ kind: 'stillImproving', suggestion: { label: '6 epochs', settings: { epochs: '6' } } })])
    expect(kinds({ ...r, status: 'stopped' })).not.toContain('stillImproving')
  })
})

/** The last recorded point inside a network: one weight layer per gradient norm, the given activation layers. */
function insidePoint(gradientNorms: number[], activations: Partial<ActivationStats>[]): InsidePoint {
  const hist = { min: 0, max: 0, counts: [] }
  return {
    epoch: 1,
    step: 100,
    epochEnd: true,
    filters: null,
    layers: gradientNorms.map((g, i) => ({
      layer: `dense_${i}`,
      label: `dense ${i + 1}`,
      weights: hist,
      gradients: hist,
      weightNorm: 1,
      gradientNorm: g,
      updateRatio: 1e-3
    })),
    activations: activations.map((a, i) => ({
      layer: `act_${i}`,
      label: `${a.fn} after dense ${i + 1}`,
      fn: 'relu',
      family: 'relu',
      units: 100,
      mean: 0.2,
      neverActive: null,
      saturated: null,
      ...a
    }))
  }
}

describe('the coach on what was recorded inside', () => {
  const relu = (neverActive: number): Partial<ActivationStats> => ({ fn: 'relu', family: 'relu', neverActive })
  const sigmoid = (saturated: number): Partial<ActivationStats> => ({ fn: 'sigmoid', family: 'saturating', saturated })

  it('dead units: more than half a ReLU layer never fires on the probe batch → leaky ReLU; half or fewer is not flagged', () => {
    const dead = coach({ ...healthy(), inside: insidePoint([1, 1], [relu(0.1), relu(0.81)]) }).find((h) => h.kind === 'deadUnits')
    expect(dead).toMatchObject({ evidence: { deadShare: 0.81, layer: 'relu after dense 2' }, suggestion: { settings: { activation: 'leakyRelu' } } })
    expect(dead!.message).toMatch(/81\.0% of the units of "relu after dense 2" never fire/)
    expect(kinds({ ...healthy(), inside: insidePoint([1, 1], [relu(COACH.deadShare)]) })).toEqual([])
    // Leaky ReLU and ELU never die: below zero they still pass a gradient back.
    for (const fn of ['leakyRelu', 'elu'] as const) {
      const r = { ...healthy(), hyperparams: { ...healthy().hyperparams, activation: fn }, inside: insidePoint([1], [{ ...relu(0.9), fn }]) }
      expect(kinds(r)).toEqual([])
    }
    // A ReLU the layer list names for itself (the run's setting is tanh): the setting cannot switch it, a smaller learning rate can help.
    const listed = { ...healthy(), hyperparams: { ...healthy().hyperparams, activation: 'tanh' as const }, inside: insidePoint([1], [relu(0.9)]) }
    const hint = coach(listed).find((h) => h.kind === 'deadUnits')!
    expect(hint.suggestion.settings).toEqual({ learningRate: '0.001' })
    expect(hint.message).toMatch(/set it for that layer in the layer list/)
  })

  it('saturated: most sigmoid values stuck at the ends, or a first-layer gradient ≪ the last → ReLU; a healthy sigmoid net is not', () => {
    const sigmoidRun = { ...healthy().hyperparams, activation: 'sigmoid' as const }
    const stuck = coach({ ...healthy(), hyperparams: sigmoidRun, inside: insidePoint([1, 1], [sigmoid(0.7)]) }).find((h) => h.kind === 'saturated')
    expect(stuck).toMatchObject({ evidence: { saturatedShare: 0.7 }, suggestion: { settings: { activation: 'relu' } } })
    const vanishing = coach({ ...healthy(), hyperparams: sigmoidRun, inside: insidePoint([0.0003, 0.01, 0.9], [sigmoid(0), sigmoid(0)]) }).find(
      (h) => h.kind === 'saturated'
    )
    expect(vanishing?.message).toMatch(/Gradients vanish on their way back/)
    expect(vanishing?.evidence.firstToLastGradient).toBeCloseTo(0.0003 / 0.9, 6)
    expect(kinds({ ...healthy(), inside: insidePoint([0.2, 0.9], [sigmoid(0.1)]) })).toEqual([])
    // A ReLU net's small first-layer gradient is not about saturation.
    expect(kinds({ ...healthy(), inside: insidePoint([0.0003, 0.9], [relu(0)]) })).toEqual([])
    // A sigmoid the layer list names for itself: the button opens Train to change it there.
    const listed = coach({ ...healthy(), inside: insidePoint([1, 1], [sigmoid(0.7)]) }).find((h) => h.kind === 'saturated')!
    expect(listed.suggestion).toEqual({ label: 'ReLU for "sigmoid after dense 1" in the layer list', settings: {} })
  })
})

describe("a hint's evidence in words", () => {
  it('shows shares and falls as percentages, like the sentences, and everything else as it is', () => {
    expect(evidenceText({ deadShare: 0.65625, units: 64, fall: 0.01115, layer: 'relu after dense 1' })).toBe(
      'dead share: 65.6% · units: 64 · fall: 1.1% · layer: relu after dense 1'
    )
  })
})

describe('the coach, hints together', () => {
  it('a sigmoid net that never got moving: "one class" is not a collapse from big steps, and the advice is ReLU once, not a smaller learning rate', () => {
    const r: CoachInput = {
      ...healthy(),
      hyperparams: { ...DEFAULT_HYPERPARAMS, activation: 'sigmoid', epochs: 3 },
      batches: curve(3, 100, () => 2.3),
      confusion: confusion(100, 4).map((row) => row.map((_, j) => (j === 4 ? 100 : 0))),
      inside: insidePoint([0.0003, 0.01, 0.9], [{ fn: 'sigmoid', family: 'saturating', saturated: 0 }])
    }
    const hints = coach(r)
    expect(hints.map((h) => h.kind)).toEqual(['collapsed', 'saturated'])
    expect(hints[0].message).toMatch(/has not learned to tell the digits apart yet/)
    expect(hints[0].suggestion.settings).toEqual({ activation: 'relu' })
    // Without the inside record, the slow start is what explains it.
    const outside = { ...r, inside: null }
    expect(coach(outside).map((h) => h.kind)).toEqual(['collapsed', 'tooSlow'])
    expect(coach(outside)[0].suggestion).toEqual(coach(outside)[1].suggestion)
  })
})

describe('the coach on the course recipe', () => {
  it('has nothing to flag on 3 epochs of the default run on full MNIST, except at most "still improving"', () => {
    // Recorded from `npm run train -- --epochs 3` (full MNIST, this machine): real curves, not made up.
    const recorded = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/course-cnn-3-epochs.json'), 'utf8')) as Omit<CoachInput, 'hyperparams' | 'classNames'>
    const hints = coach({ ...recorded, hyperparams: parseHyperparams({ epochs: 3 }), classNames: NAMES })
    expect(hints.every((h) => h.kind === 'stillImproving')).toBe(true)
  })
})

describe('the coach on real training (MNIST subsets)', () => {
  const lab = new Lab({ dbPath: join(tempDir(), 'coach.db') })
  afterAll(() => lab.close())
  const train = async (settings: object) => {
    const { runId } = await lab.startRun(parseHyperparams({ limitTrain: 2000, limitTest: 300, ...settings }))
    await lab.waitForRun(runId)
    return lab.getRun(runId)
  }

  it('a huge learning rate on an MLP diverges, and the coach says to divide it by ten', async () => {
    const run = await train({ architecture: { preset: 'mlp', hidden: [256, 256] }, learningRate: 10, epochs: 1 })
    expect(run.status).toBe('diverged')
    expect(run.hints[0]).toMatchObject({ kind: 'diverged', suggestion: { settings: { learningRate: '1' } } })
  })

  it('a huge learning rate on the course CNN "completes" predicting one class, and the coach says so', async () => {
    const run = await train({ learningRate: 10, epochs: 1 })
    expect(run.status).toBe('completed')
    expect(run.hints.map((h) => h.kind)).toContain('collapsed')
  })

  it('a large learning rate on a ReLU MLP kills most of its units; the coach sees it on the probe batch and suggests leaky ReLU', async () => {
    const run = await train({ architecture: { preset: 'mlp', hidden: [100] }, learningRate: 1, epochs: 1 })
    const hint = run.hints.find((h) => h.kind === 'deadUnits')
    expect(hint).toMatchObject({ suggestion: { settings: { activation: 'leakyRelu' } }, evidence: { layer: 'relu after dense 1 (100 units)' } })
    const last = lab.getInside(run.id).points.at(-1)!
    expect(last.activations[0].neverActive).toBeGreaterThan(COACH.deadShare)
    expect(hint!.evidence.deadShare).toBe(last.activations[0].neverActive)
  })

  it('a deep sigmoid MLP passes back vanishing gradients; the coach measures them layer by layer and suggests ReLU', async () => {
    const run = await train({ architecture: { preset: 'mlp', hidden: [100, 100, 100, 100, 100] }, activation: 'sigmoid', learningRate: 0.01, epochs: 1 })
    const hint = run.hints.find((h) => h.kind === 'saturated')
    expect(hint).toMatchObject({ suggestion: { settings: { activation: 'relu' } } })
    const layers = lab.getInside(run.id).points.at(-1)!.layers
    expect(layers).toHaveLength(6)
    expect(hint!.evidence.firstToLastGradient).toBeLessThan(COACH.vanishingRatio)
    // The evidence is the stored norms' ratio (to the 3 significant digits it keeps).
    const ratio = layers[0].gradientNorm / layers[5].gradientNorm
    expect(Math.abs(Number(hint!.evidence.firstToLastGradient) - ratio) / ratio).toBeLessThan(0.005)
  })

  it('the course CNN at its default settings has neither dead nor saturated units', async () => {
    const run = await train({ epochs: 1 })
    expect(run.status).toBe('completed')
    expect(run.hints.map((h) => h.kind)).not.toContain('deadUnits')
    expect(run.hints.map((h) => h.kind)).not.toContain('saturated')
    expect(lab.getInside(run.id).points.length).toBeGreaterThan(0)
  })

  it('a deep sigmoid MLP with a small learning rate barely learns, and the coach suggests ReLU', async () => {
    const run = await train({ architecture: { preset: 'mlp', hidden: [64, 64, 64] }, activation: 'sigmoid', learningRate: 0.001, epochs: 1 })
    expect(run.hints.find((h) => h.kind === 'tooSlow')).toMatchObject({ suggestion: { settings: { activation: 'relu' } } })
  })
})
