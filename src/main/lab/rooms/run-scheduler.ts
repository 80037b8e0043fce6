// The runs this lab trains: the queue in the file (started in order while there is room), each
// run's life in its worker (every event it sends stored, in order, then announced), and the
// controls (pause, resume, stop, wait). What a run produced is announced as ended only once it is
// stored, so a listener that reads the run back finds it complete.
import type { Hyperparams } from '@shared/hyperparams'
import type { Embedding } from '@shared/inside'
import type { LiveRunState, RunStatus, StartedEvent, TrainEvent } from '@shared/run-types'
import type { SweepSummary } from '@shared/sweep'
import { heard, type EngineEvent } from '../engine/engine-event'
import { finishedEvent, type TrainOutcome } from '../engine/outcome'
import { startTraining, type TrainingHandle } from '../training/runner'
import { projectEmbedding } from '../inside/embedding'
import { LabError } from '../lab-error'
import type { Owner } from '../store/owners'
import { RunLogger } from '../store/run-logger'
import { storedHyperparams } from '../store/rows'
import type { Store } from '../store/store'
import { unstoredSentence } from '../store/unstored'
import type { WriteQueue } from '../store/write-queue'
import type { EventHub } from './event-hub'

interface ActiveRun {
  handle: TrainingHandle
  done: Promise<TrainOutcome>
  logger: RunLogger
  started: StartedEvent | null
}

export interface SchedulerOptions {
  owner: Owner
  /** How many runs train at once; 0 for a lab that only reads. */
  maxRuns: number
  /** Start queued runs no live process holds (long-lived labs), or only this lab's own (a CLI). */
  adoptQueued: boolean
  /** False once the database file is lost: queued runs would train into a file no one reads. */
  mayStart: () => boolean
}

export class RunScheduler {
  private readonly active = new Map<number, ActiveRun>()
  /** Waits for a queued run, woken to look again after every check and when the lab closes. */
  private readonly wakeups = new Set<() => void>()
  private closed = false

  constructor(
    private readonly store: Store,
    private readonly hub: EventHub,
    private readonly writes: WriteQueue,
    private readonly options: SchedulerOptions
  ) {}

  /** The runs training here now. */
  get training(): number[] {
    return [...this.active.keys()]
  }

  isTraining(runId: number): boolean {
    return this.active.has(runId)
  }

  /** Runs just put in the queue: started if there is room, announced as queued otherwise. */
  queued(runIds: number[]): void {
    this.startQueuedRuns()
    for (const id of runIds) if (!this.active.has(id)) this.hub.runChanged(id)
  }

  /** After a watchdog check: runs whose owner let go or died may start here, and waiters look again. */
  checked(): void {
    this.startQueuedRuns()
    // Another process may have taken or cancelled a run someone here waits for.
    for (const wake of [...this.wakeups]) wake()
  }

  /** Starts queued runs, in order, while this lab trains fewer than it may. */
  startQueuedRuns(): void {
    if (this.closed || !this.options.mayStart()) return
    while (this.active.size < this.options.maxRuns) {
      let next: { id: number; hyperparams: string } | null
      try {
        next = this.store.runs.claimNextQueued(this.options.owner, this.options.adoptQueued)
      } catch {
        return // a locked file: the watchdog's next check starts them
      }
      if (!next) return
      this.launch(next.id, storedHyperparams(next.hyperparams))
    }
  }

  /** Trains a run already marked running in the store, in a worker of its own. */
  private launch(runId: number, hp: Hyperparams): void {
    this.hub.runChanged(runId)
    const logger = new RunLogger(this.store.metrics, runId)
    let finished: TrainEvent | null = null
    const onEvent = (event: EngineEvent) => {
      const entry = this.active.get(runId)
      if (event.type === 'started' && entry) entry.started = event
      this.record(runId, logger, event)
      if (event.type === 'finished') finished = event
      else this.hub.emit(heard(event))
    }
    let handle: TrainingHandle
    try {
      // The inside of the network is stored, not streamed: views read it when they open.
      handle = startTraining(runId, hp, onEvent, (event) => {
        if (event.type === 'inside') return this.writes.persist(runId, () => this.store.inside.addPoint(runId, event.point))
        if (event.type === 'weights') return this.writes.persist(runId, () => this.store.weights.saveEpoch(runId, event.epoch, event.data))
        let embedding: Embedding
        try {
          embedding = projectEmbedding(event.raw)
        } catch (err) {
          // Best effort, as in the worker: the run is stored without its map.
          return console.warn(`run ${runId}: the embedding could not be projected (${(err as Error).message})`)
        }
        this.writes.persist(runId, () => this.store.inside.setEmbedding(runId, embedding))
      })
    } catch (err) {
      // No worker (a build without its bundle): the run fails with the reason, the queue goes on.
      this.writes.persist(runId, () => this.store.runs.finish(runId, 'failed', (err as Error).message))
      this.hub.emit(finishedEvent(runId, { status: 'failed', error: (err as Error).message }))
      this.hub.runChanged(runId)
      return
    }
    const done = handle.done.then(async (trained) => {
      this.writes.persist(runId, () => {
        logger.flush()
        if (trained.weights) this.store.weights.save(runId, trained.weights)
        this.store.runs.finish(runId, trained.status, trained.error)
      })
      const stored = await this.writes.settled(runId)
      const { outcome, said } = stored ? { outcome: trained, said: true } : await this.unstored(runId)
      this.active.delete(runId)
      this.hub.emit(stored && finished ? finished : finishedEvent(runId, outcome))
      if (said) this.hub.runChanged(runId)
      // Its ending could not be stored either: windows are told it from memory, not the row's 'running'.
      else this.hub.emit({ type: 'run', run: { ...this.store.runs.summary(runId), status: outcome.status, error: outcome.error } })
      this.startQueuedRuns()
      return outcome
    })
    this.active.set(runId, { handle, done, logger, started: null })
  }

  /**
   * A run whose writes were given up ends 'failed', saying what reached the file. That sentence is
   * one more write, queued afresh with the queue's patience (a lock is waited out); `said` is
   * whether it landed.
   */
  private async unstored(runId: number): Promise<{ outcome: TrainOutcome; said: boolean }> {
    const reason = this.writes.lostReason(runId) ?? 'its writes were given up'
    this.writes.forget(runId)
    const error = unstoredSentence(this.store.metrics, runId, this.active.get(runId)?.started?.stepsPerEpoch ?? null, reason)
    this.writes.persist(runId, () => this.store.runs.finish(runId, 'failed', error))
    const said = await this.writes.settled(runId)
    this.writes.forget(runId)
    return { outcome: { status: 'failed', error, weights: null }, said }
  }

  private record(runId: number, logger: RunLogger, event: EngineEvent): void {
    const persist = (write: () => void) => this.writes.persist(runId, write)
    switch (event.type) {
      case 'started':
        return persist(() => this.store.runs.markStarted(runId, event))
      case 'batch':
        // Batches wait in the logger; while earlier writes are stuck, the next write in line takes them.
        logger.add(event.metric)
        if (!this.writes.blocked(runId)) persist(() => logger.flushIfDue())
        return
      case 'epoch':
        return persist(() => {
          logger.flush()
          this.store.metrics.addEpoch(runId, event.metric, event.confusion, event.misclassified)
        })
      case 'status':
        persist(() => {
          logger.flush()
          this.store.runs.setStatus(runId, event.status)
        })
        // Paused and running again are changes of the row: every view shows them.
        return this.hub.runChanged(runId)
      case 'finished':
        return persist(() => logger.flush())
    }
  }

  private handle(runId: number, action: string): TrainingHandle {
    const entry = this.active.get(runId)
    if (entry) return entry.handle
    if (this.store.runs.row(runId).status === 'queued') throw new LabError(`run ${runId} is queued: it can be ${action} once it starts; stop it to cancel it`)
    throw new LabError(`run ${runId} is not training in this lab`)
  }

  pause(runId: number): void {
    this.handle(runId, 'paused').pause()
  }

  resume(runId: number): void {
    this.handle(runId, 'resumed').resume()
  }

  /** Stops a run this lab trains; cancels a queued run, whichever lab queued it (it ends 'stopped'). */
  stop(runId: number): void {
    const entry = this.active.get(runId)
    if (entry) return entry.handle.stop()
    if (this.store.runs.cancelQueued(runId)) return this.hub.runChanged(runId)
    this.store.runs.row(runId)
    throw new LabError(`run ${runId} is not training in this lab`)
  }

  /** Drops the sweep's queued runs and stops the ones training here; what ended stays. */
  cancelSweep(sweepId: number): SweepSummary {
    this.store.sweeps.cancel(sweepId)
    for (const runId of this.store.sweeps.runIds(sweepId)) {
      if (this.store.runs.row(runId).status === 'queued' || this.active.has(runId)) this.stop(runId)
    }
    return this.store.sweeps.summary(sweepId)
  }

  /** Stops the run if it trains here (its rows can no longer be stored); nothing otherwise. */
  halt(runId: number): void {
    this.active.get(runId)?.handle.stop()
  }

  /**
   * Resolves when the run has ended and everything it produced is stored; a run queued here waits
   * for its turn first. A run queued by another live lab is answered as it is now: 'queued'.
   */
  async waitFor(runId: number): Promise<{ status: RunStatus; error: string | null }> {
    for (;;) {
      const entry = this.active.get(runId)
      if (entry) {
        const outcome = await entry.done
        return { status: outcome.status, error: outcome.error }
      }
      const run = this.store.runs.row(runId)
      if (this.closed || !this.store.runs.startsFor(runId, this.options.owner, this.options.adoptQueued)) return { status: run.status, error: run.error }
      await this.nextChange(runId)
    }
  }

  /**
   * Resolves at the next row event about the run (it started, was cancelled or deleted), after the
   * watchdog's next check (another process may have changed it), or when the lab closes.
   */
  private nextChange(runId: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        stop()
        this.wakeups.delete(done)
        resolve()
      }
      const stop = this.hub.subscribe((e) => {
        if ((e.type === 'run' && e.run.id === runId) || (e.type === 'deleted' && e.runId === runId)) done()
      })
      this.wakeups.add(done)
    })
  }

  /** Every run training here now, with all it logged so far (stored and not yet written). */
  live(): LiveRunState[] {
    return [...this.active.entries()].map(([runId, a]) => {
      const stored = this.store.metrics.batches(runId)
      const lastStored = stored.at(-1)?.step ?? 0
      return {
        run: this.store.runs.summary(runId),
        started: a.started,
        batches: [...stored, ...a.logger.unwritten.filter((b) => b.step > lastStored)],
        epochs: this.store.metrics.epochs(runId),
        confusion: this.store.metrics.confusion(runId)?.matrix ?? null
      }
    })
  }

  /** Stops every run and waits until what each produced is stored (or given up); queued runs start no more here. */
  async close(): Promise<void> {
    this.closed = true
    // Queued runs stay queued, in the file, for the next lab to start: this one lets go of them.
    if (this.options.maxRuns > 0) {
      try {
        this.store.runs.releaseQueued(this.options.owner)
      } catch {
        // A locked file: another lab adopts them once this process is gone.
      }
    }
    for (const wake of [...this.wakeups]) wake()
    const pending = [...this.active.values()]
    for (const { handle } of pending) handle.stop()
    await Promise.allSettled(pending.map((p) => p.done))
  }
}
