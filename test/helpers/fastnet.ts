// Small models for the fast engine's tests: built by the lab's own builder, planned, loaded
// into an engine instance with the tfjs model's initial weights; synthetic data to feed them.
import type * as tf from '@tensorflow/tfjs'
import { expect } from 'vitest'
import type { Split } from '../../src/main/lab/data/datasets'
import { fastnetModule } from '../../src/main/lab/fastnet/loader'
import { readModelWeights } from '../../src/main/lab/fastnet/model-weights'
import { FastNet } from '../../src/main/lab/fastnet/net'
import { planFromModel, type Plan } from '../../src/main/lab/fastnet/net-plan'
import { buildModel, type InputSpec } from '../../src/main/lab/model/build'
import { seededRandom } from '../../src/main/lab/data/batches'
import { parseHyperparams } from '../../src/shared/fields'
import type { HyperparamsInput } from '../../src/shared/hyperparams'

export const NORM = { mean: 0.3, std: 0.4 }

/** `count` random images of `input`'s size with random labels. */
export function syntheticSplit(input: InputSpec, count: number, seed = 7): Split {
  const rand = seededRandom(seed)
  const images = new Uint8Array(count * input.rows * input.cols)
  for (let i = 0; i < images.length; i++) images[i] = Math.floor(rand() * 256)
  const labels = new Uint8Array(count)
  for (let i = 0; i < count; i++) labels[i] = Math.floor(rand() * input.numClasses)
  return { count, images, labels }
}

export interface Built {
  logits: tf.LayersModel
  model: tf.LayersModel
  plan: Plan
  net: FastNet
}

/** The lab's model for `hp`, and an engine instance holding its initial weights. */
export function buildBoth(hp: HyperparamsInput, input: InputSpec, maxExamples = 32): Built {
  const params = parseHyperparams(hp)
  const { model, logits } = buildModel(params, input)
  const planned = planFromModel(logits, input)
  if ('unsupported' in planned) throw new Error(`not covered: ${planned.unsupported}`)
  const net = new FastNet(fastnetModule(), planned.plan, { optimizer: params.optimizer, learningRate: params.learningRate, maxExamples, norm: NORM })
  net.setWeights(readModelWeights(logits, planned.plan))
  return { model, logits, plan: planned.plan, net }
}

/** max |a - b| / max |b|: how far `a` is from `b`, relative to `b`'s scale. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let diff = 0
  let scale = 1e-30
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]))
    scale = Math.max(scale, Math.abs(b[i]))
  }
  return diff / scale
}
