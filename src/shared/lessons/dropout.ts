import type { Lesson, RunEvidence } from './lesson'
import { pct, pointOf } from './read-runs'

const gap = (r: RunEvidence) => {
  const last = r.epochs.at(-1)
  return last ? last.trainAccuracy - last.testAccuracy : 0
}

export const dropout: Lesson = {
  id: 'dropout',
  title: 'Dropout against overfitting',
  explanation: [
    'With few training digits and many weights, a network can learn its training set by heart: training accuracy climbs towards 100% while test accuracy stalls. That gap is overfitting.',
    'Dropout switches off a random share of the units at every training step, so no unit can rely on another being there; at test time every unit is used. It usually narrows the gap.',
    'Train a wide MLP for several epochs on only 500 digits, once without dropout and once with half the units dropped.'
  ],
  formula: 'training: h ← h · m / (1 − p),  m_i ~ Bernoulli(1 − p);   testing: h unchanged',
  experiment: {
    base: {
      architecture: { preset: 'mlp', hidden: [256] },
      activation: 'relu',
      optimizer: 'adam',
      learningRate: 0.001,
      epochs: 8,
      limitTrain: 500,
      limitTest: 1000
    },
    axes: [{ key: 'dropout', values: ['0', '0.5'] }]
  },
  look: { view: 'compare', what: 'Training and test accuracy per epoch of the two runs: how far apart they end.' },
  question: {
    prompt: 'At the last epoch, which run shows the larger gap between its training accuracy and its test accuracy?',
    choices: [
      { id: '0', label: 'without dropout (0)' },
      { id: '0.5', label: 'with dropout 0.5' }
    ],
    pointer: 'Open the two runs in Compare and, for each, subtract its last test accuracy from its last training accuracy.',
    finding(runs) {
      if (runs.length < 2) return null
      const widest = Math.max(...runs.map(gap))
      return {
        choices: runs.filter((r) => gap(r) === widest).map((r) => pointOf(r, 'dropout')),
        evidence: runs
          .map(
            (r) =>
              `dropout ${pointOf(r, 'dropout')} (run ${r.run.id}): train ${pct(r.epochs.at(-1)?.trainAccuracy ?? 0)}, test ${pct(r.epochs.at(-1)?.testAccuracy ?? 0)}, gap ${pct(gap(r))}`
          )
          .join('; ')
      }
    }
  }
}
