// A plan -> the wasm engine's memory layout and program (one record of OP_WORDS i32 per layer).
// Field numbers must match assembly/index.ts.
//
// Tensors of one example: images are [H][W][CS] with CS = C rounded up to 4 (the SIMD width),
// flat ones are C values padded to a multiple of 4. Weights are tfjs's kernels, row for row, each
// row padded to a multiple of 4 columns. Every pad lane of a weight, bias or gradient stays 0.
import type { Plan } from './net-plan'

export const OP_WORDS = 32
const OP = { conv: 1, maxPool: 2, avgPool: 3, dense: 4, flatten: 5, activation: 6, maxout: 7, dropout: 8, pad: 9 } as const
const ACT = { relu: 0, sigmoid: 1, tanh: 2, leakyRelu: 3, elu: 4 } as const
/** The input image's channel stride: one value per pixel, padded to a vector. */
export const INPUT_STRIDE = 4

const up4 = (n: number) => Math.ceil(n / 4) * 4

interface Shape {
  H: number
  W: number
  C: number
  image: boolean
}
const strideOf = (s: Shape) => up4(s.C)
const floatsOf = (s: Shape) => (s.image ? s.H * s.W * strideOf(s) : up4(s.C))

/** A weight or bias: `rows` x `cols` values in tfjs's order, stored with rows padded to `colsP`. */
export interface ParamBlock {
  shape: number[]
  rows: number
  cols: number
  colsP: number
  /** Where it starts, in floats from the start of the parameters. */
  offset: number
}

export interface Compiled {
  /** Byte offsets into the wasm memory. */
  at: {
    program: number
    params: number
    grads: number
    /** The partner thread's gradient sums are copied here to be added. */
    other: number
    state1: number
    state2: number
    input: number
    table: number
    images: number
    labels: number
    out: number
    logits: number
    dlogits: number
    end: number
  }
  words: Int32Array
  ops: number
  /** Each layer's output for one example: byte offset, float count (padding included), and `positions` (pixels, or 1) x `stride` floats of which `units` are values. */
  outputs: { at: number; floats: number; units: number; positions: number; stride: number }[]
  /** xoff tables: [byte offset, values]. */
  tables: [number, Int32Array][]
  /** Padded parameter count (a multiple of 4). */
  paramFloats: number
  /** In the order of the tfjs model's weights: kernel, bias of each conv/dense layer. */
  blocks: ParamBlock[]
  pixels: number
  classes: number
  maxExamples: number
}

export function compile(plan: Plan, base: number, maxExamples: number): Compiled {
  let next = Math.ceil(base / 64) * 64
  const alloc = (floats: number) => {
    const at = next
    next += Math.ceil((floats * 4) / 64) * 64
    return at
  }
  const { layers } = plan
  const program = alloc(layers.length * OP_WORDS)
  const words = new Int32Array(layers.length * OP_WORDS)
  const f32 = new Float32Array(words.buffer)

  // Shapes and parameter blocks first: the parameters sit together, so they can be copied whole.
  const shapes: Shape[] = [{ H: plan.rows, W: plan.cols, C: 1, image: true }]
  const blocks: ParamBlock[] = []
  let paramFloats = 0
  const block = (shape: number[], rows: number, cols: number) => {
    const b = { shape, rows, cols, colsP: up4(cols), offset: paramFloats }
    blocks.push(b)
    paramFloats += rows * b.colsP
    return b
  }
  const layerBlocks: ParamBlock[][] = []
  for (const [i, layer] of layers.entries()) {
    const s = shapes[i]
    const fail = (what: string) => new Error(`layer ${i + 1} (${layer.kind}): ${what}`)
    let out: Shape
    switch (layer.kind) {
      case 'conv': {
        if (!s.image) throw fail('needs an image')
        const K = layer.kernel
        out = { H: s.H - K + 1, W: s.W - K + 1, C: layer.filters, image: true }
        layerBlocks[i] = [block([K, K, s.C, layer.filters], K * K * s.C, layer.filters), block([layer.filters], 1, layer.filters)]
        break
      }
      case 'maxPool':
      case 'avgPool':
        if (!s.image) throw fail('needs an image')
        out = { ...s, H: Math.floor((s.H - layer.pool) / layer.stride) + 1, W: Math.floor((s.W - layer.pool) / layer.stride) + 1 }
        break
      case 'dense':
        if (s.image) throw fail('needs a flat input')
        out = { H: 1, W: 1, C: layer.units, image: false }
        layerBlocks[i] = [block([s.C, layer.units], s.C, layer.units), block([layer.units], 1, layer.units)]
        break
      case 'flatten':
        if (!s.image) throw fail('needs an image')
        out = { H: 1, W: 1, C: s.H * s.W * s.C, image: false }
        break
      case 'pad':
        if (!s.image) throw fail('needs an image')
        out = { ...s, H: s.H + layer.top + layer.bottom, W: s.W + layer.left + layer.right }
        break
      case 'maxout':
        if (s.C % layer.pieces) throw fail(`${s.C} channels do not split into ${layer.pieces} pieces`)
        out = { ...s, C: s.C / layer.pieces }
        break
      default:
        out = s
    }
    if (out.H < 1 || out.W < 1) throw fail('shrinks the data to nothing')
    shapes.push(out)
  }
  const last = shapes.at(-1)!
  if (last.image || last.C !== plan.classes) throw new Error('the plan does not end in one logit per class')

  const params = alloc(paramFloats)
  const grads = alloc(paramFloats)
  const other = alloc(paramFloats)
  const state1 = alloc(paramFloats)
  const state2 = alloc(paramFloats)
  // Gradients flow down to the lowest layer with weights, no further.
  const firstWeighted = layers.findIndex((l) => l.kind === 'conv' || l.kind === 'dense')
  const values = shapes.map((s) => alloc(floatsOf(s)))
  const gradients = shapes.map((s, i) => (i > firstWeighted ? alloc(floatsOf(s)) : 0))
  const tables: [number, Int32Array][] = []
  const abs = (b: ParamBlock, region: number) => region + b.offset * 4

  for (const [i, layer] of layers.entries()) {
    const s = shapes[i]
    const o = shapes[i + 1]
    const w = words.subarray(i * OP_WORDS, (i + 1) * OP_WORDS)
    const CS = i === 0 ? INPUT_STRIDE : strideOf(s)
    w.set([OP[layer.kind], values[i], values[i + 1], gradients[i], gradients[i + 1]])
    switch (layer.kind) {
      case 'conv': {
        const K = layer.kernel
        const [kb, bb] = layerBlocks[i]
        const table = new Int32Array(K * K * s.C)
        let r = 0
        for (let ky = 0; ky < K; ky++) for (let kx = 0; kx < K; kx++) for (let ci = 0; ci < s.C; ci++) table[r++] = ((ky * s.W + kx) * CS + ci) * 4
        const xoff = alloc(table.length)
        tables.push([xoff, table])
        const wt = gradients[i] ? alloc(K * K * o.C * CS) : 0
        // The input gradient's list of one pixel's nonzero output gradients: (value, offset) pairs.
        const nz = gradients[i] ? alloc(2 * o.C) : 0
        // The filter gradient's list of nonzero output gradients (3 words each), and its
        // channel-major accumulator [Cout][K][K * CS].
        const list = alloc(3 * o.H * o.W * o.C)
        const gwT = alloc(o.C * K * K * CS)
        w.set([s.H, s.W, CS, s.C, K, o.C, strideOf(o), o.H, o.W, abs(kb, params), abs(bb, params), abs(kb, grads), abs(bb, grads), xoff, table.length, wt, CS, nz, list, gwT], 5)
        break
      }
      case 'maxPool':
      case 'avgPool':
        w.set([s.H, s.W, CS, layer.pool, layer.stride, o.H, o.W], 5)
        break
      case 'dense': {
        const [kb, bb] = layerBlocks[i]
        w.set([s.C, strideOf(o), abs(kb, params), abs(bb, params), abs(kb, grads), abs(bb, grads)], 5)
        break
      }
      case 'flatten':
        w.set([s.H * s.W, s.C, CS], 5)
        break
      case 'pad':
        w.set([s.H, s.W, CS, layer.top, layer.left, o.H, o.W], 5)
        break
      case 'activation':
        w.set([floatsOf(s), ACT[layer.fn]], 5)
        f32[i * OP_WORDS + 7] = layer.alpha
        break
      case 'maxout':
        w.set([s.image ? s.H * s.W : 1, o.C, layer.pieces, CS, strideOf(o)], 5)
        break
      case 'dropout': {
        const n = floatsOf(s)
        const keepProbability = 1 - layer.rate
        // rate 0 (or 1, which tfjs also ignores) passes the input through, as tfjs does.
        const active = layer.rate > 0 && layer.rate < 1
        w.set([n, 0, 0, alloc(n)], 5)
        f32[i * OP_WORDS + 6] = active ? keepProbability : 2
        f32[i * OP_WORDS + 7] = active ? Math.fround(1 / Math.fround(keepProbability)) : 1
        break
      }
    }
  }
  const pixels = plan.rows * plan.cols
  const table = alloc(256)
  const images = alloc(Math.ceil((maxExamples * pixels) / 4))
  const labels = alloc(Math.ceil(maxExamples / 4))
  const out = alloc(maxExamples * (plan.classes + 1))
  return {
    at: { program, params, grads, other, state1, state2, input: values[0], table, images, labels, out, logits: values.at(-1)!, dlogits: gradients.at(-1)!, end: next },
    words,
    ops: layers.length,
    outputs: shapes.slice(1).map((s, i) => ({ at: values[i + 1], floats: floatsOf(s), units: s.C, positions: s.image ? s.H * s.W : 1, stride: s.image ? strideOf(s) : up4(s.C) })),
    tables,
    paramFloats,
    blocks,
    pixels,
    classes: plan.classes,
    maxExamples
  }
}
