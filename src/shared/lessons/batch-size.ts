import type { Lesson } from './lesson'
import { accuracy, best, pct, pointOf } from './read-runs'

const SIZES = ['10', '100', '1000']

export const batchSize: Lesson = {
  id: 'batch-size',
  title: 'Batch size and epochs',
  explanation: [
    'A step averages the gradient over one batch. An epoch over N digits takes N / batch size steps: 6,000 digits are 600 steps of 10, 60 of 100 or 6 of 1,000.',
    'Large batches give smoother gradients and use the cores well, so an epoch takes less time, but they make fewer steps: with the same learning rate, one epoch of large batches learns less.',
    'Train the same MLP for one epoch with three batch sizes and compare steps, seconds per epoch and accuracy.'
  ],
  formula: 'steps per epoch = ⌈N / batch size⌉',
  experiment: {
    base: {
      architecture: { preset: 'mlp', hidden: [100] },
      activation: 'relu',
      optimizer: 'sgd',
      learningRate: 0.05,
      epochs: 1,
      limitTrain: 6000,
      limitTest: 1000
    },
    axes: [{ key: 'batchSize', values: SIZES }]
  },
  look: { view: 'compare', what: 'Each run’s steps, seconds per epoch and final test accuracy.' },
  question: {
    prompt: 'After one epoch over the same digits, which batch size reached the highest test accuracy?',
    choices: SIZES.map((s) => ({ id: s, label: `${s} digits per step` })),
    pointer: 'Open the three runs in Compare and read their final test accuracy row; the loss curves against steps show why.',
    finding(runs) {
      if (!runs.length) return null
      return {
        choices: best(runs, accuracy).map((r) => pointOf(r, 'batchSize')),
        evidence: runs
          .map((r) => `batch ${pointOf(r, 'batchSize')} (run ${r.run.id}): ${pct(accuracy(r))} in ${r.epochs[0]?.seconds.toFixed(1) ?? '–'} s`)
          .join('; ')
      }
    }
  }
}
