// Runs as they are stored, read and edited: the detail a view opens (with the coach's reading of
// an ended run), its metrics, matrices, mistakes, inside recordings and model, its name and notes.
import type { ExportedModel } from '@shared/contract'
import type { RunInside } from '@shared/inside'
import { isActiveStatus, type EpochMisclassified, type LayerSummary, type RunDetail, type RunMetrics, type RunSummary } from '@shared/run-types'
import type { SweepSummary } from '@shared/sweep'
import { readSweep, type SweepDetail } from '@shared/sweep-reading'
import { missingEmbedding } from '../inside/embedding'
import { LabError } from '../lab-error'
import { toModelFiles } from '../model/weights'
import { json } from '../store/rows'
import type { Store } from '../store/store'
import { CoachReading } from './coach-reading'
import type { EventHub } from './event-hub'

export class RunRecords {
  private readonly coach: CoachReading

  constructor(
    private readonly store: Store,
    private readonly hub: EventHub
  ) {
    this.coach = new CoachReading(store)
  }

  list(): RunSummary[] {
    return this.store.runs.list()
  }

  get(runId: number): RunDetail {
    const run = this.store.getRun(runId)
    return { ...run, ...this.coach.read(run) }
  }

  metrics(runId: number, after?: number): RunMetrics {
    this.store.runs.row(runId)
    return { batches: this.store.metrics.batches(runId, after), epochs: this.store.metrics.epochs(runId) }
  }

  confusion(runId: number, epoch?: number): { epoch: number; matrix: number[][]; classNames: string[] } | null {
    // Only the row: the whole detail (epochs, weights, batch count) is not needed for a matrix.
    const classNames = this.store.runs.classNames(runId)
    const found = this.store.metrics.confusion(runId, epoch)
    return found && { ...found, classNames }
  }

  misclassified(runId: number, epoch?: number): EpochMisclassified {
    this.store.runs.row(runId)
    return this.store.metrics.misclassified(runId, epoch)
  }

  /** The row as renamed (the coach need not read the run again for a new name). */
  rename(runId: number, name: string): RunSummary {
    this.store.runs.rename(runId, name)
    this.hub.runChanged(runId)
    return this.store.runs.summary(runId)
  }

  annotate(runId: number, notes: string): RunSummary {
    this.store.runs.annotate(runId, notes)
    this.hub.runChanged(runId)
    return this.store.runs.summary(runId)
  }

  /** Deletes an ended run; another process's run, or one waiting in the queue, is not this lab's to pull from under it. */
  delete(runId: number): void {
    const { status } = this.store.runs.row(runId)
    if (status === 'queued') throw new LabError(`run ${runId} is queued: stop it (which cancels it) before deleting it`)
    if (isActiveStatus(status)) throw new LabError(`run ${runId} is ${status} in another process: stop it there before deleting it`)
    this.store.runs.delete(runId)
    this.hub.emit({ type: 'deleted', runId })
  }

  /** The trained model as model.json + weights.bin (bytes, at most 4 x MAX_PARAMETERS of them), as tf.loadLayersModel reads them. */
  exportModel(runId: number): ExportedModel {
    this.store.runs.row(runId)
    return toModelFiles(this.store.weights.require(runId))
  }

  /** What a run recorded inside its network (only the points past step `after`, when given). */
  inside(runId: number, after?: number): RunInside {
    const row = this.store.runs.row(runId)
    const inside = this.store.inside.get(runId, after)
    return { ...inside, embeddingNote: inside.embedding ? null : missingEmbedding(row.status, json<LayerSummary[]>(row.layers, [])) }
  }

  sweeps(): SweepSummary[] {
    return this.store.sweeps.list()
  }

  /** A sweep, its runs, and the sweep read as a whole: which setting moved test accuracy most. */
  sweep(sweepId: number): SweepDetail {
    const ids = new Set(this.store.sweeps.runIds(sweepId))
    const sweep = this.store.sweeps.summary(sweepId)
    const runs = this.store.runs.list().filter((r) => ids.has(r.id))
    return { sweep, runs, reading: readSweep(sweep.spec, runs) }
  }
}
