// Predictions from stored runs: one small model, one image at a time. Loaded models are kept
// while they fit a byte budget (a session opens many runs; a big model must not pin memory).
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../backend/select'
import { normalisationTable } from '../data/batches'
import type { Normaliser } from '../data/datasets'
import type { DigitInside } from '@shared/inside'
import { MAX_FILTERS, quantise } from '@shared/inside'
import { nameLayers, type NamedLayer } from '../inside/layer-names'
import { loadArtifacts, type ModelArtifacts } from './weights'

/** An image of the wrong size for the run: the caller's mistake, not the lab's. */
export class PixelCountError extends Error {
  override name = 'PixelCountError'
  readonly kind = 'invalid'
}

interface Cached {
  model: Promise<tf.LayersModel>
  bytes: number
}

export class Predictor {
  /** Insertion order is use order: a hit moves its entry to the end. */
  /** Keyed by run ("3"), or by run and epoch ("3@1") for an epoch's kept model. */
  private readonly models = new Map<string, Cached>()
  /** Per loaded model, the same layers with every output exposed (built once: tf.model is not free). */
  private readonly insideModels = new WeakMap<tf.LayersModel, { shown: NamedLayer[]; model: tf.LayersModel }>()

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  /** Bytes of weights held by cached models. */
  get cachedBytes(): number {
    let total = 0
    for (const c of this.models.values()) total += c.bytes
    return total
  }

  cachedRuns(): number[] {
    return [...this.models.keys()].map((k) => Number(k.split('@')[0]))
  }

  private model(key: string, weights: () => ModelArtifacts | Promise<ModelArtifacts>): Promise<tf.LayersModel> {
    const hit = this.models.get(key)
    if (hit) {
      this.models.delete(key)
      this.models.set(key, hit)
      return hit.model
    }
    // The entry is cached before the weights arrive: a second request for the run waits on it.
    const entry: Cached = {
      bytes: 0,
      model: Promise.resolve(weights()).then(async (artifacts) => {
        entry.bytes = artifacts.weightData.byteLength
        this.evictFor(key)
        await selectBackend()
        return loadArtifacts(artifacts)
      })
    }
    // A model that could not be loaded is not kept: the next request tries again.
    entry.model.catch(() => {
      if (this.models.get(key) === entry) this.models.delete(key)
    })
    this.models.set(key, entry)
    return entry.model
  }

  /** Drops the least recently used models until the cache fits its budget again (`keep` stays). */
  private evictFor(keep: string): void {
    for (const [oldest] of this.models) {
      if (this.cachedBytes <= this.maxBytes || oldest === keep) break
      this.drop(oldest)
    }
  }

  /**
   * `pixels`: 0..255, row-major, as datasets store them; normalised as the run's training data was.
   * `weights` is read only when the run's model is not cached (at once, or by a message to the
   * thread that holds the store, in the prediction worker).
   */
  async predict(runId: number, weights: () => ModelArtifacts | Promise<ModelArtifacts>, pixels: ArrayLike<number>, norm: Normaliser): Promise<number[]> {
    const model = await this.model(String(runId), weights)
    const probs = tf.tidy(() => (model.predict(input(runId, model, pixels, norm)) as tf.Tensor).dataSync())
    return Array.from(probs)
  }

  /**
   * One digit through the run's model: the probabilities and every layer's output (dropout and
   * flatten left out); an image layer shows at most MAX_FILTERS of its channels.
   */
  async lookInside(
    runId: number,
    weights: () => ModelArtifacts | Promise<ModelArtifacts>,
    pixels: ArrayLike<number>,
    norm: Normaliser,
    epoch: number | null = null
  ): Promise<DigitInside> {
    const model = await this.model(epoch == null ? String(runId) : `${runId}@${epoch}`, weights)
    let inside = this.insideModels.get(model)
    if (!inside) {
      const shown = nameLayers(model).filter((l) => l.kind !== 'other')
      inside = { shown, model: tf.model({ inputs: model.inputs, outputs: [...shown.map((l) => l.layer.output as tf.SymbolicTensor), model.outputs[0]] }) }
      this.insideModels.set(model, inside)
    }
    const { shown, model: all } = inside
    const outputs = tf.tidy(() => {
      const out = all.predict(input(runId, model, pixels, norm)) as tf.Tensor[]
      // Channels last: the first MAX_FILTERS of a wide image layer, sliced before they leave tfjs.
      return out.map((t) => (t.rank === 4 && t.shape[3]! > MAX_FILTERS ? t.slice([0, 0, 0, 0], [1, -1, -1, MAX_FILTERS]) : t))
    })
    try {
      const probs = Array.from(outputs.at(-1)!.dataSync())
      const layers = shown.map((l, i) => {
        const t = outputs[i]
        const channels = (l.layer.outputShape as number[]).at(-1)!
        return {
          layer: l.name,
          label: l.label,
          kind: l.kind,
          ...(l.fn ? { fn: l.fn } : {}),
          shape: t.shape.slice(1),
          ...(t.rank === 4 && channels > MAX_FILTERS ? { channels } : {}),
          values: quantise(t.dataSync())
        }
      })
      return { probs, layers, epoch }
    } finally {
      tf.dispose(outputs)
    }
  }

  /** Drops a run's models: its final one and any epoch's. */
  forget(runId: number): void {
    for (const key of [...this.models.keys()]) if (key === String(runId) || key.startsWith(`${runId}@`)) this.drop(key)
  }

  private drop(key: string): void {
    this.models
      .get(key)
      ?.model.then((m) => m.dispose())
      .catch(() => {})
    this.models.delete(key)
  }
}

/** One image as the model's input, normalised as the run's training data was. */
function input(runId: number, model: tf.LayersModel, pixels: ArrayLike<number>, norm: Normaliser): tf.Tensor4D {
  const [, rows, cols] = model.inputs[0].shape as number[]
  if (pixels.length !== rows * cols) throw new PixelCountError(`run ${runId} reads ${rows}x${cols} = ${rows * cols} pixels, got ${pixels.length}`)
  const table = normalisationTable(norm)
  const x = Float32Array.from(pixels, (v) => table[Math.max(0, Math.min(255, Math.round(v)))])
  return tf.tensor4d(x, [1, rows, cols, 1])
}
