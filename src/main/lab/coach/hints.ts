// The coach: reads what a run stored and says, in plain words, what went wrong or what to try
// next, with the numbers behind it. Pure: the same stored metrics always give the same hints.
import type { Hyperparams } from '@shared/hyperparams'
import type { InsidePoint } from '@shared/inside'
import { classLabel, type BatchMetric, type EpochMetric, type Hint, type RunStatus } from '@shared/run-types'
import { SAY } from './sentences'

export interface CoachInput {
  status: RunStatus
  hyperparams: Hyperparams
  /** The loss of every batch, by epoch: all the coach reads of the batch log. */
  batches: Pick<BatchMetric, 'epoch' | 'loss'>[]
  epochs: EpochMetric[]
  confusion: number[][] | null
  classNames: string[]
  /** The last point recorded inside the network (activations on the probe batch, gradient norms); null: none recorded. */
  inside?: InsidePoint | null
}

/** Thresholds, named so the tests and the sentences agree. */
export const COACH = {
  /** The loss at its worst vs at the start: beyond this the steps are too big. */
  explodingFactor: 3,
  /** Share of test digits given one class: beyond this the model has collapsed. */
  collapsedShare: 0.9,
  /** The first epoch's loss must fall by at least this share, or learning is too slow. */
  slowFall: 0.05,
  /** Test accuracy gained in the last epoch (points of accuracy) that says "keep going". */
  improvingGain: 0.002,
  /** Epochs in a row of rising test loss, while training loss falls, that say "overfitting". */
  overfitEpochs: 2,
  /** Share of a sigmoid/tanh layer's values stuck near its ends (on the probe batch) that says "saturated". */
  saturatedShare: 0.5,
  /** First weight layer's gradient norm over the last one's, below which gradients have vanished. */
  vanishingRatio: 0.01,
  /** Share of a ReLU-family layer's units never active on the probe batch that says "dead units". */
  deadShare: 0.5
} as const

const round = (v: number, digits = 4) => Number(v.toPrecision(digits))
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
/** A tenth of the points (at least 3) at the start or the end of a curve, averaged: one batch is too noisy. */
const head = (xs: number[]) => mean(xs.slice(0, Math.max(3, Math.floor(xs.length / 10))))
const tail = (xs: number[]) => mean(xs.slice(-Math.max(3, Math.floor(xs.length / 10))))
const lrTimes = (hp: Hyperparams, f: number) => String(round(hp.learningRate * f, 3))

function diverged(r: CoachInput): Hint | null {
  const lastLoss = r.batches.at(-1)?.loss
  if (r.status !== 'diverged') return null
  return {
    kind: 'diverged',
    message: SAY.diverged(r.hyperparams.learningRate),
    evidence: { learningRate: r.hyperparams.learningRate, batchesLogged: r.batches.length, lastFiniteLoss: lastLoss == null ? 'none' : round(lastLoss) },
    suggestion: { label: `learning rate ${lrTimes(r.hyperparams, 0.1)}`, settings: { learningRate: lrTimes(r.hyperparams, 0.1) } }
  }
}

function exploding(r: CoachInput): Hint | null {
  if (r.status === 'diverged' || r.batches.length < 10) return null
  const losses = r.batches.map((b) => b.loss)
  const start = head(losses)
  const window = Math.max(3, Math.floor(losses.length / 10))
  let worst = 0
  for (let i = 0; i + window <= losses.length; i += Math.max(1, Math.floor(window / 2))) worst = Math.max(worst, mean(losses.slice(i, i + window)))
  if (worst < COACH.explodingFactor * start) return null
  return {
    kind: 'exploding',
    message: SAY.exploding(round(worst, 3), round(start, 3)),
    evidence: { startLoss: round(start), worstLoss: round(worst), factor: round(worst / start, 3), learningRate: r.hyperparams.learningRate },
    suggestion: { label: `learning rate ${lrTimes(r.hyperparams, 0.1)}`, settings: { learningRate: lrTimes(r.hyperparams, 0.1) } }
  }
}

/**
 * `notMoving`: the hint that says the run never got moving (too slow, saturated), if any. A model
 * that answers one class because it never learned has not collapsed from too big a step, and a
 * smaller learning rate would make it worse: it needs what gets it moving.
 */
function collapsed(r: CoachInput, notMoving: Hint | null = null): Hint | null {
  if (!r.confusion) return null
  const total = r.confusion.flat().reduce((a, b) => a + b, 0)
  if (!total) return null
  const columns = r.confusion[0].map((_, j) => r.confusion!.reduce((a, row) => a + row[j], 0))
  const top = columns.indexOf(Math.max(...columns))
  const share = columns[top] / total
  if (share < COACH.collapsedShare) return null
  const name = classLabel(r.classNames, top)
  return {
    kind: 'collapsed',
    message: notMoving ? SAY.notLearnedYet(name, share) : SAY.collapsed(name, share),
    evidence: { predictedClass: name, share: round(share), testDigits: total, learningRate: r.hyperparams.learningRate },
    suggestion: notMoving?.suggestion ?? { label: `learning rate ${lrTimes(r.hyperparams, 0.1)}`, settings: { learningRate: lrTimes(r.hyperparams, 0.1) } }
  }
}

function tooSlow(r: CoachInput): Hint | null {
  const first = r.batches.filter((b) => b.epoch === 1).map((b) => b.loss)
  if (r.status === 'diverged' || first.length < 10) return null
  const start = head(first)
  const end = tail(first)
  const fall = (start - end) / start
  if (fall >= COACH.slowFall) return null
  const saturating = r.hyperparams.activation === 'sigmoid' || r.hyperparams.activation === 'tanh'
  return {
    kind: 'tooSlow',
    message: saturating ? SAY.tooSlowSaturating(fall, r.hyperparams.activation) : SAY.tooSlow(fall),
    evidence: { firstEpochStartLoss: round(start), firstEpochEndLoss: round(end), fall: round(fall), learningRate: r.hyperparams.learningRate },
    suggestion: saturating
      ? { label: 'ReLU activation', settings: { activation: 'relu' } }
      : { label: `learning rate ${lrTimes(r.hyperparams, 10)}`, settings: { learningRate: lrTimes(r.hyperparams, 10) } }
  }
}

function saturated(r: CoachInput): Hint | null {
  const inside = r.inside
  if (!inside || r.status === 'diverged') return null
  const squashing = inside.activations.filter((a) => a.family === 'saturating')
  if (!squashing.length) return null
  const worst = squashing.reduce((w, a) => ((a.saturated ?? 0) > (w.saturated ?? 0) ? a : w))
  const first = inside.layers[0]
  const last = inside.layers.at(-1)
  const ratio = first && last && last.gradientNorm > 0 && inside.layers.length > 1 ? first.gradientNorm / last.gradientNorm : null
  const vanishing = ratio != null && ratio < COACH.vanishingRatio
  if ((worst.saturated ?? 0) < COACH.saturatedShare && !vanishing) return null
  const fn = worst.fn
  return {
    kind: 'saturated',
    message: vanishing
      ? SAY.vanishing(round(ratio!, 2), fn, (worst.saturated ?? 0) >= 0.05 ? { share: worst.saturated!, layer: worst.label } : null)
      : SAY.saturated(worst.saturated ?? 0, worst.label, fn),
    evidence: {
      layer: worst.label,
      ...(!vanishing || (worst.saturated ?? 0) >= 0.05 ? { saturatedShare: round(worst.saturated ?? 0) } : {}),
      ...(ratio != null ? { firstToLastGradient: round(ratio, 3) } : {}),
      step: inside.step
    },
    suggestion: followsSetting(r, fn)
      ? { label: 'ReLU activation', settings: { activation: 'relu' } }
      : { label: `ReLU for "${worst.label}" in the layer list`, settings: {} }
  }
}

/**
 * Whether a layer's activation `fn` is the run's Activation setting (so changing the setting changes
 * it), rather than one a custom layer list names for itself, which only the list can change.
 */
function followsSetting(r: CoachInput, fn: string): boolean {
  return fn === r.hyperparams.activation
}

function deadUnits(r: CoachInput): Hint | null {
  const inside = r.inside
  if (!inside || r.status === 'diverged') return null
  // Only plain ReLU dies: leaky ReLU and ELU still pass a gradient back below zero.
  const dead = inside.activations.filter((a) => a.fn === 'relu' && (a.neverActive ?? 0) > COACH.deadShare)
  if (!dead.length) return null
  const worst = dead.reduce((w, a) => ((a.neverActive ?? 0) > (w.neverActive ?? 0) ? a : w))
  const canSwitch = followsSetting(r, 'relu')
  const lr = lrTimes(r.hyperparams, 0.1)
  return {
    kind: 'deadUnits',
    message: SAY.deadUnits(worst.neverActive!, worst.label, canSwitch, lr),
    evidence: { layer: worst.label, deadShare: round(worst.neverActive!), units: worst.units, learningRate: r.hyperparams.learningRate, step: inside.step },
    suggestion: canSwitch
      ? { label: 'leaky ReLU activation', settings: { activation: 'leakyRelu' } }
      : { label: `learning rate ${lr}`, settings: { learningRate: lr } }
  }
}

function overfitting(r: CoachInput): Hint | null {
  const n = COACH.overfitEpochs
  if (r.epochs.length < n + 1) return null
  const recent = r.epochs.slice(-(n + 1))
  const testRising = recent.every((e, i) => i === 0 || e.testLoss > recent[i - 1].testLoss)
  const trainFalling = recent.every((e, i) => i === 0 || e.trainLoss < recent[i - 1].trainLoss)
  if (!testRising || !trainFalling) return null
  const best = r.epochs.reduce((b, e) => (e.testLoss < b.testLoss ? e : b))
  const dropout = Math.min(0.8, round(r.hyperparams.dropout + 0.2, 2))
  return {
    kind: 'overfitting',
    message: SAY.overfitting(n, best.epoch),
    evidence: {
      bestEpoch: best.epoch,
      bestTestLoss: round(best.testLoss),
      lastTestLoss: round(recent[n].testLoss),
      lastTrainLoss: round(recent[n].trainLoss),
      dropout: r.hyperparams.dropout
    },
    suggestion: { label: `dropout ${dropout}`, settings: { dropout: String(dropout) } }
  }
}

function stillImproving(r: CoachInput): Hint | null {
  if (r.status !== 'completed' || r.epochs.length < 1) return null
  const last = r.epochs.at(-1)!
  const before = r.epochs.at(-2)?.testAccuracy ?? null
  if (before == null || last.testAccuracy - before < COACH.improvingGain) return null
  const epochs = r.hyperparams.epochs * 2
  return {
    kind: 'stillImproving',
    message: SAY.stillImproving(before, last.testAccuracy),
    evidence: { previousTestAccuracy: round(before), lastTestAccuracy: round(last.testAccuracy), epochs: r.hyperparams.epochs },
    suggestion: { label: `${epochs} epochs`, settings: { epochs: String(epochs) } }
  }
}

/** Hints for a run that has ended, most urgent first. A run that blew up gets only that. */
export function coach(r: CoachInput): Hint[] {
  const fatal = diverged(r) ?? exploding(r)
  if (fatal) return [fatal, collapsed(r)].filter((h): h is Hint => !!h)
  // Saturation explains a slow start better than the learning rate does, with the same advice (ReLU).
  const notMoving = saturated(r) ?? tooSlow(r)
  return [collapsed(r, notMoving), notMoving, deadUnits(r), overfitting(r), stillImproving(r)].filter((h): h is Hint => !!h)
}
