// The coach: reads what a run stored and says, in plain words, what went wrong and what to try
// next, with the numbers behind it and where to see them. It names causes in order (steps too
// big, then activations, then too small a rate, too few steps, the model's size, dropout, and only
// then overfitting or "keep going"), and reads the learner's earlier runs of the same data so it
// never suggests what was already tried and did no better. Pure: the same records, the same hints.
import type { Hyperparams } from '@shared/hyperparams'
import type { InsidePoint } from '@shared/inside'
import { classLabel, type BatchMetric, type EpochMetric, type Hint, type HintKind, type HintLook, type RunStatus } from '@shared/run-types'
import { CHANCE_MARGIN, outcome, SAME_ACCURACY, triedBefore, variantsOf, type PastRun } from './history'
import { bestAndLast, denseShape, knowNothingLoss, lossFall, lossRange, topClass } from './measures'
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
  /** Earlier runs of the same data, oldest first (rooms/coach-history.ts gathers them). */
  history?: readonly PastRun[]
}

/** Thresholds, named so the tests, the panel and the sentences agree. */
export const COACH = {
  /** A batch's loss this many times both a know-nothing model's (ln of the classes) and the run's own start: the steps overshoot. */
  spikeFactor: 1.5,
  /** Share of test digits given one class: beyond this the model has collapsed. */
  collapsedShare: 0.9,
  /** A ReLU layer more than this dead on the probe batch, in a model that collapsed, was killed by too big steps. */
  killedShare: 0.5,
  /** The loss must fall by at least this share over a run, or the steps are too small. */
  slowFall: 0.1,
  /** The last weight layer's update-to-weight ratio below which a step barely moves it (healthy is about 1e-3). */
  tinyUpdate: 3e-4,
  /** Fewer steps in all than this, with the loss still high, are too few to learn. */
  fewSteps: 100,
  /** Steps the "too few steps" advice aims at. */
  enoughSteps: 200,
  /** A loss still above this share of a know-nothing model's has learned little. */
  learnedLittle: 0.5,
  /** Training accuracy below this, from a dense layer narrower than the class count: the model is too small. */
  capacityAccuracy: 0.9,
  /** Test accuracy above training accuracy (which is measured with dropout on) by this much: dropout holds training back. */
  dropoutGap: 0.1,
  /** Training accuracy above test accuracy by this much, with the test loss this many times the training loss: learned by heart. */
  overfitGap: 0.05,
  overfitLossRatio: 3,
  /** Test accuracy gained in the last epoch (points of accuracy) that says "keep going". */
  improvingGain: 0.002,
  /** Share of a sigmoid/tanh layer's values stuck near its ends (on the probe batch) that says "saturated". */
  saturatedShare: 0.5,
  /** First weight layer's gradient norm over the last one's, below which gradients have vanished. */
  vanishingRatio: 0.01,
  /** Share of a ReLU-family layer's units never active on the probe batch that says "dead units". */
  deadShare: 0.5
} as const

const round = (v: number, digits = 4) => Number(v.toPrecision(digits))
const text = (v: number) => String(round(v, 3))
type Suggestion = Hint['suggestion']
interface Draft {
  kind: HintKind
  message: string
  evidence: Hint['evidence']
  look: HintLook
  /** What to try, best first: the first not already tried becomes the suggestion. */
  tries: Suggestion[]
  /** The steps were too big: the sentence also names the larger rates that failed before. */
  downhill?: boolean
}

const lrTry = (r: CoachInput, factor: number): Suggestion => ({
  label: `learning rate ${text(r.hyperparams.learningRate * factor)}`,
  settings: { learningRate: text(r.hyperparams.learningRate * factor) }
})
/** Smaller learning rates, ten times apart, while they stay meaningful. */
const smallerRates = (r: CoachInput) => [0.1, 0.01, 0.001].filter((f) => r.hyperparams.learningRate * f >= 1e-6).map((f) => lrTry(r, f))
/** Larger learning rates, ten times apart, up to the form's limit of 10. */
const largerRates = (r: CoachInput) => [10, 100].filter((f) => r.hyperparams.learningRate * f <= 10).map((f) => lrTry(r, f))
const losses = (r: CoachInput) => r.batches.map((b) => b.loss)
const lastStep = (r: CoachInput) => r.batches.length
const classes = (r: CoachInput) => Math.max(2, r.classNames.length)

function diverged(r: CoachInput): Draft | null {
  if (r.status !== 'diverged') return null
  const lastFinite = [...r.batches].reverse().find((b) => Number.isFinite(b.loss))?.loss
  return {
    kind: 'diverged',
    message: SAY.diverged(r.hyperparams.learningRate),
    evidence: { learningRate: r.hyperparams.learningRate, batchesLogged: r.batches.length, lastFiniteLoss: lastFinite == null ? 'none' : round(lastFinite) },
    look: { section: 'curves', step: lastStep(r) },
    tries: smallerRates(r),
    downhill: true
  }
}

/** The worst batch far above both a know-nothing model's loss and the run's start: the steps overshoot. */
function exploding(r: CoachInput): Draft | null {
  const range = lossRange(losses(r))
  if (r.status === 'diverged' || !range) return null
  const knowNothing = knowNothingLoss(classes(r))
  if (range.worst < COACH.spikeFactor * Math.max(knowNothing, range.start)) return null
  return {
    kind: 'exploding',
    message: SAY.exploding(round(range.worst, 3), range.worstStep, round(knowNothing), classes(r)),
    evidence: {
      startLoss: round(range.start),
      worstLoss: round(range.worst),
      atStep: range.worstStep,
      knowNothingLoss: round(knowNothing),
      learningRate: r.hyperparams.learningRate
    },
    look: { section: 'curves', step: range.worstStep },
    tries: smallerRates(r),
    downhill: true
  }
}

/** The ReLU layer most units of which never fire on the probe batch, if any. */
function deadest(r: CoachInput) {
  const relus = (r.inside?.activations ?? []).filter((a) => a.fn === 'relu' && a.neverActive != null)
  return relus.length ? relus.reduce((w, a) => (a.neverActive! > w.neverActive! ? a : w)) : null
}

/**
 * Nine in ten test digits given one class. It is a collapse from too big steps when the loss
 * spiked, or when a ReLU layer was killed outright; a model that never got going answers one class
 * too, and then the cause is whatever kept it from moving (the first hint says it).
 */
function collapsed(r: CoachInput, spiked: boolean): Draft | null {
  const top = topClass(r.confusion)
  if (!top || top.share < COACH.collapsedShare) return null
  const dead = deadest(r)
  const killed = dead != null && dead.neverActive! > COACH.killedShare
  if (!spiked && !killed) return null
  const name = classLabel(r.classNames, top.index)
  return {
    kind: 'collapsed',
    message: SAY.collapsed(name, top.share, !spiked && killed ? { layer: dead!.label, share: dead!.neverActive! } : null),
    evidence: {
      predictedClass: name,
      share: round(top.share),
      testDigits: top.total,
      ...(killed ? { deadLayer: dead!.label, deadShare: round(dead!.neverActive!) } : {}),
      learningRate: r.hyperparams.learningRate
    },
    look: { section: 'confusion', epoch: r.epochs.at(-1)?.epoch },
    tries: smallerRates(r),
    downhill: true
  }
}

/**
 * Whether a layer's activation `fn` is the run's Activation setting (so changing the setting changes
 * it), rather than one a custom layer list names for itself, which only the list can change.
 */
const followsSetting = (r: CoachInput, fn: string) => fn === r.hyperparams.activation

function saturated(r: CoachInput): Draft | null {
  const inside = r.inside
  if (!inside) return null
  const squashing = inside.activations.filter((a) => a.family === 'saturating')
  if (!squashing.length) return null
  const worst = squashing.reduce((w, a) => ((a.saturated ?? 0) > (w.saturated ?? 0) ? a : w))
  const first = inside.layers[0]
  const last = inside.layers.at(-1)
  const ratio = first && last && last.gradientNorm > 0 && inside.layers.length > 1 ? first.gradientNorm / last.gradientNorm : null
  const vanishing = ratio != null && ratio < COACH.vanishingRatio
  if ((worst.saturated ?? 0) < COACH.saturatedShare && !vanishing) return null
  const fn = worst.fn
  const stuck = (worst.saturated ?? 0) >= 0.05
  return {
    kind: 'saturated',
    message: vanishing
      ? SAY.vanishing(round(ratio!, 2), fn, stuck ? { share: worst.saturated!, layer: worst.label } : null)
      : SAY.saturated(worst.saturated ?? 0, worst.label, fn),
    evidence: {
      layer: worst.label,
      ...(!vanishing || stuck ? { saturatedShare: round(worst.saturated ?? 0) } : {}),
      ...(ratio != null ? { firstToLastGradient: round(ratio, 3) } : {}),
      step: inside.step
    },
    look: { section: 'inside', layer: vanishing ? first!.label : worst.label, epoch: inside.epoch },
    tries: followsSetting(r, fn)
      ? [
          { label: 'ReLU activation', settings: { activation: 'relu' } },
          { label: 'leaky ReLU activation', settings: { activation: 'leakyRelu' } }
        ]
      : [{ label: `ReLU for "${worst.label}" in the layer list`, settings: {} }]
  }
}

function deadUnits(r: CoachInput): Draft | null {
  const worst = deadest(r)
  if (!worst || worst.neverActive! <= COACH.deadShare) return null
  // Only plain ReLU dies: leaky ReLU and ELU still pass a gradient back below zero.
  const canSwitch = followsSetting(r, 'relu')
  return {
    kind: 'deadUnits',
    message: SAY.deadUnits(worst.neverActive!, worst.label, canSwitch),
    evidence: { layer: worst.label, deadShare: round(worst.neverActive!), units: worst.units, learningRate: r.hyperparams.learningRate, step: r.inside!.step },
    look: { section: 'inside', layer: worst.label, epoch: r.inside!.epoch },
    tries: [...(canSwitch ? [{ label: 'leaky ReLU activation', settings: { activation: 'leakyRelu' } }] : []), ...smallerRates(r).slice(0, 1)]
  }
}

/**
 * The loss barely fell over a run long enough to show it, and the last weight layer's steps are
 * tiny next to its weights (where that was recorded): the learning rate is too small.
 */
function lrTooSmall(r: CoachInput): Draft | null {
  const fall = lossFall(losses(r))
  if (!fall || r.batches.length < 20 || fall.fall >= COACH.slowFall) return null
  const update = r.inside?.layers.at(-1)?.updateRatio
  if (update != null && update >= COACH.tinyUpdate) return null
  const act = r.hyperparams.activation
  return {
    kind: 'lrTooSmall',
    message: SAY.lrTooSmall(fall.fall, r.batches.length, update ?? null, act === 'sigmoid' || act === 'tanh' ? act : null),
    evidence: {
      startLoss: round(fall.start),
      endLoss: round(fall.end),
      fall: round(fall.fall),
      steps: r.batches.length,
      ...(update != null ? { updateRatio: round(update, 3) } : {}),
      learningRate: r.hyperparams.learningRate
    },
    look: { section: 'curves', step: lastStep(r) },
    tries: largerRates(r)
  }
}

/** Fewer steps than it takes to learn, and the loss still high at the end: more steps (more epochs, or smaller batches). */
function tooFewSteps(r: CoachInput): Draft | null {
  const fall = lossFall(losses(r))
  const steps = r.batches.length
  if (!fall || steps >= COACH.fewSteps || r.status !== 'completed') return null
  if (fall.end < COACH.learnedLittle * knowNothingLoss(classes(r))) return null
  const perEpoch = Math.max(1, r.batches.filter((b) => b.epoch === 1).length)
  const epochsFor = (target: number) => Math.min(1000, Math.ceil(target / perEpoch))
  const tries = [COACH.enoughSteps, COACH.enoughSteps * 3]
    .map(epochsFor)
    .filter((e, i, all) => e > r.hyperparams.epochs && all.indexOf(e) === i)
    .map((e) => ({ label: `${e} epochs (${e * perEpoch} steps)`, settings: { epochs: String(e) } }))
  return {
    kind: 'tooFewSteps',
    message: SAY.tooFewSteps(steps, perEpoch, r.hyperparams.batchSize, round(fall.end, 3), round(knowNothingLoss(classes(r)), 3)),
    evidence: { steps, stepsPerEpoch: perEpoch, batchSize: r.hyperparams.batchSize, endLoss: round(fall.end) },
    look: { section: 'curves', step: steps },
    tries
  }
}

/** A dense layer narrower than the number of classes, and training accuracy that stays low: the model is too small to hold the classes apart. */
function capacity(r: CoachInput): Draft | null {
  const ends = bestAndLast(r.epochs)
  const { narrowest } = denseShape(r.hyperparams)
  if (!ends || narrowest == null || narrowest >= classes(r) || ends.last.trainAccuracy >= COACH.capacityAccuracy) return null
  const arch = r.hyperparams.architecture
  const wider = Math.max(32, narrowest * 8)
  return {
    kind: 'capacity',
    message: SAY.capacity(narrowest, classes(r), ends.last.trainAccuracy, ends.last.testAccuracy),
    evidence: { narrowestLayer: narrowest, classes: classes(r), trainAccuracy: round(ends.last.trainAccuracy), testAccuracy: round(ends.last.testAccuracy) },
    look: { section: 'curves', epoch: ends.last.epoch },
    tries:
      arch.preset === 'mlp'
        ? [
            {
              label: `hidden layers ${arch.hidden.map((h) => (h === narrowest ? wider : h)).join(',')}`,
              settings: { hidden: arch.hidden.map((h) => (h === narrowest ? wider : h)).join(',') }
            }
          ]
        : [{ label: `a dense layer of at least ${wider} units in the layer list`, settings: {} }]
  }
}

/** Dropout that leaves fewer units than classes at each step, and training held far below test: too much dropout for the layer's size. */
function tooMuchDropout(r: CoachInput): Draft | null {
  const ends = bestAndLast(r.epochs)
  const { dropout } = denseShape(r.hyperparams)
  if (!ends || !dropout || dropout.kept >= classes(r)) return null
  if (ends.last.testAccuracy - ends.last.trainAccuracy < COACH.dropoutGap) return null
  const fits = Math.max(0, Math.floor((1 - classes(r) / dropout.after) * 10) / 10)
  const tries = [...new Set([fits, 0])].filter((d) => d < dropout.rate).map((d) => ({ label: `dropout ${d}`, settings: { dropout: String(d) } }))
  return {
    kind: 'tooMuchDropout',
    message: SAY.tooMuchDropout(dropout.rate, dropout.after, round(dropout.kept, 2), ends.last.trainAccuracy, ends.last.testAccuracy),
    evidence: {
      dropout: dropout.rate,
      units: dropout.after,
      keptPerStep: round(dropout.kept, 2),
      trainAccuracy: round(ends.last.trainAccuracy),
      testAccuracy: round(ends.last.testAccuracy)
    },
    look: { section: 'curves', epoch: ends.last.epoch },
    tries
  }
}

/**
 * Learned by heart: training accuracy well above test accuracy, and the test loss a multiple of the
 * training loss, now and at the best epoch. Never on a run that learned nothing.
 */
function overfitting(r: CoachInput): Draft | null {
  const ends = bestAndLast(r.epochs)
  if (!ends || r.status === 'diverged') return null
  const { best, last } = ends
  if (last.testLoss >= COACH.learnedLittle * knowNothingLoss(classes(r))) return null
  const gap = last.trainAccuracy - last.testAccuracy
  if (gap < COACH.overfitGap || last.testLoss < COACH.overfitLossRatio * last.trainLoss) return null
  const hp = r.hyperparams
  const moreDropout = hp.dropout < 0.5 ? 0.5 : Math.min(0.8, round(hp.dropout + 0.2, 2))
  const tries: Suggestion[] = [{ label: `dropout ${moreDropout}`, settings: { dropout: String(moreDropout) } }]
  if (hp.limitTrain != null) tries.push({ label: `${hp.limitTrain * 10} training examples`, settings: { limitTrain: String(hp.limitTrain * 10) } })
  return {
    kind: 'overfitting',
    message: SAY.overfitting(last, best, hp.limitTrain),
    evidence: {
      trainAccuracy: round(last.trainAccuracy),
      testAccuracy: round(last.testAccuracy),
      trainLoss: round(last.trainLoss),
      testLoss: round(last.testLoss),
      bestEpoch: best.epoch,
      bestTestLoss: round(best.testLoss),
      dropout: hp.dropout
    },
    look: { section: 'curves', epoch: best.epoch },
    tries
  }
}

function stillImproving(r: CoachInput): Draft | null {
  if (r.status !== 'completed' || r.epochs.length < 2) return null
  const last = r.epochs.at(-1)!
  const before = r.epochs.at(-2)!.testAccuracy
  if (last.testAccuracy - before < COACH.improvingGain) return null
  const epochs = r.hyperparams.epochs * 2
  return {
    kind: 'stillImproving',
    message: SAY.stillImproving(before, last.testAccuracy),
    evidence: { previousTestAccuracy: round(before), lastTestAccuracy: round(last.testAccuracy), epochs: r.hyperparams.epochs },
    look: { section: 'curves', epoch: last.epoch },
    tries: [{ label: `${epochs} epochs`, settings: { epochs: String(epochs) } }]
  }
}

/**
 * The first suggestion not tried before, or tried and better; `notes` say what the history showed:
 * larger rates that failed too, settings skipped as tried and no better, a better run to go back to.
 */
function decide(r: CoachInput, draft: Draft): { hint: Hint; notes: string[] } {
  const history = r.history ?? []
  const now = outcome({ status: r.status, testAccuracy: r.epochs.at(-1)?.testAccuracy ?? null })
  const skipped: string[] = []
  const notes: string[] = []
  let suggestion: Suggestion | null = null
  for (const t of draft.tries) {
    const before = Object.keys(t.settings).length ? triedBefore(history, r.hyperparams, t.settings) : []
    const best = before.reduce<PastRun | null>((b, p) => (!b || outcome(p) > outcome(b) ? p : b), null)
    // Better means learned more: two runs that both guess are no better than each other.
    if (!best || (outcome(best) > now + SAME_ACCURACY && outcome(best) >= CHANCE_MARGIN / classes(r))) {
      // Untried, or tried and better than this run: worth (re)doing, and the learner is told which run did it.
      suggestion = t
      if (best) notes.push(SAY.triedBetter(SAY.tried(t.label, best.name, outcome(best))))
      break
    }
    skipped.push(SAY.tried(t.label, best.name, outcome(best)))
  }
  if (draft.downhill) {
    const higher = variantsOf(history, r.hyperparams, 'learningRate').filter(
      (p) => p.hyperparams.learningRate > r.hyperparams.learningRate && outcome(p) <= now + SAME_ACCURACY
    )
    if (higher.length)
      notes.unshift(
        SAY.higherFailedToo(
          [...new Set(higher.map((p) => p.hyperparams.learningRate))].sort((a, b) => b - a),
          r.hyperparams.learningRate
        )
      )
  }
  if (skipped.length) notes.push(SAY.alreadyTried(skipped, suggestion?.label ?? null))
  const hint = {
    kind: draft.kind,
    message: draft.message,
    evidence: draft.evidence,
    look: draft.look,
    suggestion: suggestion ?? { label: 'nothing new by one setting: compare the runs tried', settings: {} }
  }
  return { hint, notes }
}

/**
 * The coach's reading of an ended run: the first cause first, then what else it sees. Steps too
 * big explain everything after them (dead units, one class), so a run that blew up gets only that.
 */
export function coach(input: CoachInput): Hint[] {
  // A model trained in PyTorch and imported has test figures but no training record: rules that read training see none.
  const r = { ...input, epochs: input.epochs.filter((e) => e.trainLoss != null && e.trainAccuracy != null) }
  const blownUp = diverged(r) ?? exploding(r)
  const collapse = collapsed(r, blownUp != null)
  let drafts: Draft[]
  if (blownUp || collapse) drafts = [blownUp, collapse].filter((d): d is Draft => d != null)
  else {
    const notMoving = saturated(r) ?? lrTooSmall(r)
    drafts = [notMoving, deadUnits(r), notMoving ? null : tooFewSteps(r), capacity(r), tooMuchDropout(r), overfitting(r)].filter((d): d is Draft => d != null)
    if (!drafts.length) drafts = [stillImproving(r)].filter((d): d is Draft => d != null)
    // A model that never got going answers one class too: the first cause's sentence says so.
    const top = topClass(r.confusion)
    if (drafts.length && top && top.share >= COACH.collapsedShare && drafts[0].kind !== 'stillImproving') {
      drafts[0] = { ...drafts[0], message: `${drafts[0].message} ${SAY.oneClass(classLabel(r.classNames, top.index), top.share)}` }
    }
  }
  const decided = drafts.map((d) => decide(r, d))
  // What the history showed is said once, with the first hint, and again only where a later hint suggests something else.
  const first = JSON.stringify(decided[0]?.hint.suggestion)
  return decided.map(({ hint, notes }, i) =>
    notes.length && (i === 0 || JSON.stringify(hint.suggestion) !== first) ? { ...hint, message: `${hint.message} ${notes.join(' ')}` } : hint
  )
}
