// Records what happens inside a network while it trains: at a few steps of the first epoch and
// at every epoch's end, each weight layer's histograms, norms and update ratio (from the step the
// engine just took), and each activation layer's statistics on the fixed probe batch; after
// training, the penultimate layer's embedding of a fixed test sample. Engine-agnostic: the
// engine hands over the step's weights and gradient, and the probe passes run on the tfjs model
// (the fast engine writes its weights back into it first).
import * as tf from '@tensorflow/tfjs'
import { EARLY_STEPS, EMBEDDING_SIZE, MAX_FILTERS, PROBE_SIZE, type ActivationStats, type Embedding, type InsidePoint, type WeightLayerStats } from '@shared/inside'
import { encodeBytes } from '@shared/inside'
import { gatherBatch, range } from '../data/batches'
import type { Replica } from '../engine/replica'
import type { StepInside } from '../engine/stepper'
import { nameLayers, type NamedLayer } from './layers'
import { activationStats, filterImages, histogram, norm, pca2, updateRatio } from './stats'

export type InsideEvent = { type: 'inside'; runId: number; point: InsidePoint } | { type: 'embedding'; runId: number; embedding: Embedding }

const sig = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : v)
/** Examples per forward pass when embedding the sample: bounds the tensors held at once. */
const CHUNK = 500

export class InsideRecorder {
  private readonly named: NamedLayer[]
  private readonly weightLayers: NamedLayer[]
  private readonly activationLayers: NamedLayer[]
  private probe: { x: tf.Tensor4D; model: tf.LayersModel } | null = null

  constructor(
    private readonly r: Replica,
    private readonly stepsPerEpoch: number
  ) {
    this.named = nameLayers(r.logits)
    this.weightLayers = this.named.filter((l) => l.hasWeights)
    this.activationLayers = this.named.filter((l) => l.kind === 'activation')
  }

  /** Whether step `s` (0-based within `epoch`) is recorded. */
  wants(epoch: number, s: number): boolean {
    return s === this.stepsPerEpoch - 1 || (epoch === 1 && EARLY_STEPS.includes(s + 1))
  }

  /** The point after a recorded step; the tfjs model must hold the step's weights (syncModel). */
  point(epoch: number, step: number, epochEnd: boolean, seen: StepInside): InsidePoint {
    const layers: WeightLayerStats[] = this.weightLayers.map((l, i) => {
      const [before, after, gradient] = [seen.before[2 * i], seen.after[2 * i], seen.gradient[2 * i]]
      return {
        layer: l.name,
        label: l.label,
        weights: histogram(after),
        gradients: histogram(gradient),
        weightNorm: sig(norm(after)),
        gradientNorm: sig(norm(gradient)),
        updateRatio: sig(updateRatio(before, after))
      }
    })
    const first = this.weightLayers[0]
    const filters = epochEnd && first ? filterImages(first.name, seen.after[0], first.layer.trainableWeights[0].shape as number[], this.r.shape, MAX_FILTERS) : null
    return { epoch, step, epochEnd, layers, activations: this.activations(), filters }
  }

  /** Each activation layer's statistics on the probe batch (test images 0..PROBE_SIZE-1). */
  private activations(): ActivationStats[] {
    if (!this.activationLayers.length) return []
    const probe = (this.probe ??= this.makeProbe())
    const outputs = tf.tidy(() => [probe.model.predict(probe.x)].flat() as tf.Tensor[])
    try {
      return this.activationLayers.map((l, i) => {
        const t = outputs[i]
        const stats = activationStats(t.dataSync(), t.shape.at(-1)!, l.fn!)
        return { layer: l.name, label: l.label, ...stats, mean: sig(stats.mean), neverActive: stats.neverActive, saturated: stats.saturated == null ? null : sig(stats.saturated) }
      })
    } finally {
      tf.dispose(outputs)
    }
  }

  private makeProbe() {
    const { test, shape, dataset, logits } = this.r
    const n = Math.min(PROBE_SIZE, test.count)
    const { x } = gatherBatch(test, range(0, n), shape.rows * shape.cols, dataset)
    const model = tf.model({ inputs: logits.inputs, outputs: this.activationLayers.map((l) => l.layer.output as tf.SymbolicTensor) })
    return { x: tf.tensor4d(x, [n, shape.rows, shape.cols, 1]), model }
  }

  /** The penultimate layer (the input of the logits layer) on test images 0..EMBEDDING_SIZE-1, by PCA. */
  embedding(epoch: number): Embedding {
    const { test, shape, dataset, logits } = this.r
    const lastLayer = logits.layers.at(-1)!
    const model = tf.model({ inputs: logits.inputs, outputs: [lastLayer.input as tf.SymbolicTensor, logits.outputs[0]] })
    const n = Math.min(EMBEDDING_SIZE, test.count)
    const d = (lastLayer.input as tf.SymbolicTensor).shape.at(-1)!
    const classes = shape.numClasses
    const features = new Float32Array(n * d)
    const probs = new Uint8Array(n * classes)
    const predicted: number[] = []
    for (let start = 0; start < n; start += CHUNK) {
      const m = Math.min(CHUNK, n - start)
      const { x } = gatherBatch(test, range(start, start + m), shape.rows * shape.cols, dataset)
      const [f, p] = tf.tidy(() => {
        const [feat, out] = model.predict(tf.tensor4d(x, [m, shape.rows, shape.cols, 1])) as tf.Tensor[]
        return [feat.reshape([m, d]), tf.softmax(out)]
      })
      features.set(f.dataSync(), start * d)
      const pv = p.dataSync()
      tf.dispose([f, p])
      for (let i = 0; i < m; i++) {
        let best = 0
        for (let k = 0; k < classes; k++) {
          probs[(start + i) * classes + k] = Math.round(pv[i * classes + k] * 255)
          if (pv[i * classes + k] > pv[i * classes + best]) best = k
        }
        predicted.push(best)
      }
    }
    const projected = pca2(features, n, d)
    return {
      epoch,
      layer: lastLayer.name,
      units: d,
      explained: projected.explained,
      indices: [...range(0, n)],
      labels: Array.from(test.labels.subarray(0, n)),
      predicted,
      x: projected.x,
      y: projected.y,
      probs: encodeBytes(probs),
      classes
    }
  }

  dispose(): void {
    this.probe?.x.dispose()
    this.probe = null
  }
}
