// The coach's rules on stored metrics built to trigger each hint and built not to, and on real
// training that produces the cases on MNIST subsets (the panel, panel.test.ts, scores it on many more).
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { COACH, coach, type CoachInput } from '../../../../../src/main/lab/coach/hints'
import { Lab } from '../../../../../src/main/lab/lab'
import { parseHyperparams } from '../../../../../src/shared/fields'
import { evidenceText } from '../../../../../src/shared/format'
import { DEFAULT_HYPERPARAMS } from '../../../../../src/shared/hyperparams'
import type { ActivationStats, InsidePoint } from '../../../../../src/shared/inside'
import { ADVICE_KINDS, type BatchMetric, type EpochMetric } from '../../../../../src/shared/run-types'
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

  it('exploding: one batch far above what a know-nothing model scores (ln of the classes), even in the first steps → lr ÷ 10', () => {
    // The spike the old rule missed: at step 2, inside what it took as its baseline.
    const spike = { ...healthy(), batches: curve(1, 200, (t) => (t === 2 / 200 ? 20 : 2.3 * Math.exp(-3 * t) + 0.2)) }
    const [hint] = coach(spike)
    expect(hint).toMatchObject({ kind: 'exploding', suggestion: { settings: { learningRate: '0.001' } }, look: { section: 'curves', step: 2 } })
    expect(hint.evidence).toMatchObject({ atStep: 2, knowNothingLoss: 2.303 })
    expect(hint.message).toMatch(/jumped to 2\d(\.\d+)? at step 2, far above 2.303.*\(ln 10/)
    // A loss that only wobbles around its start is not a spike.
    const wobbly = { ...healthy(), batches: curve(1, 200, (t) => 2.3 * (1 + 0.3 * Math.sin(20 * t))) }
    expect(kinds(wobbly)).not.toContain('exploding')
    // The know-nothing loss depends on the classes: 3.0 is 1.86 × ln 5 but only 1.3 × ln 10.
    const fiveClasses = NAMES.slice(0, 5)
    const at3 = (names: string[]) => ({
      ...healthy(),
      classNames: names,
      batches: curve(1, 200, (t) => (t === 2 / 200 ? 3 : Math.log(names.length) * Math.exp(-3 * t) + 0.1))
    })
    expect(kinds(at3(fiveClasses))).toContain('exploding')
    expect(kinds(at3(NAMES))).not.toContain('exploding')
  })

  it('collapsed: one class for nine in ten digits, from too big steps (a spike, or a ReLU layer killed); a model that never got going is told its real cause', () => {
    const all6 = NAMES.map(() => NAMES.map((_, j) => (j === 6 ? 100 : 0)))
    const relu = (neverActive: number): Partial<ActivationStats> => ({ fn: 'relu', family: 'relu', neverActive })
    const killed = coach({ ...healthy(), confusion: all6, inside: insidePoint([1, 1], [relu(0), relu(1)]) })
    expect(killed.map((h) => h.kind)).toEqual(['collapsed'])
    expect(killed[0]).toMatchObject({ evidence: { predictedClass: '6', share: 1, deadShare: 1 }, look: { section: 'confusion', epoch: 3 } })
    expect(killed[0].message).toMatch(/answers "6" for 100.0% of the test digits.*never fire: too big a step/)
    // The old false alarm: five steps of a run that had not learned yet are not a collapse.
    const fiveSteps = {
      ...healthy(),
      hyperparams: { ...DEFAULT_HYPERPARAMS },
      batches: curve(1, 5, () => 2.31),
      epochs: [epoch(1, 2.31, 2.3, 0.1)],
      confusion: all6
    }
    expect(kinds(fiveSteps)).toEqual(['tooFewSteps'])
    expect(coach(fiveSteps)[0].message).toMatch(/Meanwhile it answers "6" for 100.0% of the test digits/)
    expect(kinds({ ...healthy(), confusion: confusion(500) })).not.toContain('collapsed')
  })

  it('too small a learning rate: the loss barely fell over many steps, each a tiny change to the weights → lr × 10', () => {
    const flat = { ...healthy(), batches: curve(1, 200, () => 2.3), epochs: [epoch(1, 2.3, 2.3, 0.11)] }
    expect(coach(flat)[0]).toMatchObject({ kind: 'lrTooSmall', suggestion: { settings: { learningRate: '0.1' } } })
    const tiny = { ...flat, inside: insidePoint([1, 1], [], 1e-5) }
    expect(coach(tiny)[0].message).toMatch(/fell only .*1\.0e-5 of their size/)
    // Healthy-sized steps on a flat loss are something else than the learning rate.
    expect(kinds({ ...flat, inside: insidePoint([1, 1], [], 1e-3) })).not.toContain('lrTooSmall')
  })

  it('too few steps: an epoch of 5 batches, the loss still near its start → enough epochs for 200 steps', () => {
    const r = {
      ...healthy(),
      hyperparams: { ...DEFAULT_HYPERPARAMS, epochs: 2, limitTrain: 500 },
      batches: curve(2, 5, (t) => 2.3 - 0.2 * t),
      epochs: [epoch(1, 2.3, 2.25, 0.2), epoch(2, 2.2, 2.15, 0.3)]
    }
    expect(coach(r)).toEqual([expect.objectContaining({ kind: 'tooFewSteps', suggestion: { label: '40 epochs (200 steps)', settings: { epochs: '40' } } })])
    expect(coach(r)[0].message).toMatch(/only 10 steps \(5 an epoch of batches of 100\)/)
  })

  it('capacity: a hidden layer narrower than the classes, and training accuracy stuck low → a wider layer', () => {
    const hp = { ...DEFAULT_HYPERPARAMS, architecture: { preset: 'mlp' as const, hidden: [64, 4] }, dropout: 0, epochs: 3 }
    const r = {
      ...healthy(),
      hyperparams: hp,
      epochs: [epoch(1, 1.5, 1.4, 0.5), epoch(2, 1.3, 1.3, 0.55), { ...epoch(3, 1.2, 1.3, 0.56), trainAccuracy: 0.6 }]
    }
    expect(coach(r)).toEqual([expect.objectContaining({ kind: 'capacity', suggestion: { label: 'hidden layers 64,32', settings: { hidden: '64,32' } } })])
    // A model trained in PyTorch and imported stores test figures only (no training loss or accuracy): nothing to read there.
    const imported = { ...r, batches: [], epochs: [{ ...epoch(1, 0, 1.3, 0.56), trainLoss: null, trainAccuracy: null } as unknown as EpochMetric] }
    expect(kinds(imported)).toEqual([])
    // Ten units for ten classes is not the limit.
    expect(kinds({ ...r, hyperparams: { ...hp, architecture: { preset: 'mlp', hidden: [64, 10] } } })).not.toContain('capacity')
  })

  it('too much dropout: fewer units kept per step than classes, and training held far below test → less dropout', () => {
    const hp = { ...DEFAULT_HYPERPARAMS, architecture: { preset: 'mlp' as const, hidden: [16] }, dropout: 0.8, epochs: 2 }
    const held = { ...epoch(2, 1.7, 1.0, 0.75), trainAccuracy: 0.31 }
    const r = { ...healthy(), hyperparams: hp, epochs: [epoch(1, 1.9, 1.2, 0.7), held] }
    expect(coach(r)).toEqual([expect.objectContaining({ kind: 'tooMuchDropout', suggestion: { label: 'dropout 0.3', settings: { dropout: '0.3' } } })])
    expect(coach(r)[0].message).toMatch(/keeps about 3.2 of them at each step/)
    // The course CNN's dropout 0.5 keeps 25 of its 50 units: plenty.
    expect(kinds({ ...healthy(), epochs: [epoch(1, 1.9, 1.2, 0.7), held] })).not.toContain('tooMuchDropout')
  })

  it('overfitting: training far better than test, in accuracy and in loss; never on a run that learned nothing', () => {
    const hp = { ...DEFAULT_HYPERPARAMS, epochs: 4, dropout: 0.2, limitTrain: 500 }
    const byHeart = (n: number, trainLoss: number, testLoss: number, test: number) => ({ ...epoch(n, trainLoss, testLoss, test), trainAccuracy: 1 })
    const r = {
      ...healthy(),
      hyperparams: hp,
      epochs: [epoch(1, 1, 0.9, 0.7), byHeart(2, 0.1, 0.5, 0.82), byHeart(3, 0.05, 0.52, 0.82), byHeart(4, 0.03, 0.55, 0.82)]
    }
    const [hint] = coach(r)
    expect(hint).toMatchObject({
      kind: 'overfitting',
      evidence: { bestEpoch: 2, trainAccuracy: 1, testAccuracy: 0.82 },
      suggestion: { settings: { dropout: '0.5' } },
      look: { epoch: 2 }
    })
    expect(hint.message).toMatch(/100.0% on them against 82.0% on test.*lowest, 0.500, after epoch 2.*or more than 500 training digits/)
    // Test loss up while training loss falls is not enough: the gap is what says "by heart".
    const close = { ...r, epochs: [epoch(1, 0.5, 0.3, 0.9), epoch(2, 0.3, 0.25, 0.92), epoch(3, 0.2, 0.27, 0.92), epoch(4, 0.1, 0.3, 0.919)] }
    expect(kinds(close)).not.toContain('overfitting')
    // A chance-level run fits nothing: a gap there is noise, not memory.
    const nothing = { ...r, epochs: [byHeart(1, 0.1, 2.3, 0.11), byHeart(2, 0.05, 2.31, 0.11)] }
    expect(kinds(nothing)).not.toContain('overfitting')
  })

  it('still improving: test accuracy rose at the last epoch, and nothing else to say → twice the epochs', () => {
    const r = { ...healthy(), epochs: [epoch(1, 0.9, 0.5, 0.9), epoch(2, 0.5, 0.35, 0.93), epoch(3, 0.4, 0.3, 0.945)] }
    expect(coach(r)).toEqual([expect.objectContaining({ kind: 'stillImproving', suggestion: { label: '6 epochs', settings: { epochs: '6' } } })])
    expect(kinds({ ...r, status: 'stopped' })).not.toContain('stillImproving')
  })
})

/** The last recorded point inside a network: one weight layer per gradient norm, the given activation layers. */
function insidePoint(gradientNorms: number[], activations: Partial<ActivationStats>[], updateRatio = 1e-3): InsidePoint {
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
      updateRatio
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
  it('a sigmoid net that never got moving: its cause is named first, its one class told as a symptom, and the advice is ReLU, not a smaller learning rate', () => {
    const r: CoachInput = {
      ...healthy(),
      hyperparams: { ...DEFAULT_HYPERPARAMS, activation: 'sigmoid', epochs: 3 },
      batches: curve(3, 100, () => 2.3),
      confusion: confusion(100, 4).map((row) => row.map((_, j) => (j === 4 ? 100 : 0))),
      inside: insidePoint([0.0003, 0.01, 0.9], [{ fn: 'sigmoid', family: 'saturating', saturated: 0 }])
    }
    const hints = coach(r)
    expect(hints.map((h) => h.kind)).toEqual(['saturated'])
    expect(hints[0].message).toMatch(/Gradients vanish.*Meanwhile it answers "4" for 100.0% of the test digits/)
    expect(hints[0].suggestion.settings).toEqual({ activation: 'relu' })
    expect(hints[0].look).toEqual({ section: 'inside', layer: 'dense 1', epoch: 1 })
    // Without the inside record, the flat loss over 300 steps is what explains it.
    expect(coach({ ...r, inside: null }).map((h) => h.kind)).toEqual(['lrTooSmall'])
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

  it('a ReLU MLP at lr 1 is told about the learning rate first, not about leaky ReLU (which diverges at lr 1)', async () => {
    const run = await train({ architecture: { preset: 'mlp', hidden: [100] }, learningRate: 1, epochs: 1 })
    expect(run.hints[0]).toMatchObject({ kind: 'exploding', suggestion: { settings: { learningRate: '0.1' } } })
    expect(run.hints.map((h) => h.kind)).not.toContain('deadUnits')
    // The units it killed are there on the probe batch: the learning rate explains them.
    expect(lab.getInside(run.id).points.at(-1)!.activations[0].neverActive).toBeGreaterThan(COACH.deadShare)
  })

  it('a deep sigmoid MLP passes back vanishing gradients; the coach measures them layer by layer and suggests ReLU', async () => {
    const run = await train({ architecture: { preset: 'mlp', hidden: [100, 100, 100, 100, 100] }, activation: 'sigmoid', learningRate: 0.01, epochs: 1 })
    const hint = run.hints[0]
    expect(hint).toMatchObject({ kind: 'saturated', suggestion: { settings: { activation: 'relu' } } })
    const layers = lab.getInside(run.id).points.at(-1)!.layers
    expect(layers).toHaveLength(6)
    expect(hint.evidence.firstToLastGradient).toBeLessThan(COACH.vanishingRatio)
    // The evidence is the stored norms' ratio (to the 3 significant digits it keeps).
    const ratio = layers[0].gradientNorm / layers[5].gradientNorm
    expect(Math.abs(Number(hint.evidence.firstToLastGradient) - ratio) / ratio).toBeLessThan(0.005)
  })

  it('an MLP of 512,512 at lr 0.1 without dropout, 30 epochs on 500 digits, learns them by heart: overfitting, from the gap', async () => {
    const run = await train({
      architecture: { preset: 'mlp', hidden: [512, 512] },
      learningRate: 0.1,
      dropout: 0,
      epochs: 30,
      limitTrain: 500,
      limitTest: 1000
    })
    const last = run.epochs.at(-1)!
    expect(last.trainAccuracy - last.testAccuracy).toBeGreaterThan(COACH.overfitGap)
    expect(run.hints.map((h) => h.kind)).toEqual(['overfitting'])
    expect(run.hints[0]).toMatchObject({ suggestion: { settings: { dropout: '0.5' } }, evidence: { trainAccuracy: Number(last.trainAccuracy.toPrecision(4)) } })
  })

  it('the course CNN trained 3 epochs on full MNIST gets no warning', async () => {
    const run = await train({ epochs: 3, limitTrain: null, limitTest: null })
    expect(run.status).toBe('completed')
    expect(run.epochs.at(-1)!.testAccuracy).toBeGreaterThan(0.9)
    expect(run.hints.filter((h) => !ADVICE_KINDS.includes(h.kind))).toEqual([])
  })
})
