// The presets as the UI lists them: a label, a description, and the layers each expands to.
import type { PresetInfo } from '@shared/contract'
import { DEFAULT_CUSTOM_LAYERS } from '@shared/hyperparams'
import { expandArchitecture } from './layer-list'

const PRESET_INFO: Omit<PresetInfo, 'layers'>[] = [
  {
    id: 'seed-cnn',
    label: "The course's CNN",
    description: 'conv 1→10 k5, max-pool 2, ReLU, conv 10→20 k5, max-pool 2, ReLU, dense 50, dropout, dense 10 — 21,840 parameters',
    architecture: { preset: 'seed-cnn' }
  },
  {
    id: 'mlp',
    label: 'MLP',
    description: 'flatten, dense hidden layers with the chosen activation, dropout, dense output',
    architecture: { preset: 'mlp', hidden: [100] }
  },
  {
    id: 'custom',
    label: 'Custom layer list',
    description: 'any list of conv2d / pooling / dense / dropout / activation / flatten layers',
    architecture: { preset: 'custom', layers: DEFAULT_CUSTOM_LAYERS }
  }
]

export function listPresets(): PresetInfo[] {
  return PRESET_INFO.map((p) => ({ ...p, layers: expandArchitecture(p.architecture) }))
}
