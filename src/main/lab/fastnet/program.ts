// A plan -> the wasm engine's memory layout and program (one record of OP_WORDS i32 per layer).
// Field numbers must match assembly/index.ts.
//
// Tensors of one example: images are [height][width][stride] with the stride the channel count
// rounded up to 4 (the SIMD width), flat ones are their values padded to a multiple of 4. Weights
// are tfjs's kernels, row for row, each row padded to a multiple of 4 columns. Every pad lane of a
// weight, bias or gradient stays 0.
//
// Where the flat layers run on the whole batch (see batchedFrom), every layer's values hold one
// row per example, and so do the gradients of the batched layers; the per-example layers below
// them share one gradient buffer, as on the per-example path, where every buffer is one row.
import type { Plan, PlanLayer } from './net-plan'

export const OP_WORDS = 32
const OP = { conv: 1, maxPool: 2, avgPool: 3, dense: 4, flatten: 5, activation: 6, maxout: 7, dropout: 8, pad: 9 } as const
const ACTIVATION = { relu: 0, sigmoid: 1, tanh: 2, leakyRelu: 3, elu: 4 } as const
/** The input image's channel stride: one value per pixel, padded to a vector. */
export const INPUT_STRIDE = 4

const up4 = (n: number) => Math.ceil(n / 4) * 4

/** One example's tensor between two layers: an image, or flat (height and width 1). */
export interface Shape {
  height: number
  width: number
  channels: number
  image: boolean
}
const channelStride = (shape: Shape) => up4(shape.channels)
const floatsOf = (shape: Shape) => (shape.image ? shape.height * shape.width * channelStride(shape) : up4(shape.channels))

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
    /** Each example's dropout stream between its per-example and its batched layers. */
    streams: number
    end: number
  }
  /** The first layer run on the whole batch; the layer count where every layer runs per example. */
  batchedFrom: number
  /** The convolutions whose forward pass goes by Winograd's F(2x2, 5x5) or F(4x4, 5x5)... */
  winogradLayers: number[]
  /** ...and the side of each one's tile, in the same order. */
  winogradTiles: (2 | 4)[]
  /** The ReLUs that go backward at once with the max-pool and the convolution below them (poolReluFused). */
  fusedBackward: number[]
  /** Whether the first convolution takes its blank windows' sums from one per step (blankWindowsFit). */
  blankWindows: boolean
  words: Int32Array
  ops: number
  /** Each layer's output for one example: byte offset, float count (padding included), and `positions` (pixels, or 1) x `stride` floats of which `units` are values; example e's is `row` bytes further on per e. */
  outputs: { at: number; floats: number; units: number; positions: number; stride: number; row: number }[]
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

/** Regions of the wasm memory handed out from `base` on, each aligned to 64 bytes. */
class Allocator {
  next: number

  constructor(base: number) {
    this.next = Math.ceil(base / 64) * 64
  }

  /** Room for `floats` 4-byte values: its byte offset. */
  alloc(floats: number): number {
    const at = this.next
    this.next += Math.ceil((floats * 4) / 64) * 64
    return at
  }
}

/** Every layer's weights and biases, one after the other, so they can be copied whole. */
class ParamLayout {
  readonly blocks: ParamBlock[] = []
  /** Padded parameter count so far. */
  floats = 0

  block(shape: number[], rows: number, cols: number): ParamBlock {
    const block = { shape, rows, cols, colsP: up4(cols), offset: this.floats }
    this.blocks.push(block)
    this.floats += rows * block.colsP
    return block
  }
}

type LayerOf<K extends PlanLayer['kind']> = Extract<PlanLayer, { kind: K }>

/** What a layer's record is written from. */
interface LayerRecord {
  /** The layer's OP_WORDS words; fields 0-4 (op, input, output, their gradients) are already set. */
  words: Int32Array
  /** The same words, for the fields that hold a float. */
  floats: Float32Array
  input: Shape
  output: Shape
  /** The input's channel stride in memory (the first layer reads the input image: INPUT_STRIDE). */
  inputStride: number
  /** Byte offset of the input's gradient; 0 where the gradient flows no further down. */
  inputGradient: number
  /** Kernel then bias, for a conv or dense layer. */
  blocks: ParamBlock[]
  memory: Allocator
  /** Byte offsets of the parameters and of their gradient sums. */
  params: number
  grads: number
  /** Where the conv layers' offset tables go. */
  tables: [number, Int32Array][]
  /** Examples held at once: maxExamples where the layer runs on the whole batch, else 1. */
  rows: number
  /** Whether this layer runs on the whole batch. */
  batched: boolean
  /** Whether the next layer is a 2x2 stride-2 max-pool that tiles this layer's output exactly. */
  pooledInTiles: boolean
  /** Whether a convolution may take Winograd's form where it pays (winogradPays). */
  winograd: boolean
  /** For a ReLU: whether a tiling 2x2 max-pool below it reads a convolution that passes no gradient down (poolReluFused). */
  fusedBackward: boolean
}

/** Record fields 28-31: the row strides (bytes) of a layer's input, output and their gradients. */
const ROW_FIELDS = 28
/** A conv record's field 27: its Winograd scratch area, 0 where it takes the direct sum. */
const WINOGRAD_FIELD = 27
/** An activation record's field 8: 1 where it goes backward with the pool and convolution below (poolReluFused). */
const FUSED_FIELD = 8

/**
 * Whether a convolution's forward pass goes by Winograd's minimal filtering (../assembly/winograd.ts):
 * 5x5 kernels, an output that 2x2 tiles cover, and channels enough to share its transforms (a
 * patch's over every output channel, a tile's over every input channel). Measured side by side
 * (README, "Below the split, per example"): the course's second convolution (10 channels in, 20
 * out) takes it; its first (one channel in) is faster direct.
 */
function winogradPays(kernel: number, input: Shape, output: Shape): boolean {
  const shape = kernel === 5 && output.height % 2 === 0 && output.width % 2 === 0
  // Channels in and out: at least one vector of each, two out, so the transforms are shared (a
  // rule from the operation counts, measured only at 10 in and 20 out). And a scratch within about
  // a megabyte: it holds every tile's transformed patch at once, which only small images keep in cache.
  return shape && input.channels >= 4 && output.channels >= 8 && winogradFloats(winogradTile(input, output), input, output) <= WINOGRAD_SCRATCH
}

/** The most floats a Winograd scratch may take (SCRATCH_BYTES in ../assembly/winograd.ts, in bytes). */
const WINOGRAD_SCRATCH = 1 << 18

/**
 * Its tile's side: F(4x4, 5x5) where 4x4 tiles cover the output and their scratch fits, else
 * F(2x2, 5x5) (the same rule as tileSide in ../assembly/winograd.ts). The larger tile does 64
 * multiplies for 16 outputs where the smaller does 36 for 4; its points 1/2 and 2 round a little
 * more (winograd.test.ts), and its transformed kernels take 64 positions to 36.
 */
export function winogradTile(input: Shape, output: Shape): 2 | 4 {
  const covered = output.height % 4 === 0 && output.width % 4 === 0
  return covered && winogradFloats(4, input, output) <= WINOGRAD_SCRATCH ? 4 : 2
}

/** Floats of a Winograd convolution's scratch for tiles of `side`: U, V, T and M as ../assembly/winograd.ts lays them out. */
function winogradFloats(side: 2 | 4, input: Shape, output: Shape): number {
  const patch = (side + 4) ** 2
  const inVector = up4(input.channels)
  const outVector = up4(output.channels)
  const tileColumns = output.width / side
  const tiles = (output.height / side) * tileColumns
  return patch * input.channels * outVector + tiles * patch * inVector + input.height * tileColumns * (side + 4) * inVector + 2 * patch * outVector
}

/**
 * Which layers run on the whole batch: from the first one with a flat input on (the dense layers
 * and what sits between them); the convolutions and pools below stay one example at a time.
 * Measured side by side in one process (README, "The lab's engine"): batched wins for the MLPs
 * by 1.4-2.3x and is level or ahead for the course's CNN (0.99-1.2x), so every model takes it.
 */
function batchedFrom(plan: Plan, shapes: Shape[], path: EnginePath = 'batched'): number {
  const flat = shapes.findIndex((shape) => !shape.image)
  if (flat < 0 || flat >= plan.layers.length || path === 'per-example') return plan.layers.length
  return flat
}

/** Byte offset of `block` within a region laid out as the parameters are (params or grads). */
const addressOf = (block: ParamBlock, region: number) => region + block.offset * 4

/** Every layer one example at a time, or the flat layers on the whole batch; unset: batchedFrom decides. */
export type EnginePath = 'per-example' | 'batched'

/** Faster forms of some layers, each on unless set false (tests and bench:engine compare them with the plain ones). */
export interface Forms {
  /** Winograd's form for the convolutions where it pays (winogradPays); false: every one by the direct sum. */
  winograd?: boolean
  /** A ReLU, its max-pool and the first convolution backward at once (poolReluFused); false: one by one. */
  fusedBackward?: boolean
  /** The first convolution's blank windows taken from one sum per step (blankWindowsFit); false: every window summed. */
  blankWindows?: boolean
}

/** `path` overrides batchedFrom's choice (tests and the bench compare the two paths). */
export function compile(
  plan: Plan,
  base: number,
  maxExamples: number,
  path?: EnginePath,
  { winograd = true, fusedBackward = true, blankWindows = true }: Forms = {}
): Compiled {
  const memory = new Allocator(base)
  const { layers } = plan
  const program = memory.alloc(layers.length * OP_WORDS)
  const words = new Int32Array(layers.length * OP_WORDS)
  const floats = new Float32Array(words.buffer)

  // Shapes and parameter blocks first: the parameters sit together, so they can be copied whole.
  const { shapes, layout, layerBlocks } = layoutShapes(plan)
  const from = batchedFrom(plan, shapes, path)
  const rows = from < layers.length ? maxExamples : 1
  const paramFloats = layout.floats
  const params = memory.alloc(paramFloats)
  const grads = memory.alloc(paramFloats)
  const other = memory.alloc(paramFloats)
  const state1 = memory.alloc(paramFloats)
  const state2 = memory.alloc(paramFloats)
  // Gradients flow down to the lowest layer with weights, no further.
  const firstWeighted = layers.findIndex((l) => l.kind === 'conv' || l.kind === 'dense')
  const values = shapes.map((shape) => memory.alloc(floatsOf(shape) * rows))
  const valueRow = shapes.map((shape) => (rows > 1 ? floatsOf(shape) * 4 : 0))
  const gradientRows = (i: number) => (rows > 1 && i >= from ? rows : 1)
  const gradients = shapes.map((shape, i) => (i > firstWeighted ? memory.alloc(floatsOf(shape) * gradientRows(i)) : 0))
  const gradientRow = shapes.map((shape, i) => (gradientRows(i) > 1 ? floatsOf(shape) * 4 : 0))
  const tables: [number, Int32Array][] = []

  for (const [i, layer] of layers.entries()) {
    const record = words.subarray(i * OP_WORDS, (i + 1) * OP_WORDS)
    record.set([OP[layer.kind], values[i], values[i + 1], gradients[i], gradients[i + 1]])
    record.set([valueRow[i], valueRow[i + 1], gradientRow[i], gradientRow[i + 1]], ROW_FIELDS)
    writeLayer(layer, {
      words: record,
      floats: floats.subarray(i * OP_WORDS, (i + 1) * OP_WORDS),
      input: shapes[i],
      output: shapes[i + 1],
      inputStride: i === 0 ? INPUT_STRIDE : channelStride(shapes[i]),
      inputGradient: gradients[i],
      blocks: layerBlocks[i] ?? [],
      memory,
      params,
      grads,
      tables,
      rows,
      batched: i >= from,
      winograd,
      pooledInTiles: pooledInTiles(layers[i + 1], shapes[i + 1], shapes[i + 2]),
      fusedBackward: fusedBackward && poolReluFused(layers, shapes, gradients, i)
    })
  }
  const winogradLayers = layers.flatMap((layer, i) => (layer.kind === 'conv' && words[i * OP_WORDS + WINOGRAD_FIELD] ? [i] : []))
  const streams = memory.alloc(rows)
  const pixels = plan.rows * plan.cols
  const table = memory.alloc(256)
  const images = memory.alloc(Math.ceil((maxExamples * pixels) / 4))
  const labels = memory.alloc(Math.ceil(maxExamples / 4))
  const out = memory.alloc(maxExamples * (plan.classes + 1))
  return {
    at: {
      program,
      params,
      grads,
      other,
      state1,
      state2,
      input: values[0],
      table,
      images,
      labels,
      out,
      logits: values.at(-1)!,
      dlogits: gradients.at(-1)!,
      streams,
      end: memory.next
    },
    batchedFrom: from,
    winogradLayers,
    winogradTiles: winogradLayers.map((i) => winogradTile(shapes[i], shapes[i + 1])),
    fusedBackward: layers.flatMap((layer, i) => (layer.kind === 'activation' && words[i * OP_WORDS + FUSED_FIELD] ? [i] : [])),
    blankWindows: blankWindows && blankWindowsFit(plan, words),
    words,
    ops: layers.length,
    outputs: shapes.slice(1).map((shape, i) => ({
      at: values[i + 1],
      floats: floatsOf(shape),
      units: shape.channels,
      positions: shape.image ? shape.height * shape.width : 1,
      stride: shape.image ? channelStride(shape) : up4(shape.channels),
      row: valueRow[i + 1]
    })),
    tables,
    paramFloats,
    blocks: layout.blocks,
    pixels,
    classes: plan.classes,
    maxExamples
  }
}

/** Each layer's input shape, then the last layer's output (the logits). */
export function shapesOf(plan: Plan): Shape[] {
  return layoutShapes(plan).shapes
}

/**
 * Whether layer i is a ReLU over a 2x2 stride-2 max-pool that tiles a convolution's output, where
 * no gradient flows below the convolution (the lowest layer with weights, as the course CNN's
 * first): then the three go backward at once, the ReLU's dy straight into the filter gradient's
 * lists (convPoolReluGrad in ../assembly/conv-grad.ts; field 8 of the ReLU's record). Only where
 * those lists cost no more than the dense filter gradient even with every pooled value nonzero
 * (the backward pass's rule, at its worst; a tie goes to the lists there too), as for the
 * course's first convolution: fused, they are never counted first.
 */
function poolReluFused(layers: PlanLayer[], shapes: Shape[], gradients: number[], i: number): boolean {
  const [conv, pool, relu] = layers.slice(i - 2, i + 1)
  if (i < 2 || relu.kind !== 'activation' || relu.fn !== 'relu' || conv.kind !== 'conv' || gradients[i - 2] !== 0) return false
  if (!pooledInTiles(pool, shapes[i - 1], shapes[i])) return false
  const input = shapes[i - 2]
  const stride = i === 2 ? INPUT_STRIDE : channelStride(input)
  // A row of the sparse form's accumulator (sparseRun in ../assembly/conv-grad.ts).
  const run = input.channels === 1 && stride > 1 ? up4(conv.kernel) : conv.kernel * stride
  return 3 * conv.filters * run <= 4 * conv.kernel * input.channels * up4(conv.filters)
}

/**
 * Whether the first layer is a convolution by the direct sum over an image the engine's bit maps
 * of ink cover (at most 32 wide, 64 high; its blank sums hold up to 256 channels): then a window
 * of blank pixel bytes (MNIST's background) takes its sums from one computed per step (blankSums
 * in ../assembly/conv.ts), the same bits. Measured in README, "Below the split, per example".
 */
function blankWindowsFit(plan: Plan, words: Int32Array): boolean {
  const first = plan.layers[0]
  return first?.kind === 'conv' && words[WINOGRAD_FIELD] === 0 && plan.cols <= 32 && plan.rows <= 64 && first.filters <= 256
}

function pooledInTiles(next: PlanLayer | undefined, input: Shape, output: Shape | undefined): boolean {
  return (
    next?.kind === 'maxPool' &&
    next.pool === 2 &&
    next.stride === 2 &&
    output !== undefined &&
    input.height === 2 * output.height &&
    input.width === 2 * output.width
  )
}

/** Each layer's output shape from the input image on, and the parameter blocks of the layers with weights. */
function layoutShapes(plan: Plan): { shapes: Shape[]; layout: ParamLayout; layerBlocks: ParamBlock[][] } {
  const shapes: Shape[] = [{ height: plan.rows, width: plan.cols, channels: 1, image: true }]
  const layout = new ParamLayout()
  const layerBlocks: ParamBlock[][] = []
  for (const [i, layer] of plan.layers.entries()) {
    const input = shapes[i]
    const fail = (what: string) => new Error(`layer ${i + 1} (${layer.kind}): ${what}`)
    const output = shapeAfter(layer, input, fail)
    if (layer.kind === 'conv') {
      const kernel = layer.kernel
      layerBlocks[i] = [
        layout.block([kernel, kernel, input.channels, layer.filters], kernel * kernel * input.channels, layer.filters),
        layout.block([layer.filters], 1, layer.filters)
      ]
    } else if (layer.kind === 'dense') {
      layerBlocks[i] = [layout.block([input.channels, layer.units], input.channels, layer.units), layout.block([layer.units], 1, layer.units)]
    }
    if (output.height < 1 || output.width < 1) throw fail('shrinks the data to nothing')
    shapes.push(output)
  }
  const last = shapes.at(-1)!
  if (last.image || last.channels !== plan.classes) throw new Error('the plan does not end in one logit per class')
  return { shapes, layout, layerBlocks }
}

/** The shape `layer` makes of `input`; `fail` words an error that names the layer. */
function shapeAfter(layer: PlanLayer, input: Shape, fail: (what: string) => Error): Shape {
  switch (layer.kind) {
    case 'conv':
      if (!input.image) throw fail('needs an image')
      return { height: input.height - layer.kernel + 1, width: input.width - layer.kernel + 1, channels: layer.filters, image: true }
    case 'maxPool':
    case 'avgPool':
      if (!input.image) throw fail('needs an image')
      return { ...input, height: Math.floor((input.height - layer.pool) / layer.stride) + 1, width: Math.floor((input.width - layer.pool) / layer.stride) + 1 }
    case 'dense':
      if (input.image) throw fail('needs a flat input')
      return { height: 1, width: 1, channels: layer.units, image: false }
    case 'flatten':
      if (!input.image) throw fail('needs an image')
      return { height: 1, width: 1, channels: input.height * input.width * input.channels, image: false }
    case 'pad':
      if (!input.image) throw fail('needs an image')
      return { ...input, height: input.height + layer.top + layer.bottom, width: input.width + layer.left + layer.right }
    case 'maxout':
      if (input.channels % layer.pieces) throw fail(`${input.channels} channels do not split into ${layer.pieces} pieces`)
      return { ...input, channels: input.channels / layer.pieces }
    default:
      return input
  }
}

/** Fields 5 on of a layer's record, by its kind. */
function writeLayer(layer: PlanLayer, record: LayerRecord): void {
  switch (layer.kind) {
    case 'conv':
      return writeConv(layer, record)
    case 'maxPool':
    case 'avgPool':
      return writePool(layer, record)
    case 'dense':
      return writeDense(record)
    case 'flatten':
      return writeFlatten(record)
    case 'pad':
      return writePad(layer, record)
    case 'activation':
      return writeActivation(layer, record)
    case 'maxout':
      return writeMaxout(layer, record)
    case 'dropout':
      return writeDropout(layer, record)
  }
}

function writeConv(
  layer: LayerOf<'conv'>,
  { words, input, output, inputStride, inputGradient, blocks, memory, params, grads, tables, pooledInTiles, winograd }: LayerRecord
): void {
  const kernel = layer.kernel
  const [kernelBlock, biasBlock] = blocks
  // Where each kernel tap reads, in bytes from the output position's top-left input value.
  const tapOffsets = new Int32Array(kernel * kernel * input.channels)
  let tap = 0
  for (let kernelY = 0; kernelY < kernel; kernelY++) {
    for (let kernelX = 0; kernelX < kernel; kernelX++) {
      for (let channel = 0; channel < input.channels; channel++) tapOffsets[tap++] = ((kernelY * input.width + kernelX) * inputStride + channel) * 4
    }
  }
  const tapOffsetsAt = memory.alloc(tapOffsets.length)
  tables.push([tapOffsetsAt, tapOffsets])
  // The kernels transposed for the input gradient (the engine's prepare() fills them after each update).
  const transposedKernels = inputGradient ? memory.alloc(kernel * kernel * output.channels * inputStride) : 0
  // The input gradient's list of one pixel's nonzero output gradients: (value, offset) pairs.
  const pixelNonzeros = inputGradient ? memory.alloc(2 * output.channels) : 0
  // The filter gradient's list of one output channel's nonzero gradients ((value, pixel) pairs),
  // and its channel-major accumulator [output channels][kernel][kernel * input stride] (a row
  // of kernel values rounded up to a vector for a compact input, below: never more).
  const nonzeros = memory.alloc(2 * output.height * output.width)
  const filterGradients = memory.alloc(output.channels * kernel * kernel * inputStride)
  // One input channel held in lane 0 of each vector: the sparse filter gradient copies it here,
  // one value per pixel (and a vector of slack for its last row's reads), rather than carry 3
  // zero lanes through every multiply-add. Its rows then fit in the accumulator above.
  const compactInput = input.channels === 1 && inputStride > 1 ? memory.alloc(input.height * input.width + 4) : 0
  const winogradArea = winograd && winogradPays(kernel, input, output) ? memory.alloc(winogradFloats(winogradTile(input, output), input, output)) : 0
  words.set(
    [
      input.height,
      input.width,
      inputStride,
      input.channels,
      kernel,
      output.channels,
      channelStride(output),
      output.height,
      output.width,
      addressOf(kernelBlock, params),
      addressOf(biasBlock, params),
      addressOf(kernelBlock, grads),
      addressOf(biasBlock, grads),
      tapOffsetsAt,
      tapOffsets.length,
      transposedKernels,
      inputStride,
      pixelNonzeros,
      nonzeros,
      filterGradients,
      compactInput,
      // The sparse filter gradient then lists dy a 2x2 tile at a time (../assembly/conv-grad.ts).
      pooledInTiles ? 1 : 0,
      winogradArea
    ],
    5
  )
}

function writePool(layer: LayerOf<'maxPool' | 'avgPool'>, { words, input, output, inputStride }: LayerRecord): void {
  words.set([input.height, input.width, inputStride, layer.pool, layer.stride, output.height, output.width], 5)
}

function writeDense({ words, input, output, blocks, params, grads, memory, inputGradient, batched }: LayerRecord): void {
  const [kernelBlock, biasBlock] = blocks
  // The batched input gradient multiplies by the kernel transposed (prepare() fills it after each update).
  const transposedKernel = batched && inputGradient ? memory.alloc(channelStride(output) * up4(input.channels)) : 0
  words.set(
    [
      input.channels,
      channelStride(output),
      addressOf(kernelBlock, params),
      addressOf(biasBlock, params),
      addressOf(kernelBlock, grads),
      addressOf(biasBlock, grads),
      transposedKernel,
      up4(input.channels)
    ],
    5
  )
}

function writeFlatten({ words, input, inputStride }: LayerRecord): void {
  words.set([input.height * input.width, input.channels, inputStride], 5)
}

function writePad(layer: LayerOf<'pad'>, { words, input, output, inputStride }: LayerRecord): void {
  words.set([input.height, input.width, inputStride, layer.top, layer.left, output.height, output.width], 5)
}

function writeActivation(layer: LayerOf<'activation'>, { words, floats, input, fusedBackward }: LayerRecord): void {
  words.set([floatsOf(input), ACTIVATION[layer.fn]], 5)
  floats[7] = layer.alpha
  words[FUSED_FIELD] = fusedBackward ? 1 : 0
}

function writeMaxout(layer: LayerOf<'maxout'>, { words, input, output, inputStride }: LayerRecord): void {
  words.set([input.image ? input.height * input.width : 1, output.channels, layer.pieces, inputStride, channelStride(output)], 5)
}

function writeDropout(layer: LayerOf<'dropout'>, { words, floats, input, memory, rows }: LayerRecord): void {
  const count = floatsOf(input)
  const keepProbability = 1 - layer.rate
  // rate 0 (or 1, which tfjs also ignores) passes the input through, as tfjs does.
  const active = layer.rate > 0 && layer.rate < 1
  // Field 8: the mask of which values are kept.
  words.set([count, 0, 0, memory.alloc(count * rows)], 5)
  floats[6] = active ? keepProbability : 2
  floats[7] = active ? Math.fround(1 / Math.fround(keepProbability)) : 1
}
