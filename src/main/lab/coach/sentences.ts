// Everything the coach says, in one table: a teacher can reread and reword the sentences here
// without reading the rules that choose them (hints.ts). Each takes the numbers it quotes.
const pct = (v: number) => `${(v * 100).toFixed(1)}%`

export const SAY = {
  diverged: (lr: number) =>
    `The loss blew up to infinity or NaN: the learning rate ${lr} makes steps so big that the weights overflow. Try a learning rate ten times smaller.`,
  exploding: (worst: number, start: number) =>
    `The loss rose far above where it started (${worst} against ${start}): the steps overshoot. Try a learning rate ten times smaller.`,
  collapsed: (name: string, share: number) =>
    `The model answers "${name}" for ${pct(share)} of the test digits: it has collapsed to one class instead of learning. A smaller learning rate usually brings it back.`,
  notLearnedYet: (name: string, share: number) =>
    `The model answers "${name}" for ${pct(share)} of the test digits: it has not learned to tell the digits apart yet (the next hint says why).`,
  tooSlowSaturating: (fall: number, activation: string) =>
    `The loss fell only ${pct(Math.max(0, fall))} in the first epoch. With ${activation}, units saturate and pass back tiny gradients: try ReLU, or a learning rate ten times larger.`,
  tooSlow: (fall: number) =>
    `The loss fell only ${pct(Math.max(0, fall))} in the first epoch: the steps are too small to get anywhere. Try a learning rate ten times larger.`,
  vanishing: (ratio: number, fn: string, stuck: { share: number; layer: string } | null) =>
    `Gradients vanish on their way back: the first layer's gradient is ${ratio} times the last layer's, because each ${fn} layer passes back ${
      fn === 'sigmoid' ? 'at most a quarter of it (its steepest slope is 0.25)' : 'only part of it (its slope is below 1 away from 0)'
    }${stuck ? `, less where units are stuck near their ends (${pct(stuck.share)} of "${stuck.layer}")` : ''}. Early layers barely learn. Try ReLU.`,
  saturated: (share: number, layer: string, fn: string) =>
    `${pct(share)} of the values of "${layer}" are stuck near the ends of ${fn}, where its slope is almost zero: those units pass back next to no gradient. Try ReLU.`,
  deadUnits: (share: number, layer: string, canSwitch: boolean, smallerLr: string) =>
    `${pct(share)} of the units of "${layer}" never fire on any of the probe digits: they are dead, pass back no gradient and will not recover. Leaky ReLU keeps a small slope below zero so units can come back${
      canSwitch
        ? '; a smaller learning rate also helps.'
        : ` (set it for that layer in the layer list); meanwhile a learning rate ten times smaller (${smallerLr}) kills fewer.`
    }`,
  overfitting: (epochs: number, bestEpoch: number) =>
    `The test loss rose for the last ${epochs} epochs while the training loss kept falling: the model is learning the training digits by heart. Its best test loss was after epoch ${bestEpoch}; more dropout (or stopping there) should help.`,
  stillImproving: (before: number, last: number) => `Test accuracy was still rising at the last epoch (${pct(before)} → ${pct(last)}): more epochs should help.`
} as const
