// The embedding map's data: the penultimate layer's outputs for the test sample, as the training
// worker hands them over, and their 2-D projection as it is stored. The projection (PCA over
// 2,000 rows) runs where the run is stored, not on the training threads: it is not training.
import { encodeProbs, MAX_EMBEDDING_UNITS, type Embedding } from '@shared/inside'
import type { LayerSummary, RunStatus } from '@shared/run-types'
import { pca2 } from './stats'

export interface RawEmbedding {
  epoch: number
  /** tfjs's name of the layer whose outputs these are. */
  layer: string
  units: number
  classes: number
  /** True class of each test digit 0..n-1 of the sample. */
  labels: number[]
  /** n x units */
  features: Float32Array
  /** n x classes */
  probs: Float32Array
}

export function projectEmbedding(raw: RawEmbedding): Embedding {
  const { classes, units, labels } = raw
  const n = labels.length
  const predicted: number[] = []
  for (let i = 0; i < n; i++) {
    let best = 0
    for (let k = 1; k < classes; k++) if (raw.probs[i * classes + k] > raw.probs[i * classes + best]) best = k
    predicted.push(best)
  }
  const projected = pca2(raw.features, n, units)
  return {
    epoch: raw.epoch,
    layer: raw.layer,
    units,
    explained: projected.explained,
    indices: labels.map((_, i) => i),
    labels,
    predicted,
    x: projected.x,
    y: projected.y,
    probs: encodeProbs(raw.probs),
    classes
  }
}

/** Why a run has no embedding, in words, where there is a reason beyond "not recorded" (an old run). */
export function missingEmbedding(status: RunStatus, layers: LayerSummary[]): string | null {
  if (status === 'queued' || status === 'running' || status === 'paused') return 'The map is drawn when training ends.'
  if (status !== 'completed') return `The map shows a model that finished training; this run ${status === 'stopped' ? 'was stopped' : status}.`
  // The layers as stored end in the logits' dense layer, then softmax: the map's layer feeds the first.
  const logits = layers.map((l) => l.type).lastIndexOf('Dense')
  const units = logits > 0 ? layers[logits - 1].outputShape.slice(1).reduce<number>((a, b) => a * (b ?? 1), 1) : 0
  if (units > MAX_EMBEDDING_UNITS)
    return `The map projects the layer before the output, which may have at most ${MAX_EMBEDDING_UNITS} values; this model's has ${units.toLocaleString('en')}.`
  return null
}
