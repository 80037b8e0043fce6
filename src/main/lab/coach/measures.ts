// What the coach measures in a run before it judges it: the loss against what a model that knows
// nothing scores (ln of the class count), the worst batch against that and against the start,
// the gap between training and test, how many steps were taken, and how narrow the model is.
import type { Hyperparams } from '@shared/hyperparams'
import type { EpochMetric } from '@shared/run-types'
import { expandArchitecture } from '../model/layer-list'

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)

/** The cross-entropy of a model that gives every class the same probability: ln(classes). */
export const knowNothingLoss = (classes: number) => Math.log(Math.max(2, classes))

/** The loss at the start (the first batch's, taken before any step moved the weights) and the worst single batch after it. */
export function lossRange(losses: number[]): { start: number; worst: number; worstStep: number } | null {
  if (!losses.length) return null
  let worstStep = 0
  losses.forEach((l, i) => {
    if (!(l <= losses[worstStep])) worstStep = i
  })
  return { start: losses[0], worst: losses[worstStep], worstStep: worstStep + 1 }
}

/** How far the loss fell from its start to its end, as a share of the start (a tenth of the curve, at least 3 batches, averaged at each end). */
export function lossFall(losses: number[]): { start: number; end: number; fall: number } | null {
  if (losses.length < 2) return null
  const n = Math.max(1, Math.min(Math.floor(losses.length / 10), 50), Math.min(3, Math.floor(losses.length / 2)))
  const start = mean(losses.slice(0, n))
  const end = mean(losses.slice(-n))
  return { start, end, fall: (start - end) / start }
}

/** The share of test digits given the class most often given, and that class; null without a matrix. */
export function topClass(confusion: number[][] | null): { index: number; share: number; total: number } | null {
  if (!confusion?.length) return null
  const total = confusion.flat().reduce((a, b) => a + b, 0)
  if (!total) return null
  const columns = confusion[0].map((_, j) => confusion.reduce((a, row) => a + row[j], 0))
  const index = columns.indexOf(Math.max(...columns))
  return { index, share: columns[index] / total, total }
}

/** The epoch with the lowest test loss, and the last one. */
export function bestAndLast(epochs: EpochMetric[]): { best: EpochMetric; last: EpochMetric } | null {
  if (!epochs.length) return null
  return { best: epochs.reduce((b, e) => (e.testLoss < b.testLoss ? e : b)), last: epochs.at(-1)! }
}

/**
 * The narrowest dense layer before the output, and the dropout that follows the last one (the
 * share dropped, and about how many units each step keeps). A CNN's convolutions are left out:
 * their width is channels times positions, never the limit on these datasets.
 */
export function denseShape(hp: Hyperparams): { narrowest: number | null; dropout: { rate: number; after: number; kept: number } | null } {
  const layers = expandArchitecture(hp.architecture)
  let narrowest: number | null = null
  let lastDense: number | null = null
  let dropout: { rate: number; after: number; kept: number } | null = null
  for (const layer of layers) {
    if (layer.type === 'dense') {
      narrowest = narrowest == null ? layer.units : Math.min(narrowest, layer.units)
      lastDense = layer.units
    }
    if (layer.type === 'dropout' && lastDense != null) {
      const rate = layer.rate ?? hp.dropout
      if (rate > 0) dropout = { rate, after: lastDense, kept: lastDense * (1 - rate) }
    }
  }
  return { narrowest, dropout }
}

/** Training steps taken: batches logged. */
export const stepsTaken = (batches: { epoch: number }[]) => batches.length
