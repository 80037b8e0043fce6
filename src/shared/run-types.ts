// Shapes of what the lab stores and streams. Plain data: they cross worker, IPC and HTTP.
import type { Hyperparams } from './hyperparams'
import type { SweepPoint } from './sweep'

/** MNIST's classes, and any dataset's without a classes.txt. */
export const DIGIT_CLASS_NAMES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']
/** Class `k` by its name, or its number where a dataset names fewer classes. */
export const classLabel = (names: readonly string[], k: number): string => names[k] ?? String(k)

export const RUN_STATUSES = ['queued', 'running', 'paused', 'completed', 'stopped', 'diverged', 'failed', 'interrupted'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]
/**
 * A run in one of these has not ended: it waits its turn (the lab trains a few runs at once), trains,
 * or is paused. It can be stopped (a queued run is then cancelled, as 'stopped') and not deleted.
 */
export const ACTIVE_STATUSES: readonly RunStatus[] = ['queued', 'running', 'paused']
export const isActiveStatus = (s: RunStatus) => ACTIVE_STATUSES.includes(s)

export interface BackendInfo {
  name: string
  version: string
  /** Threads that compute one run's steps. */
  threads: number
  note?: string
  /** Why a faster backend was not used, in words (e.g. tfjs-node is not installed). */
  fallback?: string
}

export interface LayerSummary {
  name: string
  type: string
  outputShape: (number | null)[]
  params: number
}

export interface BatchMetric {
  step: number
  epoch: number
  loss: number
  accuracy: number
  examplesPerSec: number
  /** Seconds of training since the run started, pauses excluded: lets curves use time on x. */
  elapsed: number
}

export interface EpochMetric {
  epoch: number
  trainLoss: number
  trainAccuracy: number
  testLoss: number
  testAccuracy: number
  seconds: number
  /** Live tensors after the epoch: a leak shows as growth. */
  numTensors: number
}

/** A run's logged curves: every batch (or those past a step, when asked), and every epoch. */
export interface RunMetrics {
  batches: BatchMetric[]
  epochs: EpochMetric[]
}

/** A test example the model got wrong: its index in the test set and the 10 probabilities. */
export interface Misclassified {
  index: number
  label: number
  predicted: number
  probs: number[]
}

/** The test examples a run got wrong after one epoch. */
export interface EpochMisclassified {
  epoch: number
  items: Misclassified[]
}

export interface RunSummary {
  id: number
  name: string
  status: RunStatus
  preset: string
  createdAt: string
  finishedAt: string | null
  hyperparams: Hyperparams
  dataset: string
  backend: BackendInfo | null
  trainSeconds: number | null
  epochsDone: number
  bestTestAccuracy: number | null
  finalTestAccuracy: number | null
  finalTestLoss: number | null
  notes: string
  error: string | null
  paramCount: number | null
  /** Where its model was trained: in the lab, or in PyTorch and imported (a test evaluation, no curves). */
  trainedIn: 'lab' | 'pytorch'
  /** The sweep the run belongs to, and the settings it tried there. */
  sweep: { id: number; point: SweepPoint } | null
}

/** The coach's hints, in the order it looks for causes: steps too big, then activations, the learning rate too small, too few steps, the model's size and dropout, overfitting, and only then "keep going". */
export const HINT_KINDS = [
  'diverged',
  'exploding',
  'collapsed',
  'saturated',
  'deadUnits',
  'lrTooSmall',
  'tooFewSteps',
  'capacity',
  'tooMuchDropout',
  'overfitting',
  'stillImproving'
] as const
export type HintKind = (typeof HINT_KINDS)[number]
/** Hints that are advice for a healthy run, not a warning that something went wrong. */
export const ADVICE_KINDS: readonly HintKind[] = ['stillImproving']

/**
 * What the coach reads in a finished run: one plain sentence, the numbers behind it, and a next
 * run to try (settings as the field table names them, as text, ready for the Train form).
 */
export interface Hint {
  kind: HintKind
  message: string
  evidence: Record<string, number | string>
  /** Empty settings: nothing left to suggest by a setting (every nearby one was tried, or only the layer list can change it). */
  suggestion: { label: string; settings: Record<string, string> }
  /** Where the evidence is shown: a view opens there with one click. */
  look: HintLook
}

/** The part of a run's page a hint is about: a chart, and the epoch, step or layer in it. */
export interface HintLook {
  section: 'curves' | 'confusion' | 'inside'
  /** The epoch to select (the confusion matrix, the gallery, the filters follow it). */
  epoch?: number
  /** The step of the batch curve the evidence is at. */
  step?: number
  /** An inside layer's label, as the inside views name it. */
  layer?: string
}

/** A run that followed an earlier run's suggestion, and whether that helped: both test accuracies. */
export interface FollowUp {
  runId: number
  runName: string
  /** The suggestion followed, as its button said it ("learning rate 0.1"). */
  change: string
  before: number
  after: number
  verdict: 'helped' | 'same' | 'worse'
  /** The same, in the coach's words. */
  message: string
}

export interface RunDetail extends RunSummary {
  layers: LayerSummary[]
  epochs: EpochMetric[]
  confusion: number[][] | null
  classNames: string[]
  hasWeights: boolean
  batchCount: number
  /** The coach's reading of a run that has ended (none while it trains): the first cause first. */
  hints: Hint[]
  /** Whether this run followed an earlier one's suggestion, and whether it helped. */
  followUp: FollowUp | null
}

/** The widest and tallest image the lab reads or is sent (a dataset's, a drawn digit's): 512x512 pixels. */
export const MAX_IMAGE_SIDE = 512

export interface DatasetInfo {
  id: string
  name: string
  source: string
  trainCount: number
  testCount: number
  classNames: string[]
}

/**
 * Whether the lab can write its database: the last write error (null once a write lands again),
 * and whether writes still wait to be retried. An error with nothing retried means what failed
 * was given up: the runs it belonged to say what was stored and what was not.
 */
export interface StoreHealth {
  error: string | null
  retrying: boolean
  /** The file the lab opened was deleted, replaced or cut short (a sentence): new runs are refused. */
  fileLost: string | null
  /** Where what the lab held was saved after that (rescueDatabase, or on its own when it closed). */
  rescuedTo: string | null
}

/** The lab's database health changed. */
export interface StoreEvent extends StoreHealth {
  type: 'store'
}

export type StartedEvent = Extract<TrainEvent, { type: 'started' }>

/**
 * A run training now, as a client that (re)connects needs it: its row, what the engine said when
 * it started, and everything it logged so far, so curves carry on without a gap.
 */
export interface LiveRunState {
  run: RunSummary
  started: StartedEvent | null
  batches: BatchMetric[]
  epochs: EpochMetric[]
  confusion: number[][] | null
}

/** A run's row changed (created, renamed, annotated, ended): every view shows the new row. */
export interface RunChangedEvent {
  type: 'run'
  run: RunSummary
}

/** A run was deleted: every view forgets it. */
export interface RunDeletedEvent {
  type: 'deleted'
  runId: number
}

/** Everything the lab tells its listeners: engine events, changes to stored runs, the store's health. */
export type LabEvent = TrainEvent | RunChangedEvent | RunDeletedEvent | StoreEvent

const TRAIN_EVENT_TYPES: readonly string[] = ['started', 'batch', 'epoch', 'status', 'finished'] satisfies TrainEvent['type'][]
/** An event of a run's training (as opposed to a change of a stored row or of the store's health). */
export const isTrainEvent = (e: LabEvent): e is TrainEvent => TRAIN_EVENT_TYPES.includes(e.type)

/** Events the engine emits while a run trains. */
export type TrainEvent =
  | {
      type: 'started'
      runId: number
      backend: BackendInfo
      layers: LayerSummary[]
      paramCount: number
      stepsPerEpoch: number
      totalSteps: number
      classNames: string[]
    }
  | { type: 'batch'; runId: number; metric: BatchMetric }
  // The epoch's mistakes are stored, not streamed: views fetch them (misclassified) when they show them.
  | { type: 'epoch'; runId: number; metric: EpochMetric; confusion: number[][] }
  | { type: 'status'; runId: number; status: RunStatus }
  | { type: 'finished'; runId: number; status: RunStatus; error: string | null; finalTestAccuracy: number | null }
