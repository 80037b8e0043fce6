import type { Lesson } from './lesson'

const SIDES = ['28', '24', '12', '4']

export const convolution: Lesson = {
  id: 'convolution',
  title: 'Convolution and pooling',
  explanation: [
    'A convolution layer slides each of its filters over the image and writes, at every place, how well the patch under it matches: one feature map per filter. A 5 × 5 filter that must stay inside a 28 × 28 digit fits in 24 × 24 places.',
    'Max-pooling keeps the largest value of each 2 × 2 block: the map halves in width and height, and a stroke moved by a pixel still gives the same answer.',
    'Train the course’s CNN, look at its first-layer filters, then send one digit through it and look at its feature maps.'
  ],
  formula: 'output side = (input side − kernel) / stride + 1;   after a 2 × 2 max-pool: side / 2',
  experiment: {
    base: { architecture: { preset: 'seed-cnn' }, optimizer: 'sgd', learningRate: 0.05, epochs: 1, limitTrain: 3000, limitTest: 1000 }
  },
  look: {
    view: 'runs',
    inside: true,
    what: 'The run’s layer table (each layer’s output shape), its first-layer filters, and one digit’s feature maps under “look inside this digit”.'
  },
  question: {
    prompt: 'In your run’s network, how wide is each feature map after the first pooling layer?',
    choices: SIDES.map((s) => ({ id: s, label: `${s} × ${s}` })),
    pointer:
      'Open the run in Runs and read the layer table: the output shape of the first pooling layer (a 5 × 5 filter first trims the map, pooling then halves it).',
    finding([r]) {
      const pool = r?.layers.find((l) => /pool/i.test(l.type))
      const side = pool?.outputShape[1]
      if (side == null) return null
      return { choices: [String(side)], evidence: `run ${r.run.id}'s layer ${pool!.name} (${pool!.type}) outputs ${pool!.outputShape.slice(1).join(' × ')}` }
    }
  }
}
