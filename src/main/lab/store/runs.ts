// The runs table: one row per run, its lifecycle from created to a final status.
import type { Hyperparams } from '@shared/hyperparams'
import type { SweepPoint } from '@shared/sweep'
import type { LayerSummary, RunStatus, RunSummary, TrainEvent } from '@shared/run-types'
import type { Db } from './db'
import { StoreError } from './db'
import { ownedBy, ownerGone, thisProcess, type Owner, type OwnerColumns } from './owners'
import { json, toSummary, type RunRow } from './rows'

export type Write = <T>(fn: () => T) => T

/** A run someone must still finish: what the dead-owner check reads. */
type LiveRow = OwnerColumns & { id: number; status: RunStatus }

/**
 * The time a run trained, for a run that ends without finishing its epoch: the larger of its
 * epochs' seconds and its last logged batch's `elapsed` (training time since it started).
 */
const TRAINED_SO_FAR = `MAX(COALESCE(train_seconds, 0), COALESCE((SELECT MAX(elapsed) FROM batch_metrics WHERE run_id = runs.id), 0))`

export class RunsTable {
  constructor(
    private readonly db: Db,
    private readonly write: Write,
    /**
     * A reader writes nothing, so no one may have marked a dead owner's run yet: it shows such a
     * run as a writing lab would mark it, judged the same way (pid here, heartbeat elsewhere).
     */
    private readonly readOnlyAs: Owner | null = null
  ) {}

  /** The row as a reader should see it: a live-looking run whose owner is gone reads as interrupted. */
  private seen(row: RunRow): RunRow {
    if (!this.readOnlyAs || !abandoned(row, this.readOnlyAs, Date.now())) return row
    return { ...row, status: 'interrupted', error: row.error ?? interruptedBecause(row, this.readOnlyAs) }
  }

  /**
   * Runs left 'running' or 'paused' by a process that no longer exists did not finish: say so,
   * keep their logs and the time they trained. Returns the runs marked.
   */
  recoverInterrupted(me: Owner = thisProcess(), now = Date.now()): number[] {
    const live = this.db.prepare(`SELECT id, status, pid, host, heartbeat_at FROM runs WHERE status IN ('running', 'paused')`).all() as LiveRow[]
    const dead = live.filter((r) => abandoned(r, me, now))
    if (!dead.length) return []
    const mark = this.db.prepare(
      `UPDATE runs SET status = 'interrupted', finished_at = COALESCE(finished_at, ?), error = COALESCE(error, ?), train_seconds = ${TRAINED_SO_FAR}
       WHERE id = ? AND status IN ('running', 'paused') AND pid IS ?`
    )
    const at = new Date(now).toISOString()
    // Only rows still as read: a run that ended meanwhile keeps its own ending.
    return this.write(() => dead.filter((r) => mark.run(at, interruptedBecause(r, me), r.id, r.pid).changes === 1).map((r) => r.id))
  }

  /**
   * The owner's sign of life on the runs it trains (by id: a row left by an earlier process that had
   * the same pid gets no beat from this one) and on the runs waiting in its queue.
   */
  beat(me: Owner, training: readonly number[], now = Date.now()): void {
    const ids = JSON.stringify(training)
    this.write(() =>
      this.db
        .prepare(
          `UPDATE runs SET heartbeat_at = ?
           WHERE (id IN (SELECT value FROM json_each(?)) AND status IN ('running', 'paused')) OR (status = 'queued' AND pid = ? AND host = ?)`
        )
        .run(now, ids, me.pid, me.host)
    )
  }

  /** A new run, owned by `me`: 'running' when it starts at once, 'queued' when it waits its turn. */
  create(
    hp: Hyperparams,
    name: string,
    me: Owner = thisProcess(),
    status: 'running' | 'queued' = 'running',
    sweep?: { id: number; point: SweepPoint }
  ): number {
    return this.write(() => {
      const info = this.db
        .prepare(
          `INSERT INTO runs (name, status, created_at, hyperparams, preset, dataset, pid, host, heartbeat_at, sweep_id, sweep_point) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .run(
          name,
          status,
          new Date().toISOString(),
          JSON.stringify(hp),
          hp.architecture.preset,
          hp.dataset,
          me.pid,
          me.host,
          Date.now(),
          sweep?.id ?? null,
          sweep ? JSON.stringify(sweep.point) : null
        )
      return Number(info.lastInsertRowid)
    })
  }

  /**
   * A run whose model was trained in PyTorch and brought in: completed from the start, owned by no
   * process (nothing trains it), marked so that views say why it has no curves.
   */
  createImported(hp: Hyperparams, name: string, info: { layers: LayerSummary[]; paramCount: number; classNames: string[]; seconds: number }): number {
    return this.write(() => {
      const now = new Date().toISOString()
      const result = this.db
        .prepare(
          `INSERT INTO runs (name, status, created_at, finished_at, hyperparams, preset, dataset, backend, layers, param_count, class_names, train_seconds, trained_in)
           VALUES (?, 'completed', ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'pytorch')`
        )
        .run(
          name,
          now,
          now,
          JSON.stringify(hp),
          hp.architecture.preset,
          hp.dataset,
          JSON.stringify({ name: 'PyTorch', version: 'imported state_dict', threads: 0, note: `evaluated by the lab in ${info.seconds.toFixed(1)} s` }),
          JSON.stringify(info.layers),
          info.paramCount,
          JSON.stringify(info.classNames)
        )
      return Number(result.lastInsertRowid)
    })
  }

  // ---- the queue: rows with status 'queued', started in id order ----

  /**
   * Takes the first queued run `me` may start (its own; with `adoptOrphans`, also one whose owner
   * let go of it or died) and marks it running, in one transaction: two labs never take the same.
   */
  claimNextQueued(me: Owner, adoptOrphans: boolean, now = Date.now()): { id: number; hyperparams: string } | null {
    // Most of the time nothing waits: a read, not a write lock, says so.
    if (!this.db.prepare(`SELECT 1 FROM runs WHERE status = 'queued' LIMIT 1`).get()) return null
    return this.write(() => {
      const queued = this.db
        .prepare(`SELECT id, status, pid, host, heartbeat_at, hyperparams FROM runs WHERE status = 'queued' ORDER BY id`)
        .all() as (LiveRow & { hyperparams: string })[]
      const next = queued.find((r) => ownedBy(r, me) || (adoptOrphans && ownerGone(r, me, now)))
      if (!next) return null
      this.db.prepare(`UPDATE runs SET status = 'running', pid = ?, host = ?, heartbeat_at = ? WHERE id = ?`).run(me.pid, me.host, now, next.id)
      return { id: next.id, hyperparams: next.hyperparams }
    })
  }

  /** Whether `me` would start this queued run when a slot frees (it is its own, or an orphan it adopts). */
  startsFor(runId: number, me: Owner, adoptOrphans: boolean, now = Date.now()): boolean {
    const row = this.row(runId)
    return row.status === 'queued' && (ownedBy(row, me) || (adoptOrphans && ownerGone(row, me, now)))
  }

  /** Cancels a queued run, whoever queued it: it ends 'stopped', never having trained. False when it is not queued. */
  cancelQueued(runId: number): boolean {
    return this.write(
      () =>
        this.db.prepare(`UPDATE runs SET status = 'stopped', finished_at = ? WHERE id = ? AND status = 'queued'`).run(new Date().toISOString(), runId)
          .changes === 1
    )
  }

  /** Lets go of `me`'s queued runs: they stay queued, for the next lab that opens the file to start. */
  releaseQueued(me: Owner): void {
    this.write(() =>
      this.db.prepare(`UPDATE runs SET pid = NULL, host = NULL, heartbeat_at = NULL WHERE status = 'queued' AND pid = ? AND host = ?`).run(me.pid, me.host)
    )
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
        .prepare(`UPDATE runs SET status = ?, error = ?, finished_at = ?, train_seconds = ${TRAINED_SO_FAR} WHERE id = ?`)
        .run(status, error, new Date().toISOString(), runId)
    )
  }

  row(runId: number): RunRow {
    const row = this.db.prepare(`SELECT * FROM runs WHERE id = ?`).get(runId) as RunRow | undefined
    if (!row) throw new StoreError(`run ${runId} does not exist`, 'missing')
    return this.seen(row)
  }

  /** The run's class names (empty until it started): all a confusion matrix needs of its row. */
  classNames(runId: number): string[] {
    return json<string[]>(this.row(runId).class_names, [])
  }

  summary(runId: number): RunSummary {
    return toSummary(this.row(runId))
  }

  list(): RunSummary[] {
    return (this.db.prepare(`SELECT * FROM runs ORDER BY id DESC`).all() as RunRow[]).map((r) => toSummary(this.seen(r)))
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

/** A run that reads as training or paused, whose owner is gone: what a writer marks and a reader shows as interrupted. */
const abandoned = (row: LiveRow, me: Owner, now: number) => (row.status === 'running' || row.status === 'paused') && ownerGone(row, me, now)

/** Why a run whose owner is gone did not finish: the same words whoever notices it. */
function interruptedBecause(row: OwnerColumns, me: Owner): string {
  return `the process running it (${whose(row, me)}) stopped before it finished`
}

function whose(row: OwnerColumns, me: Owner): string {
  return row.pid == null
    ? 'unknown'
    : row.host && row.host !== me.host
      ? `pid ${row.pid} on ${row.host}, silent since ${row.heartbeat_at ? new Date(row.heartbeat_at).toISOString() : 'it started'}`
      : `pid ${row.pid}`
}
