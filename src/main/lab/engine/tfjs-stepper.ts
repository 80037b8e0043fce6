// The tfjs engine behind the training loop's TrainStepper: one training step, on one thread or
// split with a helper thread; if the helper fails, the step is redone alone and training carries
// on in one thread.
import type { Hyperparams } from '@shared/hyperparams'
import type { BackendInfo } from '@shared/run-types'
import { halves } from '../data/batches'
import { Partner, wantsHelper } from './data-parallel'
import { evaluate, type Evaluation } from './evaluate'
import { applyFlat, gradientInto, trainStep, type PreparedRun } from './prepared-run'
import type { StepResult, TrainStepper } from './train-stepper'

/** Starts a helper thread when it helps; `note` says in words how training is split. */
export async function startPartner(hp: Hyperparams, run: PreparedRun): Promise<{ partner: Partner | null; note: string }> {
  if (!wantsHelper(run.backend.name, hp)) return { partner: null, note: '' }
  try {
    return { partner: await Partner.start(hp, run), note: 'data parallel over 2 worker threads' }
  } catch (err) {
    // A second thread is a speed-up, not a requirement.
    return { partner: null, note: `one thread (the helper thread could not start: ${(err as Error).message})` }
  }
}

/** The half of the step's work a partner thread does; `Partner` is the real one, tests may inject others. */
export interface StepPartner {
  go(epoch: number, step: number): void
  collect(): { lossSum: number; correct: number; gradient: Float32Array }
  publish(): void
  close(): Promise<void>
}

export class TfjsStepper implements TrainStepper {
  /** The trainer's half's gradient, scaled by its example count. */
  private readonly trainerGradient: Float32Array
  readonly backend: BackendInfo

  /** `note`: how training is split, in words; `fallback`: why the lab's own engine is not training this run. */
  constructor(
    private readonly run: PreparedRun,
    private partner: StepPartner | null,
    note = '',
    fallback = ''
  ) {
    this.trainerGradient = new Float32Array(run.size)
    const b = run.backend
    this.backend = {
      ...b,
      threads: partner ? 2 : b.threads,
      note: [b.note, note].filter(Boolean).join('; ') || undefined,
      fallback: [b.fallback, fallback].filter(Boolean).join('; ') || undefined
    }
    for (const key of ['note', 'fallback'] as const) if (this.backend[key] === undefined) delete this.backend[key]
  }

  get parallel(): boolean {
    return this.partner !== null
  }

  async step(batch: Uint32Array, epoch: number, step: number, inspect = false): Promise<StepResult> {
    const before = inspect ? this.weights() : null
    const partner = this.partner
    let result: StepResult & { gradient?: Float32Array }
    if (!partner) result = inspect ? this.inspectedStep(batch) : trainStep(this.run, batch)
    else {
      partner.go(epoch, step)
      try {
        result = this.parallelStep(partner, batch)
      } catch {
        // The helper failed before this step's update was applied anywhere: carry on alone.
        this.partner = null
        await partner.close().catch(() => {})
        result = inspect ? this.inspectedStep(batch) : trainStep(this.run, batch)
      }
    }
    if (!before) return { loss: result.loss, correct: result.correct }
    return { loss: result.loss, correct: result.correct, inside: { before, after: this.weights(), gradient: this.split(result.gradient!) } }
  }

  /** An ordinary step done as gradient then update, so the gradient can be seen. */
  private inspectedStep(batch: Uint32Array): StepResult & { gradient: Float32Array } {
    const gradient = new Float32Array(this.run.size)
    const t = gradientInto(this.run, batch, gradient, 1)
    applyFlat(this.run, gradient)
    return { ...t, gradient }
  }

  private weights(): Float32Array[] {
    return this.run.variables.map((v) => (v.dataSync() as Float32Array).slice())
  }

  private split(flat: Float32Array): Float32Array[] {
    let offset = 0
    return this.run.variables.map((v) => flat.slice(offset, (offset += v.size)))
  }

  /**
   * The trainer takes the first half of the batch, the helper the second; the mean gradient over
   * the whole batch is applied by both. Same result as one thread's step, up to float rounding.
   */
  private parallelStep(partner: StepPartner, batch: Uint32Array): StepResult & { gradient: Float32Array } {
    const n = batch.length
    const [trainerBatch] = halves(batch)
    const trainerHalf = gradientInto(this.run, trainerBatch, this.trainerGradient, trainerBatch.length)
    const helperHalf = partner.collect()
    const combined = helperHalf.gradient
    for (let i = 0; i < combined.length; i++) combined[i] = (combined[i] + this.trainerGradient[i]) / n
    partner.publish()
    applyFlat(this.run, combined)
    return { loss: (trainerHalf.loss * trainerBatch.length + helperHalf.lossSum) / n, correct: trainerHalf.correct + helperHalf.correct, gradient: combined }
  }

  evaluate(batchSize: number): Evaluation {
    return evaluate(this.run.logits, this.run.test, this.run.shape, this.run.dataset, batchSize)
  }

  syncModel(): void {}

  async close(): Promise<void> {
    await this.partner?.close()
    this.partner = null
  }
}
