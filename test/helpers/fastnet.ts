// Small models for the fast engine's tests: built by the lab's own builder, planned, loaded
// into an engine instance with the tfjs model's initial weights; synthetic data to feed them.
import type * as tf from '@tensorflow/tfjs'
import { setFlagsFromString } from 'node:v8'
import { expect } from 'vitest'
import type { Split } from '../../src/main/lab/data/datasets'
import { fastnetModule, type FastnetBuild } from '../../src/main/lab/fastnet/loader'
import { readModelWeights } from '../../src/main/lab/fastnet/model-weights'
import { FastNet } from '../../src/main/lab/fastnet/net'
import type { Compiled, EnginePath, Forms } from '../../src/main/lab/fastnet/program'
import { planFromModel, type Plan } from '../../src/main/lab/fastnet/net-plan'
import { buildModel, type InputSpec } from '../../src/main/lab/model/build'
import { range, seededRandom } from '../../src/main/lab/data/batches'
import { parseHyperparams } from '../../src/shared/fields'
import type { Hyperparams, HyperparamsInput } from '../../src/shared/hyperparams'

export const NORM = { mean: 0.3, std: 0.4 }

// Node 20 validates relaxed SIMD only behind this flag (Electron's V8 and Node 22 have it on), and
// every check runs against both builds. V8's flags are per process: worker threads see it too.
setFlagsFromString('--experimental-wasm-relaxed-simd')

/** Which module and which path: every combination must give the same results within the tolerances. */
export interface EngineVariant extends Forms {
  build: FastnetBuild
  path: EnginePath
}
export const VARIANTS: EngineVariant[] = (['simd128', 'relaxed'] as const).flatMap((build) =>
  (['per-example', 'batched'] as const).map((path) => ({ build, path }))
)
export const variantName = (v: EngineVariant) => `${v.build}, ${v.path}`

/** `count` random images of `input`'s size with random labels. */
export function syntheticSplit(input: InputSpec, count: number, seed = 7, ink = 1): Split {
  const rand = seededRandom(seed)
  const images = new Uint8Array(count * input.rows * input.cols)
  // With ink < 1, the other pixels are background (0), as in a digit: flat regions, so ties.
  for (let i = 0; i < images.length; i++) images[i] = ink < 1 && rand() >= ink ? 0 : Math.floor(rand() * 256)
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

/** The lab's model for `hp`, and an engine instance holding its initial weights (plain SIMD-128 and program.ts's path unless `variant` says). */
export function buildBoth(hp: HyperparamsInput, input: InputSpec, maxExamples = 32, variant?: EngineVariant): Built {
  const params = parseHyperparams(hp)
  const { model, logits } = buildModel(params, input)
  const planned = planFromModel(logits, input)
  if ('unsupported' in planned) throw new Error(`not covered: ${planned.unsupported}`)
  const net = engineFor(planned.plan, logits, params, maxExamples, variant)
  return { model, logits, plan: planned.plan, net }
}

/** The engine's layout and choices (program.ts) for `hp` on `input`, with some faster forms turned off. */
export function compiledFor(hp: HyperparamsInput, input: InputSpec, off: Forms = {}): Compiled {
  const { net, logits } = buildBoth(hp, input, 32, { build: 'simd128', path: 'batched', ...off })
  logits.dispose()
  return net.c
}

/** Another engine instance for the same model and initial weights: `variant`'s build and path. */
export function engineFor(
  plan: Plan,
  logits: tf.LayersModel,
  params: Pick<Hyperparams, 'optimizer' | 'learningRate'>,
  maxExamples: number,
  variant?: EngineVariant
): FastNet {
  const { build, path, ...forms }: Partial<EngineVariant> = variant ?? {}
  const net = new FastNet(fastnetModule(build ?? 'simd128'), plan, {
    optimizer: params.optimizer,
    learningRate: params.learningRate,
    maxExamples,
    norm: NORM,
    ...(path ? { path } : {}),
    ...forms
  })
  net.setWeights(readModelWeights(logits, plan))
  return net
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

/** One training step's loss sum and gradient sums (before the update), for one engine instance. */
export interface StepTaken {
  loss: number
  sums: number[]
}

/**
 * Three training steps (batches of 13, 17 and 10 examples of `split`'s first 40) on each of `nets`
 * in turn, each step's dropout seeded `seed` + its number: per step, what each net computed.
 */
export function stepsSideBySide(nets: FastNet[], split: Split, seed: number): StepTaken[][] {
  return [range(0, 13), range(13, 30), range(30, 40)].map((batch, step) =>
    nets.map((net) => {
      net.zeroGrads()
      const t = net.accumulate(split, batch, seed + step)
      const sums = Array.from(net.grads())
      net.update(batch.length)
      return { loss: t.lossSum, sums }
    })
  )
}
