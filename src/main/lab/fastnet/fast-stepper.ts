// The fast engine behind the training loop's TrainStepper: its weights start as the tfjs model's
// (buildModel's init), train in wasm on one or two threads, and go back into the tfjs model for
// export, so stored weights, Draw and exported files are the same whichever engine trained.
import type { Hyperparams } from '@shared/hyperparams'
import type { BackendInfo } from '@shared/run-types'
import { halves, range } from '../data/batches'
import type { Split } from '../data/datasets'
import { Tally, type Evaluation, type Look, type Looked } from '../engine/evaluate'
import type { PreparedRun } from '../engine/prepared-run'
import type { StepResult, TrainStepper } from '../engine/train-stepper'
import { fastnetBuild, fastnetModule, fastnetVersion } from './loader'
import { readModelWeights, writeModelWeights } from './model-weights'
import { FastNet, type NetOptions } from './net'
import { FastPartner, fastnetThreads } from './parallel'
import { profile } from './profile'
import type { Plan } from './net-plan'
import { stepSeed } from './seed'

export const FASTNET_NAME = 'digit-lab-wasm'
/** How the engine runs `net`'s layers, in words: which run one example at a time, which on the whole batch, which convolutions by Winograd's form. */
function description(net: FastNet): string {
  const { batchedFrom, winogradLayers, winogradTiles } = net.c
  const layers = net.plan.layers
  const convolutions = layers.flatMap((l, i) => (l.kind === 'conv' ? [i] : []))
  const winograd = winogradLayers.map(
    (i, k) => `convolution ${convolutions.indexOf(i) + 1}'s forward pass by Winograd's F(${winogradTiles[k]}x${winogradTiles[k]}, 5x5)`
  )
  if (batchedFrom >= layers.length) return ["the lab's WebAssembly engine, one example at a time", ...winograd].join(', ')
  const below = convolutions.some((i) => i < batchedFrom) ? 'convolutions one example at a time, ' : ''
  return [`the lab's WebAssembly engine, ${below}dense layers as matrix products over the whole batch`, ...winograd].join(', ')
}
/** Examples staged in the engine's memory at once (batches and evaluations go through in chunks). */
const CHUNK = 256

export class FastStepper implements TrainStepper {
  readonly backend: BackendInfo

  private constructor(
    private readonly hp: Hyperparams,
    private readonly run: PreparedRun,
    readonly net: FastNet,
    private partner: FastPartner | null,
    version: string,
    note: string
  ) {
    this.backend = {
      name: FASTNET_NAME,
      version,
      threads: partner ? 2 : 1,
      note: [description(net), note].filter(Boolean).join('; '),
      ...(run.backend.fallback ? { fallback: run.backend.fallback } : {})
    }
  }

  static async start(hp: Hyperparams, run: PreparedRun, plan: Plan, env = process.env): Promise<FastStepper> {
    const build = fastnetBuild(env)
    const module = fastnetModule(build)
    const version = fastnetVersion(build)
    const options: NetOptions = {
      optimizer: hp.optimizer,
      learningRate: hp.learningRate,
      maxExamples: Math.min(CHUNK, Math.max(hp.batchSize, hp.testBatchSize)),
      norm: { mean: run.dataset.mean, std: run.dataset.std }
    }
    const net = new FastNet(module, plan, options)
    net.setWeights(readModelWeights(run.logits, plan))
    if (fastnetThreads(hp, env) === 1) return new FastStepper(hp, run, net, null, version, '')
    try {
      const partner = await FastPartner.start(module, net, options, hp, run.train, run.test)
      return new FastStepper(hp, run, net, partner, version, 'data parallel over 2 worker threads')
    } catch (err) {
      // A second thread is a speed-up, not a requirement.
      return new FastStepper(hp, run, net, null, version, `one thread (the helper thread could not start: ${(err as Error).message})`)
    }
  }

  async step(batch: Uint32Array, epoch: number, step: number, inspect = false): Promise<StepResult> {
    const n = batch.length
    const before = inspect ? this.weights() : null
    // The gradient sums, just before the update applies them: the batch's mean gradient.
    let gradient: Float32Array[] = []
    const seen = () => {
      gradient = this.net.gradientsAsWeights()
      for (const g of gradient) for (let i = 0; i < g.length; i++) g[i] /= n
    }
    const seed = stepSeed(this.hp.seed, epoch, step)
    const partner = this.partner
    if (partner) {
      try {
        partner.go(epoch, step)
        const [trainerBatch] = halves(batch)
        this.net.zeroGrads()
        const trainerHalf = this.net.accumulate(this.run.train, trainerBatch, seed, 0)
        const t0 = performance.now()
        const helperHalf = partner.exchange(this.net.grads())
        const t1 = performance.now()
        // An inspected step shows the summed gradient, so it adds the halves first; the others
        // add them in the optimizer's pass.
        if (before) {
          this.net.addGradients(helperHalf.gradient)
          seen()
          this.net.update(n)
        } else this.net.update(n, helperHalf.gradient)
        if (profile.enabled) this.count(t0, t1)
        return this.result((trainerHalf.lossSum + helperHalf.lossSum) / n, trainerHalf.correct + helperHalf.correct, before, gradient)
      } catch {
        // The helper failed before this step's update was applied anywhere: carry on alone.
        await this.dropPartner()
      }
    }
    this.net.zeroGrads()
    const t = this.net.accumulate(this.run.train, batch, seed, 0)
    const t1 = performance.now()
    if (before) seen()
    this.net.update(n)
    if (profile.enabled) this.count(t1, t1)
    return this.result(t.lossSum / n, t.correct, before, gradient)
  }

  private weights(): Float32Array[] {
    return this.net.getWeights().map((w) => w.values)
  }

  private result(loss: number, correct: number, before: Float32Array[] | null, gradient: Float32Array[]): StepResult {
    return before ? { loss, correct, inside: { before, after: this.weights(), gradient } } : { loss, correct }
  }

  private count(exchangeFrom: number, updateFrom: number): void {
    profile.exchange += updateFrom - exchangeFrom
    profile.update += performance.now() - updateFrom
    profile.steps++
  }

  /**
   * The whole test split, split between the threads; the same numbers tfjs's evaluate gives, up to
   * float rounding. A `look` at examples this thread evaluates costs only the copies: they go
   * through as evaluating takes them (see look) and their layer outputs are copied on the way.
   */
  evaluate(_batchSize?: number, look?: Look): Evaluation {
    const t0 = performance.now()
    const result = this.evaluateSplit(look)
    if (profile.enabled) profile.evaluate += performance.now() - t0
    return result
  }

  layerOutputs(split: Split, indices: ArrayLike<number>, layers: number[]): Float32Array[] {
    return this.look(split, indices, layers, new Float32Array((this.net.plan.classes + 1) * indices.length)).outputs
  }

  /**
   * Examples `indices`: each one's probabilities and loss into `rows`, the layers' outputs copied.
   * As many at a time as evaluating takes where every layer keeps each example's output (one at a
   * time, a dense layer read its whole kernel per example: MLP 512,512's look at the embedding's
   * 2,000 digits took longer than evaluating the other 8,000), else one at a time.
   */
  private look(split: Split, indices: ArrayLike<number>, layers: number[], rows: Float32Array): { outputs: Float32Array[]; lossSum: number } {
    const at = layers.map((l) => this.net.plan.sources.lastIndexOf(l))
    if (at.some((i) => i < 0)) throw new Error(`the lab engine has no layer ${layers[at.findIndex((i) => i < 0)]}`)
    const sizes = at.map((i) => this.net.outputSize(i))
    const outputs = sizes.map((n) => new Float32Array(n * indices.length))
    const chunk = this.net.keepsEveryExample ? Infinity : 1
    const { lossSum } = this.net.evaluateEach(
      split,
      (e) => indices[e],
      indices.length,
      rows,
      chunk,
      (from, n) => {
        for (let e = 0; e < n; e++) at.forEach((i, k) => this.net.outputInto(i, outputs[k], (from + e) * sizes[k], e))
      }
    )
    return { outputs, lossSum }
  }

  private evaluateSplit(look?: Look): Evaluation {
    const test = this.run.test
    const classes = this.net.plan.classes
    const stride = classes + 1
    const tally = new Tally(classes)
    // The trainer evaluates the first examples, the helper (if any) the rest.
    const trainerCount = this.partner ? Math.ceil(test.count / 2) : test.count
    const partner = this.partner
    partner?.startEvaluation(trainerCount, test.count - trainerCount)
    const trainerRows = new Float32Array(trainerCount * stride)
    // Looked at only where this thread evaluates all of them; otherwise the recorder looks itself.
    const seen = look && look.count <= trainerCount ? this.look(test, range(0, look.count), look.layers, trainerRows) : null
    const from = seen ? look!.count : 0
    const t = this.net.evaluate(test, from, trainerCount - from, trainerRows.subarray(from * stride))
    tally.add(0, trainerCount, trainerRows, stride, test.labels.subarray(0, trainerCount), t.lossSum + (seen?.lossSum ?? 0))
    let looked: Looked | undefined
    if (seen) {
      const probs = new Float32Array(look!.count * classes)
      for (let e = 0; e < look!.count; e++) probs.set(trainerRows.subarray(e * stride, e * stride + classes), e * classes)
      looked = { outputs: seen.outputs, probs }
    }
    if (trainerCount < test.count) {
      const helperCount = test.count - trainerCount
      let helperHalf: { lossSum: number; rows: Float32Array }
      try {
        helperHalf = partner!.finishEvaluation()
      } catch {
        void this.dropPartner()
        helperHalf = { rows: new Float32Array(helperCount * stride), lossSum: 0 }
        helperHalf.lossSum = this.net.evaluate(test, trainerCount, helperCount, helperHalf.rows).lossSum
      }
      tally.add(trainerCount, helperCount, helperHalf.rows, stride, test.labels.subarray(trainerCount), helperHalf.lossSum)
    }
    return looked ? { ...tally.result(), looked } : tally.result()
  }

  syncModel(): void {
    writeModelWeights(this.run.logits, this.net.plan, this.net)
  }

  /** Whether the helper's weights equal this thread's, bit for bit (null without a helper). */
  replicasAgree(): boolean | null {
    if (!this.partner) return null
    const helperParams = this.partner.helperParams()
    const trainerParams = this.net.params()
    return helperParams.length === trainerParams.length && helperParams.every((v, i) => Object.is(v, trainerParams[i]))
  }

  private async dropPartner(): Promise<void> {
    const p = this.partner
    this.partner = null
    await p?.close().catch(() => {})
  }

  async close(): Promise<void> {
    await this.dropPartner()
  }
}
