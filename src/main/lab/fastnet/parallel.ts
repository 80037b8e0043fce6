// Two engine instances, one per thread, training one model: each batch is split in two, each
// thread sums its half's gradients, they swap the sums through shared memory, and each adds the
// other's to its own and applies the update. a + b == b + a in IEEE arithmetic, so both compute
// the same combined gradient bit for bit and the replicas stay identical with no weights copied.
//
// Per step (one handshake): trainer go(epoch, step) -> both compute -> each posts its sums in its
// slot and waits for the other's -> both add and update. Slots alternate by step parity, so a
// thread never overwrites sums the other may still be reading: to write the same slot again it
// must pass the next step's handshake, which the other reaches only after reading.
import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import type { Hyperparams } from '@shared/hyperparams'
import type { Split } from '../data/datasets'
import { startHelperWorker } from '../engine/spawn'
import type { WasmModule } from './loader'
import type { FastNet, NetOptions, Totals } from './net'
import type { Plan } from './net-plan'

export const SLOT = { go: 0, command: 1, epoch: 2, step: 3, start: 4, count: 5, helperPosted: 6, trainerPosted: 7, done: 8, failed: 9 } as const
export const COMMAND = { step: 1, evaluate: 2, params: 3, exit: 4 } as const
export const TRAINER = 0
export const HELPER = 1
const ERROR_BYTES = 1024
const TIMEOUT_MS = 120_000
/**
 * How long a thread spins before it sleeps. Measured through the lab (the course's CNN, one epoch,
 * runs alternating in one process, 12 pairs): 1 ms made the epoch 0.888x (per-round median) of
 * the 4,000 looks (about 30-100 us) spun before; 3 ms was level with 1 ms (0.989x). Not where both
 * threads share one core (DIGIT_LAB_REPLICAS=2 there): a spin would hold up the very thread it waits for.
 */
const SPIN_MS = availableParallelism() >= 2 ? 1 : 0

/** A split in shared memory: the helper reads the trainer's data without a copy of its own. */
export interface SharedSplit {
  count: number
  images: SharedArrayBuffer
  labels: SharedArrayBuffer
}

export interface FastHelperInput {
  module: WasmModule
  plan: Plan
  options: NetOptions
  hyperparams: Hyperparams
  train: SharedSplit
  test: SharedSplit
  control: SharedArrayBuffer
  /** Gradient sums: [parity][trainer, helper][size]. */
  grads: SharedArrayBuffer
  /** The helper's loss sum and right answers. */
  stats: SharedArrayBuffer
  /** The initial weights; later, the helper's weights when asked (tests check the replicas agree). */
  params: SharedArrayBuffer
  /** The helper's evaluation rows: probabilities then loss, per example. */
  out: SharedArrayBuffer
  error: SharedArrayBuffer
}

/** Two threads where there is a second core and batches to split; DIGIT_LAB_REPLICAS=1|2 decides. */
export function fastnetThreads(hp: Hyperparams, env = process.env): 1 | 2 {
  if (env.DIGIT_LAB_REPLICAS === '1') return 1
  if (env.DIGIT_LAB_REPLICAS === '2') return hp.batchSize >= 2 ? 2 : 1
  return availableParallelism() >= 2 && hp.batchSize >= 8 ? 2 : 1
}

export function shareSplit(s: Split): SharedSplit {
  const images = new SharedArrayBuffer(s.images.length)
  new Uint8Array(images).set(s.images)
  const labels = new SharedArrayBuffer(s.labels.length)
  new Uint8Array(labels).set(s.labels)
  return { count: s.count, images, labels }
}

export function openSplit(s: SharedSplit): Split {
  return { count: s.count, images: new Uint8Array(s.images), labels: new Uint8Array(s.labels) }
}

/**
 * Waits until ctrl[slot] reaches `seq`. Sequence numbers only grow, and the other thread may
 * already be past `seq` (it can post the next step before this one looks): hence >=, not ===.
 * The trainer passes `check`, which throws if the helper failed, and gives up after a deadline;
 * the helper waits as long as it takes (a paused run).
 */
export function waitFor(ctrl: Int32Array, slot: number, seq: number, check?: () => void): void {
  // A spin of up to SPIN_MS first: within a step the other thread is usually under a millisecond
  // away (its half of the batch ends a little earlier or later; the trainer's bookkeeping between
  // steps takes 0.1-0.3 ms), and a thread asleep in Atomics.wait starts later than one spinning.
  // The clock is read once per 64 looks.
  const until = performance.now() + SPIN_MS
  do {
    for (let i = 0; i < 64; i++) if (Atomics.load(ctrl, slot) >= seq) return
  } while (performance.now() < until)
  const deadline = performance.now() + TIMEOUT_MS
  for (let now = Atomics.load(ctrl, slot); now < seq; now = Atomics.load(ctrl, slot)) {
    if (check) {
      check()
      if (performance.now() > deadline) throw new Error('the helper thread stopped answering')
    }
    Atomics.wait(ctrl, slot, now, 1000)
  }
}

export function gradSlot(grads: Float32Array, size: number, seq: number, who: number): Float32Array {
  const at = ((seq & 1) * 2 + who) * size
  return grads.subarray(at, at + size)
}

export function writeError(buffer: SharedArrayBuffer, message: string): void {
  new Uint8Array(buffer).set(new TextEncoder().encode(message).slice(0, ERROR_BYTES))
}

/** The trainer's side of the pair. */
export class FastPartner {
  private seq = 0
  private readonly ctrl: Int32Array
  private readonly grads: Float32Array
  private readonly stats: Float64Array
  private readonly out: Float32Array

  private constructor(
    private readonly worker: Worker,
    private readonly input: FastHelperInput,
    private readonly size: number
  ) {
    this.ctrl = new Int32Array(input.control)
    this.grads = new Float32Array(input.grads)
    this.stats = new Float64Array(input.stats)
    this.out = new Float32Array(input.out)
  }

  /** Starts the helper with `net`'s current weights; resolves once it is ready. */
  static async start(module: WasmModule, net: FastNet, options: NetOptions, hp: Hyperparams, train: Split, test: Split): Promise<FastPartner> {
    const size = net.size
    const helperTest = Math.floor(test.count / 2)
    const input: FastHelperInput = {
      module,
      plan: net.plan,
      options,
      hyperparams: hp,
      train: shareSplit(train),
      test: shareSplit(test),
      control: new SharedArrayBuffer(16 * 4),
      grads: new SharedArrayBuffer(4 * size * 4),
      stats: new SharedArrayBuffer(2 * 8),
      params: new SharedArrayBuffer(size * 4),
      out: new SharedArrayBuffer(Math.max(1, helperTest * (net.plan.classes + 1)) * 4),
      error: new SharedArrayBuffer(ERROR_BYTES)
    }
    new Float32Array(input.params).set(net.params())
    const worker = await startHelperWorker('fastnet-helper', input)
    return new FastPartner(worker, input, size)
  }

  private command(command: number, fields: Partial<Record<keyof typeof SLOT, number>> = {}): void {
    for (const [k, v] of Object.entries(fields)) this.ctrl[SLOT[k as keyof typeof SLOT]] = v
    this.ctrl[SLOT.command] = command
    this.seq++
    Atomics.store(this.ctrl, SLOT.go, this.seq)
    Atomics.notify(this.ctrl, SLOT.go)
  }

  private readonly checkFailed = (): void => {
    if (Atomics.load(this.ctrl, SLOT.failed)) {
      const text = new TextDecoder().decode(new Uint8Array(this.input.error).slice()).replace(/\0+$/, '')
      throw new Error(`the helper thread failed: ${text}`)
    }
  }

  /** The helper starts on the second half of step `step` of `epoch`. */
  go(epoch: number, step: number): void {
    this.command(COMMAND.step, { epoch, step })
  }

  /** Posts this thread's gradient sums, waits for the helper's and returns them with its totals. */
  exchange(trainerSums: Float32Array): Totals & { gradient: Float32Array } {
    gradSlot(this.grads, this.size, this.seq, TRAINER).set(trainerSums)
    Atomics.store(this.ctrl, SLOT.trainerPosted, this.seq)
    Atomics.notify(this.ctrl, SLOT.trainerPosted)
    waitFor(this.ctrl, SLOT.helperPosted, this.seq, this.checkFailed)
    this.checkFailed()
    return { lossSum: this.stats[0], correct: this.stats[1], gradient: gradSlot(this.grads, this.size, this.seq, HELPER) }
  }

  /** The helper starts evaluating `count` test examples from `start`. */
  startEvaluation(start: number, count: number): void {
    this.command(COMMAND.evaluate, { start, count })
  }

  /** Its rows (probabilities then loss per example) and totals. */
  finishEvaluation(): Totals & { rows: Float32Array } {
    waitFor(this.ctrl, SLOT.done, this.seq, this.checkFailed)
    this.checkFailed()
    return { lossSum: this.stats[0], correct: this.stats[1], rows: this.out }
  }

  /** The helper's weights, to check that the replicas agree. */
  helperParams(): Float32Array {
    this.command(COMMAND.params)
    waitFor(this.ctrl, SLOT.done, this.seq, this.checkFailed)
    this.checkFailed()
    return new Float32Array(this.input.params).slice()
  }

  async close(): Promise<void> {
    this.command(COMMAND.exit)
    await this.worker.terminate()
  }
}
