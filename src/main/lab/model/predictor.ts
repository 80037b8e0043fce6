// Predictions from stored runs, in the calling thread: one small model, one image at a time.
import * as tf from '@tensorflow/tfjs'
import { selectBackend } from '../backend/select'
import { normalisationTable, type Normaliser } from '../data/batches'
import { loadArtifacts } from '../engine/weights'
import type { Store } from '../store/store'

export class Predictor {
  private readonly models = new Map<number, Promise<tf.LayersModel>>()

  constructor(private readonly store: Store) {}

  private model(runId: number): Promise<tf.LayersModel> {
    let model = this.models.get(runId)
    if (!model) {
      const weights = this.store.requireWeights(runId)
      model = selectBackend().then(() => loadArtifacts(weights))
      this.models.set(runId, model)
      // Keep a handful: each is small, but a session can open many runs.
      if (this.models.size > 8) {
        const [oldest] = this.models.keys()
        void this.models.get(oldest)!.then((m) => m.dispose())
        this.models.delete(oldest)
      }
    }
    return model
  }

  /** `pixels`: 0..255, row-major, as MNIST stores them. Normalised as the run's training data was. */
  async predict(runId: number, pixels: ArrayLike<number>, norm: Normaliser): Promise<number[]> {
    const model = await this.model(runId)
    const [, rows, cols] = model.inputs[0].shape as number[]
    if (pixels.length !== rows * cols) throw new Error(`run ${runId} expects ${rows}x${cols} = ${rows * cols} pixels, got ${pixels.length}`)
    const table = normalisationTable(norm)
    const x = Float32Array.from(pixels, (v) => table[Math.max(0, Math.min(255, Math.round(v)))])
    const probs = tf.tidy(() => (model.predict(tf.tensor4d(x, [1, rows, cols, 1])) as tf.Tensor).dataSync())
    return Array.from(probs)
  }

  forget(runId: number): void {
    void this.models.get(runId)?.then((m) => m.dispose())
    this.models.delete(runId)
  }
}
