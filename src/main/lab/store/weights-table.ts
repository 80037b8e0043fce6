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
      { topology: string; specs: string; data: Buffer } | undefined
    if (!row) return null
    const data = row.data.buffer.slice(row.data.byteOffset, row.data.byteOffset + row.data.byteLength) as ArrayBuffer
    return { modelTopology: JSON.parse(row.topology) as object, weightSpecs: JSON.parse(row.specs), weightData: data }
  }

  /** A small model's weights at the end of `epoch` (model.weights' order, float32, as weightData). */
  saveEpoch(runId: number, epoch: number, data: Float32Array): void {
    this.write(() =>
      this.db
        .prepare(`INSERT OR REPLACE INTO epoch_weights (run_id, epoch, data) VALUES (?, ?, ?)`)
        .run(runId, epoch, Buffer.from(data.buffer, data.byteOffset, data.byteLength))
    )
  }

  /** The model at the end of `epoch`: the final model's topology with that epoch's weights; null when that epoch's were not kept. */
  atEpoch(runId: number, epoch: number): ModelArtifacts | null {
    const row = this.db.prepare(`SELECT data FROM epoch_weights WHERE run_id = ? AND epoch = ?`).get(runId, epoch) as { data: Buffer } | undefined
    const final = row ? this.get(runId) : null
    if (!row || !final) return null
    return { ...final, weightData: row.data.buffer.slice(row.data.byteOffset, row.data.byteOffset + row.data.byteLength) as ArrayBuffer }
  }

  hasEpoch(runId: number, epoch: number): boolean {
    return !!this.db.prepare(`SELECT 1 FROM epoch_weights WHERE run_id = ? AND epoch = ?`).get(runId, epoch)
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
