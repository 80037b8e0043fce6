import type { Lesson } from './lesson'
import { accuracies, accuracy, best, pointOf } from './read-runs'

const RATES = ['0.0005', '0.1', '5']

export const learningRate: Lesson = {
  id: 'learning-rate',
  title: 'The learning rate',
  explanation: [
    'Each step moves every weight by the learning rate times its gradient. Too small a rate and the weights hardly move: the loss creeps down and one epoch is not enough.',
    'A good rate brings the loss down quickly. Too large a rate overshoots: the loss jumps up instead of down, the weights blow up to infinity (the run diverges), or every digit ends up called the same (the run collapses to about 10%).',
    'Train the same MLP with three rates, a hundred times apart, and compare their loss curves.'
  ],
  formula: 'update rule: w ← w − η · ∂L/∂w   (η: the learning rate)',
  experiment: {
    base: { architecture: { preset: 'mlp', hidden: [100] }, activation: 'relu', optimizer: 'sgd', epochs: 1, limitTrain: 3000, limitTest: 1000 },
    axes: [{ key: 'learningRate', values: RATES }]
  },
  look: { view: 'compare', what: 'The three loss curves on one chart, and the final test accuracy of each run.' },
  question: {
    prompt: 'Which learning rate reached the highest test accuracy?',
    choices: RATES.map((r) => ({ id: r, label: r })),
    pointer: 'Open the three runs in Compare: the final test accuracy row, and the loss curves (a diverged run stops early, a collapsed one stays near 10%).',
    finding(runs) {
      if (!runs.length) return null
      return {
        choices: best(runs, accuracy).map((r) => pointOf(r, 'learningRate')),
        evidence: `test accuracy by learning rate: ${accuracies(runs, 'learningRate')}${runs.some((r) => r.run.status === 'diverged') ? ' (a diverged run counts as 0%)' : ''}`
      }
    }
  }
}
