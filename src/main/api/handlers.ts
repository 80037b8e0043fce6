// The lab behind the contract: each request is a one-line forward to the Lab. Payloads arrive
// validated by dispatch; nothing here reaches past the facade.
import type { RequestName } from '@shared/channels'
import type { LabHandlers, RequestOutput } from '@shared/contract'
import { hyperparams } from '@shared/hyperparams'
import type { Lab } from '../lab/lab'

const ok: { ok: true } = { ok: true }

export function createLabHandlers(lab: Lab): LabHandlers {
  return handlers(lab)
}

function handlers(lab: Lab) {
  return {
    startRun: (hp) => lab.startRun(hp),
    pauseRun: ({ runId }) => (lab.pauseRun(runId), ok),
    resumeRun: ({ runId }) => (lab.resumeRun(runId), ok),
    stopRun: ({ runId }) => (lab.stopRun(runId), ok),
    listRuns: () => lab.listRuns(),
    liveRuns: () => lab.liveRuns(),
    getRun: ({ runId }) => lab.getRun(runId),
    runMetrics: ({ runId, after }) => lab.runMetrics(runId, after),
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
    exportPytorch: ({ runId }) => lab.exportPytorch(runId),
    importPytorch: ({ file, fileName, settings }) => lab.importPytorch(Buffer.from(file, 'base64'), settings ?? hyperparams.parse({}), fileName),
    getInside: ({ runId, after }) => lab.getInside(runId, after),
    lookInside: ({ runId, pixels, epoch }) => lab.lookInside(runId, pixels, epoch),
    startSweep: (spec) => lab.startSweep(spec),
    listSweeps: () => lab.listSweeps(),
    getSweep: ({ sweepId }) => lab.getSweep(sweepId),
    cancelSweep: ({ sweepId }) => lab.cancelSweep(sweepId),
    storeHealth: () => lab.storeHealth(),
    rescueDatabase: (input) => lab.rescueDatabase(input?.file),
    courseProgress: () => lab.courseProgress(),
    startLesson: ({ lessonId }) => lab.startLesson(lessonId),
    answerLesson: ({ lessonId, answer }) => lab.answerLesson(lessonId, answer)
  } satisfies LabHandlers
}

// The contract cannot drift from the Lab: what each request's handler returns must be exactly the
// type the contract promises, not merely assignable to it (a detail where a summary is promised
// passes `satisfies` and would cross the wire unseen). A drift fails the typecheck naming the request.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
type Drifted = { [K in RequestName]: Same<Awaited<ReturnType<ReturnType<typeof handlers>[K]>>, RequestOutput<K>> extends true ? never : K }[RequestName]
export const contractMatchesLab: [Drifted] extends [never] ? true : { drifted: Drifted } = true
