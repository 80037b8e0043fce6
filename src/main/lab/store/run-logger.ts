// Groups per-batch metrics into few transactions: one INSERT per batch would cost more than the
// batch itself on fast backends. Flushes by size, by age, and whenever something final happens.
import type { BatchMetric } from '@shared/run-types'
import type { MetricsTable } from './metrics'

export class RunLogger {
  private pending: BatchMetric[] = []
  private lastFlush = performance.now()

  constructor(
    private readonly metrics: MetricsTable,
    private readonly runId: number,
    private readonly maxRows = 256,
    private readonly maxAgeMs = 500
  ) {}

  /** Rows not written yet: with the stored ones, everything the run has logged. */
  get unwritten(): readonly BatchMetric[] {
    return this.pending
  }

  add(metric: BatchMetric): void {
    this.pending.push(metric)
  }

  /** Writes the buffer when it is big or old enough. */
  flushIfDue(): void {
    if (this.pending.length >= this.maxRows || performance.now() - this.lastFlush >= this.maxAgeMs) this.flush()
  }

  flush(): void {
    this.lastFlush = performance.now()
    if (!this.pending.length) return
    // Rows leave the buffer only once they are written: a locked database loses nothing.
    this.metrics.appendBatches(this.runId, this.pending)
    this.pending = []
  }
}
