// Starts a training run in a worker thread and gives the caller a handle to steer it.
import type { Hyperparams } from '@shared/hyperparams'
import type { EngineEvent } from '../engine/engine-event'
import { CONTROL, type WorkerInput, type WorkerMessage } from './train-protocol'
import { spawnWorker } from '../engine/spawn'
import type { InsideEvent } from '../inside/recorder'
import { finishedEvent, type TrainOutcome } from '../engine/outcome'

export interface TrainingHandle {
  runId: number
  pause(): void
  resume(): void
  stop(): void
  readonly done: Promise<TrainOutcome>
}

/** `onInside` gets what the run records inside its network (stored, not streamed to views). */
export function startTraining(
  runId: number,
  hyperparams: Hyperparams,
  onEvent: (e: EngineEvent) => void,
  onInside: (e: InsideEvent) => void = () => {}
): TrainingHandle {
  const control = new SharedArrayBuffer(4)
  const flag = new Int32Array(control)
  const worker = spawnWorker('trainer', { runId, hyperparams, control } satisfies WorkerInput)
  const set = (value: number) => {
    Atomics.store(flag, 0, value)
    Atomics.notify(flag, 0)
  }
  const done = new Promise<TrainOutcome>((resolve) => {
    let outcome: TrainOutcome | null = null
    let finishedSeen = false
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.kind === 'events') {
        for (const event of msg.events) {
          finishedSeen ||= event.type === 'finished'
          onEvent(event)
        }
      } else if (msg.kind === 'inside') onInside(msg.event)
      else outcome = msg.outcome
    })
    worker.on('error', (err) => {
      outcome ??= { status: 'failed', error: `training worker crashed: ${err.message}`, weights: null }
    })
    worker.on('exit', (code) => {
      outcome ??= { status: 'failed', error: `training worker exited with code ${code} before finishing`, weights: null }
      if (!finishedSeen) onEvent(finishedEvent(runId, outcome))
      resolve(outcome)
    })
  })
  return {
    runId,
    pause: () => set(CONTROL.pause),
    resume: () => set(CONTROL.run),
    stop: () => set(CONTROL.stop),
    done
  }
}
