// The lab's one contract: every request's payload schema and result type. Electron main,
// serve mode, the preload and the renderer's client all derive from this file.
import { z } from 'zod'
import type { RequestName } from './channels'
import { FIELDS, type FieldKey } from './fields'
import { hyperparams, PRESETS, type Architecture, type LayerSpec } from './hyperparams'
import type { DigitInside, RunInside } from './inside'
import type { Reply } from './lab-request-error'
import type { AnswerResult, CourseProgress } from './lessons/progress'
import type { SweepSummary } from './sweep'
import type { SweepDetail } from './sweep-reading'
import {
  MAX_IMAGE_SIDE,
  type BackendInfo,
  type EpochMisclassified,
  type LabEvent,
  type LiveRunState,
  type RunDetail,
  type RunMetrics,
  type RunSummary,
  type StoreHealth
} from './run-types'

const id = z.number().int().positive()
const runRef = z.strictObject({ runId: id })
const nothing = z.strictObject({}).optional()
const pixels = z
  .array(z.number().min(0).max(255))
  .min(1)
  .max(MAX_IMAGE_SIDE ** 2, `may hold at most ${MAX_IMAGE_SIDE}x${MAX_IMAGE_SIDE} values`)
/** A copy of a lost database is saved beside it under a plain name: a window never chooses a folder. */
export const RESCUE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,150}\.db$/
const epochRef = z.strictObject({ runId: id, epoch: z.number().int().positive().optional() })

export interface PresetInfo {
  id: (typeof PRESETS)[number]
  label: string
  description: string
  architecture: Architecture
  layers: LayerSpec[]
}

/** Test images as raw 0..255 pixels, base64 per image: compact over IPC and HTTP. */
export interface TestImages {
  rows: number
  cols: number
  images: { index: number; label: number; pixels: string }[]
}

/**
 * A tfjs LayersModel as its two files: tf.loadLayersModel reads them back. The weights travel as
 * bytes: as they are over IPC, as a bytes reply over HTTP (see bytes-reply.ts), never as base64.
 * At the lab's parameter limit (20 M) they are 80 MB.
 */
export interface ExportedModel {
  /** model.json, whose manifest points at "weights.bin". */
  modelJson: string
  /** weights.bin: little-endian float32, in the manifest's order. */
  weights: Uint8Array
}

/** A run as a PyTorch package (model.py, weights.safetensors, evaluate.py, README.md) in one zip, as bytes (see ExportedModel). */
export interface ExportedPytorch {
  fileName: string
  zip: Uint8Array
}

/** The largest .safetensors file an import takes, as base64: a model at the lab's parameter limit (80 MB of float32) and its header. */
const MAX_SAFETENSORS_BASE64 = 110_000_000

/** Serve mode takes a body this large for importPytorch only: every other request stays under its usual limit. */
export const IMPORT_BODY_BYTES = MAX_SAFETENSORS_BASE64 + 100_000

/** The three lines a notebook needs to write a state_dict the lab imports. */
export const SAVE_STATE_DICT_LINES = [
  '# in the notebook, after training (pip install safetensors where it is missing)',
  'from safetensors.torch import save_file',
  'save_file(network.state_dict(), "net.safetensors")'
] as const

const fieldKey = z.enum(FIELDS.map((f) => f.key) as [FieldKey, ...FieldKey[]])
/** A sweep as the shells send it; its runs are validated one by one when it is planned. */
export const sweepSpec = z.strictObject({
  base: z.record(z.string(), z.unknown()).default({}),
  axes: z
    .array(
      z.strictObject({
        key: fieldKey,
        values: z.array(z.string().max(200)).min(1).max(50).optional(),
        range: z.strictObject({ min: z.number(), max: z.number(), scale: z.enum(['log', 'linear']) }).optional()
      })
    )
    .min(1, 'needs at least one setting to sweep')
    .max(8),
  mode: z.enum(['grid', 'random']).default('grid'),
  samples: z.number().int().min(1).max(200).optional(),
  repeat: z.number().int().min(1).max(10).default(1),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(1)
})
const sweepRef = z.strictObject({ sweepId: id })
const lessonId = z.string().regex(/^[a-z0-9-]{1,60}$/, 'must be a lesson id such as "learning-rate"')

type Spec<I extends z.ZodType, O> = { input: I; output: O }
const spec =
  <O>() =>
  <I extends z.ZodType>(input: I): Spec<I, O> => ({ input, output: undefined as O })

export const contract = {
  startRun: spec<{ runId: number }>()(hyperparams),
  pauseRun: spec<{ ok: true }>()(runRef),
  resumeRun: spec<{ ok: true }>()(runRef),
  stopRun: spec<{ ok: true }>()(runRef),
  listRuns: spec<RunSummary[]>()(nothing),
  liveRuns: spec<LiveRunState[]>()(nothing),
  getRun: spec<RunDetail>()(runRef),
  /** `after`: only the batches past that step (a view that holds the earlier ones reads just the new); every epoch. */
  runMetrics: spec<RunMetrics>()(z.strictObject({ runId: id, after: z.number().int().min(0).optional() })),
  renameRun: spec<RunSummary>()(z.strictObject({ runId: id, name: z.string().trim().min(1, 'must not be empty').max(120) })),
  annotateRun: spec<RunSummary>()(z.strictObject({ runId: id, notes: z.string().max(10_000) })),
  deleteRun: spec<{ ok: true }>()(runRef),
  listPresets: spec<PresetInfo[]>()(nothing),
  backendInfo: spec<BackendInfo>()(nothing),
  confusion: spec<{ epoch: number; matrix: number[][]; classNames: string[] } | null>()(epochRef),
  misclassified: spec<EpochMisclassified>()(epochRef),
  testImages: spec<TestImages>()(
    z.strictObject({ dataset: z.string().min(1).max(4096).default('mnist'), indices: z.array(z.number().int().min(0)).max(1000) })
  ),
  predict: spec<{ probs: number[] }>()(z.strictObject({ runId: id, pixels })),
  /**
   * What a run recorded inside while it trained (histograms, activations, filters, embedding);
   * `after`: only the points past that step (a view that holds the earlier ones reads just the new).
   */
  getInside: spec<RunInside>()(z.strictObject({ runId: id, after: z.number().int().min(0).optional() })),
  /** One digit through a run's trained model: every layer's output. */
  lookInside: spec<DigitInside>()(z.strictObject({ runId: id, pixels, epoch: z.number().int().positive().optional() })),
  exportModel: spec<ExportedModel>()(runRef),
  exportPytorch: spec<ExportedPytorch>()(runRef),
  /**
   * A PyTorch state_dict (a .safetensors file, base64) of the model `settings` describes (layers,
   * activation, dataset, name; the course's Net by default) becomes a run marked "trained in PyTorch".
   */
  importPytorch: spec<{ runId: number }>()(
    z.strictObject({
      file: z
        .string()
        .min(1, 'is empty: choose a .safetensors file')
        .max(MAX_SAFETENSORS_BASE64, 'is larger than a model at the lab’s parameter limit')
        .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be the file’s bytes as base64'),
      fileName: z.string().trim().min(1).max(200).optional(),
      settings: hyperparams.optional()
    })
  ),
  startSweep: spec<{ sweepId: number; runIds: number[] }>()(sweepSpec),
  listSweeps: spec<SweepSummary[]>()(nothing),
  getSweep: spec<SweepDetail>()(sweepRef),
  cancelSweep: spec<SweepSummary>()(sweepRef),
  /** Whether the database can be written now, and whether its file is still the one opened. */
  storeHealth: spec<StoreHealth>()(nothing),
  /** Saves everything the lab holds to a new file beside the lost one (a plain name, default dated), once its file was lost. */
  rescueDatabase: spec<{ path: string }>()(
    z.strictObject({ file: z.string().regex(RESCUE_NAME, 'must be a plain file name ending in .db (no folders)').optional() }).optional()
  ),
  /** Every lesson's progress (the lessons themselves are shared data: src/shared/lessons). */
  courseProgress: spec<CourseProgress>()(nothing),
  /** Queues a lesson's experiment as a sweep of ordinary runs. */
  startLesson: spec<{ sweepId: number; runIds: number[] }>()(z.strictObject({ lessonId })),
  /** Judges an answer against the runs of the lesson's last experiment; a wrong one gets where to look, not the answer. */
  answerLesson: spec<AnswerResult>()(z.strictObject({ lessonId, answer: z.string().min(1, 'is empty: choose an answer').max(100) }))
} satisfies { [K in RequestName]: Spec<z.ZodType, unknown> }

export type Contract = typeof contract
/** What a caller sends (defaults may be left out). */
export type RequestInput<K extends RequestName> = z.input<Contract[K]['input']>
/** What a handler receives: validated, defaults filled in. */
export type ValidInput<K extends RequestName> = z.output<Contract[K]['input']>
export type RequestOutput<K extends RequestName> = Contract[K]['output']

/** One request as a caller makes it: the payload (optional where the request may be sent without one), and what comes back. */
type Call<K extends RequestName, Back> =
  undefined extends RequestInput<K> ? (input?: RequestInput<K>) => Promise<Back> : (input: RequestInput<K>) => Promise<Back>

/**
 * The client's view, in the renderer, over IPC or HTTP alike (api/client.ts): each request
 * resolves with its value, or rejects with a LabRequestError (lab-request-error.ts) that names
 * the request and keeps the error's kind.
 */
export type LabApi = { [K in RequestName]: Call<K, RequestOutput<K>> }

/**
 * What the preload exposes as window.lab: each request resolves with its Reply envelope, never
 * rejects (the contextBridge would keep an error's message and drop its kind), plus the coalesced
 * event stream. `onOpen` runs each time the stream is (re)established: events may have been
 * missed before it, so a client reads `liveRuns` again then.
 */
export type LabBridge = { [K in RequestName]: Call<K, Reply<RequestOutput<K>>> } & {
  onEvents(listener: (batch: LabEventBatch) => void, onOpen?: () => void): () => void
}

/** The renderer's client: the requests as LabApi has them, the event stream as the bridge has it. */
export type LabClientApi = LabApi & Pick<LabBridge, 'onEvents'>

/** The main side: one handler per request, or the typecheck fails. */
export type LabHandlers = { [K in RequestName]: (input: ValidInput<K>) => RequestOutput<K> | Promise<RequestOutput<K>> }

export { ERROR_KINDS, type ErrorKind, type Reply } from './lab-request-error'

/** Engine events, coalesced: at most ~30 messages a second, each carrying every event since the last. */
export type LabEventBatch = LabEvent[]
