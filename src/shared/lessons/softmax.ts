import type { Misclassified } from '../run-types'
import type { Lesson } from './lesson'
import { pct } from './read-runs'

const BRACKETS = [
  { id: 'under-1', label: 'under 1', below: 1 },
  { id: '1-3', label: '1 to 3', below: 3 },
  { id: '3-6', label: '3 to 6', below: 6 },
  { id: 'over-6', label: 'over 6', below: Infinity }
]

/** The mistake the run was surest of: the highest probability it gave a wrong digit. */
const surest = (mistakes: Misclassified[]) => mistakes.reduce<Misclassified | null>((a, m) => (!a || m.probs[m.predicted] > a.probs[a.predicted] ? m : a), null)

export const softmax: Lesson = {
  id: 'softmax',
  title: 'Softmax and cross-entropy',
  explanation: [
    'The last layer gives ten numbers, one per digit (the logits). Softmax turns them into probabilities that are positive and sum to 1: the largest logit gets the largest share.',
    'Cross-entropy charges the network −ln of the probability it gave the true digit. A right answer given with 0.9 costs 0.1; a confident wrong answer, giving the true digit 0.001, costs almost 7. Training lowers the mean of that charge.',
    'Train a small MLP, then open its mistakes: each one shows the ten probabilities the network gave that digit.'
  ],
  formula: 'softmax: p_k = e^{z_k} / Σ_j e^{z_j}    cross-entropy: L = −ln p_y   (y: the true digit)',
  experiment: {
    base: {
      architecture: { preset: 'mlp', hidden: [100] },
      activation: 'relu',
      optimizer: 'sgd',
      learningRate: 0.1,
      epochs: 1,
      limitTrain: 3000,
      limitTest: 1000
    }
  },
  look: { view: 'runs', what: 'The gallery of mistakes at the last epoch: the digit the run was surest about, and the probability it gave the true digit.' },
  question: {
    prompt: 'Take the mistake your run was surest of. What does cross-entropy charge for it (−ln of the probability it gave the true digit)?',
    choices: BRACKETS.map(({ id, label }) => ({ id, label })),
    pointer:
      'Open the run’s mistakes in Runs: find the one whose wrong digit has the highest probability, read the probability of its true digit, and take −ln of it.',
    finding([r]) {
      const m = r && surest(r.mistakes)
      if (!m) return null
      const pTrue = Math.max(m.probs[m.label], 1e-7)
      const loss = -Math.log(pTrue)
      return {
        choices: [BRACKETS.find((b) => loss < b.below)!.id],
        evidence: `run ${r.run.id} was surest of test digit #${m.index}: a ${m.label} it called ${m.predicted} with ${pct(m.probs[m.predicted])}, giving the true digit ${pTrue.toPrecision(2)}, so cross-entropy charges −ln ${pTrue.toPrecision(2)} = ${loss.toFixed(2)} (its mean test loss was ${r.run.finalTestLoss?.toFixed(2) ?? '–'})`
      }
    }
  }
}
