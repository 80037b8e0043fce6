// Synchronous data parallelism over two threads. tfjs's wasm backend runs single-threaded in
// Node, so a helper thread computes the gradient of the second half of every batch while the
// trainer does the first. Both replicas start from the same weights and apply the same combined
// gradient with the same optimizer, so they stay identical without copying weights each step.
//
// Per step, through shared memory (the trainer blocks on it; it has nothing else to do):
//   trainer: go(epoch, step) -> trainer's half -> wait done -> combine -> publish -> apply
//   helper:  wait go -> helper's half, scaled by its size -> done -> wait publish -> apply
import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import type { Hyperparams } from '@shared/hyperparams'
import { readWeights, type PreparedRun } from './prepared-run'
import { startHelperWorker } from './spawn'

export const SLOT = { go: 0, command: 1, epoch: 2, step: 3, done: 4, published: 5, failed: 6 } as const
export const COMMAND = { step: 1, exit: 2 } as const
const ERROR_BYTES = 1024

export interface HelperInput {
  hyperparams: Hyperparams
  control: SharedArrayBuffer
  /** lossSum, correct of the helper's half. */
  stats: SharedArrayBuffer
  /** The helper's scaled gradient, then the combined gradient; first the initial weights. */
  flat: SharedArrayBuffer
  error: SharedArrayBuffer
}

/** Two replicas where the backend computes on one thread and there is a second core to use. */
export function wantsHelper(backendName: string, hp: Hyperparams, env = process.env): boolean {
  const forced = env.DIGIT_LAB_REPLICAS
  if (forced === '1') return false
  if (forced === '2') return hp.batchSize >= 2
  return splitsOverThreads(backendName, env) && hp.batchSize >= 16
}

/** Whether runs on this backend are split over two worker threads (batches of 16 or more). */
export function splitsOverThreads(backendName: string, env = process.env): boolean {
  if (env.DIGIT_LAB_REPLICAS === '1') return false
  return env.DIGIT_LAB_REPLICAS === '2' || ((backendName === 'wasm' || backendName === 'cpu') && availableParallelism() >= 2)
}

export class Partner {
  private seq = 0
  private readonly ctrl: Int32Array
  private readonly stats: Float64Array
  private readonly flat: Float32Array
  private readonly error: Uint8Array

  private constructor(
    private readonly worker: Worker,
    input: HelperInput
  ) {
    this.ctrl = new Int32Array(input.control)
    this.stats = new Float64Array(input.stats)
    this.flat = new Float32Array(input.flat)
    this.error = new Uint8Array(input.error)
  }

  /** Starts the helper, gives it the trainer's initial weights, and resolves once it is ready. */
  static async start(hp: Hyperparams, trainerRun: PreparedRun): Promise<Partner> {
    const input: HelperInput = {
      hyperparams: hp,
      control: new SharedArrayBuffer(8 * 4),
      stats: new SharedArrayBuffer(2 * 8),
      flat: new SharedArrayBuffer(trainerRun.size * 4),
      error: new SharedArrayBuffer(ERROR_BYTES)
    }
    readWeights(trainerRun, new Float32Array(input.flat))
    const worker = await startHelperWorker('helper', input)
    return new Partner(worker, input)
  }

  /** The helper starts on the second half of step `step` of `epoch`. */
  go(epoch: number, step: number): void {
    this.ctrl[SLOT.epoch] = epoch
    this.ctrl[SLOT.step] = step
    this.ctrl[SLOT.command] = COMMAND.step
    this.seq++
    Atomics.store(this.ctrl, SLOT.go, this.seq)
    Atomics.notify(this.ctrl, SLOT.go)
  }

  /** Waits for the helper's half and returns its loss sum, right answers and scaled gradient. */
  collect(): { lossSum: number; correct: number; gradient: Float32Array } {
    const deadline = performance.now() + 120_000
    while (Atomics.load(this.ctrl, SLOT.done) !== this.seq) {
      this.checkFailed()
      if (performance.now() > deadline) throw new Error('the helper thread stopped answering')
      Atomics.wait(this.ctrl, SLOT.done, Atomics.load(this.ctrl, SLOT.done), 1000)
    }
    this.checkFailed()
    return { lossSum: this.stats[0], correct: this.stats[1], gradient: this.flat }
  }

  /** The combined gradient is in the shared buffer (written by the caller into `collect().gradient`): the helper may apply it. */
  publish(): void {
    Atomics.store(this.ctrl, SLOT.published, this.seq)
    Atomics.notify(this.ctrl, SLOT.published)
  }

  private checkFailed(): void {
    if (Atomics.load(this.ctrl, SLOT.failed)) {
      const text = new TextDecoder().decode(this.error.slice()).replace(/\0+$/, '')
      throw new Error(`the helper thread failed: ${text}`)
    }
  }

  async close(): Promise<void> {
    this.ctrl[SLOT.command] = COMMAND.exit
    this.seq++
    Atomics.store(this.ctrl, SLOT.go, this.seq)
    Atomics.notify(this.ctrl, SLOT.go)
    await this.worker.terminate()
  }
}

export function writeError(buffer: SharedArrayBuffer, message: string): void {
  const bytes = new TextEncoder().encode(message).slice(0, ERROR_BYTES)
  new Uint8Array(buffer).set(bytes)
}
