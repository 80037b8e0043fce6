// What the lab records inside a network while it trains, and what it shows of one digit's way
// through it. Plain data: it crosses the worker, IPC and HTTP. Large arrays travel as base64
// bytes (quantised to 0..255 between a stated min and max): a student's eye needs no more.

/** Bins of every weight and gradient histogram: fixed, so epochs and runs line up. */
export const HISTOGRAM_BINS = 30
/**
 * Test images 0..PROBE_SIZE-1: the probe batch every run's activations are measured on. 128
 * digits (every class ~13 times) keep the four points of a course epoch within its cost budget.
 */
export const PROBE_SIZE = 128
/** Test images 0..EMBEDDING_SIZE-1 (fewer on a smaller test split): the embedding map's digits. */
export const EMBEDDING_SIZE = 2000
/**
 * The widest layer the embedding map projects (its PCA costs 2,000 x width² / 2 on the lab's main
 * thread, about 0.15 s at 512); a model whose layer before the output is wider gets no map.
 */
export const MAX_EMBEDDING_UNITS = 512
/**
 * A model up to this many parameters keeps its weights at every epoch's end (400 KB an epoch at
 * most; the course's CNN 87 KB), so one digit can be looked at through any epoch's model. Bigger
 * models keep their final weights only.
 */
export const MAX_EPOCH_WEIGHTS_PARAMS = 100_000
/**
 * Steps of the first epoch recorded besides every epoch's end: where most of the change happens.
 * Step 1 keeps the first layer's filters too: how they looked before training shaped them.
 */
export const EARLY_STEPS: readonly number[] = [1, 10, 50, 200]
/** First-layer filters shown (and stored) per epoch: an MLP's first layer can have hundreds of units. */
export const MAX_FILTERS = 64

/** Counts in HISTOGRAM_BINS equal bins between min and max (a constant array: one bin holds all). */
export interface Histogram {
  min: number
  max: number
  counts: number[]
}

/** Values quantised to bytes: value = min + byte / 255 * (max - min). */
export interface Quantised {
  min: number
  max: number
  /** base64 of the bytes */
  bytes: string
}

/** One layer with weights (conv or dense), at one recorded step. Norms are of the kernel. */
export interface WeightLayerStats {
  /** tfjs's layer name, e.g. "conv2d_Conv2D1"; the same at every point of a run. */
  layer: string
  /** In words: "conv 1 (10 filters 5x5)", "dense 2 (10 units)". */
  label: string
  weights: Histogram
  /** Of the training batch's mean gradient at this step. */
  gradients: Histogram
  weightNorm: number
  gradientNorm: number
  /** |weights after the step - before| / |before|: about 1e-3 is healthy, far above blows up, far below crawls. */
  updateRatio: number
}

/** The activation family decides what "off" means: never positive (ReLU family), or stuck at an end. */
export type ActivationFamily = 'relu' | 'saturating' | 'other'

/** One activation layer's output on the probe batch. A unit is a dense neuron or a conv channel. */
export interface ActivationStats {
  layer: string
  label: string
  fn: string
  family: ActivationFamily
  units: number
  mean: number
  /** Share of units never above 0 on any probe image (ReLU family; null otherwise). */
  neverActive: number | null
  /** Share of values below 0.01 / above 0.99 (sigmoid) or beyond ±0.99 (tanh); null otherwise. */
  saturated: number | null
}

/** The first layer's filters: count images of height x width (channels averaged), each scaled on its own. */
export interface FilterImages {
  layer: string
  count: number
  /** All the layer has; `count` may be fewer (MAX_FILTERS). */
  total: number
  height: number
  width: number
  /** count x height x width bytes, each filter stretched over 0..255 (128 = 0 where it spans zero). */
  images: string
}

export interface InsidePoint {
  epoch: number
  /** Steps trained in all when recorded (the step itself included). */
  step: number
  /** An epoch's last step, or one of EARLY_STEPS. Epoch ends and step 1 keep the first layer's filters. */
  epochEnd: boolean
  layers: WeightLayerStats[]
  /** Measured at epoch ends (empty at the early points). */
  activations: ActivationStats[]
  filters: FilterImages | null
}

/** The penultimate layer's outputs for the embedding sample, projected to 2-D by PCA. */
export interface Embedding {
  epoch: number
  layer: string
  /** Units of the penultimate layer (the projection's input dimension). */
  units: number
  /** Share of the variance the two axes explain. */
  explained: [number, number]
  /** Per test digit of the sample: its index, true and predicted class, position. */
  indices: number[]
  labels: number[]
  predicted: number[]
  x: number[]
  y: number[]
  /** indices.length x classes probabilities, each as 2 bytes (little-endian p * 65535): see embeddingProbs. */
  probs: string
  classes: number
}

/** What a run recorded inside: points in step order (past `after`, when asked so), and its embedding once it finished. */
export interface RunInside {
  points: InsidePoint[]
  embedding: Embedding | null
  /** Why there is no embedding (still training, stopped, a layer too wide); null with one, or for a run from before recording. */
  embeddingNote: string | null
  /** Bytes the run's records take in the database (the README states the budget). */
  storedBytes: number
}

/** One layer's output for one digit: an image stack (conv, pool) or a vector (dense, activation). */
export interface LayerOutputView {
  layer: string
  label: string
  kind: 'conv' | 'pool' | 'dense' | 'activation' | 'other'
  /** An activation layer's function (relu, sigmoid, ...); absent for other layers. */
  fn?: string
  /** [height, width, channels] for images, [units] for vectors. */
  shape: number[]
  /** An image layer's channels when it has more than the MAX_FILTERS shown (shape counts those shown). */
  channels?: number
  values: Quantised
}

/** One digit through a run's trained model. */
export interface DigitInside {
  probs: number[]
  layers: LayerOutputView[]
  /** The epoch whose model read the digit; null: the final model (the one asked for was not kept, or none was asked). */
  epoch: number | null
}

export function encodeBytes(bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(s)
}

export function decodeBytes(text: string): Uint8Array {
  const s = atob(text)
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

/** 2 bytes per probability: one byte's 1/255 steps showed 0.4% where the model said 0.3%. */
export function encodeProbs(probs: ArrayLike<number>): string {
  const bytes = new Uint8Array(probs.length * 2)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < probs.length; i++) view.setUint16(2 * i, Math.round(Math.min(1, Math.max(0, probs[i])) * 65535), true)
  return encodeBytes(bytes)
}

/** Digit `i`'s probabilities from an embedding. */
export function embeddingProbs(e: Pick<Embedding, 'probs' | 'classes'>, i: number, decoded = decodeBytes(e.probs)): number[] {
  const view = new DataView(decoded.buffer, decoded.byteOffset, decoded.byteLength)
  return Array.from({ length: e.classes }, (_, k) => view.getUint16(2 * (i * e.classes + k), true) / 65535)
}

/** Quantises values to bytes between their min and max. */
export function quantise(values: ArrayLike<number>): Quantised {
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (v < min) min = v
    if (v > max) max = v
  }
  if (!(min <= max)) min = max = 0
  const span = max - min || 1
  const bytes = new Uint8Array(values.length)
  for (let i = 0; i < values.length; i++) bytes[i] = Math.round(((values[i] - min) / span) * 255)
  return { min, max, bytes: encodeBytes(bytes) }
}

/** The values back, to within (max - min) / 510. */
export function dequantise(q: Quantised): Float32Array {
  const bytes = decodeBytes(q.bytes)
  const span = q.max - q.min
  return Float32Array.from(bytes, (b) => q.min + (b / 255) * span)
}
