// Maxout (Goodfellow et al.): each unit is the max of k linear pieces. The builder widens the
// layer before it k-fold, so this layer brings the width back to what the user asked for.
import * as tf from '@tensorflow/tfjs'
import { MAXOUT_PIECES } from './layer-list'

export { MAXOUT_PIECES }

export class Maxout extends tf.layers.Layer {
  static className = 'Maxout'
  readonly pieces: number

  constructor(config: { pieces?: number; name?: string } = {}) {
    super({ name: config.name })
    this.pieces = config.pieces ?? MAXOUT_PIECES
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape
    const last = shape[shape.length - 1]
    return [...shape.slice(0, -1), last == null ? null : last / this.pieces]
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs
      const shape = x.shape
      const units = shape[shape.length - 1] / this.pieces
      return tf.max(tf.reshape(x, [...shape.slice(0, -1), units, this.pieces]), -1)
    })
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), pieces: this.pieces }
  }
}

tf.serialization.registerClass(Maxout)
