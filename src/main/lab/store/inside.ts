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
    this.write(() => this.db.prepare(`INSERT OR REPLACE INTO inside_points (run_id, step, epoch, data) VALUES (?, ?, ?, ?)`).run(runId, point.step, point.epoch, JSON.stringify(point)))
  }

  setEmbedding(runId: number, embedding: Embedding): void {
    this.write(() => this.db.prepare(`INSERT OR REPLACE INTO embeddings (run_id, epoch, data) VALUES (?, ?, ?)`).run(runId, embedding.epoch, JSON.stringify(embedding)))
  }

  /** The latest recorded point (what the coach reads), or null. */
  lastPoint(runId: number): InsidePoint | null {
    const row = this.db.prepare(`SELECT data FROM inside_points WHERE run_id = ? ORDER BY step DESC LIMIT 1`).get(runId) as { data: string } | undefined
    return row ? (JSON.parse(row.data) as InsidePoint) : null
  }

  get(runId: number): Omit<RunInside, 'embeddingNote'> {
    const points = this.db.prepare(`SELECT data FROM inside_points WHERE run_id = ? ORDER BY step`).all(runId) as { data: string }[]
    const embedding = this.db.prepare(`SELECT data FROM embeddings WHERE run_id = ?`).get(runId) as { data: string } | undefined
    const storedBytes = points.reduce((a, p) => a + p.data.length, 0) + (embedding?.data.length ?? 0)
    return { points: points.map((p) => JSON.parse(p.data) as InsidePoint), embedding: embedding ? (JSON.parse(embedding.data) as Embedding) : null, storedBytes }
  }
}
