import { ACTIVATIONS } from '../hyperparams'
import { ACTIVATION_LABELS } from '../fields'
import type { Lesson } from './lesson'
import { accuracies, accuracy, best, pointOf } from './read-runs'

export const activations: Lesson = {
  id: 'activations',
  title: 'Six activations on an MLP',
  explanation: [
    'Between its layers a network bends its sums with an activation. Sigmoid and tanh flatten out for large inputs: there their slope is almost 0, the unit is saturated, and the gradient that reaches the weights below nearly vanishes.',
    'ReLU keeps a slope of 1 for every positive input, so gradients pass through; leaky ReLU, ELU and maxout also keep a slope for negative inputs.',
    'Train the same MLP six times, once per activation, with the same seed and the same few steps, and see which learns least. Open each run’s Inside to see its saturated units.'
  ],
  formula: 'sigmoid(x) = 1 / (1 + e^{−x}), slope σ(x)(1 − σ(x)) ≤ 0.25;   ReLU(x) = max(0, x), slope 1 for x > 0',
  experiment: {
    base: { architecture: { preset: 'mlp', hidden: [100] }, optimizer: 'sgd', learningRate: 0.05, epochs: 1, limitTrain: 2000, limitTest: 1000 },
    axes: [{ key: 'activation', values: [...ACTIVATIONS] }]
  },
  look: {
    view: 'compare',
    what: 'The test accuracy of the six runs side by side; then each run’s Inside: activations piled at the ends of their range are saturated.'
  },
  question: {
    prompt: 'Which activation learned least in this one short epoch (the lowest test accuracy)?',
    choices: ACTIVATIONS.map((a) => ({ id: a, label: ACTIVATION_LABELS[a] })),
    pointer: 'Open the six runs in Compare and read their final test accuracy row: the lowest one is the answer.',
    finding(runs) {
      if (!runs.length) return null
      const worst = best(runs, (r) => -accuracy(r))
      return { choices: worst.map((r) => pointOf(r, 'activation')), evidence: `test accuracy after one epoch: ${accuracies(runs, 'activation')}` }
    }
  }
}
