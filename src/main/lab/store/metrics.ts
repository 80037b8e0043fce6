// What a run logs while it trains: per-batch and per-epoch metrics, confusion matrices and the
// test digits it got wrong after each epoch.
import type { BatchMetric, EpochMetric, EpochMisclassified, Misclassified } from '@shared/run-types'
import type { Db } from './db'
import type { Write } from './runs'

export class MetricsTable {
  constructor(
    private readonly db: Db,
    private readonly write: Write
  ) {}

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
    const insertWrong = this.db.prepare(`INSERT OR REPLACE INTO misclassified (run_id, epoch, test_index, label, predicted, probs) VALUES (?, ?, ?, ?, ?, ?)`)
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

  epochs(runId: number): EpochMetric[] {
    return this.db
      .prepare(
        `SELECT epoch, train_loss AS trainLoss, train_accuracy AS trainAccuracy, test_loss AS testLoss, test_accuracy AS testAccuracy,
                seconds, num_tensors AS numTensors FROM epoch_metrics WHERE run_id = ? ORDER BY epoch`
      )
      .all(runId) as EpochMetric[]
  }

  /** Every batch of the run, or those past step `after`. */
  batches(runId: number, after = 0): BatchMetric[] {
    return this.db
      .prepare(`SELECT step, epoch, loss, accuracy, examples_per_sec AS examplesPerSec, elapsed FROM batch_metrics WHERE run_id = ? AND step > ? ORDER BY step`)
      .all(runId, after) as BatchMetric[]
  }

  /** Just the loss curve: a light read of a long log (the coach needs nothing else). */
  losses(runId: number): Pick<BatchMetric, 'epoch' | 'loss'>[] {
    return this.db.prepare(`SELECT epoch, loss FROM batch_metrics WHERE run_id = ? ORDER BY step`).all(runId) as Pick<BatchMetric, 'epoch' | 'loss'>[]
  }

  /** Batch rows logged after epoch `epoch` ended: a cut-short epoch's share. */
  batchCountAfter(runId: number, epoch: number): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM batch_metrics WHERE run_id = ? AND epoch > ?`).get(runId, epoch) as { n: number }).n
  }

  batchCount(runId: number): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM batch_metrics WHERE run_id = ?`).get(runId) as { n: number }).n
  }

  /** The confusion matrix after `epoch` (default: the last stored). */
  confusion(runId: number, epoch?: number): { epoch: number; matrix: number[][] } | null {
    const row = (
      epoch == null
        ? this.db.prepare(`SELECT epoch, confusion FROM epoch_metrics WHERE run_id = ? ORDER BY epoch DESC LIMIT 1`).get(runId)
        : this.db.prepare(`SELECT epoch, confusion FROM epoch_metrics WHERE run_id = ? AND epoch = ?`).get(runId, epoch)
    ) as { epoch: number; confusion: string } | undefined
    return row ? { epoch: row.epoch, matrix: JSON.parse(row.confusion) as number[][] } : null
  }

  /** The digits a run got wrong after `epoch` (default: the last stored); epoch 0 when none is stored. */
  misclassified(runId: number, epoch?: number): EpochMisclassified {
    const e = epoch ?? (this.db.prepare(`SELECT MAX(epoch) AS e FROM epoch_metrics WHERE run_id = ?`).get(runId) as { e: number | null }).e
    if (e == null) return { epoch: 0, items: [] }
    const rows = this.db
      .prepare(`SELECT test_index AS idx, label, predicted, probs FROM misclassified WHERE run_id = ? AND epoch = ? ORDER BY test_index`)
      .all(runId, e) as { idx: number; label: number; predicted: number; probs: string }[]
    return { epoch: e, items: rows.map((r) => ({ index: r.idx, label: r.label, predicted: r.predicted, probs: JSON.parse(r.probs) as number[] })) }
  }
}
