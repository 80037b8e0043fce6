// The lab behind the contract: each request is a one-line forward to the Lab. Payloads arrive
// validated by dispatch; nothing here reaches past the facade.
import type { LabHandlers } from '@shared/contract'
import type { Lab } from '../lab/lab'

const ok = { ok: true } as const

export function createLabHandlers(lab: Lab): LabHandlers {
  return {
    startRun: (hp) => lab.startRun(hp),
    pauseRun: ({ runId }) => (lab.pauseRun(runId), ok),
    resumeRun: ({ runId }) => (lab.resumeRun(runId), ok),
    stopRun: ({ runId }) => (lab.stopRun(runId), ok),
    listRuns: () => lab.listRuns(),
    liveRuns: () => lab.liveRuns(),
    getRun: ({ runId }) => lab.getRun(runId),
    runMetrics: ({ runId }) => lab.runMetrics(runId),
    renameRun: ({ runId, name }) => lab.renameRun(runId, name),
    annotateRun: ({ runId, notes }) => lab.annotateRun(runId, notes),
    deleteRun: ({ runId }) => (lab.deleteRun(runId), ok),
    listPresets: () => lab.listPresets(),
    backendInfo: () => lab.backend(),
    confusion: ({ runId, epoch }) => lab.confusion(runId, epoch),
    misclassified: ({ runId, epoch }) => lab.misclassified(runId, epoch),
    testImages: ({ dataset, indices }) => lab.testImages(dataset, indices),
    predict: async ({ runId, pixels }) => ({ probs: await lab.predict(runId, pixels) }),
    exportModel: ({ runId }) => lab.exportModel(runId),
    getInside: ({ runId, after }) => lab.getInside(runId, after),
    lookInside: ({ runId, pixels, epoch }) => lab.lookInside(runId, pixels, epoch),
    startSweep: (spec) => lab.startSweep(spec),
    listSweeps: () => lab.listSweeps(),
    getSweep: ({ sweepId }) => lab.getSweep(sweepId),
    cancelSweep: ({ sweepId }) => lab.cancelSweep(sweepId),
    storeHealth: () => lab.storeHealth(),
    rescueDatabase: (input) => lab.rescueDatabase(input?.file)
  }
}
