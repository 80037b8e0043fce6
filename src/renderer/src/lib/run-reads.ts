// What a view that shows a run (Runs' detail, Compare) reads of it, and how it puts the reads
// together, as plain data and pure functions. While the run trains, the store's live state has
// its batches, epochs and matrix, and its row: the view reads every stored batch once, then at
// each epoch's end only the batches stored since (runMetrics `after`), and the run's detail
// (getRun) once more when the run has ended (its hints, final matrix and model come then).
import type { RequestInput } from '@shared/contract'
import { isActiveStatus, type BatchMetric, type EpochMetric, type RunMetrics, type RunStatus } from '@shared/run-types'

export const NO_METRICS: RunMetrics = { batches: [], epochs: [] }

/** What a view holds of the run it is about to read: whether its detail, and its curves as last read. */
export interface HeldRun {
  detail: boolean
  metrics: RunMetrics | null
}

export interface ReadPlan {
  /** Whether to read the run's detail (getRun). */
  detail: boolean
  /** The runMetrics request: every batch (no `after`) for a run whose curves are not held, else those past the last one held. */
  metrics: RequestInput<'runMetrics'>
}

/**
 * What to read about `runId` now that the store says it changed (or it was first shown): what
 * is not held yet in full; the curves held, only the batches past them; the detail held, again
 * only once the run is no longer training (`status`: the store's).
 */
export function planReads(runId: number, held: HeldRun, status: RunStatus): ReadPlan {
  return {
    detail: !held.detail || !isActiveStatus(status),
    metrics: held.metrics ? { runId, after: held.metrics.batches.at(-1)?.step ?? 0 } : { runId }
  }
}

/**
 * What was held plus what a read planned by planReads returned: the batches past the last one
 * held appended (any at or before it are already held), the epochs as the read has them (every
 * read returns them all). A read of everything (`after` undefined) replaces what was held.
 */
export function withRead(held: RunMetrics, read: RunMetrics, after: number | undefined): RunMetrics {
  if (after === undefined) return read
  const last = held.batches.at(-1)?.step ?? 0
  const added = read.batches.filter((b) => b.step > last)
  return { batches: added.length ? [...held.batches, ...added] : held.batches, epochs: read.epochs }
}

/**
 * The points to draw: the live store's while it holds at least as many as were read (it grows
 * between reads, batch by batch), else those read (a run that trained before this page opened,
 * or a live state that missed some while the page was away).
 */
export function shownPoints<T extends BatchMetric | EpochMetric>(read: T[], live: T[] | null | undefined): T[] {
  return live && live.length >= read.length ? live : read
}
