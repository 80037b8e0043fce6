// What a run recorded inside its network: points (one row per recorded step) and its embedding.
// Stored as JSON: read back whole, by one view, never queried inside.
import type { Embedding, InsidePoint, RunInside } from '@shared/inside'
import type { Db } from './db'
import type { Write } from './runs'

export class InsideTable {
  constructor(
    private readonly db: Db,
    private readonly write: Write
  ) {}

  addPoint(runId: number, point: InsidePoint): void {
    this.write(() =>
      this.db
        .prepare(`INSERT OR REPLACE INTO inside_points (run_id, step, epoch, data) VALUES (?, ?, ?, ?)`)
        .run(runId, point.step, point.epoch, JSON.stringify(point))
    )
  }

  setEmbedding(runId: number, embedding: Embedding): void {
    this.write(() =>
      this.db.prepare(`INSERT OR REPLACE INTO embeddings (run_id, epoch, data) VALUES (?, ?, ?)`).run(runId, embedding.epoch, JSON.stringify(embedding))
    )
  }

  /** The latest recorded point (what the coach reads), or null. */
  lastPoint(runId: number): InsidePoint | null {
    const row = this.db.prepare(`SELECT data FROM inside_points WHERE run_id = ? ORDER BY step DESC LIMIT 1`).get(runId) as { data: string } | undefined
    return row ? (JSON.parse(row.data) as InsidePoint) : null
  }

  /** The run's points past step `after` (all of them without), its embedding, and what all its records take. */
  get(runId: number, after = -1): Omit<RunInside, 'embeddingNote'> {
    const points = this.db.prepare(`SELECT data FROM inside_points WHERE run_id = ? AND step > ? ORDER BY step`).all(runId, after) as { data: string }[]
    const embedding = this.db.prepare(`SELECT data FROM embeddings WHERE run_id = ?`).get(runId) as { data: string } | undefined
    const { bytes } = this.db.prepare(`SELECT COALESCE(SUM(LENGTH(data)), 0) AS bytes FROM inside_points WHERE run_id = ?`).get(runId) as { bytes: number }
    const storedBytes = bytes + (embedding?.data.length ?? 0)
    return {
      points: points.map((p) => JSON.parse(p.data) as InsidePoint),
      embedding: embedding ? (JSON.parse(embedding.data) as Embedding) : null,
      storedBytes
    }
  }
}
