// Records what happens inside a network while it trains: at a few steps of the first epoch and
// at every epoch's end, each weight layer's histograms, norms and update ratio (from the step the
// engine just took), and each activation layer's statistics on the fixed probe batch; after
// training, the penultimate layer's embedding of a fixed test sample. Engine-agnostic: the
// engine hands over the step's weights and gradient, and the probe passes run on the tfjs model
// (the fast engine writes its weights back into it first).
import * as tf from '@tensorflow/tfjs'
import { EARLY_STEPS, EMBEDDING_SIZE, MAX_FILTERS, PROBE_SIZE, type ActivationStats, type InsidePoint, type WeightLayerStats } from '@shared/inside'
import { gatherBatch, range } from '../data/batches'
import type { Replica } from '../engine/replica'
import type { Look, Looked } from '../engine/evaluate'
import type { StepInside, TrainStepper } from '../engine/stepper'
import { nameLayers, type NamedLayer } from './layers'
import type { RawEmbedding } from './embedding'
import { activationStats, filterImages, histogram, norm, updateRatio } from './stats'

/** `seconds`: what recording it cost the run (the bench adds them up; the store does not keep them). */
export type InsideEvent = { type: 'inside'; runId: number; point: InsidePoint; seconds: number } | { type: 'embedding'; runId: number; raw: RawEmbedding; seconds: number }

const sig = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)) : v)
/** Examples per forward pass when embedding the sample: bounds the tensors held at once. */
const CHUNK = 500

export class InsideRecorder {
  private readonly named: NamedLayer[]
  private readonly weightLayers: NamedLayer[]
  private readonly activationLayers: NamedLayer[]
  private probe: { x: tf.Tensor4D; model: tf.LayersModel } | null = null
  /** The layer whose outputs the embedding projects: the one feeding the logits. */
  private readonly penultimate: number

  /** `engine`: the stepper, whose own forward pass (if it has one) is cheaper than tfjs's. */
  constructor(
    private readonly r: Replica,
    private readonly stepsPerEpoch: number,
    private readonly engine: Pick<TrainStepper, 'layerOutputs'> = {}
  ) {
    this.named = nameLayers(r.logits)
    this.weightLayers = this.named.filter((l) => l.hasWeights)
    this.activationLayers = this.named.filter((l) => l.kind === 'activation')
    this.penultimate = r.logits.layers.length - 2
  }

  /** What the last evaluation should look at for the embedding (an engine may take it along for free). */
  look(): Look {
    return { count: Math.min(EMBEDDING_SIZE, this.r.test.count), layers: [this.penultimate] }
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
    // The probe batch goes through the network at epoch ends only: a forward pass of its digits at
    // every early point too would take the recording past its budget on the course's recipe.
    return { epoch, step, epochEnd, layers, activations: epochEnd ? this.activations() : [], filters }
  }

  /** Each activation layer's statistics on the probe batch (test images 0..PROBE_SIZE-1). */
  private activations(): ActivationStats[] {
    if (!this.activationLayers.length) return []
    const units = this.activationLayers.map((l) => (l.layer.outputShape as number[]).at(-1)!)
    const stats = (values: ArrayLike<number>, i: number): ActivationStats => {
      const l = this.activationLayers[i]
      const a = activationStats(values, units[i], l.fn!)
      return { layer: l.name, label: l.label, ...a, mean: sig(a.mean), saturated: a.saturated == null ? null : sig(a.saturated) }
    }
    if (this.engine.layerOutputs) {
      const n = Math.min(PROBE_SIZE, this.r.test.count)
      return this.engine.layerOutputs(this.r.test, range(0, n), this.activationLayers.map((l) => l.index)).map(stats)
    }
    const probe = (this.probe ??= this.makeProbe())
    const outputs = tf.tidy(() => [probe.model.predict(probe.x)].flat() as tf.Tensor[])
    try {
      return outputs.map((t, i) => stats(t.dataSync(), i))
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

  /**
   * The penultimate layer (the input of the logits layer) on test images 0..EMBEDDING_SIZE-1: from
   * what the last evaluation `looked` at, or computed here when it could not look. Projected to
   * 2-D by projectEmbedding, off the training threads.
   */
  embedding(epoch: number, looked?: Looked): RawEmbedding {
    const { test, shape } = this.r
    const n = Math.min(EMBEDDING_SIZE, test.count)
    const d = (this.r.logits.layers[this.penultimate].outputShape as number[]).slice(1).reduce((a, b) => a * b, 1)
    const classes = shape.numClasses
    // A look at other examples than the sample (a split too small for the engine to look) is not used.
    const usable = looked && looked.probs.length === n * classes && looked.outputs[0]?.length === n * d
    const { features, probs } = usable ? { features: looked.outputs[0], probs: looked.probs } : this.penultimateOutputs(n, d)
    return { epoch, layer: this.r.logits.layers[this.penultimate].name, units: d, classes, labels: Array.from(test.labels.subarray(0, n)), features, probs }
  }

  /** The penultimate layer's outputs and the probabilities of test images 0..n-1, by tfjs. */
  private penultimateOutputs(n: number, d: number): { features: Float32Array; probs: Float32Array } {
    const { test, shape, dataset, logits } = this.r
    const model = tf.model({ inputs: logits.inputs, outputs: [logits.layers[this.penultimate].output as tf.SymbolicTensor, logits.outputs[0]] })
    const features = new Float32Array(n * d)
    const probs = new Float32Array(n * shape.numClasses)
    for (let start = 0; start < n; start += CHUNK) {
      const m = Math.min(CHUNK, n - start)
      const { x } = gatherBatch(test, range(start, start + m), shape.rows * shape.cols, dataset)
      const [f, p] = tf.tidy(() => {
        const [feat, out] = model.predict(tf.tensor4d(x, [m, shape.rows, shape.cols, 1])) as tf.Tensor[]
        return [feat.reshape([m, d]), tf.softmax(out)]
      })
      features.set(f.dataSync(), start * d)
      probs.set(p.dataSync(), start * shape.numClasses)
      tf.dispose([f, p])
    }
    return { features, probs }
  }

  dispose(): void {
    this.probe?.x.dispose()
    this.probe = null
  }
}
