// Metrics of one or more runs as one CSV: a row per batch and a row per epoch, tagged by kind.
import type { BatchMetric, EpochMetric } from '@shared/run-types'

export interface RunMetrics {
  id: number
  name: string
  batches: BatchMetric[]
  epochs: EpochMetric[]
}

// Two kinds of seconds, two names: a batch row holds the training time since the run started
// (cumulative), an epoch row the time that one epoch took. One "seconds" column mixed them.
const HEADER = [
  'run_id',
  'run_name',
  'kind',
  'epoch',
  'step',
  'loss',
  'accuracy',
  'test_loss',
  'test_accuracy',
  'elapsed_seconds',
  'epoch_seconds',
  'examples_per_sec'
]

/**
 * Text a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading quote:
 * OWASP's rule against CSV injection through a run's name. Numbers are data, never formulas.
 */
function neutralise(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s
}

function cell(v: string | number | null | undefined): string {
  if (v == null || (typeof v === 'number' && !Number.isFinite(v))) return ''
  const s = typeof v === 'number' ? String(v) : neutralise(v)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export function metricsCsv(runs: RunMetrics[]): string {
  const rows: (string | number | null)[][] = [HEADER]
  for (const r of runs) {
    for (const b of r.batches) rows.push([r.id, r.name, 'batch', b.epoch, b.step, b.loss, b.accuracy, null, null, b.elapsed, null, b.examplesPerSec])
    for (const e of r.epochs) rows.push([r.id, r.name, 'epoch', e.epoch, null, e.trainLoss, e.trainAccuracy, e.testLoss, e.testAccuracy, null, e.seconds, null])
  }
  return rows.map((row) => row.map(cell).join(',')).join('\n') + '\n'
}
