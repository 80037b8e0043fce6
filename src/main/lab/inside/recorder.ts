// Records what happens inside a network while it trains: at a few steps of the first epoch and
// at every epoch's end, each weight layer's histograms, norms and update ratio (from the step the
// engine just took); at epoch ends, each activation layer's statistics on the fixed probe batch;
// when the run completes, the penultimate layer's outputs for a fixed test sample. Engine-agnostic:
// the engine hands over the step's weights and gradient; probe passes run on the engine's own
// forward pass where it has one (the lab's engine), else on the tfjs model.
// Best effort: recording must never cost a run its training, so a failure turns it off.
import * as tf from '@tensorflow/tfjs'
import {
  EARLY_STEPS,
  EMBEDDING_SIZE,
  MAX_EMBEDDING_UNITS,
  MAX_EPOCH_WEIGHTS_PARAMS,
  MAX_FILTERS,
  PROBE_SIZE,
  type ActivationStats,
  type InsidePoint,
  type WeightLayerStats
} from '@shared/inside'
import type { RunStatus } from '@shared/run-types'
import { gatherBatch, range } from '../data/batches'
import { countTrainableParams } from '../model/build'
import { nameLayers, type NamedLayer } from './layer-names'
import type { RawEmbedding } from './embedding'
import type { LayerLook, LookedOutputs, RecordedEngine, RecordedRun, SeenStep } from './recorder-port'
import { activationStats, filterImages, histogram, norm, updateRatio } from './stats'

/** `seconds`: what recording it cost the run (the bench adds them up; the store does not keep them). */
export type InsideEvent =
  | { type: 'inside'; runId: number; point: InsidePoint; seconds: number }
  | { type: 'embedding'; runId: number; raw: RawEmbedding; seconds: number }
  /** A small model's weights at an epoch's end, in model.weights' order (the exported weightData's). */
  | { type: 'weights'; runId: number; epoch: number; data: Float32Array; seconds: number }

const sig = (v: number) => Number(v.toPrecision(6))
/** Examples per forward pass when embedding the sample: bounds the tensors held at once. */
const CHUNK = 500

export class InsideRecorder {
  private readonly named: NamedLayer[]
  private readonly weightLayers: NamedLayer[]
  private readonly activationLayers: NamedLayer[]
  private probe: { x: tf.Tensor4D; model: tf.LayersModel } | null = null
  /** The layer whose outputs the embedding projects: the one feeding the logits. */
  private readonly penultimate: number
  /** Where each weight layer's kernel sits among the trainable tensors a step hands over. */
  private readonly kernelAt: number[]
  /** Set when recording failed: the run trains on without it. */
  private off = false
  /** A model small enough keeps its weights at every epoch's end (MAX_EPOCH_WEIGHTS_PARAMS). */
  private readonly keepsEpochWeights: boolean

  /**
   * `engine`: the stepper, whose own forward pass (if it has one) is cheaper than tfjs's; `epochs`:
   * the run's planned epochs (the last one's evaluation looks at the embedding's sample).
   */
  constructor(
    private readonly run: RecordedRun,
    private readonly stepsPerEpoch: number,
    private readonly engine: RecordedEngine = {},
    private readonly epochs = 1,
    private readonly send: (e: InsideEvent) => void = () => {},
    private readonly runId = 0
  ) {
    this.named = nameLayers(run.logits)
    this.weightLayers = this.named.filter((l) => l.hasWeights)
    this.activationLayers = this.named.filter((l) => l.kind === 'activation')
    this.penultimate = run.logits.layers.length - 2
    this.keepsEpochWeights = countTrainableParams(run.model) <= MAX_EPOCH_WEIGHTS_PARAMS
    let at = 0
    this.kernelAt = this.weightLayers.map((l) => (at += l.layer.trainableWeights.length) - l.layer.trainableWeights.length)
  }

  /** Whether step `s` (0-based within `epoch`) is recorded. */
  wants(epoch: number, s: number): boolean {
    return !this.off && (this.isEpochEnd(s) || (epoch === 1 && EARLY_STEPS.includes(s + 1)))
  }

  private isEpochEnd(s: number): boolean {
    return s === this.stepsPerEpoch - 1
  }

  /** What `epoch`'s evaluation should look at: the last epoch's, the embedding's sample (an engine may take it along for free). */
  look(epoch: number): LayerLook | undefined {
    if (this.off || epoch !== this.epochs || this.embeddingUnits() > MAX_EMBEDDING_UNITS) return undefined
    return { count: Math.min(EMBEDDING_SIZE, this.run.test.count), layers: [this.penultimate] }
  }

  /** Records step `s` of `epoch` (`step` trained in all); `stepExtra`: what inspecting the step cost beyond an ordinary one. */
  record(epoch: number, s: number, step: number, seen: SeenStep, stepExtra: number): void {
    this.safely(() => {
      const t0 = performance.now()
      const point = this.point(epoch, step, this.isEpochEnd(s), seen)
      if (point) this.send({ type: 'inside', runId: this.runId, point, seconds: stepExtra + (performance.now() - t0) / 1000 })
      if (this.isEpochEnd(s) && this.keepsEpochWeights) {
        const t1 = performance.now()
        this.send({ type: 'weights', runId: this.runId, epoch, data: this.modelWeights(), seconds: (performance.now() - t1) / 1000 })
      }
    })
  }

  /** The whole model's weights as the export lays them out (the engine's first written back into it). */
  private modelWeights(): Float32Array {
    this.engine.syncModel?.()
    const parts = this.run.model.weights.map((w) => w.read().dataSync() as Float32Array)
    const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0))
    let at = 0
    for (const p of parts) {
      out.set(p, at)
      at += p.length
    }
    return out
  }

  /**
   * After training: a completed run's embedding (the model must be in the tfjs model, for the
   * case where the last evaluation could not look). A stopped, diverged or failed run gets none:
   * the map shows a finished model.
   */
  finish(status: RunStatus, epochsDone: number, looked?: LookedOutputs): void {
    if (this.off || status !== 'completed' || epochsDone !== this.epochs || this.embeddingUnits() > MAX_EMBEDDING_UNITS) return
    this.safely(() => {
      const t0 = performance.now()
      const raw = this.embedding(epochsDone, looked)
      this.send({ type: 'embedding', runId: this.runId, raw, seconds: (performance.now() - t0) / 1000 })
    })
  }

  private safely(work: () => void): void {
    try {
      work()
    } catch (err) {
      this.off = true
      console.warn(`run ${this.runId}: recording inside the network stopped (${(err as Error).message}); training goes on`)
    }
  }

  /** Values the penultimate layer gives per digit: what the embedding projects. */
  private embeddingUnits(): number {
    return (this.run.logits.layers[this.penultimate].outputShape as number[]).slice(1).reduce((a, b) => a * b, 1)
  }

  /**
   * The point after a recorded step, or null when its numbers are not finite (the step overflowed:
   * the run is about to diverge, and the coach reads that from the loss).
   */
  point(epoch: number, step: number, epochEnd: boolean, seen: SeenStep): InsidePoint | null {
    const layers: WeightLayerStats[] = this.weightLayers.map((l, i) => {
      const k = this.kernelAt[i]
      const [before, after, gradient] = [seen.before[k], seen.after[k], seen.gradient[k]]
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
    if (!layers.every((l) => Number.isFinite(l.weightNorm) && Number.isFinite(l.gradientNorm) && Number.isFinite(l.updateRatio))) return null
    const first = this.weightLayers[0]
    const filters =
      (epochEnd || step === 1) && first
        ? filterImages(first.name, seen.after[this.kernelAt[0]], first.layer.trainableWeights[0].shape as number[], this.run.shape, MAX_FILTERS)
        : null
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
      const n = Math.min(PROBE_SIZE, this.run.test.count)
      return this.engine
        .layerOutputs(
          this.run.test,
          range(0, n),
          this.activationLayers.map((l) => l.index)
        )
        .map(stats)
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
    const { test, shape, dataset, logits } = this.run
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
  embedding(epoch: number, looked?: LookedOutputs): RawEmbedding {
    const { test, shape } = this.run
    const n = Math.min(EMBEDDING_SIZE, test.count)
    const d = this.embeddingUnits()
    const classes = shape.numClasses
    // A look at other examples than the sample (a split too small for the engine to look) is not used.
    const usable = looked && looked.probs.length === n * classes && looked.outputs[0]?.length === n * d
    const { features, probs } = usable ? { features: looked.outputs[0], probs: looked.probs } : this.penultimateOutputs(n, d)
    return { epoch, layer: this.run.logits.layers[this.penultimate].name, units: d, classes, labels: Array.from(test.labels.subarray(0, n)), features, probs }
  }

  /** The penultimate layer's outputs and the probabilities of test images 0..n-1, by tfjs. */
  private penultimateOutputs(n: number, d: number): { features: Float32Array; probs: Float32Array } {
    const { test, shape, dataset, logits } = this.run
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
