// A run's outcome said in words, and the live figures of a run in progress.
import { formatDuration } from '@shared/format'
import type { LiveRun } from './runs-state'

const count = (n: number) => n.toLocaleString('en')

/** "Test accuracy 90.8% after 1 epoch (919 of 10,000 test digits wrong)". */
export function resultSentence(epochs: { testAccuracy: number }[], confusion: number[][] | null, noun = 'test digits', imported = false): string | null {
  const last = epochs[epochs.length - 1]
  if (!last || !confusion) return null
  const total = confusion.flat().reduce((a, b) => a + b, 0)
  const right = confusion.reduce((a, row, i) => a + (row[i] ?? 0), 0)
  const n = epochs.length
  // A model trained in PyTorch had no epochs here: the lab evaluated it once, when it came in.
  if (imported)
    return `Test accuracy ${(last.testAccuracy * 100).toFixed(1)}% as the lab evaluated it on import (${count(total - right)} of ${count(total)} ${noun} wrong)`
  return `Test accuracy ${(last.testAccuracy * 100).toFixed(1)}% after ${n} epoch${n === 1 ? '' : 's'} (${count(total - right)} of ${count(total)} ${noun} wrong)`
}

export interface LiveFigures {
  step: number
  total: number
  epoch: number
  epochs: number
  fraction: number
  /** "1,234 examples/s", or why there is no rate: paused, stopped, finished. */
  rate: string
  eta: string
  /** Training time so far, pauses excluded. */
  trained: string
}

export function liveFigures(run: LiveRun): LiveFigures {
  const last = run.batches[run.batches.length - 1]
  const step = last?.step ?? 0
  const total = run.totalSteps || 1
  const epochs = run.stepsPerEpoch ? Math.round(total / run.stepsPerEpoch) : 1
  const perStep = step > 1 ? last.elapsed / step : 0
  const moving = run.status === 'running'
  const state: Record<string, string> = {
    paused: 'paused',
    stopped: 'stopped',
    completed: 'done',
    diverged: 'diverged',
    failed: 'failed',
    interrupted: 'interrupted'
  }
  return {
    step,
    total,
    epoch: last?.epoch ?? 1,
    epochs,
    fraction: Math.min(1, step / total),
    rate: moving
      ? `${Math.round(last?.examplesPerSec ?? 0).toLocaleString('en')} examples/s`
      : run.status === 'paused'
        ? 'paused: no examples/s, no ETA'
        : `${state[run.status] ?? run.status}`,
    eta: moving ? `ETA ${formatDuration(perStep ? perStep * (total - step) : NaN)}` : '',
    trained: formatDuration(last?.elapsed ?? 0)
  }
}
