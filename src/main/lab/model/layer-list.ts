// A run's architecture as a layer list, without tfjs: presets expand here, and maxout's widening
// is decided here, so the builder and the parameter count read the same list the same way.
import type { Activation, Architecture, LayerSpec } from '@shared/hyperparams'

/** Linear pieces per maxout unit: the layer feeding a maxout is this many times wider. */
export const MAXOUT_PIECES = 2

/** The course's `Net`: conv 1->10 k5, pool, act, conv 10->20 k5, pool, act, dense 50, act, dropout, dense 10. */
export const SEED_CNN_LAYERS: LayerSpec[] = [
  { type: 'conv2d', filters: 10, kernelSize: 5, stride: 1, padding: 'valid' },
  { type: 'maxPool', poolSize: 2 },
  { type: 'activation' },
  { type: 'conv2d', filters: 20, kernelSize: 5, stride: 1, padding: 'valid' },
  { type: 'maxPool', poolSize: 2 },
  { type: 'activation' },
  { type: 'flatten' },
  { type: 'dense', units: 50 },
  { type: 'activation' },
  { type: 'dropout' }
]

export function expandArchitecture(arch: Architecture): LayerSpec[] {
  switch (arch.preset) {
    case 'seed-cnn':
      return SEED_CNN_LAYERS
    case 'mlp':
      return [{ type: 'flatten' }, ...arch.hidden.flatMap((units): LayerSpec[] => [{ type: 'dense', units }, { type: 'activation' }]), { type: 'dropout' }]
    case 'custom':
      return arch.layers
  }
}

/** Indices of the conv2d/dense layers that feed a maxout and must be widened k-fold. */
export function maxoutFeeders(layers: LayerSpec[], runActivation: Activation): Set<number> {
  const feeders = new Set<number>()
  let lastLinear = -1
  layers.forEach((layer, i) => {
    if (layer.type === 'conv2d' || layer.type === 'dense') lastLinear = i
    if (layer.type === 'activation' && (layer.activation ?? runActivation) === 'maxout') {
      if (lastLinear < 0 || feeders.has(lastLinear)) {
        throw new Error(`layer ${i + 1}: maxout needs its own dense or conv2d layer before it`)
      }
      feeders.add(lastLinear)
    }
  })
  return feeders
}
