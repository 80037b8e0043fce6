// Everything the coach says, in one table: a teacher can reread and reword the sentences here
// without reading the rules that choose them (hints.ts). Each takes the numbers it quotes.
import type { EpochMetric, FollowUp } from '@shared/run-types'

const pct = (v: number) => `${(v * 100).toFixed(1)}%`
const list = (xs: string[]) => (xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs.at(-1)}`)

export const SAY = {
  diverged: (lr: number) =>
    `The loss blew up to infinity or NaN: the learning rate ${lr} makes steps so big that the weights overflow. Try a smaller learning rate.`,
  exploding: (worst: number, step: number, knowNothing: number, classes: number) =>
    `The loss jumped to ${worst} at step ${step}, far above ${knowNothing}, what a model that knows nothing scores (ln ${classes}, the same probability for every class): the steps overshoot. Try a smaller learning rate.`,
  collapsed: (name: string, share: number, killed: { layer: string; share: number } | null) =>
    `The model answers "${name}" for ${pct(share)} of the test digits: it has collapsed to one class instead of learning${
      killed
        ? `, and ${pct(killed.share)} of the units of "${killed.layer}" never fire: too big a step pushed them all below zero, where ReLU passes back nothing`
        : ''
    }. A smaller learning rate brings it back.`,
  oneClass: (name: string, share: number) => `Meanwhile it answers "${name}" for ${pct(share)} of the test digits.`,
  lrTooSmall: (fall: number, steps: number, update: number | null, saturating: string | null) =>
    `Over ${steps} steps the loss fell only ${pct(Math.max(0, fall))}${
      update != null ? `, and each step changes the last layer's weights by ${update.toExponential(1)} of their size (about 1e-3 is healthy)` : ''
    }: the learning rate is too small to get anywhere${saturating ? ` (${saturating} makes it slower still: its slope is small)` : ''}. Try a larger one.`,
  tooFewSteps: (steps: number, perEpoch: number, batch: number, end: number, knowNothing: number) =>
    `The model took only ${steps} steps (${perEpoch} an epoch of batches of ${batch}), and its loss is still ${end}, near ${knowNothing} where a model that knows nothing starts: too few steps to learn. Train more epochs (or use smaller batches).`,
  capacity: (narrowest: number, classes: number, train: number, test: number) =>
    `The narrowest layer has ${narrowest} units for ${classes} classes: too small to tell them apart. Even on its training digits it reaches only ${pct(train)} (${pct(test)} on test). Try a wider layer.`,
  tooMuchDropout: (rate: number, units: number, kept: number, train: number, test: number) =>
    `Dropout ${rate} on a layer of ${units} units keeps about ${kept} of them at each step, fewer than the classes to tell apart: training accuracy (measured with dropout on) is held at ${pct(train)} while the full model scores ${pct(test)} on test. Use less dropout.`,
  overfitting: (last: EpochMetric, best: EpochMetric, limitTrain: number | null, moreDropout: boolean) =>
    `The model learned its training digits by heart: ${pct(last.trainAccuracy)} on them against ${pct(last.testAccuracy)} on test, with a test loss of ${last.testLoss.toFixed(3)} against ${last.trainLoss.toFixed(3)} in training${
      best.epoch !== last.epoch ? ` (the test loss was lowest, ${best.testLoss.toFixed(3)}, after epoch ${best.epoch})` : ''
    }. ${[
      moreDropout ? 'More dropout' : null,
      limitTrain != null ? `more than ${limitTrain} training digits` : null,
      best.epoch !== last.epoch ? `stopping after epoch ${best.epoch}` : null
    ]
      .filter(Boolean)
      .join(', or ')
      .replace(/^m/, 'M')
      .replace(/^s/, 'S')} should close the gap.`,
  stillImproving: (before: number, last: number) =>
    `Test accuracy was still rising at the last epoch (${pct(before)} → ${pct(last)}): more epochs should help.`,
  vanishing: (ratio: number, fn: string, stuck: { share: number; layer: string } | null) =>
    `Gradients vanish on their way back: the first layer's gradient is ${ratio} times the last layer's, because each ${fn} layer passes back ${
      fn === 'sigmoid' ? 'at most a quarter of it (its steepest slope is 0.25)' : 'only part of it (its slope is below 1 away from 0)'
    }${stuck ? `, less where units are stuck near their ends (${pct(stuck.share)} of "${stuck.layer}")` : ''}. Early layers barely learn. Try ReLU.`,
  saturated: (share: number, layer: string, fn: string) =>
    `${pct(share)} of the values of "${layer}" are stuck near the ends of ${fn}, where its slope is almost zero: those units pass back next to no gradient. Try ReLU.`,
  deadUnits: (share: number, layer: string, canSwitch: boolean) =>
    `${pct(share)} of the units of "${layer}" never fire on any of the probe digits: they are dead, pass back no gradient and will not recover. Leaky ReLU keeps a small slope below zero so units can come back${
      canSwitch
        ? '; a smaller learning rate also kills fewer.'
        : ' (set it for that layer in the layer list); meanwhile a learning rate ten times smaller kills fewer.'
    }`,
  higherFailedToo: (higher: number[], lr: number) =>
    `Learning rate${higher.length > 1 ? 's' : ''} ${list(higher.map(String))} did no better than ${lr} in your earlier runs: go down, not up.`,
  lowerTooSlow: (lower: number[], lr: number) =>
    `Learning rate${lower.length > 1 ? 's' : ''} ${list(lower.map(String))} blew up in your earlier runs: the next try stays between ${lr} and ${Math.min(...lower)}.`,
  /** A run as it ended: its test accuracy, or that it diverged. */
  result: (accuracy: number, diverged: boolean) => (diverged ? 'diverged' : pct(accuracy)),
  tried: (label: string, run: string, result: string) => `${label} (${run}: ${result})`,
  alreadyTried: (tried: string[], next: string | null) =>
    `Already tried and no better: ${list(tried)}. ${next ? `${next[0].toUpperCase()}${next.slice(1)} is the next to try.` : 'Nothing nearby is left to try by one setting.'}`,
  goBack: (label: string, run: string, result: string) => `You tried ${label} in ${run}, and it did better (${result}): go back to that run.`,
  followUp: (f: Omit<FollowUp, 'message'>, how: { guessingAt: number | null; fromDiverged: boolean; diverged: boolean }) =>
    `This run followed the suggestion "${f.change}" from run #${f.runId} (${f.runName}): test accuracy ${how.fromDiverged ? 'diverged' : pct(f.before)} → ${
      how.diverged ? 'diverged' : pct(f.after)
    }, ${
      how.guessingAt != null
        ? `both still guessing (chance is ${pct(how.guessingAt)}): it has not helped yet`
        : f.verdict === 'helped'
          ? 'it helped'
          : f.verdict === 'worse'
            ? 'it made things worse'
            : 'no change beyond noise'
    }.`
} as const
