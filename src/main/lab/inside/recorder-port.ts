// What the inside recorder needs of a run and of the engine training it, and no more. The training
// loop (training/) hands it the prepared run and the stepper (engine/), which fit these shapes; the
// recorder imports nothing of engine/ or fastnet/, so any engine can be recorded.
import type * as tf from '@tensorflow/tfjs'
import type { Normaliser, Split } from '../data/datasets'
import type { InputSpec } from '../model/build'

/** The run being recorded (engine/'s PreparedRun is one). */
export interface RecordedRun {
  /** The whole model, as exported: its weights are what an epoch's end keeps. */
  model: tf.LayersModel
  /** The model up to its logits: the layers the recorder names and looks into. */
  logits: tf.LayersModel
  test: Split
  shape: InputSpec
  /** How its pixels are normalised (the run's dataset). */
  dataset: Normaliser
}

/**
 * What the recorder may ask of the engine (engine/'s TrainStepper fits): its own forward pass,
 * layer outputs per example, where it has one; its trained weights written into the tfjs model.
 */
export interface RecordedEngine {
  layerOutputs?(split: Split, indices: ArrayLike<number>, layers: number[]): Float32Array[]
  syncModel?(): void
}

/**
 * One step seen from inside, as the engine hands it over (its StepInside): per trainable tensor
 * (kernel then bias of each conv/dense layer, in tfjs's layout), the weights before and after the
 * step and the batch's mean gradient it applied.
 */
export interface SeenStep {
  before: Float32Array[]
  after: Float32Array[]
  gradient: Float32Array[]
}

/** Layers (tfjs layer indices) to look at on the first `count` test examples, while the engine evaluates (its Look). */
export interface LayerLook {
  count: number
  layers: number[]
}

/** What the engine took along for a LayerLook (its Looked): per layer, [examples][positions][units]; the probabilities, [examples][classes]. */
export interface LookedOutputs {
  outputs: Float32Array[]
  probs: Float32Array
}
