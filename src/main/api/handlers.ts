// The lab behind the contract: one small function per request. Payloads arrive validated.
import type { LabHandlers, PresetInfo } from '../../shared/contract'
import { DEFAULT_CUSTOM_LAYERS } from '../../shared/hyperparams'
import type { Lab } from '../lab/lab'
import { toModelFiles } from '../lab/engine/weights'
import { expandArchitecture } from '../lab/model/build'

const PRESET_INFO: Omit<PresetInfo, 'layers'>[] = [
  {
    id: 'seed-cnn',
    label: "The course's CNN",
    description: 'conv 1→10 k5, max-pool 2, ReLU, conv 10→20 k5, max-pool 2, ReLU, dense 50, dropout, dense 10 — 21,840 parameters',
    architecture: { preset: 'seed-cnn' }
  },
  { id: 'mlp', label: 'MLP', description: 'flatten, dense hidden layers with the chosen activation, dropout, dense 10', architecture: { preset: 'mlp', hidden: [100] } },
  {
    id: 'custom',
    label: 'Custom layer list',
    description: 'any list of conv2d / pooling / dense / dropout / activation / flatten layers',
    architecture: { preset: 'custom', layers: DEFAULT_CUSTOM_LAYERS }
  }
]

export function createLabHandlers(lab: Lab): LabHandlers {
  const ok = { ok: true } as const
  return {
    startRun: (hp) => lab.startRun(hp),
    pauseRun: ({ runId }) => (lab.pauseRun(runId), ok),
    resumeRun: ({ runId }) => (lab.resumeRun(runId), ok),
    stopRun: ({ runId }) => (lab.stopRun(runId), ok),
    listRuns: () => lab.store.listRuns(),
    getRun: ({ runId }) => lab.store.getRun(runId),
    runMetrics: ({ runId }) => ({ batches: lab.store.batchMetrics(runId), epochs: lab.store.epochMetrics(runId) }),
    renameRun: ({ runId, name }) => {
      lab.store.rename(runId, name)
      return lab.store.getRun(runId)
    },
    annotateRun: ({ runId, notes }) => {
      lab.store.annotate(runId, notes)
      return lab.store.getRun(runId)
    },
    deleteRun: ({ runId }) => (lab.deleteRun(runId), ok),
    listDatasets: () => [lab.dataset('mnist')],
    listPresets: () => PRESET_INFO.map((p) => ({ ...p, layers: expandArchitecture(p.architecture) })),
    backendInfo: () => lab.backend(),
    confusion: ({ runId, epoch }) => {
      const found = lab.store.confusion(runId, epoch)
      return found && { ...found, classNames: lab.store.getRun(runId).classNames }
    },
    misclassified: ({ runId, epoch }) => lab.store.misclassified(runId, epoch),
    testImages: ({ dataset, indices }) => lab.testImages(dataset, indices),
    predict: async ({ runId, pixels }) => ({ probs: await lab.predict(runId, pixels) }),
    exportModel: ({ runId }) => {
      const files = toModelFiles(lab.store.requireWeights(runId))
      return { modelJson: files.modelJson, weightsBase64: files.weights.toString('base64') }
    }
  }
}
