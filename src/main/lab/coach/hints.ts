// The coach: reads what a run stored and says, in plain words, what went wrong and what to try
// next, with the numbers behind it and where to see them. It names causes in order (steps too
// big, then activations, then too small a rate, too few steps, the model's size, dropout, and only
// then overfitting or "keep going"), and reads the learner's earlier runs of the same data so it
// never suggests what was already tried and did no better. Pure: the same records, the same hints.
import type { Hyperparams } from '@shared/hyperparams'
import type { InsidePoint } from '@shared/inside'
import { classLabel, type BatchMetric, type EpochMetric, type Hint, type HintKind, type HintLook, type RunStatus } from '@shared/run-types'
import { CHANCE_MARGIN, cite, noiseMargin, outcome, triedBefore, variantsOf, withSettings, type PastRun } from './history'
import { batchesFor, bestAndLast, denseShape, knowNothingLoss, lossFall, lossRange, settingsReach, stillFalling, topClass } from './measures'
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
  /** A loss this many times both a know-nothing model's (ln of the classes) and the run's own start: the steps overshoot. */
  spikeFactor: 1.5,
  /** Training examples the loss is averaged over before it is compared (one batch of 100; 64 batches of 1). */
  spikeExamples: 64,
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
  /** Training accuracy gained in the last epoch below which it is creeping, not climbing. */
  levelledGain: 0.05,
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
  /** The learning rate's way: down (the steps were too big) or up (too small); tries past a rate that failed that way are dropped. */
  direction?: 'down' | 'up'
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
  const finite = r.batches.reduce((last, b, i) => (Number.isFinite(b.loss) ? i : last), -1)
  const lastFinite = finite >= 0 ? r.batches[finite].loss : undefined
  return {
    kind: 'diverged',
    message: SAY.diverged(r.hyperparams.learningRate),
    evidence: { learningRate: r.hyperparams.learningRate, batchesLogged: r.batches.length, lastFiniteLoss: lastFinite == null ? 'none' : round(lastFinite) },
    // The last finite loss: where the curve ends before it overflows (an infinite point is not drawn).
    look: { section: 'curves', step: finite >= 0 ? finite + 1 : 1 },
    tries: smallerRates(r),
    direction: 'down'
  }
}

/** The worst batch far above both a know-nothing model's loss and the run's start: the steps overshoot. */
function exploding(r: CoachInput): Draft | null {
  const range = lossRange(losses(r), batchesFor(COACH.spikeExamples, r.hyperparams.batchSize))
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
    direction: 'down'
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
    direction: 'down'
  }
}

/**
 * Whether a layer's activation `fn` is the run's Activation setting (so changing the setting changes
 * it), rather than one a custom layer list names for itself, which only the list can change.
 */
const followsSetting = (r: CoachInput, fn: string) => fn === r.hyperparams.activation && settingsReach(r.hyperparams).activation

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
    tries: largerRates(r),
    direction: 'up'
  }
}

/**
 * The loss still high at the end, and the run took very few steps, was still falling steeply when
 * it stopped, or had barely started with steps of a healthy size (a too-small rate is told before
 * this): it needs more steps (more epochs, or smaller batches), however many it took.
 */
function tooFewSteps(r: CoachInput): Draft | null {
  const all = losses(r)
  const fall = lossFall(all)
  const steps = r.batches.length
  if (!fall || r.status !== 'completed') return null
  if (fall.end < COACH.learnedLittle * knowNothingLoss(classes(r))) return null
  if (steps >= COACH.fewSteps && !stillFalling(all) && fall.fall >= COACH.slowFall) return null
  const perEpoch = Math.max(1, r.batches.filter((b) => b.epoch === 1).length)
  const epochsFor = (target: number) => Math.min(MAX_EPOCHS, Math.ceil(target / perEpoch))
  const target = Math.max(COACH.enoughSteps, steps * 3)
  const tries = [target, target * 3]
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

/**
 * A dense layer narrower than the number of classes, and training accuracy that stays low and has
 * levelled off (less than 5 points gained in the last epoch): the model is too small to hold the classes apart.
 */
function capacity(r: CoachInput): Draft | null {
  const ends = bestAndLast(r.epochs)
  const { narrowest } = denseShape(r.hyperparams)
  if (!ends || narrowest == null || narrowest >= classes(r) || ends.last.trainAccuracy >= COACH.capacityAccuracy) return null
  const before = r.epochs.at(-2)
  if (!before || ends.last.trainAccuracy - before.trainAccuracy >= COACH.levelledGain) return null
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
  // A dropout layer with a rate of its own is changed in the layer list, not by the Dropout setting.
  const tries = settingsReach(r.hyperparams).dropout
    ? [...new Set([fits, 0])].filter((d) => d < dropout.rate).map((d) => ({ label: `dropout ${d}`, settings: { dropout: String(d) } }))
    : [{ label: `dropout ${fits} for that layer in the layer list`, settings: {} }]
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
  // Learned something: a model that guesses has no training digits by heart, whatever its losses say.
  if (last.testAccuracy < CHANCE_MARGIN / classes(r)) return null
  const gap = last.trainAccuracy - last.testAccuracy
  if (gap < COACH.overfitGap || last.testLoss < COACH.overfitLossRatio * last.trainLoss) return null
  const hp = r.hyperparams
  const tries: Suggestion[] = []
  // More dropout only where the setting reaches a dropout layer, and only more than there is.
  const moreDropout = hp.dropout < 0.5 ? 0.5 : round(hp.dropout + 0.2, 2)
  if (settingsReach(hp).dropout && moreDropout <= 0.8) tries.push({ label: `dropout ${moreDropout}`, settings: { dropout: String(moreDropout) } })
  const moreData = hp.limitTrain == null ? null : hp.dataset === 'mnist' && hp.limitTrain * 10 >= MNIST_TRAIN ? '' : String(hp.limitTrain * 10)
  if (moreData != null) tries.push({ label: moreData ? `${moreData} training examples` : 'all the training examples', settings: { limitTrain: moreData } })
  return {
    kind: 'overfitting',
    message: SAY.overfitting(
      last,
      best,
      hp.limitTrain,
      tries.some((t) => 'dropout' in t.settings)
    ),
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

/** The most epochs a run may have (the schema's limit), and MNIST's training examples. */
const MAX_EPOCHS = 1000
const MNIST_TRAIN = 60_000

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
    tries: epochs <= MAX_EPOCHS ? [{ label: `${epochs} epochs`, settings: { epochs: String(epochs) } }] : []
  }
}

/**
 * The first suggestion that makes valid settings and was not tried before with no better result;
 * `notes` say what the history showed: rates that failed the same way, settings skipped as tried
 * and no better, a better earlier run to go back to. "Better" is beyond the test set's noise, and
 * never between two runs that both guess.
 */
function decide(r: CoachInput, draft: Draft): { hint: Hint; notes: string[] } {
  const history = r.history ?? []
  const hp = r.hyperparams
  const now = outcome({ status: r.status, testAccuracy: r.epochs.at(-1)?.testAccuracy ?? null })
  const testDigits = topClass(r.confusion)?.total ?? hp.limitTest ?? 10_000
  const better = (p: PastRun) => outcome(p) > now + noiseMargin(Math.max(now, outcome(p)), testDigits) && outcome(p) >= CHANCE_MARGIN / classes(r)
  const result = (p: PastRun) => SAY.result(outcome(p), p.status === 'diverged')
  const skipped: string[] = []
  const notes: string[] = []
  // Rates that already failed the way this run fails bound the way: never back past them.
  const rates = variantsOf(history, hp, 'learningRate')
  const blewUp = rates
    .filter((p) => p.firstKind === 'diverged' || p.firstKind === 'exploding' || p.firstKind === 'collapsed')
    .map((p) => p.hyperparams.learningRate)
  const crawled = rates.filter((p) => p.firstKind === 'lrTooSmall').map((p) => p.hyperparams.learningRate)
  let tries = draft.tries.filter((t) => Object.keys(t.settings).length === 0 || withSettings(hp, t.settings) != null)
  if (draft.direction === 'up' && blewUp.length) {
    const ceiling = Math.min(...blewUp.filter((lr) => lr > hp.learningRate))
    if (Number.isFinite(ceiling)) {
      tries = tries.filter((t) => Number(t.settings.learningRate) < ceiling)
      // Between this rate and the one that blew up, about halfway on a log scale.
      const between = Number((hp.learningRate * Math.sqrt(ceiling / hp.learningRate)).toPrecision(2))
      if (!tries.length && between > hp.learningRate * 1.5) tries = [{ label: `learning rate ${between}`, settings: { learningRate: String(between) } }]
      notes.push(SAY.lowerTooSlow([ceiling], hp.learningRate))
    }
  }
  if (draft.direction === 'down' && crawled.length) {
    const floor = Math.max(...crawled.filter((lr) => lr < hp.learningRate))
    if (Number.isFinite(floor)) tries = tries.filter((t) => Number(t.settings.learningRate) > floor)
  }
  let suggestion: Suggestion | null = null
  for (const t of tries) {
    const before = Object.keys(t.settings).length ? triedBefore(history, hp, t.settings) : []
    const best = before.reduce<PastRun | null>((b, p) => (!b || outcome(p) > outcome(b) ? p : b), null)
    if (!best) {
      suggestion = t
      break
    }
    if (better(best)) {
      // Tried, and better than this run: the learner has that run already; point back to it.
      notes.push(SAY.goBack(t.label, cite(best), result(best)))
      suggestion = { label: `back to ${cite(best)}`, settings: {} }
      break
    }
    skipped.push(SAY.tried(t.label, cite(best), result(best)))
  }
  if (draft.direction === 'down') {
    const higher = rates.filter((p) => p.hyperparams.learningRate > hp.learningRate && !better(p))
    if (higher.length)
      notes.unshift(
        SAY.higherFailedToo(
          [...new Set(higher.map((p) => p.hyperparams.learningRate))].sort((a, b) => b - a),
          hp.learningRate
        )
      )
  }
  if (skipped.length) notes.push(SAY.alreadyTried(skipped, suggestion && Object.keys(suggestion.settings).length ? suggestion.label : null))
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
