// What crosses the prediction worker's boundary. The worker keeps the models; the thread that
// holds the store answers when it asks for a run's weights.
import type { DigitInside } from '@shared/inside'
import type { Normaliser } from '../data/datasets'
import type { ModelArtifacts } from '../model/weights'

export type ToPredictor =
  /** `inside`: every layer's output too (a DigitInside), not only the probabilities; `epoch`: that epoch's kept model, not the final one. */
  | { kind: 'predict'; id: number; runId: number; pixels: number[]; norm: Normaliser; inside: boolean; epoch?: number | null }
  /** The weights a 'need' asked for; null: the request was answered already (with an error), drop it. */
  | { kind: 'weights'; id: number; artifacts: ModelArtifacts | null }
  | { kind: 'forget'; runId: number }

export type FromPredictor =
  | { kind: 'probs'; id: number; probs: number[] }
  | { kind: 'inside'; id: number; inside: DigitInside }
  | { kind: 'error'; id: number; message: string; errorKind?: string }
  /** Request `id` needs the weights of `runId`: its model is not cached in the worker. */
  | { kind: 'need'; id: number; runId: number }
