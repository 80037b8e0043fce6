// Waiting on a run's events instead of the clock. A wait ends when what it waits for has
// happened; it fails, naming what it waited for, as soon as the run ends without it. A run that
// hangs is left to the test's timeout, and the failure then names the wait it was stuck in.
import { onTestFailed } from 'vitest'
import type { Lab } from '../../src/main/lab/lab'
import { isTrainEvent, type BatchMetric, type LabEvent, type TrainEvent } from '../../src/shared/run-types'

export interface RunWatch {
  /** The run's events since watching began, in the order the lab emitted them. */
  readonly events: TrainEvent[]
  /** The lab's database-health reports ('store' events) since watching began. */
  readonly store: (string | null)[]
  batches(): BatchMetric[]
  /** Resolves once `done()` holds, checked now and after every event the lab emits. */
  until(what: string, done: () => boolean): Promise<void>
  stop(): void
}

interface Wait {
  what: string
  done: () => boolean
  resolve: () => void
  reject: (err: Error) => void
}

/** Starts recording at once: call it right after startRun, before any await, to miss nothing. */
export function watchRun(lab: Lab, runId: number): RunWatch {
  const events: TrainEvent[] = []
  const store: (string | null)[] = []
  let waits: Wait[] = []
  const settle = () => {
    const ended = events.find((e) => e.type === 'finished')
    waits = waits.filter((w) => {
      if (w.done()) w.resolve()
      else if (ended?.type === 'finished') w.reject(new Error(`run ${runId} ended ${ended.status}${ended.error ? ` (${ended.error})` : ''} before ${w.what}`))
      else return true
      return false
    })
  }
  const stop = lab.subscribe((e: LabEvent) => {
    if (e.type === 'store') store.push(e.error)
    else if (isTrainEvent(e) && e.runId === runId) events.push(e)
    else return
    settle()
  })
  return {
    events,
    store,
    batches: () => events.flatMap((e) => (e.type === 'batch' ? [e.metric] : [])),
    until(what, done) {
      return new Promise<void>((resolve, reject) => {
        let pending = true
        onTestFailed(() => {
          if (pending) console.error(`run ${runId} was still being waited on for: ${what} (${events.length} events seen)`)
        })
        waits.push({
          what,
          done,
          resolve: () => ((pending = false), resolve()),
          reject: (err) => ((pending = false), reject(err))
        })
        settle()
      })
    },
    stop
  }
}
