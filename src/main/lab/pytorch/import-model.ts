// A PyTorch state_dict brought into the lab: read strictly against the plan of the layers the
// learner named, turned into the lab's tfjs model, and evaluated on the named test set as a
// trained run would be (confusion, mistakes, embedding, first-layer filters). Nothing is stored here.
import * as tf from '@tensorflow/tfjs'
import type { Hyperparams } from '@shared/hyperparams'
import { MAX_EMBEDDING_UNITS, type Embedding, type InsidePoint } from '@shared/inside'
import type { LayerSummary } from '@shared/run-types'
import type { Dataset } from '../data/datasets'
import { selectBackend } from '../backend/select'
import { evaluate, type Evaluation } from '../engine/evaluate'
import { projectEmbedding } from '../inside/embedding'
import { InsideRecorder } from '../inside/recorder'
import { buildModel, countTrainableParams, summarise } from '../model/build'
import { exportArtifacts, type ModelArtifacts } from '../model/weights'
import { fromStateDict } from './layout'
import { readSafetensors } from './safetensors'
import { planTorch } from './torch-plan'

export interface ImportedModel {
  artifacts: ModelArtifacts
  evaluation: Evaluation
  layers: LayerSummary[]
  paramCount: number
  embedding: Embedding | null
  /** The first layer's filters and the probe batch's activations, as a trained run's last point holds them. */
  inside: InsidePoint | null
  seconds: number
}

export async function importStateDict(file: Uint8Array, hp: Hyperparams, ds: Dataset, what: string): Promise<ImportedModel> {
  const t0 = performance.now()
  const input = { rows: ds.rows, cols: ds.cols, numClasses: ds.classNames.length }
  const plan = planTorch(hp, input)
  const state = readSafetensors(file, plan.tensors, what)
  const weights = fromStateDict(plan, state)
  // The fastest backend tfjs has here: plain JavaScript takes tens of seconds over 10,000 digits of a CNN.
  await selectBackend()
  const built = buildModel(hp, input)
  try {
    const tensors = weights.map((w, i) => tf.tensor(w, plan.tensors[i].tfjsShape))
    built.model.setWeights(tensors)
    tf.dispose(tensors)
    const test = hp.limitTest == null || hp.limitTest >= ds.test.count ? ds.test : limitTest(ds, hp.limitTest)
    const evaluation = evaluate(built.logits, test, input, ds, hp.testBatchSize)
    const run = { model: built.model, logits: built.logits, test, shape: input, dataset: ds }
    const recorder = new InsideRecorder(run, 1)
    const { embedding, inside } = recordInside(recorder, weights)
    recorder.dispose()
    return {
      artifacts: await exportArtifacts(built.model),
      evaluation,
      layers: summarise(built.model),
      paramCount: countTrainableParams(built.model),
      embedding,
      inside,
      seconds: (performance.now() - t0) / 1000
    }
  } finally {
    built.model.dispose()
  }
}

function limitTest(ds: Dataset, limit: number): Dataset['test'] {
  const size = ds.rows * ds.cols
  return { count: limit, images: ds.test.images.subarray(0, limit * size), labels: ds.test.labels.subarray(0, limit) }
}

/**
 * What the inside views can show of a model without its training: the embedding map, and the
 * first layer's filters and activations (the weight histograms of a step it never took, no).
 */
function recordInside(recorder: InsideRecorder, weights: Float32Array[]): { embedding: Embedding | null; inside: InsidePoint | null } {
  let embedding: Embedding | null = null
  let inside: InsidePoint | null = null
  try {
    const raw = recorder.embedding(1)
    embedding = raw.units <= MAX_EMBEDDING_UNITS ? projectEmbedding(raw) : null
  } catch {
    embedding = null
  }
  try {
    const point = recorder.point(1, 1, true, { before: weights, after: weights, gradient: weights.map((w) => new Float32Array(w.length)) })
    inside = point && { ...point, layers: [] }
  } catch {
    inside = null
  }
  return { embedding, inside }
}
