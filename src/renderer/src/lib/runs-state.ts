// The renderer's one picture of the runs, as plain data and pure functions: a snapshot of stored
// runs, the live state of runs training now, and the events that change both. The Pinia store
// wraps it in Vue's reactivity; tests run it as it is.
//
// Events may arrive twice (a snapshot read after an event it already holds) or late (a run's
// events after it was deleted): every step is idempotent, keyed by step, epoch and run id.
import { isActiveStatus, type BackendInfo, type BatchMetric, type EpochMetric, type LabEvent, type LayerSummary, type LiveRunState, type RunStatus, type RunSummary, type StartedEvent } from '@shared/run-types'

export interface LiveRun {
  runId: number
  status: RunStatus
  stepsPerEpoch: number
  totalSteps: number
  backend: BackendInfo | null
  layers: LayerSummary[]
  paramCount: number
  classNames: string[]
  /** Every batch logged, in step order (not deeply reactive: `version` says when it grew). */
  batches: BatchMetric[]
  epochs: EpochMetric[]
  confusion: number[][] | null
  error: string | null
  version: number
}

export interface RunsState {
  /** Every stored run by id, kept current by events. */
  summaries: Record<number, RunSummary>
  /** Runs that trained while this page was open (or were training when it opened). */
  live: Record<number, LiveRun>
  /** Grows when a run's stored results change (an epoch landed, the run ended): detail views re-read. */
  revision: Record<number, number>
  /** Ids deleted in this session: late events about them are ignored. */
  deleted: number[]
  storeError: string | null
  loaded: boolean
}

/** How arrays that hold thousands of points are kept (Vue's markRaw in the app, identity in tests). */
export type Keep = <T extends object>(value: T) => T

export function emptyState(): RunsState {
  return { summaries: {}, live: {}, revision: {}, deleted: [], storeError: null, loaded: false }
}

function liveRun(state: RunsState, runId: number, keep: Keep): LiveRun {
  let r = state.live[runId]
  if (!r) {
    state.live[runId] = {
      runId,
      status: state.summaries[runId]?.status ?? 'running',
      stepsPerEpoch: 0,
      totalSteps: 0,
      backend: null,
      layers: [],
      paramCount: 0,
      classNames: [],
      batches: keep([]),
      epochs: keep([]),
      confusion: null,
      error: null,
      version: 0
    }
    r = state.live[runId]
  }
  return r
}

const bump = (state: RunsState, runId: number) => (state.revision[runId] = (state.revision[runId] ?? 0) + 1)

function setStatus(state: RunsState, runId: number, status: RunStatus): void {
  const summary = state.summaries[runId]
  if (summary) state.summaries[runId] = { ...summary, status }
}

function applyStarted(r: LiveRun, e: StartedEvent): void {
  Object.assign(r, { stepsPerEpoch: e.stepsPerEpoch, totalSteps: e.totalSteps, backend: e.backend, layers: e.layers, paramCount: e.paramCount, classNames: e.classNames })
}

function addBatch(r: LiveRun, m: BatchMetric): boolean {
  const last = r.batches[r.batches.length - 1]
  if (last && m.step <= last.step) return false
  r.batches.push(m)
  return true
}

function addEpoch(r: LiveRun, m: EpochMetric): boolean {
  const last = r.epochs[r.epochs.length - 1]
  if (last && m.epoch <= last.epoch) return false
  r.epochs.push(m)
  return true
}

/** The stored runs as listRuns returned them. Live runs keep their live state. */
export function applySummaries(state: RunsState, runs: RunSummary[]): void {
  const next: Record<number, RunSummary> = {}
  for (const run of runs) if (!state.deleted.includes(run.id)) next[run.id] = run
  state.summaries = next
  state.loaded = true
}

/**
 * Runs training now, as liveRuns returned them on (re)connect: everything they logged so far.
 * Points the page already holds are kept; the snapshot fills what was missed while away.
 * Returns the ids this page thought active that no longer are: they ended while it was away.
 */
export function applyLiveRuns(state: RunsState, runs: LiveRunState[], keep: Keep): number[] {
  const now = new Set(runs.map((l) => l.run.id))
  for (const l of runs) {
    if (state.deleted.includes(l.run.id)) continue
    state.summaries[l.run.id] = l.run
    const r = liveRun(state, l.run.id, keep)
    r.status = l.run.status
    if (l.started) applyStarted(r, l.started)
    // Merge by step: whatever arrived by event before the snapshot stays, the rest fills in.
    const byStep = new Map<number, BatchMetric>()
    for (const b of l.batches) byStep.set(b.step, b)
    for (const b of r.batches) byStep.set(b.step, b)
    r.batches = keep([...byStep.values()].sort((a, b) => a.step - b.step))
    if (l.epochs.length >= r.epochs.length) r.epochs = keep(l.epochs.slice())
    if (l.confusion) r.confusion = keep(l.confusion)
    r.version++
  }
  return Object.values(state.live)
    .filter((r) => isActiveStatus(r.status) && !now.has(r.runId))
    .map((r) => r.runId)
}

export function applyEvents(state: RunsState, batch: LabEvent[], keep: Keep): void {
  const touched = new Set<LiveRun>()
  for (const e of batch) {
    if (e.type === 'store') {
      state.storeError = e.error
      continue
    }
    if (e.type === 'deleted') {
      if (!state.deleted.includes(e.runId)) state.deleted.push(e.runId)
      delete state.summaries[e.runId]
      delete state.live[e.runId]
      continue
    }
    if (e.type === 'run') {
      if (!state.deleted.includes(e.run.id)) {
        // A row read before an event that ended the run must not bring 'running' back.
        const known = state.live[e.run.id]
        const status = known && !isActiveStatus(known.status) && isActiveStatus(e.run.status) ? known.status : e.run.status
        state.summaries[e.run.id] = { ...e.run, status }
      }
      continue
    }
    if (state.deleted.includes(e.runId)) continue
    const r = liveRun(state, e.runId, keep)
    touched.add(r)
    switch (e.type) {
      case 'started':
        applyStarted(r, e)
        break
      case 'batch':
        addBatch(r, e.metric)
        break
      case 'epoch':
        if (addEpoch(r, e.metric)) {
          r.confusion = keep(e.confusion)
          bump(state, e.runId)
        }
        break
      case 'status':
        if (isActiveStatus(r.status)) {
          r.status = e.status
          setStatus(state, e.runId, e.status)
        }
        break
      case 'finished':
        r.status = e.status
        r.error = e.error
        setStatus(state, e.runId, e.status)
        bump(state, e.runId)
        break
    }
  }
  for (const r of touched) r.version++
}
