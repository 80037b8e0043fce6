// The facade: the only door every shell uses (Electron IPC, HTTP serve, CLI). It opens the store
// and hands each job to its room: the runs it trains (RunScheduler), its listeners (EventHub), the
// database's health (DatabaseHealth), stored runs (RunRecords), datasets and trained models
// (DatasetsAndModels). What is left here is each request in a line or two.
import type { ExportedModel, ExportedPytorch, PresetInfo, TestImages } from '@shared/contract'
import { defaultRunName } from '@shared/fields'
import type { Hyperparams } from '@shared/hyperparams'
import type { DigitInside, RunInside } from '@shared/inside'
import type { AnswerResult, CourseProgress } from '@shared/lessons/progress'
import type { Finding, Lesson, RunEvidence } from '@shared/lessons'
import type { SweepSpec, SweepSummary } from '@shared/sweep'
import type { SweepDetail } from '@shared/sweep-reading'
import {
  type BackendInfo,
  type DatasetInfo,
  type EpochMisclassified,
  type LiveRunState,
  type RunDetail,
  type RunMetrics,
  type RunStatus,
  type RunSummary,
  type StoreHealth
} from '@shared/run-types'
import { join } from 'node:path'
import { trainingBackend } from './training/training-backend'
import { maxConcurrentRuns } from './engine/concurrency'
import { LabError } from './lab-error'
import { Course } from './lessons/course'
import { lessonSweep } from './lessons/experiment'
import type { LabOptions } from './lab-options'
import { checkParameterBudget } from './model/param-count'
import { listPresets } from './model/presets'
import { DatabaseHealth } from './rooms/database-health'
import { DatasetsAndModels } from './rooms/datasets-and-models'
import { PytorchBridge } from './rooms/pytorch-bridge'
import type { PytorchPackageFile } from './pytorch/package-files'
import { EventHub, type Listener } from './rooms/event-hub'
import { RunRecords } from './rooms/run-records'
import { RunScheduler } from './rooms/run-scheduler'
import { thisProcess } from './store/owners'
import { DB_FILE, defaultDbPath } from './store/paths'
import { Store } from './store/store'
import { Watchdog } from './store/watchdog'
import { planSweep, sweepName, sweepRunName } from './sweep/sweep-plan'

export { LabError }

export type { LabOptions }

export class Lab {
  /** The database file inside a folder (the desktop app's userData). */
  static dbPathIn(folder: string): string {
    return join(folder, DB_FILE)
  }

  private readonly store: Store
  private readonly hub: EventHub
  private readonly health: DatabaseHealth
  private readonly scheduler: RunScheduler
  private readonly data: DatasetsAndModels
  private readonly records: RunRecords
  private readonly pytorch: PytorchBridge
  private readonly course: Course
  private readonly owner = thisProcess()
  /** Heartbeats for this lab's runs, and the check for other processes' dead runs (not when reading only). */
  private readonly watchdog: Watchdog | null
  private readonly readonly: boolean
  private closing: Promise<void> | null = null

  constructor(options: LabOptions = {}) {
    this.readonly = options.readonly ?? false
    this.store = new Store(options.dbPath ?? defaultDbPath(), options)
    this.hub = new EventHub(this.store.runs)
    // Rows that cannot be stored are not worth computing: the run stops, and says why.
    const { retry, rescueTo } = options
    this.health = new DatabaseHealth(
      this.store,
      this.hub,
      { readonly: this.readonly, retry, rescueTo },
      (runId) => this.scheduler.halt(runId),
      () => this.scheduler.training
    )
    // A reader trains nothing: a bad DIGIT_LAB_MAX_RUNS must not stop "runs list".
    const maxRuns = this.readonly ? 0 : maxConcurrentRuns(options.maxRuns)
    this.scheduler = new RunScheduler(this.store, this.hub, this.health.writes, {
      owner: this.owner,
      maxRuns,
      adoptQueued: options.adoptQueued ?? true,
      mayStart: () => !this.health.lost()
    })
    this.data = new DatasetsAndModels(this.store)
    this.records = new RunRecords(this.store, this.hub)
    this.pytorch = new PytorchBridge(this.store, this.hub, this.data)
    this.course = new Course(this.store, options.lessonDigits ?? null)
    this.watchdog = this.readonly
      ? null
      : new Watchdog(
          this.store.runs,
          this.owner,
          () => this.scheduler.training,
          (interrupted) => {
            this.health.beat()
            interrupted.forEach((id) => this.hub.runChanged(id))
            this.scheduler.checked()
          }
        )
    this.watchdog?.start()
    // Queued runs left in the file start once the caller had its turn to subscribe.
    if (!this.readonly) setImmediate(() => this.scheduler.startQueuedRuns())
  }

  /** Where the runs are stored. */
  get dbPath(): string {
    return this.store.path
  }

  /** Why the database could not be written, until a write lands again; null while writes land. */
  get storeError(): string | null {
    return this.health.state.error
  }

  storeHealth(): StoreHealth {
    return this.health.state
  }

  /** Once the file was lost: saves everything this lab holds open beside it, as `name` or a dated name. */
  rescueDatabase(name?: string): { path: string } {
    return this.health.rescue({ name })
  }

  subscribe(listener: Listener): () => void {
    return this.hub.subscribe(listener)
  }

  /**
   * Starts a run with settings already parsed at the shell's boundary, or queues it when the lab
   * trains as many runs as it may: it then starts, in order, when one ends.
   */
  async startRun(hp: Hyperparams): Promise<{ runId: number }> {
    await this.checkBeforeQueueing(hp)
    const name = hp.name || defaultRunName(hp)
    const runId = this.store.runs.create(hp, name, this.owner, 'queued')
    this.scheduler.queued([runId])
    return { runId }
  }

  /**
   * Checks the file, the dataset and the model's size, so a bad path or a model too big for the
   * lab fails the request before any memory is spent, instead of a worker later.
   */
  private async checkBeforeQueueing(hp: Hyperparams): Promise<void> {
    this.health.refuseRunsIfLost()
    const ds = await this.data.load(hp.dataset)
    checkParameterBudget(hp, { rows: ds.rows, cols: ds.cols, numClasses: ds.classNames.length })
  }

  pauseRun(runId: number): void {
    this.scheduler.pause(runId)
  }

  resumeRun(runId: number): void {
    this.scheduler.resume(runId)
  }

  /** Stops a run this lab trains; cancels a queued run, whichever lab queued it (it ends 'stopped'). */
  stopRun(runId: number): void {
    this.scheduler.stop(runId)
  }

  /** Resolves when the run has ended and everything it produced is stored (see RunScheduler.waitFor). */
  waitForRun(runId: number): Promise<{ status: RunStatus; error: string | null }> {
    return this.scheduler.waitFor(runId)
  }

  /**
   * Plans a sweep (every run validated and checked first: one bad value starts nothing) and
   * queues its runs in order. They are ordinary runs that know their sweep.
   */
  async startSweep(spec: SweepSpec, name?: string): Promise<{ sweepId: number; runIds: number[] }> {
    const plan = planSweep(spec)
    for (const p of plan) await this.checkBeforeQueueing(p.hyperparams)
    const sweepId = this.store.sweeps.create(name ?? sweepName(spec, plan.length), spec)
    const runIds = plan.map((p) =>
      this.store.runs.create(p.hyperparams, sweepRunName(sweepId, p, spec.repeat), this.owner, 'queued', { id: sweepId, point: p.point })
    )
    this.scheduler.queued(runIds)
    return { sweepId, runIds }
  }

  /** Every lesson's progress: its last experiment's runs, the answers given, whether it was done. */
  courseProgress(): CourseProgress {
    return this.course.progress()
  }

  /** Queues the lesson's experiment through the ordinary queue, as a sweep named after the lesson. */
  async startLesson(lessonId: string): Promise<{ sweepId: number; runIds: number[] }> {
    const lesson = this.course.lesson(lessonId)
    const started = await this.startSweep(lessonSweep(lesson, this.course.digitLimit), `Lesson: ${lesson.title}`)
    this.course.started(lesson.id, started.sweepId)
    return started
  }

  /** Judges an answer against the lesson's last experiment's runs, and stores it. */
  answerLesson(lessonId: string, answer: string): AnswerResult {
    return this.course.answer(lessonId, answer)
  }

  /** What the lesson's last experiment found, from its stored runs (the CLI prints it). */
  lessonFinding(lessonId: string): { lesson: Lesson; runs: RunEvidence[]; finding: Finding | null } {
    return this.course.finding(lessonId)
  }

  listSweeps(): SweepSummary[] {
    return this.records.sweeps()
  }

  getSweep(sweepId: number): SweepDetail {
    return this.records.sweep(sweepId)
  }

  /** Drops the sweep's queued runs and stops the ones training here; what ended stays. */
  cancelSweep(sweepId: number): SweepSummary {
    return this.scheduler.cancelSweep(sweepId)
  }

  /** Every run training in this lab now, with all it logged so far (stored and not yet written). */
  liveRuns(): LiveRunState[] {
    return this.scheduler.live()
  }

  listRuns(): RunSummary[] {
    return this.records.list()
  }

  getRun(runId: number): RunDetail {
    return this.records.get(runId)
  }

  runMetrics(runId: number, after?: number): RunMetrics {
    return this.records.metrics(runId, after)
  }

  confusion(runId: number, epoch?: number): { epoch: number; matrix: number[][]; classNames: string[] } | null {
    return this.records.confusion(runId, epoch)
  }

  misclassified(runId: number, epoch?: number): EpochMisclassified {
    return this.records.misclassified(runId, epoch)
  }

  renameRun(runId: number, name: string): RunSummary {
    return this.records.rename(runId, name)
  }

  annotateRun(runId: number, notes: string): RunSummary {
    return this.records.annotate(runId, notes)
  }

  deleteRun(runId: number): void {
    if (this.scheduler.isTraining(runId)) throw new LabError(`run ${runId} is still training: stop it before deleting it`)
    this.records.delete(runId)
    this.data.forget(runId)
  }

  exportModel(runId: number): ExportedModel {
    return this.records.exportModel(runId)
  }

  /** The run as a PyTorch package, zipped (the shells' download). */
  exportPytorch(runId: number): Promise<ExportedPytorch> {
    return this.pytorch.zip(runId)
  }

  /** The run as a PyTorch package, file by file (the CLI writes them to a folder). */
  pytorchFiles(runId: number): Promise<PytorchPackageFile[]> {
    return this.pytorch.files(runId)
  }

  /** A PyTorch state_dict (.safetensors bytes) of the model `hp` describes, evaluated and stored as a run "trained in PyTorch". */
  importPytorch(file: Uint8Array, hp: Hyperparams, fileName?: string): Promise<{ runId: number }> {
    this.health.refuseRunsIfLost()
    return this.pytorch.import(file, hp, fileName)
  }

  getInside(runId: number, after?: number): RunInside {
    return this.records.inside(runId, after)
  }

  dataset(spec: string): Promise<DatasetInfo> {
    return this.data.describe(spec)
  }

  testImages(spec: string, indices: number[]): Promise<TestImages> {
    return this.data.testImages(spec, indices)
  }

  predict(runId: number, pixels: number[]): Promise<number[]> {
    return this.data.predict(runId, pixels)
  }

  lookInside(runId: number, pixels: number[], epoch?: number): Promise<DigitInside> {
    return this.data.lookInside(runId, pixels, epoch)
  }

  listPresets(): PresetInfo[] {
    return listPresets()
  }

  /** The backend a run started now would train on, threads as the run would use them. */
  backend(): Promise<BackendInfo> {
    return trainingBackend()
  }

  /** Stops every run, leaves queued runs queued, waits for what they produced to be stored, then closes the store. Once. */
  close(): Promise<void> {
    this.closing ??= this.shutDown()
    return this.closing
  }

  private async shutDown(): Promise<void> {
    this.watchdog?.stop()
    this.health.closing()
    await this.scheduler.close()
    this.health.close()
    await this.data.close()
    this.store.close()
  }
}
