// What crosses the worker boundary. The control word lives in shared memory so pause and stop
// land within one batch even while the worker is busy computing.
import type { Hyperparams } from '@shared/hyperparams'
import type { EngineEvent } from '../engine/engine-event'
import type { InsideEvent } from '../inside/recorder'
import type { TrainOutcome } from '../engine/outcome'

export const CONTROL = { run: 0, pause: 1, stop: 2 } as const

export interface WorkerInput {
  runId: number
  hyperparams: Hyperparams
  control: SharedArrayBuffer
}

/** Engine events come a run of them at a time, in order (event-batcher.ts). */
export type WorkerMessage = { kind: 'events'; events: EngineEvent[] } | { kind: 'inside'; event: InsideEvent } | { kind: 'outcome'; outcome: TrainOutcome }
