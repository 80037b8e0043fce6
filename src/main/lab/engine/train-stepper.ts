// What the training loop drives, whichever engine trains: tfjs (tfjs-stepper.ts) or the lab's own
// WebAssembly engine (fastnet/fast-stepper.ts). The lower layer both implement.
import type { BackendInfo } from '@shared/run-types'
import type { Split } from '../data/datasets'
import type { Evaluation, Look } from './evaluate'

export interface StepResult {
  loss: number
  correct: number
  /** Asked for with `inspect`: the step's weights and gradient, for the inside recorder. */
  inside?: StepInside
}

/**
 * One step seen from inside: per trainable tensor (kernel then bias of each conv/dense layer, in
 * tfjs's layout), the weights before and after it and the batch's mean gradient it applied.
 */
export interface StepInside {
  before: Float32Array[]
  after: Float32Array[]
  gradient: Float32Array[]
}

/** What the training loop drives: tfjs (TfjsStepper) or the lab's own engine (fastnet/). */
export interface TrainStepper {
  /** What trains the run, in the 'started' event and the run's record. */
  readonly backend: BackendInfo
  /**
   * The step over `batch` (step `step` of `epoch`: a helper thread slices the same batch from it);
   * `inspect` also returns what the step did to the weights (a few steps per run ask).
   */
  step(batch: Uint32Array, epoch: number, step: number, inspect?: boolean): Promise<StepResult>
  /**
   * The run's test split, after an epoch. With `look`, an engine that can take the layers'
   * outputs along for free (the lab's engine) returns them as `looked`; tfjs does not.
   */
  evaluate(batchSize: number, look?: Look): Evaluation
  /** The engine's own forward pass, layer outputs per example (the lab's engine; tfjs's are read from its model). */
  layerOutputs?(split: Split, indices: ArrayLike<number>, layers: number[]): Float32Array[]
  /** Puts the trained weights into the run's tfjs model, for export (tfjs trains it in place). */
  syncModel(): void
  close(): Promise<void>
}
