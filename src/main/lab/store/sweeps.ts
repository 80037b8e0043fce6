// The sweeps table: a sweep's name and spec; its runs are ordinary runs that point to it.
import { isActiveStatus, type RunStatus } from '@shared/run-types'
import type { SweepSpec, SweepSummary } from '@shared/sweep'
import { StoreError, type Db } from './db'
import type { Write } from './runs'

interface SweepRow {
  id: number
  name: string
  created_at: string
  spec: string
  cancelled: number
}

export class SweepsTable {
  constructor(
    private readonly db: Db,
    private readonly write: Write
  ) {}

  create(name: string, spec: SweepSpec): number {
    return this.write(() =>
      Number(
        this.db.prepare(`INSERT INTO sweeps (name, created_at, spec) VALUES (?, ?, ?)`).run(name, new Date().toISOString(), JSON.stringify(spec))
          .lastInsertRowid
      )
    )
  }

  cancel(sweepId: number): void {
    this.row(sweepId)
    this.write(() => this.db.prepare(`UPDATE sweeps SET cancelled = 1 WHERE id = ?`).run(sweepId))
  }

  private row(sweepId: number): SweepRow {
    const row = this.db.prepare(`SELECT * FROM sweeps WHERE id = ?`).get(sweepId) as SweepRow | undefined
    if (!row) throw new StoreError(`sweep ${sweepId} does not exist`, 'missing')
    return row
  }

  /** Ids of the sweep's runs, in the order they were planned. */
  runIds(sweepId: number): number[] {
    this.row(sweepId)
    return (this.db.prepare(`SELECT id FROM runs WHERE sweep_id = ? ORDER BY id`).all(sweepId) as { id: number }[]).map((r) => r.id)
  }

  summary(sweepId: number): SweepSummary {
    return this.toSummary(this.row(sweepId))
  }

  list(): SweepSummary[] {
    return (this.db.prepare(`SELECT * FROM sweeps ORDER BY id DESC`).all() as SweepRow[]).map((r) => this.toSummary(r))
  }

  private toSummary(row: SweepRow): SweepSummary {
    const runs = this.db.prepare(`SELECT id, status, final_test_accuracy AS acc FROM runs WHERE sweep_id = ?`).all(row.id) as {
      id: number
      status: RunStatus
      acc: number | null
    }[]
    const counts: Record<string, number> = {}
    for (const r of runs) counts[r.status] = (counts[r.status] ?? 0) + 1
    const best = runs
      .filter((r) => r.acc != null && Number.isFinite(r.acc))
      .reduce<{ runId: number; testAccuracy: number } | null>((b, r) => (!b || r.acc! > b.testAccuracy ? { runId: r.id, testAccuracy: r.acc! } : b), null)
    return {
      id: row.id,
      name: row.name,
      createdAt: row.created_at,
      cancelled: !!row.cancelled,
      spec: JSON.parse(row.spec) as SweepSpec,
      counts,
      total: runs.length,
      done: runs.filter((r) => !isActiveStatus(r.status)).length,
      best
    }
  }
}
