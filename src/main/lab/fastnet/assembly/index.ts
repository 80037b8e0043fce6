// Digit Lab's training engine for sequential stacks, in WebAssembly SIMD-128.
//
// Two paths, chosen per model by the host (../program.ts decides where the split falls):
//  - ONE EXAMPLE AT A TIME through every layer: forward, the loss, backward, adding the example's
//    parameter gradients to a running sum. One example's activations stay in cache, which suits
//    small convolutions.
//  - Split at the first flat layer: the layers below it still run one example at a time (each
//    example's activations kept in its own row), the flat layers above it (dense, activation,
//    dropout, maxout) run on the whole batch at once, so a dense layer is one matrix product per
//    batch that reads its weights once, not once per example (./gemm.ts).
// The caller applies the optimizer once per batch.
//
// The host (../net.ts) lays out all memory and writes a program: one record of OP_WORDS i32
// per layer. Field numbers below must match ../program.ts.
import { blankSums, convForward, convPrepare, inkWindows } from './conv'
export { takeBlankFilled } from './conv'
import { biasGradCount, biasGradCountTiles, convFilterGrad, convFilterGradSparse, convFoldFilterGrad, convInputGrad, convPoolReluGrad, sparseRun } from './conv-grad'
import { convForwardWinograd, winogradPrepare } from './winograd'
import { denseForward, denseInputGrad, denseParamGrad } from './dense'
import { gemm, gemmGrad, transpose } from './gemm'
import {
  activationBackward,
  activationForward,
  avgPoolBackward,
  avgPoolForward,
  dropoutForward,
  flattenBackward,
  flattenForward,
  maxoutBackward,
  maxoutForward,
  maxPoolBackward,
  maxPoolForward,
  multiply,
  padBackward,
  padForward,
  restoreStream,
  savedStream,
  seedExample
} from './layers'
export { addInto, update } from './optim'

const OP_WORDS = 32
const CONV = 1
const MAXPOOL = 2
const AVGPOOL = 3
const DENSE = 4
const FLATTEN = 5
const ACTIVATION = 6
const MAXOUT = 7
const DROPOUT = 8
const PAD = 9

let prog: usize = 0
let nOps: i32 = 0
let pixels: i32 = 0
let input: usize = 0
let table: usize = 0
let classes: i32 = 0
let logits: usize = 0
let dlogits: usize = 0
let correct: i32 = 0
// The first layer that runs on the whole batch (nOps: none), and where each example's dropout
// stream is kept between its per-example layers and the batched ones.
let split: i32 = 0
let rngStates: usize = 0

// Profiling (off unless the host turns it on): milliseconds spent forward (loss included) and
// backward, from the host's clock, read three times per example.
@external('env', 'now')
declare function now(): f64
let profiling = false
let forwardMs: f64 = 0
let backwardMs: f64 = 0

export function setProfiling(on: bool): void {
  profiling = on
  forwardMs = 0
  backwardMs = 0
}
export function profiledForward(): f64 {
  return forwardMs
}
export function profiledBackward(): f64 {
  return backwardMs
}

export function heapBase(): usize {
  return __heap_base
}

// The first layer's blank windows (see blankSums in ./conv.ts), where the host turns them on (a
// first convolution over an image at most 32 wide and 64 high): which of the example's pixel
// bytes are nonzero (a word of column bits per row), which output pixels' windows hold any (a word
// per output row), and the sums over a blank window (one per output channel, at most 256).
const INK_ROWS: usize = memory.data(64 << 2, 16)
const INK_WINDOWS: usize = memory.data(64 << 2, 16)
const BLANK: usize = memory.data(256 << 2, 16)
let blankWindows = false

export function configure(program: usize, ops: i32, inputPixels: i32, inputBuffer: usize, normTable: usize, numClasses: i32, logitsBuffer: usize, logitsGrad: usize, batchedFrom: i32, rngBuffer: usize, skipBlank: bool): void {
  blankWindows = skipBlank
  split = batchedFrom
  rngStates = rngBuffer
  prog = program
  nOps = ops
  pixels = inputPixels
  input = inputBuffer
  table = normTable
  classes = numClasses
  logits = logitsBuffer
  dlogits = logitsGrad
}

/** Right answers among the examples of the last trainExamples / evalExamples call. */
export function lastCorrect(): i32 {
  return correct
}

@inline function f(op: usize, i: i32): i32 {
  return load<i32>(op + (<usize>i << 2))
}
@inline function p(op: usize, i: i32): usize {
  return <usize>load<i32>(op + (<usize>i << 2))
}
@inline function fl(op: usize, i: i32): f32 {
  return load<f32>(op + (<usize>i << 2))
}
/** Fields 28-31: the row strides in bytes of x, y, gx, gy (0 where one buffer serves every example). */
@inline function row(op: usize, field: i32, e: i32): usize {
  return p(op, field) + <usize>e * p(op, field + 27)
}
@inline function record(i: i32): usize {
  return prog + (<usize>(i * OP_WORDS) << 2)
}

/** Folds what the sparse filter gradients gathered into the gradient sums: at the end of a batch's examples. */
export function finishGradients(): void {
  for (let i = 0; i < nOps; i++) {
    const op = record(i)
    if (f(op, 0) == CONV) {
      const compact = p(op, 25) != 0
      const K = f(op, 9)
      convFoldFilterGrad(p(op, 24), K, f(op, 8), compact ? 1 : f(op, 7), sparseRun(K, f(op, 7), compact), f(op, 10), f(op, 11), p(op, 16))
    }
  }
}

/**
 * After every change of the weights, before any forward or backward pass: the input gradient of
 * convolutions needs their kernels transposed, Winograd's forward pass its transformed kernels.
 */
export function prepare(): void {
  for (let i = 0; i < nOps; i++) {
    const op = record(i)
    if (f(op, 0) == CONV) {
      if (p(op, 27) != 0) winogradPrepare(p(op, 14), f(op, 8), f(op, 11), f(op, 5), f(op, 12), f(op, 13), p(op, 27))
      if (f(op, 3) != 0) convPrepare(p(op, 14), f(op, 9), f(op, 8), f(op, 10), f(op, 11), p(op, 20), f(op, 21))
    } else if (f(op, 0) == DENSE && p(op, 11) != 0) transpose(p(op, 7), f(op, 5), f(op, 6), p(op, 11), f(op, 12))
  }
  // Pixel byte 0's normalised value is the background every blank window reads.
  if (blankWindows) blankSums(p(record(0), 14), f(record(0), 19), f(record(0), 11), load<f32>(table), BLANK)
}

/** Example e's pixels into `to` (its row of the input). */
function loadExample(images: usize, e: i32, to: usize): void {
  const src = images + <usize>(e * pixels)
  // One value per pixel in lane 0 of a vector (INPUT_STRIDE in ../program.ts); lanes 1-3 stay 0.
  for (let i = 0; i < pixels; i++) store<f32>(to + (<usize>i << 4), load<f32>(table + (<usize>load<u8>(src + <usize>i) << 2)))
  if (blankWindows) markInk(src, f(record(0), 5), f(record(0), 6))
}

/** INK_ROWS[iy] = a bit per column x of row iy, set where the pixel byte is nonzero (W <= 32). */
function markInk(src: usize, H: i32, W: i32): void {
  const zero = i8x16.splat(0)
  const width: u32 = W < 32 ? (<u32>1 << <u32>W) - 1 : 0xffffffff
  for (let iy = 0; iy < H; iy++) {
    const row = src + <usize>(iy * W)
    // 16 columns a load (rows narrower than 16 read into the next one's bytes: masked off).
    let m = <u32>i8x16.bitmask(i8x16.ne(v128.load(row), zero))
    if (W > 16) m |= <u32>i8x16.bitmask(i8x16.ne(v128.load(row + <usize>(W - 16)), zero)) << <u32>(W - 16)
    store<u32>(INK_ROWS + (<usize>iy << 2), m & width)
  }
}

/** Layers [0, to) for example e, in row e of their values (row 0 on the per-example path). */
function forward(training: bool, to: i32, e: i32): void {
  for (let i = 0; i < to; i++) {
    const op = record(i)
    const x = row(op, 1, e)
    const y = row(op, 2, e)
    switch (f(op, 0)) {
      case CONV:
        if (p(op, 27) != 0) convForwardWinograd(x, f(op, 5), f(op, 6), f(op, 7), f(op, 8), p(op, 15), y, f(op, 12), f(op, 13), f(op, 11), p(op, 27))
        else {
          const ink = i == 0 && blankWindows
          if (ink) inkWindows(INK_ROWS, f(op, 9), f(op, 12), INK_WINDOWS)
          convForward(x, f(op, 6), f(op, 7), p(op, 18), f(op, 19), p(op, 14), p(op, 15), y, f(op, 12), f(op, 13), f(op, 11), ink ? INK_WINDOWS : 0, BLANK)
        }
        break
      case MAXPOOL:
        maxPoolForward(x, f(op, 6), f(op, 7), f(op, 8), f(op, 9), y, f(op, 10), f(op, 11))
        break
      case AVGPOOL:
        avgPoolForward(x, f(op, 6), f(op, 7), f(op, 8), f(op, 9), y, f(op, 10), f(op, 11))
        break
      case DENSE:
        denseForward(x, f(op, 5), p(op, 7), f(op, 6), p(op, 8), y)
        break
      case FLATTEN:
        flattenForward(x, f(op, 5), f(op, 6), f(op, 7), y)
        break
      case ACTIVATION:
        activationForward(f(op, 6), fl(op, 7), x, y, f(op, 5))
        break
      case MAXOUT:
        maxoutForward(x, f(op, 5), f(op, 6), f(op, 7), f(op, 8), y, f(op, 9))
        break
      case DROPOUT:
        if (training) dropoutForward(x, y, p(op, 8) + <usize>e * p(op, 29), f(op, 5), fl(op, 6), fl(op, 7))
        else memory.copy(y, x, <usize>f(op, 5) << 2)
        break
      case PAD:
        padForward(x, f(op, 5), f(op, 6), f(op, 7), f(op, 8), f(op, 9), y, f(op, 11))
        break
      default:
        unreachable()
    }
  }
}

/** Layers below `from`, top down, for example e (its rows of the values; gradients as laid out). */
function backward(from: i32, e: i32): void {
  for (let i = from - 1; i >= 0; i--) {
    const op = record(i)
    const x = row(op, 1, e)
    const y = row(op, 2, e)
    const gx = p(op, 3) ? row(op, 3, e) : 0
    const gy = row(op, 4, e)
    switch (f(op, 0)) {
      case CONV: {
        const OH = f(op, 12)
        const OW = f(op, 13)
        const CoP = f(op, 11)
        const n = f(op, 26) != 0 ? biasGradCountTiles(gy, OH, OW, CoP, p(op, 17)) : biasGradCount(gy, OH * OW, CoP, p(op, 17))
        // Sparse where few output gradients are nonzero (after pooling and ReLU), dense otherwise:
        // the sparse form does K*run/4 multiply-adds per nonzero value (run: a gwT row, see
        // ./conv-grad.ts) after listing every value of dy, the dense one K*K*Cin*CoP/4 per
        // position. The factor 3 was measured before lists were built by tiles (2 was slower then);
        // the course's CNN now takes the sparse form in both convolutions. Either way the same
        // sums, up to float rounding; the choice depends only on the data. At a tie, sparse:
        // as convPoolReluGrad, which takes it where it ties at full density (../program.ts).
        const K = f(op, 9)
        const xc = p(op, 25)
        if (n * sparseRun(K, f(op, 7), xc != 0) * 3 <= K * f(op, 8) * CoP * OH * OW) {
          convFilterGradSparse(x, gy, OH, OW, CoP, f(op, 10), f(op, 5), f(op, 6), f(op, 7), K, p(op, 23), p(op, 24), xc, f(op, 26) != 0)
        } else convFilterGrad(x, f(op, 6), f(op, 7), p(op, 18), f(op, 19), gy, OH, OW, CoP, p(op, 16))
        if (gx) convInputGrad(gy, OH, OW, CoP, f(op, 10), p(op, 20), f(op, 9), gx, f(op, 5), f(op, 6), f(op, 21), p(op, 22))
        break
      }
      case MAXPOOL:
        if (gx) maxPoolBackward(x, f(op, 5), f(op, 6), f(op, 7), f(op, 8), f(op, 9), y, gy, f(op, 10), f(op, 11), gx)
        break
      case AVGPOOL:
        if (gx) avgPoolBackward(f(op, 5), f(op, 6), f(op, 7), f(op, 8), f(op, 9), gy, f(op, 10), f(op, 11), gx)
        break
      case DENSE:
        denseParamGrad(x, f(op, 5), gy, f(op, 6), p(op, 9), p(op, 10))
        if (gx) denseInputGrad(gy, f(op, 5), p(op, 7), f(op, 6), gx)
        break
      case FLATTEN:
        if (gx) flattenBackward(gy, f(op, 5), f(op, 6), f(op, 7), gx)
        break
      case ACTIVATION:
        // A ReLU over a tiling max-pool over the lowest convolution (field 8, ../program.ts):
        // the three at once, where the sparse filter gradient pays.
        if (f(op, 8) != 0) {
          poolReluBackward(i, e)
          i -= 2
          break
        }
        if (gx) activationBackward(f(op, 6), fl(op, 7), x, y, gy, gx, f(op, 5))
        break
      case MAXOUT:
        if (gx) maxoutBackward(x, f(op, 5), f(op, 6), f(op, 7), f(op, 8), y, gy, f(op, 9), gx)
        break
      case DROPOUT:
        if (gx) multiply(gy, p(op, 8) + <usize>e * p(op, 29), gx, f(op, 5))
        break
      case PAD:
        if (gx) padBackward(gy, f(op, 5), f(op, 6), f(op, 7), f(op, 8), f(op, 9), gx, f(op, 11))
        break
      default:
        unreachable()
    }
  }
}

/** Layers i (ReLU), i-1 (max-pool) and i-2 (convolution) backward for example e, at once (convPoolReluGrad). */
function poolReluBackward(i: i32, e: i32): void {
  const relu = record(i)
  const conv = record(i - 2)
  convPoolReluGrad(row(conv, 1, e), f(conv, 5), f(conv, 6), f(conv, 7), f(conv, 9), row(conv, 2, e), f(conv, 12), f(conv, 13), f(conv, 11), f(conv, 10), row(relu, 1, e), row(relu, 4, e), p(conv, 23), p(conv, 24), p(conv, 25), p(conv, 17))
}

/** The batched layers [split, nOps) forward, on `count` examples at once. */
function forwardBatch(training: bool, count: i32): void {
  for (let i = split; i < nOps; i++) {
    const op = record(i)
    const x = p(op, 1)
    const y = p(op, 2)
    switch (f(op, 0)) {
      case DENSE: {
        const IN = f(op, 5)
        const OUTP = f(op, 6)
        gemm(x, count, IN, f(op, 12), p(op, 7), OUTP, OUTP, p(op, 8), y, OUTP)
        break
      }
      case ACTIVATION:
        activationForward(f(op, 6), fl(op, 7), x, y, f(op, 5) * count)
        break
      case MAXOUT:
        maxoutForward(x, f(op, 5) * count, f(op, 6), f(op, 7), f(op, 8), y, f(op, 9))
        break
      case DROPOUT: {
        const n = f(op, 5)
        const bytes = <usize>n << 2
        if (!training) {
          memory.copy(y, x, <usize>count * bytes)
          break
        }
        // Each example's stream goes on where its per-example layers left it: the same masks
        // as on the per-example path.
        for (let e = 0; e < count; e++) {
          const at = <usize>e * bytes
          restoreStream(load<u32>(rngStates + (<usize>e << 2)))
          dropoutForward(x + at, y + at, p(op, 8) + at, n, fl(op, 6), fl(op, 7))
          store<u32>(rngStates + (<usize>e << 2), savedStream())
        }
        break
      }
      default:
        unreachable()
    }
  }
}

/** The batched layers backward, top down: their parameter gradients summed over the batch. */
function backwardBatch(count: i32): void {
  for (let i = nOps - 1; i >= split; i--) {
    const op = record(i)
    const x = p(op, 1)
    const y = p(op, 2)
    const gx = p(op, 3)
    const gy = p(op, 4)
    switch (f(op, 0)) {
      case DENSE: {
        const IN = f(op, 5)
        const INP = f(op, 12)
        const OUTP = f(op, 6)
        gemmGrad(x, count, IN, INP, gy, OUTP, OUTP, p(op, 9), p(op, 10))
        if (gx) gemm(gy, count, OUTP, OUTP, p(op, 11), INP, INP, 0, gx, INP)
        break
      }
      case ACTIVATION:
        if (gx) activationBackward(f(op, 6), fl(op, 7), x, y, gy, gx, f(op, 5) * count)
        break
      case MAXOUT:
        if (gx) maxoutBackward(x, f(op, 5) * count, f(op, 6), f(op, 7), f(op, 8), y, gy, f(op, 9), gx)
        break
      case DROPOUT:
        if (gx) multiply(gy, p(op, 8), gx, f(op, 5) * count)
        break
      default:
        unreachable()
    }
  }
}

/**
 * Softmax cross-entropy of the logits against `label`: returns the loss; counts a right answer
 * (the first largest logit, as tf.argMax); with `grad`, writes dloss/dlogits = softmax - onehot;
 * with `out`, writes the probabilities and then the loss there.
 */
function softmaxLoss(label: i32, logits: usize, dlogits: usize, out: usize): f64 {
  const grad = dlogits != 0
  let mx = load<f32>(logits)
  let arg = 0
  for (let j = 1; j < classes; j++) {
    const v = load<f32>(logits + (<usize>j << 2))
    if (v > mx) {
      mx = v
      arg = j
    }
  }
  let sum: f64 = 0
  for (let j = 0; j < classes; j++) sum += Math.exp(<f64>(load<f32>(logits + (<usize>j << 2)) - mx))
  const lse = Math.log(sum)
  for (let j = 0; j < classes; j++) {
    const q = Math.exp(<f64>(load<f32>(logits + (<usize>j << 2)) - mx)) / sum
    if (grad) store<f32>(dlogits + (<usize>j << 2), <f32>q - (j == label ? <f32>1 : <f32>0))
    if (out) store<f32>(out + (<usize>j << 2), <f32>q)
  }
  const loss = lse - <f64>(load<f32>(logits + (<usize>label << 2)) - mx)
  if (out) store<f32>(out + (<usize>classes << 2), <f32>loss)
  if (arg == label) correct++
  return loss
}

/** Row strides of the logits and their gradient (0 on the per-example path). */
@inline function logitsRow(): usize {
  return p(record(nOps - 1), 29)
}
@inline function dlogitsRow(): usize {
  return p(record(nOps - 1), 31)
}

/**
 * Adds the loss gradient of `count` examples (pixels as bytes, labels as bytes) to the gradient
 * sums and returns their summed loss. Example e draws its dropout masks from (seed, first + e):
 * where it sits in the batch, not which thread computes it.
 */
export function trainExamples(images: usize, labels: usize, count: i32, seed: u32, first: i32): f64 {
  correct = 0
  let lossSum: f64 = 0
  if (split >= nOps) {
    for (let e = 0; e < count; e++) {
      const t0 = profiling ? now() : 0
      seedExample(seed, <u32>(first + e))
      loadExample(images, e, input)
      forward(true, nOps, 0)
      lossSum += softmaxLoss(<i32>load<u8>(labels + <usize>e), logits, dlogits, 0)
      const t1 = profiling ? now() : 0
      backward(nOps, 0)
      if (profiling) {
        forwardMs += t1 - t0
        backwardMs += now() - t1
      }
    }
    return lossSum
  }
  const t0 = profiling ? now() : 0
  const inputRow = p(record(0), 28)
  for (let e = 0; e < count; e++) {
    seedExample(seed, <u32>(first + e))
    loadExample(images, e, input + <usize>e * inputRow)
    forward(true, split, e)
    store<u32>(rngStates + (<usize>e << 2), savedStream())
  }
  forwardBatch(true, count)
  const lr = logitsRow()
  const gr = dlogitsRow()
  for (let e = 0; e < count; e++) lossSum += softmaxLoss(<i32>load<u8>(labels + <usize>e), logits + <usize>e * lr, dlogits + <usize>e * gr, 0)
  const t1 = profiling ? now() : 0
  backwardBatch(count)
  for (let e = 0; e < count; e++) backward(split, e)
  if (profiling) {
    forwardMs += t1 - t0
    backwardMs += now() - t1
  }
  return lossSum
}

/** Forward only, no dropout: per example, the class probabilities then the loss, into `out`. */
export function evalExamples(images: usize, labels: usize, count: i32, out: usize): f64 {
  correct = 0
  let lossSum: f64 = 0
  const batched = split < nOps
  const inputRow = p(record(0), 28)
  for (let e = 0; e < count; e++) {
    loadExample(images, e, input + <usize>e * inputRow)
    if (batched) forward(false, split, e)
    else {
      forward(false, nOps, 0)
      lossSum += softmaxLoss(<i32>load<u8>(labels + <usize>e), logits, 0, out + (<usize>(e * (classes + 1)) << 2))
    }
  }
  if (!batched) return lossSum
  forwardBatch(false, count)
  const lr = logitsRow()
  for (let e = 0; e < count; e++) lossSum += softmaxLoss(<i32>load<u8>(labels + <usize>e), logits + <usize>e * lr, 0, out + (<usize>(e * (classes + 1)) << 2))
  return lossSum
}
