// The facade every shell calls (Electron IPC, HTTP serve, CLI). Owns the store and the
// running workers; turns engine events into stored rows and forwards them to listeners.
import { resolve } from 'node:path'
import { parseHyperparams, type HyperparamsInput } from '../../shared/hyperparams'
import type { BackendInfo, DatasetInfo, RunStatus, TrainEvent } from '../../shared/run-types'
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

type Listener = (event: TrainEvent) => void

export class Lab {
  readonly store: Store
  private readonly active = new Map<number, { handle: TrainingHandle; done: Promise<TrainOutcome> }>()
  private readonly listeners = new Set<Listener>()
  private loaded: Dataset | null = null
  private readonly predictor: Predictor

  constructor(options: LabOptions = {}) {
    this.store = new Store(options.dbPath ?? defaultDbPath(), options)
    this.predictor = new Predictor(this.store)
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private emit(event: TrainEvent): void {
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
    const onEvent = (event: TrainEvent) => {
      try {
        this.record(runId, logger, event)
      } finally {
        this.emit(event)
      }
    }
    const handle = startTraining(runId, hp, onEvent)
    const done = handle.done.then((outcome) => {
      logger.flush()
      if (outcome.weights) this.store.saveWeights(runId, outcome.weights)
      this.store.finishRun(runId, outcome.status, outcome.error)
      this.active.delete(runId)
      return outcome
    })
    this.active.set(runId, { handle, done })
    return { runId }
  }

  private record(runId: number, logger: RunLogger, event: TrainEvent): void {
    switch (event.type) {
      case 'started':
        this.store.markStarted(runId, event)
        break
      case 'batch':
        logger.batch(event.metric)
        break
      case 'epoch':
        logger.flush()
        this.store.addEpoch(runId, event.metric, event.confusion, event.misclassified)
        break
      case 'status':
        logger.flush()
        this.store.setStatus(runId, event.status)
        break
      case 'finished':
        logger.flush()
        break
    }
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

  testImages(spec: string, indices: number[]): { rows: number; cols: number; images: { index: number; label: number; pixels: string }[] } {
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
    this.store.close()
  }
}
