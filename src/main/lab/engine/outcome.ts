// How a run ended, and the one place its 'finished' event is built.
import type { RunStatus, TrainEvent } from '@shared/run-types'
import type { ModelArtifacts } from '../model/weights'

export interface TrainOutcome {
  status: RunStatus
  error: string | null
  weights: ModelArtifacts | null
}

export function finishedEvent(
  runId: number,
  outcome: Pick<TrainOutcome, 'status' | 'error'>,
  finalTestAccuracy: number | null = null
): Extract<TrainEvent, { type: 'finished' }> {
  return { type: 'finished', runId, status: outcome.status, error: outcome.error, finalTestAccuracy }
}
