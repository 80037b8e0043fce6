// The facade every shell calls (Electron IPC, HTTP serve, CLI). Owns the store and the
// running workers; turns engine events into stored rows and forwards them to listeners.
import { resolve } from 'node:path'
import type { TestImages } from '../../shared/contract'
import { parseHyperparams, type HyperparamsInput } from '../../shared/hyperparams'
import type { BackendInfo, DatasetInfo, LabEvent, RunStatus, TrainEvent } from '../../shared/run-types'
import { selectBackend } from './backend/select'
import { describeDataset, loadDataset, type Dataset } from './data/datasets'
import { Predictor } from './model/predictor'
import { startTraining, type TrainingHandle } from './engine/runner'
import type { TrainOutcome } from './engine/train-loop'
import { defaultDbPath } from './store/paths'
import { RunLogger } from './store/run-logger'
import { Store } from './store/store'
import type { OpenOptions } from './store/db'

export interface LabOptions extends OpenOptions {
  dbPath?: string
}

export class LabError extends Error {
  override name = 'LabError'
}

type Listener = (event: LabEvent) => void

export class Lab {
  readonly store: Store
  private readonly active = new Map<number, { handle: TrainingHandle; done: Promise<TrainOutcome> }>()
  private readonly listeners = new Set<Listener>()
  private loaded: Dataset | null = null
  /** Writes that failed (a locked database), per run, retried in order until they land. */
  private readonly backlog = new Map<number, (() => void)[]>()
  private retryTimer: NodeJS.Timeout | null = null
  /** The last write error, for shells to show; null once the backlog has drained. */
  storeError: string | null = null
  private readonly predictor: Predictor

  constructor(options: LabOptions = {}) {
    this.store = new Store(options.dbPath ?? defaultDbPath(), options)
    this.predictor = new Predictor(this.store)
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(event: LabEvent): void {
    for (const l of this.listeners) {
      try {
        l(event)
      } catch {
        // A broken listener (a closed socket, a destroyed window) must not stop the run's logging.
      }
    }
  }

  startRun(input: HyperparamsInput | unknown): { runId: number } {
    const hp = parseHyperparams(input)
    // Check the dataset here, so a bad path fails the request instead of a worker later.
    this.dataset(hp.dataset)
    const name = hp.name || `${hp.architecture.preset} · ${hp.activation} · ${hp.optimizer} ${hp.learningRate}`
    const runId = this.store.createRun(hp, name)
    const logger = new RunLogger(this.store, runId)
    // The end of a run is announced once it is stored (status, weights), so a listener that
    // reacts by reading the run back finds it complete.
    let finished: TrainEvent | null = null
    const onEvent = (event: TrainEvent) => {
      this.record(runId, logger, event)
      if (event.type === 'finished') finished = event
      else this.emit(event)
    }
    let handle: TrainingHandle
    try {
      handle = startTraining(runId, hp, onEvent)
    } catch (err) {
      this.store.finishRun(runId, 'failed', (err as Error).message)
      throw err
    }
    const done = handle.done.then(async (outcome) => {
      this.persist(runId, () => {
        logger.flush()
        if (outcome.weights) this.store.saveWeights(runId, outcome.weights)
        this.store.finishRun(runId, outcome.status, outcome.error)
      })
      await this.settled(runId)
      this.active.delete(runId)
      this.emit(finished ?? { type: 'finished', runId, status: outcome.status, error: outcome.error, finalTestAccuracy: null })
      return outcome
    })
    this.active.set(runId, { handle, done })
    return { runId }
  }

  private record(runId: number, logger: RunLogger, event: TrainEvent): void {
    switch (event.type) {
      case 'started':
        return this.persist(runId, () => this.store.markStarted(runId, event))
      case 'batch':
        // Batches wait in the logger; while earlier writes are stuck, the next write in line takes them.
        logger.add(event.metric)
        if (!this.backlog.get(runId)?.length) this.persist(runId, () => logger.flushIfDue())
        return
      case 'epoch':
        return this.persist(runId, () => {
          logger.flush()
          this.store.addEpoch(runId, event.metric, event.confusion, event.misclassified)
        })
      case 'status':
        return this.persist(runId, () => {
          logger.flush()
          this.store.setStatus(runId, event.status)
        })
      case 'finished':
        return this.persist(runId, () => logger.flush())
    }
  }

  /** Queues a write behind any that failed before it, and tries to write the queue now. */
  private persist(runId: number, write: () => void): void {
    const queue = this.backlog.get(runId) ?? []
    queue.push(write)
    this.backlog.set(runId, queue)
    this.drain()
  }

  private drain(): void {
    for (const [runId, queue] of this.backlog) {
      while (queue.length) {
        try {
          queue[0]()
          queue.shift()
        } catch (err) {
          this.setStoreError((err as Error).message)
          this.retryTimer ??= setTimeout(() => {
            this.retryTimer = null
            this.drain()
          }, 500)
          return
        }
      }
      this.backlog.delete(runId)
    }
    this.setStoreError(null)
  }

  private setStoreError(error: string | null): void {
    if (error === this.storeError) return
    this.storeError = error
    this.emit({ type: 'store', error })
  }

  /** Resolves once everything the run produced is in the database, or after a minute of trying. */
  private async settled(runId: number, timeoutMs = 60_000): Promise<void> {
    const until = performance.now() + timeoutMs
    while (this.backlog.get(runId)?.length && performance.now() < until) await new Promise((r) => setTimeout(r, 100))
  }

  private handle(runId: number): TrainingHandle {
    const entry = this.active.get(runId)
    if (!entry) throw new LabError(`run ${runId} is not training in this lab`)
    return entry.handle
  }

  pauseRun(runId: number): void {
    this.handle(runId).pause()
  }

  resumeRun(runId: number): void {
    this.handle(runId).resume()
  }

  stopRun(runId: number): void {
    this.handle(runId).stop()
  }

  isActive(runId: number): boolean {
    return this.active.has(runId)
  }

  activeRuns(): number[] {
    return [...this.active.keys()]
  }

  async waitForRun(runId: number): Promise<{ status: RunStatus; error: string | null }> {
    const entry = this.active.get(runId)
    if (!entry) {
      const run = this.store.getRun(runId)
      return { status: run.status, error: run.error }
    }
    const outcome = await entry.done
    return { status: outcome.status, error: outcome.error }
  }

  deleteRun(runId: number): void {
    if (this.active.has(runId)) throw new LabError(`run ${runId} is still training: stop it before deleting it`)
    this.store.delete(runId)
    this.predictor.forget(runId)
  }

  /** The last dataset used stays loaded: the gallery and the draw view ask for it often. */
  private load(spec: string): Dataset {
    if (this.loaded?.id !== (spec === 'mnist' ? spec : resolve(spec))) this.loaded = loadDataset(spec)
    return this.loaded!
  }

  dataset(spec: string): DatasetInfo {
    return describeDataset(this.load(spec))
  }

  testImages(spec: string, indices: number[]): TestImages {
    const ds = this.load(spec)
    const size = ds.rows * ds.cols
    const images = indices.map((index) => {
      if (index >= ds.test.count) throw new LabError(`test image ${index} does not exist (${ds.name} has ${ds.test.count})`)
      return { index, label: ds.test.labels[index], pixels: Buffer.from(ds.test.images.subarray(index * size, (index + 1) * size)).toString('base64') }
    })
    return { rows: ds.rows, cols: ds.cols, images }
  }

  async predict(runId: number, pixels: number[]): Promise<number[]> {
    const run = this.store.getRun(runId)
    const ds = this.load(run.dataset)
    return this.predictor.predict(runId, pixels, ds)
  }

  async backend(): Promise<BackendInfo> {
    return selectBackend()
  }

  /** Stops every run, waits for the workers to finish writing, then closes the store. */
  async close(): Promise<void> {
    const pending = [...this.active.values()]
    for (const { handle } of pending) handle.stop()
    await Promise.allSettled(pending.map((p) => p.done))
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.store.close()
  }
}
