// Everyone who listens to a lab (each window, each browser tab, a CLI's progress bar) hears the
// same events, in the order they happened, from here.
import type { LabEvent } from '@shared/run-types'
import type { RunsTable } from '../store/runs'

export type Listener = (event: LabEvent) => void

export class EventHub {
  private readonly listeners = new Set<Listener>()

  constructor(private readonly runs: RunsTable) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit(event: LabEvent): void {
    for (const l of this.listeners) {
      try {
        l(event)
      } catch {
        // A broken listener (a closed socket, a destroyed window) must not stop the run's logging.
      }
    }
  }

  /** Tells every listener the run's row as stored now. */
  runChanged(runId: number): void {
    try {
      this.emit({ type: 'run', run: this.runs.summary(runId) })
    } catch {
      // The row cannot be read (a locked file): the run's own events still tell its state.
    }
  }
}
