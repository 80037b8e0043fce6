// Runs and everything they log, in SQLite. Synchronous by design (better-sqlite3): every call
// is short, and batch metrics arrive already grouped by RunLogger.
import type { Hyperparams } from '../../../shared/hyperparams'
import type {
  BackendInfo,
  BatchMetric,
  EpochMetric,
  EpochMisclassified,
  LayerSummary,
  Misclassified,
  RunDetail,
  RunStatus,
  RunSummary,
  TrainEvent
} from '../../../shared/run-types'
import type { ModelArtifacts } from '../engine/weights'
import { explainSqliteError, openDatabase, StoreError, type Db, type OpenOptions } from './db'

interface RunRow {
  id: number
  name: string
  status: RunStatus
  created_at: string
  finished_at: string | null
  hyperparams: string
  preset: string
  dataset: string
  backend: string | null
  layers: string | null
  param_count: number | null
  class_names: string | null
  train_seconds: number | null
  epochs_done: number
  best_test_accuracy: number | null
  final_test_accuracy: number | null
  final_test_loss: number | null
  notes: string
  error: string | null
  pid: number | null
}

const json = <T>(text: string | null, fallback: T): T => (text == null ? fallback : (JSON.parse(text) as T))

function toSummary(row: RunRow): RunSummary {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    preset: row.preset,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    hyperparams: JSON.parse(row.hyperparams) as Hyperparams,
    dataset: row.dataset,
    backend: json<BackendInfo | null>(row.backend, null),
    trainSeconds: row.train_seconds,
    epochsDone: row.epochs_done,
    bestTestAccuracy: row.best_test_accuracy,
    finalTestAccuracy: row.final_test_accuracy,
    finalTestLoss: row.final_test_loss,
    notes: row.notes,
    error: row.error,
    paramCount: row.param_count
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export class Store {
  readonly db: Db

  constructor(readonly path: string, options: OpenOptions = {}) {
    this.db = openDatabase(path, options)
    this.recoverInterrupted()
  }

  /** Runs left 'running' by a process that no longer exists did not finish: say so, keep their logs. */
  recoverInterrupted(): number[] {
    const live = this.db.prepare(`SELECT id, pid FROM runs WHERE status IN ('running', 'paused')`).all() as { id: number; pid: number | null }[]
    const dead = live.filter((r) => r.pid == null || (r.pid !== process.pid && !isAlive(r.pid))).map((r) => r.id)
    const mark = this.db.prepare(
      `UPDATE runs SET status = 'interrupted', finished_at = COALESCE(finished_at, ?), error = COALESCE(error, 'the process running it stopped before it finished') WHERE id = ?`
    )
    this.write(() => dead.forEach((id) => mark.run(new Date().toISOString(), id)))
    return dead
  }

  /** Every write goes through here, so a locked or damaged file gives one clear error. */
  write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate()
    } catch (err) {
      throw explainSqliteError(err, this.path)
    }
  }

  createRun(hp: Hyperparams, name: string): number {
    return this.write(() => {
      const info = this.db
        .prepare(`INSERT INTO runs (name, status, created_at, hyperparams, preset, dataset, pid) VALUES (?, 'running', ?, ?, ?, ?, ?)`)
        .run(name, new Date().toISOString(), JSON.stringify(hp), hp.architecture.preset, hp.dataset, process.pid)
      return Number(info.lastInsertRowid)
    })
  }

  markStarted(runId: number, info: Pick<Extract<TrainEvent, { type: 'started' }>, 'backend' | 'layers' | 'paramCount' | 'classNames'>): void {
    this.write(() =>
      this.db
        .prepare(`UPDATE runs SET backend = ?, layers = ?, param_count = ?, class_names = ? WHERE id = ?`)
        .run(JSON.stringify(info.backend), JSON.stringify(info.layers), info.paramCount, JSON.stringify(info.classNames), runId)
    )
  }

  appendBatches(runId: number, rows: BatchMetric[]): void {
    if (!rows.length) return
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO batch_metrics (run_id, step, epoch, loss, accuracy, examples_per_sec, elapsed) VALUES (?, ?, ?, ?, ?, ?, ?)`
    )
    this.write(() => {
      for (const m of rows) insert.run(runId, m.step, m.epoch, m.loss, m.accuracy, m.examplesPerSec, m.elapsed)
    })
  }

  addEpoch(runId: number, m: EpochMetric, confusion: number[][], misclassified: Misclassified[]): void {
    const insertWrong = this.db.prepare(
      `INSERT OR REPLACE INTO misclassified (run_id, epoch, test_index, label, predicted, probs) VALUES (?, ?, ?, ?, ?, ?)`
    )
    this.write(() => {
      this.db
        .prepare(
          `INSERT OR REPLACE INTO epoch_metrics (run_id, epoch, train_loss, train_accuracy, test_loss, test_accuracy, seconds, num_tensors, confusion)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .run(runId, m.epoch, m.trainLoss, m.trainAccuracy, m.testLoss, m.testAccuracy, m.seconds, m.numTensors, JSON.stringify(confusion))
      for (const w of misclassified) insertWrong.run(runId, m.epoch, w.index, w.label, w.predicted, JSON.stringify(w.probs))
      this.db
        .prepare(
          `UPDATE runs SET epochs_done = ?, final_test_accuracy = ?, final_test_loss = ?,
             best_test_accuracy = MAX(COALESCE(best_test_accuracy, 0), ?), train_seconds = COALESCE(train_seconds, 0) + ? WHERE id = ?`
        )
        .run(m.epoch, m.testAccuracy, m.testLoss, Number.isFinite(m.testAccuracy) ? m.testAccuracy : 0, m.seconds, runId)
    })
  }

  setStatus(runId: number, status: RunStatus): void {
    this.write(() => this.db.prepare(`UPDATE runs SET status = ? WHERE id = ?`).run(status, runId))
  }

  finishRun(runId: number, status: RunStatus, error: string | null): void {
    this.write(() =>
      // A run stopped mid-epoch has no epoch time yet: its batches still say how long it trained.
      this.db
        .prepare(
          `UPDATE runs SET status = ?, error = ?, finished_at = ?,
             train_seconds = MAX(COALESCE(train_seconds, 0), COALESCE((SELECT MAX(elapsed) FROM batch_metrics WHERE run_id = ?), 0))
           WHERE id = ?`
        )
        .run(status, error, new Date().toISOString(), runId, runId)
    )
  }

  saveWeights(runId: number, w: ModelArtifacts): void {
    this.write(() =>
      this.db
        .prepare(`INSERT OR REPLACE INTO weights (run_id, topology, specs, data) VALUES (?, ?, ?, ?)`)
        .run(runId, JSON.stringify(w.modelTopology), JSON.stringify(w.weightSpecs), Buffer.from(w.weightData))
    )
  }

  getWeights(runId: number): ModelArtifacts | null {
    const row = this.db.prepare(`SELECT topology, specs, data FROM weights WHERE run_id = ?`).get(runId) as
      | { topology: string; specs: string; data: Buffer }
      | undefined
    if (!row) return null
    const data = row.data.buffer.slice(row.data.byteOffset, row.data.byteOffset + row.data.byteLength) as ArrayBuffer
    return { modelTopology: JSON.parse(row.topology) as object, weightSpecs: JSON.parse(row.specs), weightData: data }
  }

  /** The run's weights, or an error that says why there are none. */
  requireWeights(runId: number): ModelArtifacts {
    const weights = this.getWeights(runId)
    if (!weights) throw new StoreError(`run ${runId} has no stored model (it did not finish training)`)
    return weights
  }

  private row(runId: number): RunRow {
    const row = this.db.prepare(`SELECT * FROM runs WHERE id = ?`).get(runId) as RunRow | undefined
    if (!row) throw new StoreError(`run ${runId} does not exist`)
    return row
  }

  listRuns(): RunSummary[] {
    return (this.db.prepare(`SELECT * FROM runs ORDER BY id DESC`).all() as RunRow[]).map(toSummary)
  }

  getRun(runId: number): RunDetail {
    const row = this.row(runId)
    return {
      ...toSummary(row),
      layers: json<LayerSummary[]>(row.layers, []),
      epochs: this.epochMetrics(runId),
      confusion: this.confusion(runId)?.matrix ?? null,
      classNames: json<string[]>(row.class_names, []),
      hasWeights: !!this.db.prepare(`SELECT 1 FROM weights WHERE run_id = ?`).get(runId),
      batchCount: (this.db.prepare(`SELECT COUNT(*) AS n FROM batch_metrics WHERE run_id = ?`).get(runId) as { n: number }).n
    }
  }

  epochMetrics(runId: number): EpochMetric[] {
    return (
      this.db
        .prepare(
          `SELECT epoch, train_loss AS trainLoss, train_accuracy AS trainAccuracy, test_loss AS testLoss, test_accuracy AS testAccuracy,
                  seconds, num_tensors AS numTensors FROM epoch_metrics WHERE run_id = ? ORDER BY epoch`
        )
        .all(runId) as EpochMetric[]
    )
  }

  batchMetrics(runId: number): BatchMetric[] {
    this.row(runId)
    return this.db
      .prepare(
        `SELECT step, epoch, loss, accuracy, examples_per_sec AS examplesPerSec, elapsed FROM batch_metrics WHERE run_id = ? ORDER BY step`
      )
      .all(runId) as BatchMetric[]
  }

  /** The confusion matrix after `epoch` (default: the last stored). */
  confusion(runId: number, epoch?: number): { epoch: number; matrix: number[][] } | null {
    this.row(runId)
    const row = (
      epoch == null
        ? this.db.prepare(`SELECT epoch, confusion FROM epoch_metrics WHERE run_id = ? ORDER BY epoch DESC LIMIT 1`).get(runId)
        : this.db.prepare(`SELECT epoch, confusion FROM epoch_metrics WHERE run_id = ? AND epoch = ?`).get(runId, epoch)
    ) as { epoch: number; confusion: string } | undefined
    return row ? { epoch: row.epoch, matrix: JSON.parse(row.confusion) as number[][] } : null
  }

  misclassified(runId: number, epoch?: number): EpochMisclassified {
    const e = epoch ?? (this.db.prepare(`SELECT MAX(epoch) AS e FROM epoch_metrics WHERE run_id = ?`).get(runId) as { e: number | null }).e
    if (e == null) return { epoch: 0, items: [] }
    const rows = this.db
      .prepare(`SELECT test_index AS idx, label, predicted, probs FROM misclassified WHERE run_id = ? AND epoch = ? ORDER BY test_index`)
      .all(runId, e) as { idx: number; label: number; predicted: number; probs: string }[]
    return { epoch: e, items: rows.map((r) => ({ index: r.idx, label: r.label, predicted: r.predicted, probs: JSON.parse(r.probs) as number[] })) }
  }

  rename(runId: number, name: string): void {
    this.row(runId)
    this.write(() => this.db.prepare(`UPDATE runs SET name = ? WHERE id = ?`).run(name, runId))
  }

  annotate(runId: number, notes: string): void {
    this.row(runId)
    this.write(() => this.db.prepare(`UPDATE runs SET notes = ? WHERE id = ?`).run(notes, runId))
  }

  delete(runId: number): void {
    this.row(runId)
    this.write(() => this.db.prepare(`DELETE FROM runs WHERE id = ?`).run(runId))
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}
