// The facade: the only door every shell uses (Electron IPC, HTTP serve, CLI). Owns the store and
// the running workers; turns engine events into stored rows and forwards them to listeners.
import { join, resolve } from 'node:path'
import type { ExportedModel, PresetInfo, TestImages } from '@shared/contract'
import type { Hyperparams } from '@shared/hyperparams'
import { FIELD } from '@shared/fields'
import type { SweepSpec, SweepSummary } from '@shared/sweep'
import { isActiveStatus, type BackendInfo, type BatchMetric, type DatasetInfo, type EpochMetric, type EpochMisclassified, type LabEvent, type LayerSummary, type LiveRunState, type RunDetail, type RunStatus, type RunSummary, type StartedEvent, type StoreHealth, type TrainEvent } from '@shared/run-types'
import { selectBackend } from './backend/select'
import { describeDataset, loadDataset, type Dataset } from './data/datasets'
import { maxConcurrentRuns } from './engine/concurrency'
import { splitsOverThreads } from './engine/data-parallel'
import { finishedEvent, type TrainOutcome } from './engine/outcome'
import type { DigitInside, Embedding, RunInside } from '@shared/inside'
import { coach } from './coach/hints'
import { missingEmbedding, projectEmbedding } from './inside/embedding'
import { PredictorThread } from './engine/predictor-thread'
import { startTraining, type TrainingHandle } from './engine/runner'
import { defaultEngine } from './fastnet/describe'
import { checkParameterBudget } from './model/param-count'
import { planSweep, pointName } from './sweep/plan'
import { listPresets } from './model/presets'
import { toModelFiles } from './model/weights'
import type { OpenOptions } from './store/db'
import { thisProcess } from './store/owners'
import { DB_FILE, defaultDbPath } from './store/paths'
import { RunLogger } from './store/run-logger'
import { json, storedHyperparams } from './store/rows'
import { Store } from './store/store'
import { Watchdog } from './store/watchdog'
import { FileGuard } from './store/file-guard'
import { defaultRescuePath, rescueInto } from './store/rescue'
import { unstoredSentence } from './store/unstored'
import { WriteQueue, DEFAULT_RETRY, type RetryPolicy } from './store/write-queue'

export interface LabOptions extends OpenOptions {
  /** Default: DIGIT_LAB_DB, else where the desktop app keeps its data. */
  dbPath?: string
  /**
   * How many runs train at once (a paused run keeps its place); further runs wait as 'queued', in
   * SQLite, and start in order. Default: DIGIT_LAB_MAX_RUNS, else one run per two cores.
   */
  maxRuns?: number
  /**
   * Start queued runs that no live process holds: left by a lab that closed, or whose process died.
   * Long-lived labs (the desktop app, serve mode) do, the default; a one-run CLI does not.
   */
  adoptQueued?: boolean
  /** How long failed writes are retried before a run's are given up (tests shorten it). */
  retry?: Partial<RetryPolicy>
  /** Where closing saves what the lab holds if its file was lost (default: beside the lost file). */
  rescueTo?: string
}

export class LabError extends Error {
  override name = 'LabError'
  constructor(
    message: string,
    readonly kind: 'missing' | 'conflict' = 'conflict'
  ) {
    super(message)
  }
}

type Listener = (event: LabEvent) => void

interface ActiveRun {
  handle: TrainingHandle
  done: Promise<TrainOutcome>
  logger: RunLogger
  started: StartedEvent | null
}

export class Lab {
  /** The database file inside a folder (the desktop app's userData). */
  static dbPathIn(folder: string): string {
    return join(folder, DB_FILE)
  }

  private readonly store: Store
  private readonly active = new Map<number, ActiveRun>()
  private readonly listeners = new Set<Listener>()
  private readonly writes: WriteQueue
  /** Predictions run in a worker of their own, started on the first one. */
  private readonly predictor = new PredictorThread()
  private readonly owner = thisProcess()
  /** Heartbeats for this lab's runs, and the check for other processes' dead runs (not when reading only). */
  private readonly watchdog: Watchdog | null
  private loaded: { id: string; promise: Promise<Dataset> } | null = null
  private readonly maxRuns: number
  private readonly adoptQueued: boolean
  private readonly readonly: boolean
  private closed = false
  /** Notices the file being deleted, replaced or cut short under the lab (writing labs only). */
  private readonly fileGuard: FileGuard | null
  private rescuedTo: string | null = null
  private readonly rescueTo: string | undefined
  /** Waits for a queued run, woken to look again after every check and when the lab closes. */
  private readonly wakeups = new Set<() => void>()

  constructor(options: LabOptions = {}) {
    this.readonly = options.readonly ?? false
    // A reader trains nothing: a bad DIGIT_LAB_MAX_RUNS must not stop "runs list".
    this.maxRuns = this.readonly ? 0 : maxConcurrentRuns(options.maxRuns)
    this.adoptQueued = options.adoptQueued ?? true
    this.store = new Store(options.dbPath ?? defaultDbPath(), options)
    this.fileGuard = this.readonly ? null : new FileGuard(this.store.path)
    this.rescueTo = options.rescueTo
    this.writes = new WriteQueue(
      () => this.emitHealth(),
      // Rows that cannot be stored are not worth computing: the run stops, and says why.
      (runId) => this.active.get(runId)?.handle.stop(),
      { ...DEFAULT_RETRY, ...options.retry }
    )
    this.watchdog = this.readonly
      ? null
      : new Watchdog(this.store.runs, this.owner, () => [...this.active.keys()], (interrupted) => {
          if (this.fileGuard && !this.fileGuard.lost && this.fileGuard.check()) this.emitHealth()
          interrupted.forEach((id) => this.emitRun(id))
          // Runs whose owner let go or died wait for a lab like this one.
          this.pump()
          // Another process may have taken or cancelled a run someone here waits for.
          for (const wake of [...this.wakeups]) wake()
        })
    this.watchdog?.start()
    // Queued runs left in the file start once the caller had its turn to subscribe.
    if (!this.readonly) setImmediate(() => this.pump())
  }

  /** Where the runs are stored. */
  get dbPath(): string {
    return this.store.path
  }

  /** Why the database could not be written, until a write lands again; null while writes land. */
  get storeError(): string | null {
    return this.writes.state.error
  }

  storeHealth(): StoreHealth {
    return { ...this.writes.state, fileLost: this.fileGuard?.lost ?? null, rescuedTo: this.rescuedTo }
  }

  private emitHealth(): void {
    this.emit({ type: 'store', ...this.storeHealth() })
  }

  /** Once the file was lost: saves everything this lab holds open to a new file (default: beside the lost one). */
  rescueDatabase(path?: string): { path: string } {
    const lost = this.fileGuard?.check()
    if (!lost) throw new LabError(`${this.store.path} is still the file this lab opened: there is nothing to rescue`)
    const target = path ?? defaultRescuePath(this.store.path)
    rescueInto(this.store.db, target)
    this.rescuedTo = target
    this.emitHealth()
    return { path: target }
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

  // ---- training -------------------------------------------------------------------------

  /**
   * Starts a run with settings already parsed at the shell's boundary, or queues it when the lab
   * trains as many runs as it may: it then starts, in order, when one ends.
   */
  async startRun(hp: Hyperparams): Promise<{ runId: number }> {
    await this.admit(hp)
    const name = hp.name || `${hp.architecture.preset} · ${hp.activation} · ${hp.optimizer} ${hp.learningRate}`
    // Into the queue, behind any run already waiting; the pump starts it if there is room.
    const runId = this.store.runs.create(hp, name, this.owner, 'queued')
    this.pump()
    if (!this.active.has(runId)) this.emitRun(runId)
    return { runId }
  }

  /**
   * Checks the dataset and the model's size, so a bad path or a model too big for the lab fails
   * the request before any memory is spent, instead of a worker later.
   */
  private async admit(hp: Hyperparams): Promise<void> {
    const lost = this.fileGuard?.check()
    if (lost) throw new LabError(`${lost}: it would store new runs where no one can read them back, so none start. Save what the lab holds (Rescue), then restart it`)
    const ds = await this.load(hp.dataset)
    checkParameterBudget(hp, { rows: ds.rows, cols: ds.cols, numClasses: ds.classNames.length })
  }

  // ---- sweeps ---------------------------------------------------------------------------

  /**
   * Plans a sweep (every run validated and admitted first: one bad value starts nothing) and
   * queues its runs in order. They are ordinary runs that know their sweep.
   */
  async startSweep(spec: SweepSpec): Promise<{ sweepId: number; runIds: number[] }> {
    const plan = planSweep(spec)
    for (const p of plan) await this.admit(p.hyperparams)
    const name = spec.axes.map((a) => FIELD[a.key].label).join(' × ') + (spec.mode === 'random' ? ` (random, ${plan.length} runs)` : '')
    const sweepId = this.store.sweeps.create(name, spec)
    const runIds = plan.map((p) => {
      const runName = `${p.hyperparams.name || `sweep ${sweepId}`} · ${pointName(p.point, p.repeat, spec.repeat)}`
      return this.store.runs.create(p.hyperparams, runName, this.owner, 'queued', { id: sweepId, point: p.point })
    })
    this.pump()
    for (const id of runIds) if (!this.active.has(id)) this.emitRun(id)
    return { sweepId, runIds }
  }

  listSweeps(): SweepSummary[] {
    return this.store.sweeps.list()
  }

  getSweep(sweepId: number): { sweep: SweepSummary; runs: RunSummary[] } {
    const ids = new Set(this.store.sweeps.runIds(sweepId))
    return { sweep: this.store.sweeps.summary(sweepId), runs: this.store.runs.list().filter((r) => ids.has(r.id)) }
  }

  /** Drops the sweep's queued runs and stops the ones training here; what ended stays. */
  cancelSweep(sweepId: number): SweepSummary {
    this.store.sweeps.cancel(sweepId)
    for (const runId of this.store.sweeps.runIds(sweepId)) {
      const status = this.store.runs.row(runId).status
      if (status === 'queued' || this.active.has(runId)) this.stopRun(runId)
    }
    return this.store.sweeps.summary(sweepId)
  }

  /** Starts queued runs, in order, while this lab trains fewer than it may. */
  private pump(): void {
    if (this.closed || this.readonly) return
    while (this.active.size < this.maxRuns) {
      let next: { id: number; hyperparams: string } | null
      try {
        next = this.store.runs.claimNextQueued(this.owner, this.adoptQueued)
      } catch {
        return // a locked file: the watchdog's next check pumps again
      }
      if (!next) return
      this.launch(next.id, storedHyperparams(next.hyperparams))
    }
  }

  /** Trains a run already marked running in the store, in a worker of its own. */
  private launch(runId: number, hp: Hyperparams): void {
    this.emitRun(runId)
    const logger = new RunLogger(this.store.metrics, runId)
    // The end of a run is announced once it is stored (status, weights), so a listener that
    // reacts by reading the run back finds it complete.
    let finished: TrainEvent | null = null
    const onEvent = (event: TrainEvent) => {
      const entry = this.active.get(runId)
      if (event.type === 'started' && entry) entry.started = event
      this.record(runId, logger, event)
      if (event.type === 'finished') finished = event
      else this.emit(event)
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
      this.emit(finishedEvent(runId, { status: 'failed', error: (err as Error).message }))
      this.emitRun(runId)
      return
    }
    const done = handle.done.then(async (trained) => {
      this.writes.persist(runId, () => {
        logger.flush()
        if (trained.weights) this.store.weights.save(runId, trained.weights)
        this.store.runs.finish(runId, trained.status, trained.error)
      })
      const stored = await this.writes.settled(runId)
      const outcome = stored ? trained : this.unstored(runId)
      this.active.delete(runId)
      this.emit(stored && finished ? finished : finishedEvent(runId, outcome))
      this.emitRun(runId)
      this.pump()
      return outcome
    })
    this.active.set(runId, { handle, done, logger, started: null })
  }

  /** A run whose writes were given up ends 'failed', saying what reached the file; one try to store that. */
  private unstored(runId: number): TrainOutcome {
    const reason = this.writes.lostReason(runId) ?? 'its writes were given up'
    this.writes.forget(runId)
    const error = unstoredSentence(this.store.metrics, runId, this.active.get(runId)?.started?.stepsPerEpoch ?? null, reason)
    this.writes.tryOnce(() => this.store.runs.finish(runId, 'failed', error))
    return { status: 'failed', error, weights: null }
  }

  private record(runId: number, logger: RunLogger, event: TrainEvent): void {
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
        return this.emitRun(runId)
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

  pauseRun(runId: number): void {
    this.handle(runId, 'paused').pause()
  }

  resumeRun(runId: number): void {
    this.handle(runId, 'resumed').resume()
  }

  /** Stops a run this lab trains; cancels a queued run, whichever lab queued it (it ends 'stopped'). */
  stopRun(runId: number): void {
    const entry = this.active.get(runId)
    if (entry) return entry.handle.stop()
    if (this.store.runs.cancelQueued(runId)) return this.emitRun(runId)
    this.store.runs.row(runId)
    throw new LabError(`run ${runId} is not training in this lab`)
  }

  /**
   * Resolves when the run has ended and everything it produced is stored; a run queued here waits
   * for its turn first. A run queued by another live lab is answered as it is now: 'queued'.
   */
  async waitForRun(runId: number): Promise<{ status: RunStatus; error: string | null }> {
    for (;;) {
      const entry = this.active.get(runId)
      if (entry) {
        const outcome = await entry.done
        return { status: outcome.status, error: outcome.error }
      }
      const run = this.store.runs.row(runId)
      if (this.closed || !this.store.runs.startsFor(runId, this.owner, this.adoptQueued)) return { status: run.status, error: run.error }
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
      const stop = this.subscribe((e) => {
        if ((e.type === 'run' && e.run.id === runId) || (e.type === 'deleted' && e.runId === runId)) done()
      })
      this.wakeups.add(done)
    })
  }

  // ---- reading and editing runs ---------------------------------------------------------

  /** Every run training in this lab now, with all it logged so far (stored and not yet written). */
  liveRuns(): LiveRunState[] {
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

  listRuns(): RunSummary[] {
    return this.store.runs.list()
  }

  getRun(runId: number): RunDetail {
    const run = this.store.getRun(runId)
    // The coach reads a run once it has ended: while it trains, its curves are still moving.
    const hints = isActiveStatus(run.status) ? [] : coach({ ...run, batches: this.store.metrics.losses(runId), inside: this.store.inside.lastPoint(runId) })
    return { ...run, hints }
  }

  runMetrics(runId: number): { batches: BatchMetric[]; epochs: EpochMetric[] } {
    this.store.runs.row(runId)
    return { batches: this.store.metrics.batches(runId), epochs: this.store.metrics.epochs(runId) }
  }

  confusion(runId: number, epoch?: number): { epoch: number; matrix: number[][]; classNames: string[] } | null {
    // Only the row: the whole detail (epochs, weights, batch count) is not needed for a matrix.
    const classNames = this.store.runs.classNames(runId)
    const found = this.store.metrics.confusion(runId, epoch)
    return found && { ...found, classNames }
  }

  misclassified(runId: number, epoch?: number): EpochMisclassified {
    this.store.runs.row(runId)
    return this.store.metrics.misclassified(runId, epoch)
  }

  renameRun(runId: number, name: string): RunDetail {
    this.store.runs.rename(runId, name)
    this.emitRun(runId)
    return this.getRun(runId)
  }

  annotateRun(runId: number, notes: string): RunDetail {
    this.store.runs.annotate(runId, notes)
    this.emitRun(runId)
    return this.getRun(runId)
  }

  /** Tells every listener (every window, every tab) the run's row as stored now. */
  private emitRun(runId: number): void {
    try {
      this.emit({ type: 'run', run: this.store.runs.summary(runId) })
    } catch {
      // The row cannot be read (a locked file): the run's own events still tell its state.
    }
  }

  deleteRun(runId: number): void {
    if (this.active.has(runId)) throw new LabError(`run ${runId} is still training: stop it before deleting it`)
    // Another process's run, or one waiting in the queue, is not this lab's to pull from under it.
    const { status } = this.store.runs.row(runId)
    if (status === 'queued') throw new LabError(`run ${runId} is queued: stop it (which cancels it) before deleting it`)
    if (isActiveStatus(status)) throw new LabError(`run ${runId} is ${status} in another process: stop it there before deleting it`)
    this.store.runs.delete(runId)
    this.predictor.forget(runId)
    this.emit({ type: 'deleted', runId })
  }

  /**
   * The trained model as model.json + weights.bin, as tf.loadLayersModel reads them. The weights
   * are bytes (at most 4 x MAX_PARAMETERS of them), never a base64 string.
   */
  exportModel(runId: number): ExportedModel {
    this.store.runs.row(runId)
    return toModelFiles(this.store.weights.require(runId))
  }

  // ---- data, models, backend ------------------------------------------------------------

  /**
   * The last dataset used stays loaded: the gallery and the draw view ask for it often. Requests
   * for it while it loads share the one read; a failed read is not kept.
   */
  private load(spec: string): Promise<Dataset> {
    const id = spec === 'mnist' ? spec : resolve(spec)
    if (this.loaded?.id !== id) {
      const promise = loadDataset(spec)
      this.loaded = { id, promise }
      promise.catch(() => {
        if (this.loaded?.promise === promise) this.loaded = null
      })
    }
    return this.loaded.promise
  }

  async dataset(spec: string): Promise<DatasetInfo> {
    return describeDataset(await this.load(spec))
  }

  async testImages(spec: string, indices: number[]): Promise<TestImages> {
    const ds = await this.load(spec)
    const size = ds.rows * ds.cols
    const images = indices.map((index) => {
      if (index >= ds.test.count) throw new LabError(`test image ${index} does not exist (${ds.name} has ${ds.test.count})`, 'missing')
      return { index, label: ds.test.labels[index], pixels: Buffer.from(ds.test.images.subarray(index * size, (index + 1) * size)).toString('base64') }
    })
    return { rows: ds.rows, cols: ds.cols, images }
  }

  async predict(runId: number, pixels: number[]): Promise<number[]> {
    return this.predictor.predict(runId, () => this.store.weights.require(runId), pixels, await this.trainedOn(runId))
  }

  /**
   * The dataset (its normalisation) a run with a stored model was trained on. A run without one
   * is refused here, with the store's own words, rather than after a trip to the prediction worker.
   */
  private trainedOn(runId: number): Promise<Dataset> {
    const run = this.store.runs.row(runId)
    if (!this.store.weights.has(runId)) this.store.weights.require(runId)
    return this.load(run.dataset)
  }

  /** What a run recorded inside its network (only the points past step `after`, when given). */
  getInside(runId: number, after?: number): RunInside {
    const row = this.store.runs.row(runId)
    const inside = this.store.inside.get(runId, after)
    return { ...inside, embeddingNote: inside.embedding ? null : missingEmbedding(row.status, json<LayerSummary[]>(row.layers, [])) }
  }

  /**
   * One digit through a run's trained model, every layer's output and the probabilities: the
   * model at the end of `epoch` where it was kept (small models), else the final one (the reply says which).
   */
  async lookInside(runId: number, pixels: number[], epoch?: number): Promise<DigitInside> {
    const ds = await this.trainedOn(runId)
    const kept = epoch != null && this.store.weights.hasEpoch(runId, epoch) ? epoch : null
    const weights = () => (kept == null ? null : this.store.weights.atEpoch(runId, kept)) ?? this.store.weights.require(runId)
    return this.predictor.lookInside(runId, weights, pixels, ds, kept)
  }

  listPresets(): PresetInfo[] {
    return listPresets()
  }

  /** The backend a run started now would train on, threads as the run would use them. */
  async backend(): Promise<BackendInfo> {
    const info = await selectBackend()
    const fast = defaultEngine(info)
    if (fast) return fast
    return splitsOverThreads(info.name) ? { ...info, threads: 2, note: [info.note, 'data parallel over 2 worker threads'].filter(Boolean).join('; ') } : info
  }

  /** Stops every run, leaves queued runs queued, waits for the workers to finish writing, then closes the store. */
  async close(): Promise<void> {
    this.closed = true
    this.watchdog?.stop()
    // Queued runs stay queued, in the file, for the next lab to start: this one lets go of them.
    if (!this.readonly) {
      try {
        this.store.runs.releaseQueued(this.owner)
      } catch {
        // A locked file: another lab adopts them once this process is gone.
      }
    }
    for (const wake of [...this.wakeups]) wake()
    const pending = [...this.active.values()]
    for (const { handle } of pending) handle.stop()
    await Promise.allSettled(pending.map((p) => p.done))
    // A lost file's contents live only in this process: saved beside it before they are let go.
    if (this.fileGuard?.check() && !this.rescuedTo) {
      try {
        this.rescueDatabase(this.rescueTo)
      } catch (err) {
        console.error(`digit-lab: ${(err as Error).message}`)
      }
    }
    await this.predictor.close()
    this.writes.close()
    this.store.close()
  }
}
