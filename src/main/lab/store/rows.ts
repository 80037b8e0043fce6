// A run's row as SQLite holds it, and its translation to the contract's RunSummary.
import { DEFAULT_HYPERPARAMS, hyperparams, type Hyperparams } from '@shared/hyperparams'
import type { BackendInfo, RunStatus, RunSummary } from '@shared/run-types'
import type { SweepPoint } from '@shared/sweep'

export interface RunRow {
  id: number
  name: string
  status: RunStatus
  created_at: string
  finished_at: string | null
  hyperparams: string
  preset: string
  dataset: string
  backend: string | null
  layers: string | null
  param_count: number | null
  class_names: string | null
  train_seconds: number | null
  epochs_done: number
  best_test_accuracy: number | null
  final_test_accuracy: number | null
  final_test_loss: number | null
  notes: string
  error: string | null
  pid: number | null
  sweep_id: number | null
  sweep_point: string | null
  host: string | null
  /** Unix ms of the owner's last heartbeat. */
  heartbeat_at: number | null
  /** NULL: trained in the lab; 'pytorch': imported from a PyTorch state_dict. */
  trained_in?: string | null
}

export const json = <T>(text: string | null, fallback: T): T => (text == null ? fallback : (JSON.parse(text) as T))

/**
 * Stored settings go through today's schema, so a row written before a field existed reads back
 * with that field's default. A row today's schema refuses (a limit tightened since) keeps its
 * values over the defaults rather than failing the whole listing.
 */
export function storedHyperparams(text: string): Hyperparams {
  const raw = JSON.parse(text) as unknown
  const parsed = hyperparams.safeParse(raw)
  return parsed.success ? parsed.data : ({ ...DEFAULT_HYPERPARAMS, ...(raw as object) } as Hyperparams)
}

export function toSummary(row: RunRow): RunSummary {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    preset: row.preset,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
    hyperparams: storedHyperparams(row.hyperparams),
    dataset: row.dataset,
    backend: json<BackendInfo | null>(row.backend, null),
    trainSeconds: row.train_seconds,
    epochsDone: row.epochs_done,
    bestTestAccuracy: row.best_test_accuracy,
    finalTestAccuracy: row.final_test_accuracy,
    finalTestLoss: row.final_test_loss,
    notes: row.notes,
    error: row.error,
    paramCount: row.param_count,
    trainedIn: row.trained_in === 'pytorch' ? 'pytorch' : 'lab',
    sweep: row.sweep_id == null ? null : { id: row.sweep_id, point: json<SweepPoint>(row.sweep_point, {}) }
  }
}
