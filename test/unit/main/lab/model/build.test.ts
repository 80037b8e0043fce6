import { describe, expect, it } from 'vitest'
import * as tf from '@tensorflow/tfjs'
import '@tensorflow/tfjs-backend-cpu'
import { buildModel, countTrainableParams, summarise } from '../../../../../src/main/lab/model/build'
import { dataConv2d } from '../../../../../src/main/lab/model/data-conv'
import { hyperparamsFromFlags } from '../../../../../src/main/cli/train-flags'
import { MAXOUT_PIECES } from '../../../../../src/main/lab/model/maxout'
import { ACTIVATIONS, DEFAULT_HYPERPARAMS, OPTIMIZERS, PRESETS } from '../../../../../src/shared/hyperparams'
import { FIELD, FIELDS, parseHyperparams } from '../../../../../src/shared/fields'

const MNIST = { rows: 28, cols: 28, numClasses: 10 }

describe('model builder', () => {
  it("builds the course's Net from empty settings: 21,840 trainable parameters", async () => {
    await tf.setBackend('cpu')
    // The layer list and parameter counts are the PyTorch Net's, worked out from its definition.
    const { model, logits } = buildModel(parseHyperparams({}), MNIST)
    expect(countTrainableParams(model)).toBe(21840)
    const layers = summarise(model)
    expect(layers.map((l) => l.type)).toEqual([
      'Conv2D',
      'MaxPooling2D',
      'Activation',
      'Conv2D',
      'MaxPooling2D',
      'Activation',
      'Flatten',
      'Dense',
      'Activation',
      'Dropout',
      'Dense',
      'Softmax'
    ])
    expect(layers.map((l) => l.params)).toEqual([260, 0, 0, 5020, 0, 0, 0, 16050, 0, 0, 510, 0])
    expect(layers[6].outputShape).toEqual([null, 320])
    const out = model.predict(tf.zeros([2, 28, 28, 1])) as tf.Tensor
    expect(out.shape).toEqual([2, 10])
    expect(Array.from(out.sum(1).dataSync()).map((v) => Math.round(v * 1e5) / 1e5)).toEqual([1, 1])
    expect(logits.outputs[0].shape).toEqual([null, 10])
  })

  it('initialises like PyTorch: weights and biases within 1/sqrt(fan_in)', () => {
    const { model } = buildModel(DEFAULT_HYPERPARAMS, MNIST)
    const [kernel, bias] = model.layers.find((l) => l.getClassName() === 'Conv2D')!.getWeights()
    const bound = 1 / Math.sqrt(25)
    expect(kernel.abs().max().dataSync()[0]).toBeLessThanOrEqual(bound)
    expect(kernel.abs().max().dataSync()[0]).toBeGreaterThan(bound * 0.8)
    expect(bias.abs().max().dataSync()[0]).toBeLessThanOrEqual(bound)
  })

  it('builds an MLP and every activation, maxout widening its feeding layer', () => {
    for (const activation of ACTIVATIONS) {
      const hp = parseHyperparams({ architecture: { preset: 'mlp', hidden: [32, 16] }, activation })
      const { model } = buildModel(hp, MNIST)
      const widen = activation === 'maxout' ? MAXOUT_PIECES : 1
      expect(countTrainableParams(model)).toBe(784 * 32 * widen + 32 * widen + 32 * 16 * widen + 16 * widen + 16 * 10 + 10)
      expect(model.outputs[0].shape).toEqual([null, 10])
    }
  })

  it('draws a fresh dropout mask on every training step', () => {
    const { model } = buildModel(DEFAULT_HYPERPARAMS, MNIST)
    const dropout = model.layers.find((l) => l.getClassName() === 'Dropout')!
    const x = tf.ones([4, 50])
    const masks = new Set(Array.from({ length: 5 }, () => Array.from((dropout.apply(x, { training: true }) as tf.Tensor).dataSync()).join(',')))
    expect(masks.size).toBe(5)
    expect(Array.from((dropout.apply(x, { training: false }) as tf.Tensor).dataSync()).every((v) => v === 1)).toBe(true)
  })

  it('applies leaky ReLU as max(0.1x, x)', () => {
    const hp = parseHyperparams({
      architecture: {
        preset: 'custom',
        layers: [
          { type: 'dense', units: 3 },
          { type: 'activation', activation: 'leakyRelu' }
        ]
      }
    })
    const { model } = buildModel(hp, MNIST)
    const act = model.layers.find((l) => l.getClassName() === 'LeakyReLU')!
    const y = act.apply(tf.tensor2d([[-2, 0, 3]])) as tf.Tensor
    expect(Array.from(y.dataSync())).toEqual([-0.2 * 1, 0, 3].map((v, i) => (i === 0 ? Math.fround(-0.2) : v)))
  })

  it('builds a custom layer list, flattening before dense by itself', () => {
    const hp = parseHyperparams({
      architecture: {
        preset: 'custom',
        layers: [
          { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same' },
          { type: 'activation', activation: 'elu' },
          { type: 'avgPool', poolSize: 2 },
          { type: 'dense', units: 8 },
          { type: 'dropout', rate: 0.2 }
        ]
      }
    })
    const layers = summarise(buildModel(hp, MNIST).model)
    expect(layers.map((l) => l.type)).toEqual(['Conv2D', 'ELU', 'AveragePooling2D', 'Flatten', 'Dense', 'Dropout', 'Dense', 'Softmax'])
    expect(layers[3].outputShape).toEqual([null, 14 * 14 * 4])
  })

  it('explains layer lists that cannot work', () => {
    const custom = (layers: unknown[]) => parseHyperparams({ architecture: { preset: 'custom', layers } })
    expect(() => buildModel(custom([{ type: 'flatten' }, { type: 'conv2d', filters: 2, kernelSize: 3 }]), MNIST)).toThrow(
      /layer 2: conv2d needs an image input/
    )
    expect(() =>
      buildModel(
        custom([
          { type: 'conv2d', filters: 2, kernelSize: 11 },
          { type: 'conv2d', filters: 2, kernelSize: 11 },
          { type: 'conv2d', filters: 2, kernelSize: 11 }
        ]),
        MNIST
      )
    ).toThrow(/layer 3 \(conv2d\) shrinks the data to nothing/)
    expect(() => buildModel(custom([{ type: 'activation', activation: 'maxout' }]), MNIST)).toThrow(/maxout needs its own dense or conv2d layer/)
  })
})

describe('first-layer convolution', () => {
  it('matches tfjs-layers Conv2D in output and weight gradients, and exports as a plain Conv2D', async () => {
    await tf.setBackend('cpu')
    const config = { inputShape: [9, 9, 1], filters: 3, kernelSize: 3, strides: 2, padding: 'same' as const }
    const plain = tf.sequential({ layers: [tf.layers.conv2d(config)] })
    const data = tf.sequential({ layers: [dataConv2d(config)] })
    data.setWeights(plain.getWeights())
    const x = tf.randomNormal([2, 9, 9, 1], 0, 1, 'float32', 3)
    const w = tf.randomNormal([2, 5, 5, 3], 0, 1, 'float32', 4)
    const grads = (m: tf.Sequential) => {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.mul(m.apply(x) as tf.Tensor, w)) as tf.Scalar,
        m.trainableWeights.map((v) => (v as unknown as { val: tf.Variable }).val)
      )
      return [value.dataSync()[0], ...Object.values(grads).map((g) => Array.from(g.dataSync()))]
    }
    const [pv, ...pg] = grads(plain)
    const [dv, ...dg] = grads(data)
    expect(dv).toBeCloseTo(pv as number, 4)
    pg.forEach((g, i) => (g as number[]).forEach((v, j) => expect((dg[i] as number[])[j]).toBeCloseTo(v, 4)))
    expect(data.layers[0].getClassName()).toBe('Conv2D')
    expect(JSON.stringify(data.toJSON(null, false))).toContain('"class_name":"Conv2D"')
  })
})

describe('hyperparameter schema', () => {
  it('gives a request without settings and a train command without flags the same defaults', () => {
    expect(parseHyperparams(undefined)).toEqual(DEFAULT_HYPERPARAMS)
    expect(hyperparamsFromFlags({})).toEqual(DEFAULT_HYPERPARAMS)
  })

  it('offers in the field table exactly the choices the schema accepts, each with words for it', () => {
    expect(FIELD.activation.choices).toEqual(ACTIVATIONS)
    expect(FIELD.optimizer.choices).toEqual(OPTIMIZERS)
    expect(FIELD.preset.choices).toEqual(PRESETS)
    for (const field of FIELDS.filter((f) => f.choiceLabels)) {
      for (const choice of field.choices!) expect(field.choiceLabels![choice], `${field.key}: ${choice}`).toBeTruthy()
    }
  })

  it('fills defaults and rejects bad values with the field named', () => {
    expect(parseHyperparams({ epochs: 3 }).epochs).toBe(3)
    expect(() => parseHyperparams({ learningRate: -1 })).toThrow('Invalid settings: Learning rate must be greater than 0')
    expect(() => parseHyperparams({ batchSize: 2.5 })).toThrow('Invalid settings: Batch size must be a whole number')
    expect(() => parseHyperparams({ activation: 'swish' })).toThrow(`Invalid settings: Activation must be one of ${ACTIVATIONS.join(', ')}`)
    expect(() => parseHyperparams({ lr: 0.1 })).toThrow('Invalid settings: Settings has unknown setting "lr"')
    expect(() => parseHyperparams({ architecture: { preset: 'custom', layers: [{ type: 'conv2d', filters: 0, kernelSize: 3 }] } })).toThrow(
      'Invalid settings: Layer 1 filters must be at least 1'
    )
    expect(() => parseHyperparams('fast please')).toThrow('Invalid settings: Settings must be an object')
  })
})
