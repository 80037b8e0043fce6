// Runs and everything they log, in SQLite. Synchronous by design (better-sqlite3): every call
// is short, and batch metrics arrive already grouped by RunLogger. One table class per concern.
import type { LayerSummary, RunDetail } from '@shared/run-types'
import { explainSqliteError, openDatabase, type Db, type OpenOptions } from './db'
import { InsideTable } from './inside'
import { LessonsTable } from './lessons'
import { MetricsTable } from './metrics'
import { json, toSummary } from './rows'
import { thisProcess } from './owners'
import { RunsTable } from './runs'
import { SweepsTable } from './sweeps'
import { WeightsTable } from './weights-table'

export class Store {
  readonly db: Db
  readonly runs: RunsTable
  readonly metrics: MetricsTable
  readonly weights: WeightsTable
  readonly sweeps: SweepsTable
  readonly inside: InsideTable
  readonly lessons: LessonsTable

  constructor(
    readonly path: string,
    options: OpenOptions = {}
  ) {
    this.db = openDatabase(path, options)
    const write = <T>(fn: () => T) => this.write(fn)
    this.runs = new RunsTable(this.db, write, options.readonly ? thisProcess() : null)
    this.metrics = new MetricsTable(this.db, write)
    this.weights = new WeightsTable(this.db, write)
    this.sweeps = new SweepsTable(this.db, write)
    this.inside = new InsideTable(this.db, write)
    this.lessons = new LessonsTable(this.db, write)
    if (!options.readonly) this.runs.recoverInterrupted()
  }

  /** Moves what the WAL holds into the main file, without waiting for readers or writers. */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(PASSIVE)')
  }

  /** Every write goes through here, so a locked or damaged file gives one clear error. */
  write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate()
    } catch (err) {
      throw explainSqliteError(err, this.path)
    }
  }

  /** A run with everything a detail view needs, in one read (the coach's reading is the lab's to add). */
  getRun(runId: number): Omit<RunDetail, 'hints' | 'followUp'> {
    const row = this.runs.row(runId)
    return {
      ...toSummary(row),
      layers: json<LayerSummary[]>(row.layers, []),
      epochs: this.metrics.epochs(runId),
      confusion: this.metrics.confusion(runId)?.matrix ?? null,
      classNames: json<string[]>(row.class_names, []),
      hasWeights: this.weights.has(runId),
      batchCount: this.metrics.batchCount(runId)
    }
  }

  close(): void {
    if (this.db.open) this.db.close()
  }
}
