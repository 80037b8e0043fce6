// The runs table: one row per run, its lifecycle from created to a final status.
import type { Hyperparams } from '@shared/hyperparams'
import type { RunStatus, RunSummary, TrainEvent } from '@shared/run-types'
import type { Db } from './db'
import { StoreError } from './db'
import { toSummary, type RunRow } from './rows'

export type Write = <T>(fn: () => T) => T

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export class RunsTable {
  constructor(
    private readonly db: Db,
    private readonly write: Write
  ) {}

  /** Runs left 'running' by a process that no longer exists did not finish: say so, keep their logs. */
  recoverInterrupted(): number[] {
    const live = this.db.prepare(`SELECT id, pid FROM runs WHERE status IN ('running', 'paused')`).all() as { id: number; pid: number | null }[]
    const dead = live.filter((r) => r.pid == null || (r.pid !== process.pid && !isAlive(r.pid))).map((r) => r.id)
    if (!dead.length) return dead
    const mark = this.db.prepare(
      `UPDATE runs SET status = 'interrupted', finished_at = COALESCE(finished_at, ?), error = COALESCE(error, 'the process running it stopped before it finished') WHERE id = ?`
    )
    this.write(() => dead.forEach((id) => mark.run(new Date().toISOString(), id)))
    return dead
  }

  create(hp: Hyperparams, name: string): number {
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

  setStatus(runId: number, status: RunStatus): void {
    this.write(() => this.db.prepare(`UPDATE runs SET status = ? WHERE id = ?`).run(status, runId))
  }

  finish(runId: number, status: RunStatus, error: string | null): void {
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

  row(runId: number): RunRow {
    const row = this.db.prepare(`SELECT * FROM runs WHERE id = ?`).get(runId) as RunRow | undefined
    if (!row) throw new StoreError(`run ${runId} does not exist`, 'missing')
    return row
  }

  summary(runId: number): RunSummary {
    return toSummary(this.row(runId))
  }

  list(): RunSummary[] {
    return (this.db.prepare(`SELECT * FROM runs ORDER BY id DESC`).all() as RunRow[]).map(toSummary)
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
}
