// The plan every side of the bridge reads: the course's Net gets the course's names and shapes,
// TensorFlow's "same" padding is placed as TensorFlow places it, and a layer PyTorch's code here
// cannot express is refused with the reason.
import { describe, expect, it } from 'vitest'
import { planTorch } from '../../../../../src/main/lab/pytorch/torch-plan'
import { parseHyperparams } from '../../../../../src/shared/fields'

const MNIST = { rows: 28, cols: 28, numClasses: 10 }

describe('planTorch', () => {
  it("names and shapes the course's Net as the course does, and marks fc1 as the flatten's reader", () => {
    const plan = planTorch(parseHyperparams({}), MNIST)
    expect(plan.tensors.map((t) => `${t.name} ${t.shape.join('x')}`)).toEqual([
      'conv1.weight 10x1x5x5',
      'conv1.bias 10',
      'conv2.weight 20x10x5x5',
      'conv2.bias 20',
      'fc1.weight 50x320',
      'fc1.bias 50',
      'fc2.weight 10x50',
      'fc2.bias 10'
    ])
    expect(plan.layers.find((l) => l.kind === 'linear' && l.name === 'fc1')).toMatchObject({ flattenedFrom: [4, 4, 20] })
    expect(plan.layers.find((l) => l.kind === 'linear' && l.name === 'fc2')).toMatchObject({ flattenedFrom: null })
  })

  it('pads "same" as TensorFlow does: the odd pixel at the bottom and right, strides included', () => {
    const layers = [
      { type: 'conv2d', filters: 2, kernelSize: 4, stride: 1, padding: 'same' },
      { type: 'conv2d', filters: 2, kernelSize: 3, stride: 2, padding: 'same' }
    ]
    const plan = planTorch(parseHyperparams({ architecture: { preset: 'custom', layers } }), MNIST)
    const convs = plan.layers.filter((l) => l.kind === 'conv')
    expect(convs.map((c) => c.kind === 'conv' && c.padding)).toEqual([
      { top: 1, bottom: 2, left: 1, right: 2 },
      { top: 0, bottom: 1, left: 0, right: 1 }
    ])
    expect(plan.layers.find((l) => l.kind === 'flatten')).toMatchObject({ from: [14, 14, 2] })
  })

  it('widens the layer feeding a maxout, as the lab builds it', () => {
    const plan = planTorch(parseHyperparams({ architecture: { preset: 'mlp', hidden: [32] }, activation: 'maxout' }), MNIST)
    expect(plan.tensors.map((t) => t.shape.join('x'))).toEqual(['64x784', '64', '10x32', '10'])
  })

  it('refuses a maxout straight after flattening a many-channel image, saying why', () => {
    const layers = [{ type: 'conv2d', filters: 4, kernelSize: 5 }, { type: 'flatten' }, { type: 'activation', activation: 'maxout' }]
    expect(() => planTorch(parseHyperparams({ architecture: { preset: 'custom', layers } }), MNIST)).toThrow(
      "layer 3 (activation): a maxout straight after flattening a 24x24x8 image cannot be written as PyTorch's view; put a dense layer before it"
    )
  })
})
