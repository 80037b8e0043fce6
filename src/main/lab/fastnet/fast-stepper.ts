// The fast engine behind the training loop's TrainStepper: its weights start as the tfjs model's
// (buildModel's init), train in wasm on one or two threads, and go back into the tfjs model for
// export, so stored weights, Draw and exported files are the same whichever engine trained.
import type { Hyperparams } from '@shared/hyperparams'
import type { BackendInfo } from '@shared/run-types'
import { halves, range } from '../data/batches'
import type { Split } from '../data/datasets'
import { Tally, type Evaluation, type Look, type Looked } from '../engine/evaluate'
import type { Replica } from '../engine/prepared-run'
import type { StepResult, TrainStepper } from '../engine/train-stepper'
import { fastnetModule, fastnetVersion } from './loader'
import { readModelWeights, writeModelWeights } from './model-weights'
import { FastNet, type NetOptions } from './net'
import { FastPartner, fastnetThreads } from './parallel'
import { profile } from './profile'
import type { Plan } from './net-plan'
import { stepSeed } from './seed'

export const FASTNET_NAME = 'digit-lab-wasm'
const DESCRIPTION = 'the lab\'s WebAssembly SIMD-128 engine, one example at a time'
/** Examples staged in the engine's memory at once (batches and evaluations go through in chunks). */
const CHUNK = 256

export class FastStepper implements TrainStepper {
  readonly backend: BackendInfo

  private constructor(
    private readonly hp: Hyperparams,
    private readonly r: Replica,
    readonly net: FastNet,
    private partner: FastPartner | null,
    note: string
  ) {
    this.backend = {
      name: FASTNET_NAME,
      version: fastnetVersion(),
      threads: partner ? 2 : 1,
      note: [DESCRIPTION, note].filter(Boolean).join('; '),
      ...(r.backend.fallback ? { fallback: r.backend.fallback } : {})
    }
  }

  static async start(hp: Hyperparams, r: Replica, plan: Plan, env = process.env): Promise<FastStepper> {
    const module = fastnetModule()
    const options: NetOptions = { optimizer: hp.optimizer, learningRate: hp.learningRate, maxExamples: Math.min(CHUNK, Math.max(hp.batchSize, hp.testBatchSize)), norm: { mean: r.dataset.mean, std: r.dataset.std } }
    const net = new FastNet(module, plan, options)
    net.setWeights(readModelWeights(r.logits, plan))
    if (fastnetThreads(hp, env) === 1) return new FastStepper(hp, r, net, null, '')
    try {
      const partner = await FastPartner.start(module, net, options, hp, r.train, r.test)
      return new FastStepper(hp, r, net, partner, 'data parallel over 2 worker threads')
    } catch (err) {
      // A second thread is a speed-up, not a requirement.
      return new FastStepper(hp, r, net, null, `one thread (the helper thread could not start: ${(err as Error).message})`)
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
        const [half] = halves(batch)
        this.net.zeroGrads()
        const mine = this.net.accumulate(this.r.train, half, seed, 0)
        const t0 = performance.now()
        const theirs = partner.exchange(this.net.grads())
        const t1 = performance.now()
        this.net.addGradients(theirs.gradient)
        if (before) seen()
        this.net.update(n)
        if (profile.enabled) this.count(t0, t1)
        return this.result((mine.lossSum + theirs.lossSum) / n, mine.correct + theirs.correct, before, gradient)
      } catch {
        // The helper failed before this step's update was applied anywhere: carry on alone.
        await this.dropPartner()
      }
    }
    this.net.zeroGrads()
    const t = this.net.accumulate(this.r.train, batch, seed, 0)
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
   * float rounding. A `look` at examples this thread evaluates costs nothing extra: they go through
   * one at a time (as all do in this engine) and their layer outputs are copied on the way.
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

  /** Examples `indices` one at a time: each one's probabilities and loss into `rows`, the layers' outputs copied. */
  private look(split: Split, indices: ArrayLike<number>, layers: number[], rows: Float32Array): { outputs: Float32Array[]; lossSum: number } {
    const stride = this.net.plan.classes + 1
    const at = layers.map((l) => this.net.plan.sources.lastIndexOf(l))
    if (at.some((i) => i < 0)) throw new Error(`the lab engine has no layer ${layers[at.findIndex((i) => i < 0)]}`)
    const sizes = at.map((i) => this.net.outputSize(i))
    const outputs = sizes.map((n) => new Float32Array(n * indices.length))
    let lossSum = 0
    for (let e = 0; e < indices.length; e++) {
      lossSum += this.net.evaluate(split, indices[e], 1, rows.subarray(e * stride, (e + 1) * stride)).lossSum
      at.forEach((i, k) => this.net.outputInto(i, outputs[k], e * sizes[k]))
    }
    return { outputs, lossSum }
  }

  private evaluateSplit(look?: Look): Evaluation {
    const test = this.r.test
    const classes = this.net.plan.classes
    const stride = classes + 1
    const tally = new Tally(classes)
    const mid = this.partner ? Math.ceil(test.count / 2) : test.count
    const partner = this.partner
    partner?.startEvaluation(mid, test.count - mid)
    const mine = new Float32Array(mid * stride)
    // Looked at only where this thread evaluates all of them; otherwise the recorder looks itself.
    const seen = look && look.count <= mid ? this.look(test, range(0, look.count), look.layers, mine) : null
    const from = seen ? look!.count : 0
    const t = this.net.evaluate(test, from, mid - from, mine.subarray(from * stride))
    tally.add(0, mid, mine, stride, test.labels.subarray(0, mid), t.lossSum + (seen?.lossSum ?? 0))
    let looked: Looked | undefined
    if (seen) {
      const probs = new Float32Array(look!.count * classes)
      for (let e = 0; e < look!.count; e++) probs.set(mine.subarray(e * stride, e * stride + classes), e * classes)
      looked = { outputs: seen.outputs, probs }
    }
    if (mid < test.count) {
      const rest = test.count - mid
      let theirs: { lossSum: number; rows: Float32Array }
      try {
        theirs = partner!.finishEvaluation()
      } catch {
        void this.dropPartner()
        theirs = { rows: new Float32Array(rest * stride), lossSum: 0 }
        theirs.lossSum = this.net.evaluate(test, mid, rest, theirs.rows).lossSum
      }
      tally.add(mid, rest, theirs.rows, stride, test.labels.subarray(mid), theirs.lossSum)
    }
    return looked ? { ...tally.result(), looked } : tally.result()
  }

  syncModel(): void {
    writeModelWeights(this.r.logits, this.net.plan, this.net)
  }

  /** Whether the helper's weights equal this thread's, bit for bit (null without a helper). */
  replicasAgree(): boolean | null {
    if (!this.partner) return null
    const theirs = this.partner.helperParams()
    const mine = this.net.params()
    return theirs.length === mine.length && theirs.every((v, i) => Object.is(v, mine[i]))
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
