// What a training worker says about its run. The lab stores all of it; its listeners hear it
// without each epoch's mistakes (thousands of digits with their probabilities), which a view
// fetches when it shows them.
import type { Misclassified, TrainEvent } from '@shared/run-types'

export type EngineEpochEvent = Extract<TrainEvent, { type: 'epoch' }> & { misclassified: Misclassified[] }
export type EngineEvent = Exclude<TrainEvent, { type: 'epoch' }> | EngineEpochEvent

/** The event as listeners hear it. */
export function heard(event: EngineEvent): TrainEvent {
  if (event.type !== 'epoch') return event
  return { type: 'epoch', runId: event.runId, metric: event.metric, confusion: event.confusion }
}
