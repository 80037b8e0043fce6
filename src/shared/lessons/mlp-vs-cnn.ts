import type { Lesson, RunEvidence } from './lesson'
import { accuracy, pct, pointOf } from './read-runs'

const CHOICES = [
  { id: 'cnn-both', label: 'The CNN: fewer weights and higher accuracy' },
  { id: 'cnn-fewer', label: 'The CNN has fewer weights, the MLP is more accurate' },
  { id: 'mlp-both', label: 'The MLP: fewer weights and higher accuracy' },
  { id: 'mlp-fewer', label: 'The MLP has fewer weights, the CNN is more accurate' }
]

const describe = (r: RunEvidence) =>
  `run ${r.run.id} (${pointOf(r, 'preset') === 'mlp' ? 'MLP' : 'CNN'}): ${(r.run.paramCount ?? 0).toLocaleString('en')} weights, ${pct(accuracy(r))}`

export const mlpVsCnn: Lesson = {
  id: 'mlp-vs-cnn',
  title: 'MLP against CNN',
  explanation: [
    'An MLP connects every pixel to every hidden unit: 784 × 100 weights for its first layer alone, and a pattern learned in one corner must be learned again in another.',
    'A convolution slides one small filter (5 × 5 weights) over the whole image, so the same weights find a stroke wherever it is. The course’s CNN has about four times fewer weights than an MLP with 100 hidden units.',
    'Train both on the same digits with the same optimizer and compare their weights and their accuracy.'
  ],
  formula: 'dense layer: in × out + out weights;   conv layer: k × k × in_channels × filters + filters weights',
  experiment: {
    // The base is the MLP so the MLP's hidden layers are set; the axis swaps in the CNN, which has none.
    base: { architecture: { preset: 'mlp', hidden: [100] }, optimizer: 'adam', learningRate: 0.001, epochs: 1, limitTrain: 6000, limitTest: 1000 },
    axes: [{ key: 'preset', values: ['seed-cnn', 'mlp'] }]
  },
  look: { view: 'compare', what: 'The parameters row and the final test accuracy row of the two runs.' },
  question: {
    prompt: 'Which model did more with fewer weights?',
    choices: CHOICES,
    pointer: 'Open the two runs in Compare: read the Parameters row first, then the final test accuracy row.',
    finding(runs) {
      const cnn = runs.find((r) => pointOf(r, 'preset') === 'seed-cnn')
      const mlp = runs.find((r) => pointOf(r, 'preset') === 'mlp')
      if (!cnn || !mlp || cnn.run.paramCount == null || mlp.run.paramCount == null) return null
      const fewer = cnn.run.paramCount <= mlp.run.paramCount ? 'cnn' : 'mlp'
      const more = fewer === 'cnn' ? accuracy(cnn) >= accuracy(mlp) : accuracy(mlp) >= accuracy(cnn)
      return { choices: [`${fewer}-${more ? 'both' : 'fewer'}`], evidence: `${describe(cnn)}; ${describe(mlp)}` }
    }
  }
}
