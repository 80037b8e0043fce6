// A Conv2D for the first layer, the one that sees the data. tfjs-layers always convolves with
// fused.conv2d, whose gradient computes the input's gradient eagerly; for the first layer nobody
// needs it, and on wasm it is a third of a CNN training step. The plain conv2d op's input
// gradient is lazy, so the engine skips it. Same maths, same weights, same class name on export.
import * as tf from '@tensorflow/tfjs'

type ConvArgs = Parameters<typeof tf.layers.conv2d>[0]
interface ConvInternals {
  kernel: { read(): tf.Tensor }
  bias: { read(): tf.Tensor } | null
  strides: [number, number]
  padding: 'valid' | 'same'
  dilationRate: [number, number]
  activation: { apply(t: tf.Tensor): tf.Tensor } | null
}

// The Conv2D class itself is not exported by tfjs-layers; its instances carry it.
const Conv2D = Object.getPrototypeOf(tf.layers.conv2d({ filters: 1, kernelSize: 1 })).constructor as new (args: ConvArgs) => tf.layers.Layer

class DataConv2D extends Conv2D {
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const self = this as unknown as ConvInternals
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D
      let y: tf.Tensor = tf.conv2d(x, self.kernel.read() as tf.Tensor4D, self.strides, self.padding, 'NHWC', self.dilationRate)
      if (self.bias) y = tf.add(y, self.bias.read())
      return self.activation ? self.activation.apply(y) : y
    })
  }
}

export function dataConv2d(args: ConvArgs): tf.layers.Layer {
  return new DataConv2D(args)
}
