// A run's trained weights, as tfjs model artifacts in one row.
import type { ModelArtifacts } from '../model/weights'
import { StoreError, type Db } from './db'
import type { Write } from './runs'

export class WeightsTable {
  constructor(
    private readonly db: Db,
    private readonly write: Write
  ) {}

  save(runId: number, w: ModelArtifacts): void {
    this.write(() =>
      this.db
        .prepare(`INSERT OR REPLACE INTO weights (run_id, topology, specs, data) VALUES (?, ?, ?, ?)`)
        .run(runId, JSON.stringify(w.modelTopology), JSON.stringify(w.weightSpecs), Buffer.from(w.weightData))
    )
  }

  get(runId: number): ModelArtifacts | null {
    const row = this.db.prepare(`SELECT topology, specs, data FROM weights WHERE run_id = ?`).get(runId) as
      | { topology: string; specs: string; data: Buffer }
      | undefined
    if (!row) return null
    const data = row.data.buffer.slice(row.data.byteOffset, row.data.byteOffset + row.data.byteLength) as ArrayBuffer
    return { modelTopology: JSON.parse(row.topology) as object, weightSpecs: JSON.parse(row.specs), weightData: data }
  }

  has(runId: number): boolean {
    return !!this.db.prepare(`SELECT 1 FROM weights WHERE run_id = ?`).get(runId)
  }

  /** The run's weights, or an error that says why there are none. */
  require(runId: number): ModelArtifacts {
    const weights = this.get(runId)
    if (!weights) throw new StoreError(`run ${runId} has no stored model (it did not finish training)`, 'conflict')
    return weights
  }
}
