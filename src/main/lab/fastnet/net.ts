// One instance of the wasm engine: a model's weights, gradient sums and optimizer state in its
// own memory. The training loop, the helper thread and the tests drive it through this class.
import type { OptimizerName } from '@shared/hyperparams'
import { normalisationTable } from '../data/batches'
import type { Normaliser, Split } from '../data/datasets'
import type { Plan } from './net-plan'
import { instantiate, type WasmMemory, type WasmModule } from './loader'
import { profile } from './profile'
import { compile, type Compiled, type EnginePath, type Forms } from './program'

interface Exports {
  memory: WasmMemory
  heapBase(): number
  configure(
    program: number,
    ops: number,
    pixels: number,
    input: number,
    table: number,
    classes: number,
    logits: number,
    dlogits: number,
    batchedFrom: number,
    streams: number,
    /** 1: the first convolution takes blank windows from their one sum (Compiled.blankWindows). */
    blankWindows: number
  ): void
  prepare(): void
  finishGradients(): void
  takeBlankFilled(): number
  trainExamples(images: number, labels: number, count: number, seed: number, first: number): number
  evalExamples(images: number, labels: number, count: number, out: number): number
  lastCorrect(): number
  setProfiling(on: boolean): void
  profiledForward(): number
  profiledBackward(): number
  addInto(a: number, b: number, n: number): void
  update(kind: number, w: number, g: number, other: number, s1: number, s2: number, n: number, count: number, ...c: number[]): void
}

const OPTIMIZER: Record<OptimizerName, number> = { sgd: 0, momentum: 1, adam: 2, rmsprop: 3 }
/** tfjs's defaults: tf.train.momentum(lr, 0.9), adam(lr) 0.9/0.999, rmsprop(lr) decay 0.9, momentum 0; epsilon is the backend's 1e-7. */
const MOMENTUM = 0.9
const BETA1 = 0.9
const BETA2 = 0.999
const DECAY = 0.9
const EPSILON = 1e-7

/** Forms: faster forms of some layers, each on unless set false (tests and bench:engine compare them with the plain ones). */
export interface NetOptions extends Forms {
  optimizer: OptimizerName
  learningRate: number
  /** The most examples one call stages at once (a batch, or a chunk of an evaluation). */
  maxExamples: number
  norm: Normaliser
  /** Instead of program.ts's choice of which layers run on the whole batch (tests and the bench compare the paths). */
  path?: EnginePath
}

export interface Totals {
  lossSum: number
  correct: number
}

export class FastNet {
  private readonly x: Exports
  readonly c: Compiled
  private readonly f32: Float32Array
  private readonly u8: Uint8Array
  private accBeta1 = Math.fround(BETA1)
  private accBeta2 = Math.fround(BETA2)
  /** Whether the conv kernels' transposes and Winograd transforms are stale (after setting weights or an update). */
  private stale = true
  /** Where the last example trained or evaluated sits among the examples of its call. */
  private lastRow = 0

  constructor(
    module: WasmModule,
    readonly plan: Plan,
    private readonly options: NetOptions
  ) {
    this.x = instantiate(module) as Exports
    this.c = compile(plan, this.x.heapBase(), Math.max(1, options.maxExamples), options.path, options)
    const memory = this.x.memory
    const missing = this.c.at.end - memory.buffer.byteLength
    if (missing > 0) memory.grow(Math.ceil(missing / 65536))
    this.f32 = new Float32Array(memory.buffer)
    this.u8 = new Uint8Array(memory.buffer)
    const i32 = new Int32Array(memory.buffer)
    i32.set(this.c.words, this.c.at.program / 4)
    for (const [at, table] of this.c.tables) i32.set(table, at / 4)
    this.f32.set(normalisationTable(options.norm), this.c.at.table / 4)
    const { at } = this.c
    this.x.configure(
      at.program,
      this.c.ops,
      this.c.pixels,
      at.input,
      at.table,
      this.c.classes,
      at.logits,
      at.dlogits,
      this.c.batchedFrom,
      at.streams,
      this.c.blankWindows ? 1 : 0
    )
    this.x.setProfiling(profile.enabled)
  }

  /** Padded parameter count: the length of params(), grads() and what addGradients takes. */
  get size(): number {
    return this.c.paramFloats
  }

  /** The weights as the engine stores them (a live view: copy it to keep it). */
  params(): Float32Array {
    return this.f32.subarray(this.c.at.params / 4, this.c.at.params / 4 + this.size)
  }

  /** The gradient sums of the examples since the last zeroGrads (a live view). */
  grads(): Float32Array {
    return this.f32.subarray(this.c.at.grads / 4, this.c.at.grads / 4 + this.size)
  }

  setParams(from: Float32Array): void {
    this.params().set(from)
    this.stale = true
  }

  /** Weights in tfjs's shapes and order (kernel, bias per conv/dense layer), from the tfjs model's getWeights(). */
  setWeights(weights: ArrayLike<number>[]): void {
    const p = this.params()
    p.fill(0)
    this.c.blocks.forEach((b, i) => {
      const w = weights[i]
      if (w.length !== b.rows * b.cols) throw new Error(`weight ${i} has ${w.length} values, the plan expects ${b.rows * b.cols}`)
      for (let r = 0; r < b.rows; r++) for (let k = 0; k < b.cols; k++) p[b.offset + r * b.colsP + k] = w[r * b.cols + k]
    })
    this.stale = true
  }

  /** The weights in tfjs's shapes and order, ready for layer.setWeights. */
  getWeights(): { shape: number[]; values: Float32Array }[] {
    const p = this.params()
    return this.c.blocks.map((b) => {
      const values = new Float32Array(b.rows * b.cols)
      for (let r = 0; r < b.rows; r++) values.set(p.subarray(b.offset + r * b.colsP, b.offset + r * b.colsP + b.cols), r * b.cols)
      return { shape: b.shape, values }
    })
  }

  /** A parameter-shaped gradient in tfjs's layout, from grads() (tests compare it with tfjs). */
  gradientsAsWeights(): Float32Array[] {
    const g = this.grads()
    return this.c.blocks.map((b) => {
      const values = new Float32Array(b.rows * b.cols)
      for (let r = 0; r < b.rows; r++) values.set(g.subarray(b.offset + r * b.colsP, b.offset + r * b.colsP + b.cols), r * b.cols)
      return values
    })
  }

  /** A copy of layer `i`'s output for the last example trained or evaluated (tests look inside with it). */
  layerOutput(i: number): Float32Array {
    const { at, floats, row } = this.c.outputs[i]
    const from = (at + this.lastRow * row) / 4
    return this.f32.slice(from, from + floats)
  }

  /** Values in layer `i`'s output: units x positions. */
  outputSize(i: number): number {
    const o = this.c.outputs[i]
    return o.units * o.positions
  }

  /**
   * Layer `i`'s output for the last example trained or evaluated (or, where every layer keeps a
   * row per example, for `example` of the last call), without the SIMD padding, as tfjs lays it
   * out ([positions][units], channels last), written into `into` from `offset`.
   */
  outputInto(i: number, into: Float32Array, offset: number, example = this.lastRow): void {
    const { at, units, positions, stride, row } = this.c.outputs[i]
    if (example !== this.lastRow && row === 0) throw new Error(`layer ${i} keeps only the last example's output`)
    const base = (at + example * row) / 4
    const f32 = this.f32
    if (stride === units || positions === 1) return into.set(f32.subarray(base, base + units * positions), offset)
    // A plain loop: a subarray per pixel would cost more than the copy.
    let o = offset
    for (let p = 0; p < positions; p++) {
      const from = base + p * stride
      for (let u = 0; u < units; u++) into[o++] = f32[from + u]
    }
  }

  zeroGrads(): void {
    this.grads().fill(0)
  }

  /** Copies the pixels and labels of examples indexOf(0..count-1) of `split` into the engine's memory. */
  private stage(split: Split, indexOf: (e: number) => number, count: number): void {
    const { pixels, at } = this.c
    for (let e = 0; e < count; e++) {
      const idx = indexOf(e)
      this.u8.set(split.images.subarray(idx * pixels, (idx + 1) * pixels), at.images + e * pixels)
      this.u8[at.labels + e] = split.labels[idx]
    }
  }

  /**
   * Adds the loss gradients of `indices` (examples of `split`) to the gradient sums. `seed` and
   * `first` (the first example's position in its batch) choose the dropout masks.
   */
  accumulate(split: Split, indices: ArrayLike<number>, seed: number, first = 0): Totals {
    this.prepare()
    let lossSum = 0
    let correct = 0
    for (let from = 0; from < indices.length; from += this.c.maxExamples) {
      const count = Math.min(this.c.maxExamples, indices.length - from)
      const t0 = profile.enabled ? performance.now() : 0
      this.stage(split, (e) => indices[from + e], count)
      if (profile.enabled) profile.staging += performance.now() - t0
      lossSum += this.x.trainExamples(this.c.at.images, this.c.at.labels, count, seed | 0, first + from)
      this.lastRow = count - 1
      correct += this.x.lastCorrect()
    }
    this.x.finishGradients()
    if (profile.enabled) {
      profile.forward += this.x.profiledForward()
      profile.backward += this.x.profiledBackward()
      this.x.setProfiling(true)
    }
    return { lossSum, correct }
  }

  /** Adds another replica's gradient sums (same layout) to this one's. */
  addGradients(other: Float32Array): void {
    this.f32.set(other, this.c.at.other / 4)
    this.x.addInto(this.c.at.grads, this.c.at.other, this.size)
  }

  /**
   * One optimizer step with the mean gradient: the sums divided by `count` examples. With `other`
   * (another replica's sums, same layout), the sums of both, added in the same pass as the step
   * (the same bits as addGradients then update; the sums here are left as they were).
   */
  update(count: number, other?: Float32Array): void {
    const { at } = this.c
    const o = this.options
    const lr = o.learningRate
    let c: number[]
    switch (o.optimizer) {
      case 'sgd':
        c = [-lr]
        break
      case 'momentum':
        c = [-lr, MOMENTUM]
        break
      case 'adam':
        c = [-lr, BETA1, 1 - BETA1, BETA2, 1 - BETA2, EPSILON, Math.fround(1 - this.accBeta1), Math.fround(1 - this.accBeta2)]
        break
      case 'rmsprop':
        c = [lr, DECAY, 1 - DECAY, 0, EPSILON]
        break
    }
    while (c.length < 8) c.push(0)
    if (other) this.f32.set(other, at.other / 4)
    this.x.update(OPTIMIZER[o.optimizer], at.params, at.grads, other ? at.other : 0, at.state1, at.state2, this.size, count, ...c)
    if (o.optimizer === 'adam') {
      this.accBeta1 = Math.fround(this.accBeta1 * Math.fround(BETA1))
      this.accBeta2 = Math.fround(this.accBeta2 * Math.fround(BETA2))
    }
    this.stale = true
  }

  /**
   * Forward only, no dropout, over examples start..start+count of `split`: per example the class
   * probabilities then the loss, written into `out` ((classes + 1) floats per example).
   */
  evaluate(split: Split, start: number, count: number, out: Float32Array): Totals {
    return this.evaluateEach(split, (e) => start + e, count, out)
  }

  /** Whether every layer keeps each example's output of a call, not only the last one's (so whenever some layers run on the whole batch). */
  get keepsEveryExample(): boolean {
    return this.c.outputs.every((o) => o.row > 0)
  }

  /**
   * As evaluate, over examples indexOf(0..count-1) of `split`, at most `chunk` of them a call;
   * after each call, `seen(from, n)` for its examples from..from+n-1 (outputInto reads them).
   */
  evaluateEach(
    split: Split,
    indexOf: (e: number) => number,
    count: number,
    out: Float32Array,
    chunk = Infinity,
    seen?: (from: number, n: number) => void
  ): Totals {
    const { classes, at } = this.c
    const most = Math.max(1, Math.min(chunk, this.c.maxExamples))
    const row = classes + 1
    this.prepare()
    let lossSum = 0
    let correct = 0
    for (let from = 0; from < count; from += most) {
      const n = Math.min(most, count - from)
      this.stage(split, (e) => indexOf(from + e), n)
      lossSum += this.x.evalExamples(at.images, at.labels, n, at.out)
      this.lastRow = n - 1
      correct += this.x.lastCorrect()
      out.set(this.f32.subarray(at.out / 4, at.out / 4 + n * row), from * row)
      seen?.(from, n)
    }
    return { lossSum, correct }
  }

  /** Output pixels the first convolution filled from its blank sums since the last call (tests check that path runs). */
  takeBlankFilled(): number {
    return this.x.takeBlankFilled()
  }

  /** The kernels' transposes (input gradients) and Winograd transforms (forward), after weights changed. */
  private prepare(): void {
    if (!this.stale) return
    this.x.prepare()
    this.stale = false
  }
}
