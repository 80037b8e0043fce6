// Names a student can read for a tfjs model's layers: "conv 1 (10 filters 5x5)", "relu after
// conv 2", "dense 2 (10 units)". Used for the recorded statistics and for one digit's views.
import type * as tf from '@tensorflow/tfjs'
import type { LayerOutputView } from '@shared/inside'

export interface NamedLayer {
  /** Index among the model's layers. */
  index: number
  layer: tf.layers.Layer
  name: string
  label: string
  kind: LayerOutputView['kind']
  /** For activation layers: relu, sigmoid, tanh, leakyRelu, elu, maxout. */
  fn: string | null
  hasWeights: boolean
}

type Config = Record<string, unknown>
const size = (v: unknown) => (Array.isArray(v) ? v.join('x') : `${v}x${v}`)

function activationOf(cls: string, c: Config): string | null {
  switch (cls) {
    case 'Activation':
      return String(c.activation)
    case 'LeakyReLU':
      return 'leakyRelu'
    case 'ELU':
      return 'elu'
    case 'Maxout':
      return 'maxout'
    default:
      return null
  }
}

export function nameLayers(model: tf.LayersModel): NamedLayer[] {
  let convs = 0
  let denses = 0
  let last = 'the input'
  const out: NamedLayer[] = []
  model.layers.forEach((layer, index) => {
    const cls = layer.getClassName()
    const c = layer.getConfig() as Config
    const fn = activationOf(cls, c)
    let label: string
    let kind: NamedLayer['kind'] = 'other'
    if (cls === 'Conv2D') {
      label = last = `conv ${++convs} (${c.filters} filters ${size(c.kernelSize)})`
      kind = 'conv'
    } else if (cls === 'Dense') {
      label = last = `dense ${++denses} (${c.units} units)`
      kind = 'dense'
    } else if (cls.endsWith('Pooling2D')) {
      label = `${cls.startsWith('Max') ? 'max' : 'average'}-pool ${size(c.poolSize)} after ${last}`
      kind = 'pool'
    } else if (fn) {
      label = `${fn} after ${last}`
      kind = 'activation'
    } else label = `${cls.toLowerCase()} after ${last}`
    if (cls !== 'InputLayer') out.push({ index, layer, name: layer.name, label, kind, fn, hasWeights: layer.trainableWeights.length > 0 })
  })
  return out
}
