// What the coach measures in a run before it judges it: the loss against what a model that knows
// nothing scores (ln of the class count), the worst batch against that and against the start,
// the gap between training and test, how many steps were taken, and how narrow the model is.
import type { Hyperparams } from '@shared/hyperparams'
import type { EpochMetric } from '@shared/run-types'
import { expandArchitecture } from '../model/layer-list'

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)

/** The cross-entropy of a model that gives every class the same probability: ln(classes). */
export const knowNothingLoss = (classes: number) => Math.log(Math.max(2, classes))

/**
 * The loss at the start and its worst after, each averaged over `window` consecutive batches (at
 * least 64 examples: with batches of 1 or 2, one hard digit alone is a spike), and the step the
 * worst window ends at.
 */
export function lossRange(losses: number[], window = 1): { start: number; worst: number; worstStep: number } | null {
  if (!losses.length) return null
  const w = Math.max(1, Math.min(window, losses.length))
  let sum = 0
  let start = 0
  let worst = -Infinity
  let worstStep = w
  for (let i = 0; i < losses.length; i++) {
    sum += losses[i]
    if (i >= w) sum -= losses[i - w]
    if (i < w - 1) continue
    const mean = sum / w
    if (i === w - 1) start = mean
    if (!(mean <= worst)) {
      worst = mean
      worstStep = i + 1
    }
  }
  return { start, worst, worstStep }
}

/** Batches that hold at least `examples` training examples between them. */
export const batchesFor = (examples: number, batchSize: number) => Math.max(1, Math.ceil(examples / Math.max(1, batchSize)))

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

/**
 * Whether the run's Activation and Dropout settings reach its layers: a layer list may name its own
 * activation or rate for every layer, and then only the list can change them.
 */
export function settingsReach(hp: Hyperparams): { activation: boolean; dropout: boolean } {
  const layers = expandArchitecture(hp.architecture)
  return {
    activation: layers.some((l) => l.type === 'activation' && l.activation == null),
    dropout: layers.some((l) => l.type === 'dropout' && l.rate == null)
  }
}

/** Whether the loss was still falling at the end: its last tenth (at least 3 batches) under the tenth before by 3% or more. */
export function stillFalling(losses: number[]): boolean {
  const n = Math.max(3, Math.floor(losses.length / 10))
  if (losses.length < 2 * n) return false
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  return mean(losses.slice(-n)) < 0.97 * mean(losses.slice(-2 * n, -n))
}
