import type { Lesson } from './lesson'
import { pct } from './read-runs'

const BRACKETS = [
  { id: 'below-85', label: 'below 85 in 100', below: 0.85 },
  { id: '85-90', label: '85 to 90 in 100', below: 0.9 },
  { id: '90-95', label: '90 to 95 in 100', below: 0.95 },
  { id: '95-up', label: '95 or more in 100', below: Infinity }
]

export const net: Lesson = {
  id: 'net',
  title: "The course's Net: one epoch",
  explanation: [
    "The course's Net is a small CNN: two convolutions with max-pooling, a dense layer of 50 units, dropout, and 10 outputs, 21,840 weights in all.",
    'An epoch is one pass over the 60,000 training digits. With a batch of 100 digits per step, one epoch is 600 steps: each step nudges every weight a little against the gradient of the loss on its 100 digits.',
    'The course reaches about 91% on the test set after a single epoch with plain gradient descent. Train it once and see where your run lands.'
  ],
  formula: 'update rule: w ← w − η · ∂L/∂w   (η: the learning rate, L: the batch’s mean loss)',
  experiment: { base: { architecture: { preset: 'seed-cnn' }, optimizer: 'sgd', learningRate: 0.01, batchSize: 100, epochs: 1, limitTest: 2000 } },
  look: { view: 'runs', epoch: 1, what: 'The run’s test accuracy after epoch 1, and its loss curve over the 600 steps.' },
  question: {
    prompt: 'After one epoch, how many test digits in 100 does your Net classify right?',
    choices: BRACKETS.map(({ id, label }) => ({ id, label })),
    pointer: 'Open the run in Runs: its table of epochs gives the test accuracy after epoch 1.',
    finding([r]) {
      const acc = r?.epochs[0]?.testAccuracy
      if (acc == null) return null
      return {
        choices: [BRACKETS.find((b) => acc < b.below)!.id],
        evidence: `run ${r.run.id} classified ${pct(acc)} of its test digits right after epoch 1`
      }
    }
  }
}
