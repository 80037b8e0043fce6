// The renderer's one picture of the runs, as plain data and pure functions: a snapshot of stored
// runs, the live state of runs training now, and the events that change both. The Pinia store
// wraps it in Vue's reactivity; tests run it as it is.
//
// Events may arrive twice (a snapshot read after an event it already holds) or late (a run's
// events after it was deleted): every step is idempotent, keyed by step, epoch and run id.
import {
  isActiveStatus,
  type BackendInfo,
  type BatchMetric,
  type EpochMetric,
  type LabEvent,
  type LayerSummary,
  type LiveRunState,
  type RunStatus,
  type RunSummary,
  type StartedEvent,
  type StoreHealth
} from '@shared/run-types'

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
  /** Whether the lab can write its database, as its last 'store' event said. */
  store: StoreHealth
  loaded: boolean
}

/** How arrays that hold thousands of points are kept (Vue's markRaw in the app, identity in tests). */
export type Keep = <T extends object>(value: T) => T

export function emptyState(): RunsState {
  return { summaries: {}, live: {}, revision: {}, deleted: [], store: { error: null, retrying: false, fileLost: null, rescuedTo: null }, loaded: false }
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

/** The row follows its run's epochs as the store's row does, so the Runs table keeps up with the detail. */
function summariseEpoch(state: RunsState, runId: number, m: EpochMetric): void {
  const s = state.summaries[runId]
  if (!s || m.epoch <= s.epochsDone) return
  state.summaries[runId] = {
    ...s,
    epochsDone: m.epoch,
    finalTestAccuracy: m.testAccuracy,
    finalTestLoss: m.testLoss,
    bestTestAccuracy: Math.max(s.bestTestAccuracy ?? 0, Number.isFinite(m.testAccuracy) ? m.testAccuracy : 0),
    trainSeconds: (s.trainSeconds ?? 0) + m.seconds
  }
}

function setStatus(state: RunsState, runId: number, status: RunStatus): void {
  const summary = state.summaries[runId]
  if (summary) state.summaries[runId] = { ...summary, status }
}

function applyStarted(r: LiveRun, e: StartedEvent): void {
  Object.assign(r, {
    stepsPerEpoch: e.stepsPerEpoch,
    totalSteps: e.totalSteps,
    backend: e.backend,
    layers: e.layers,
    paramCount: e.paramCount,
    classNames: e.classNames
  })
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

/** Points the page holds win over a snapshot's copies of them; the result is in key order. */
function mergeBy<T>(snapshot: T[], held: T[], key: (t: T) => number): T[] {
  const byKey = new Map<number, T>()
  for (const t of snapshot) byKey.set(key(t), t)
  for (const t of held) byKey.set(key(t), t)
  return [...byKey.values()].sort((a, b) => key(a) - key(b))
}

/**
 * A run's row as the page should hold it. An ended run never trains again, so a row that says
 * 'running' or 'paused' about a run the page knows ended was read before the end (a snapshot
 * answered late, a 'run' event overtaken by 'finished'): it keeps the end's status.
 */
function freshRow(state: RunsState, run: RunSummary): RunSummary {
  if (!isActiveStatus(run.status)) return run
  const ended = [state.live[run.id]?.status, state.summaries[run.id]?.status].find((s) => s !== undefined && !isActiveStatus(s))
  return ended ? { ...run, status: ended } : run
}

/** The stored runs as listRuns returned them. Live runs keep their live state. */
export function applySummaries(state: RunsState, runs: RunSummary[]): void {
  const next: Record<number, RunSummary> = {}
  for (const run of runs) if (!state.deleted.includes(run.id)) next[run.id] = freshRow(state, run)
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
    const row = freshRow(state, l.run)
    state.summaries[l.run.id] = row
    const r = liveRun(state, l.run.id, keep)
    r.status = row.status
    if (l.started) applyStarted(r, l.started)
    // Merge by step and epoch: whatever arrived by event before the snapshot stays, the rest fills in.
    const heldEpoch = r.epochs[r.epochs.length - 1]?.epoch ?? 0
    r.batches = keep(mergeBy(l.batches, r.batches, (b) => b.step))
    r.epochs = keep(mergeBy(l.epochs, r.epochs, (e) => e.epoch))
    // The matrix belongs to the snapshot's last epoch: an epoch event the page already holds is newer.
    if (l.confusion && (l.epochs[l.epochs.length - 1]?.epoch ?? 0) >= heldEpoch) r.confusion = keep(l.confusion)
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
      state.store = { error: e.error, retrying: e.retrying, fileLost: e.fileLost, rescuedTo: e.rescuedTo }
      continue
    }
    if (e.type === 'deleted') {
      if (!state.deleted.includes(e.runId)) state.deleted.push(e.runId)
      delete state.summaries[e.runId]
      delete state.live[e.runId]
      continue
    }
    if (e.type === 'run') {
      if (!state.deleted.includes(e.run.id)) state.summaries[e.run.id] = freshRow(state, e.run)
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
          summariseEpoch(state, e.runId, e.metric)
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
