// The renderer's picture of the runs, driven as the store drives it: a snapshot on (re)connect and
// event batches that may arrive before, after, twice or out of order with it.
import { describe, expect, it } from 'vitest'
import { applyEvents, applyLiveRuns, applySummaries, emptyState, type Keep, type RunsState } from '../../../../src/renderer/src/lib/runs-state'
import { DEFAULT_HYPERPARAMS } from '../../../../src/shared/hyperparams'
import type { BatchMetric, EpochMetric, LabEvent, LiveRunState, RunStatus, RunSummary, StartedEvent } from '../../../../src/shared/run-types'

const keep: Keep = (v) => v

function summary(id: number, status: RunStatus = 'running', extra: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    name: `run ${id}`,
    status,
    preset: 'mlp',
    createdAt: '2025-01-01T00:00:00.000Z',
    finishedAt: null,
    hyperparams: DEFAULT_HYPERPARAMS,
    dataset: 'mnist',
    backend: null,
    trainSeconds: null,
    epochsDone: 0,
    bestTestAccuracy: null,
    finalTestAccuracy: null,
    finalTestLoss: null,
    notes: '',
    error: null,
    paramCount: null,
    trainedIn: 'lab',
    sweep: null,
    ...extra
  }
}

const STEPS_PER_EPOCH = 4
const batch = (step: number): BatchMetric => ({
  step,
  epoch: Math.ceil(step / STEPS_PER_EPOCH),
  loss: 1 / step,
  accuracy: step / 100,
  examplesPerSec: 500,
  elapsed: step * 0.1
})
const epochMetric = (epoch: number): EpochMetric => ({
  epoch,
  trainLoss: 1 / epoch,
  trainAccuracy: 0.5,
  testLoss: 1 / epoch,
  testAccuracy: 0.4 + epoch / 100,
  seconds: 1,
  numTensors: 10
})
/** A 3-class matrix that says which epoch it belongs to, so a test can tell whose it is. */
const confusionOf = (epoch: number) => [
  [epoch, 0, 0],
  [0, epoch, 0],
  [0, 0, epoch]
]

const started = (runId: number): StartedEvent => ({
  type: 'started',
  runId,
  backend: { name: 'cpu', version: '4.22.0', threads: 1 },
  layers: [{ name: 'dense_1', type: 'Dense', outputShape: [null, 3], params: 2355 }],
  paramCount: 2355,
  stepsPerEpoch: STEPS_PER_EPOCH,
  totalSteps: 3 * STEPS_PER_EPOCH,
  classNames: ['top', 'middle', 'bottom']
})
const batchEv = (runId: number, step: number): LabEvent => ({ type: 'batch', runId, metric: batch(step) })
const epochEv = (runId: number, epoch: number): LabEvent => ({ type: 'epoch', runId, metric: epochMetric(epoch), confusion: confusionOf(epoch) })
const statusEv = (runId: number, status: RunStatus): LabEvent => ({ type: 'status', runId, status })
const finishedEv = (runId: number, status: RunStatus = 'completed'): LabEvent => ({ type: 'finished', runId, status, error: null, finalTestAccuracy: 0.9 })
const rowEv = (run: RunSummary): LabEvent => ({ type: 'run', run })

function liveSnapshot(id: number, opts: { status?: RunStatus; steps?: number[]; epochs?: number[] } = {}): LiveRunState {
  const epochs = (opts.epochs ?? []).map(epochMetric)
  const last = opts.epochs?.[opts.epochs.length - 1]
  return {
    run: summary(id, opts.status ?? 'running', { epochsDone: epochs.length }),
    started: started(id),
    batches: (opts.steps ?? []).map(batch),
    epochs,
    confusion: last ? confusionOf(last) : null
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
const steps = (s: RunsState, id: number) => s.live[id].batches.map((b) => b.step)
const epochNumbers = (s: RunsState, id: number) => s.live[id].epochs.map((e) => e.epoch)

describe('events in any order', () => {
  it('keeps a batch that arrives before its run started, and fills in what started says afterwards', () => {
    const s = emptyState()
    applyEvents(s, [batchEv(1, 1), batchEv(1, 2)], keep)
    expect(s.live[1].status).toBe('running')
    expect(s.live[1].classNames).toEqual([])
    applyEvents(s, [started(1), batchEv(1, 3)], keep)
    expect(steps(s, 1)).toEqual([1, 2, 3])
    expect(s.live[1]).toMatchObject({ stepsPerEpoch: STEPS_PER_EPOCH, totalSteps: 12, paramCount: 2355, classNames: ['top', 'middle', 'bottom'] })
  })

  it('keeps an epoch that arrives before the batches that led to it', () => {
    const s = emptyState()
    applyEvents(s, [started(1), epochEv(1, 1)], keep)
    applyEvents(
      s,
      range(1, 4).map((n) => batchEv(1, n)),
      keep
    )
    expect(epochNumbers(s, 1)).toEqual([1])
    expect(s.live[1].confusion).toEqual(confusionOf(1))
    expect(steps(s, 1)).toEqual([1, 2, 3, 4])
  })

  it("moves the run's row with each epoch (epochs done, accuracies, time), as the store's row moves, and only once per epoch", () => {
    const s = emptyState()
    applySummaries(s, [summary(1)])
    applyEvents(s, [started(1), epochEv(1, 1), epochEv(1, 2), epochEv(1, 2)], keep)
    const m = epochMetric(2)
    expect(s.summaries[1]).toMatchObject({
      epochsDone: 2,
      finalTestAccuracy: m.testAccuracy,
      finalTestLoss: m.testLoss,
      bestTestAccuracy: m.testAccuracy,
      trainSeconds: 2
    })
  })

  it('drops a batch or epoch it already holds, so a repeated batch of events changes nothing', () => {
    const s = emptyState()
    const events = [started(1), ...range(1, 4).map((n) => batchEv(1, n)), epochEv(1, 1)]
    applyEvents(s, events, keep)
    applyEvents(s, events, keep)
    expect(steps(s, 1)).toEqual([1, 2, 3, 4])
    expect(epochNumbers(s, 1)).toEqual([1])
    expect(s.revision[1]).toBe(1)
  })

  it('bumps the version of each run an event batch touched, once per batch', () => {
    const s = emptyState()
    applyEvents(s, [started(1), batchEv(1, 1), batchEv(1, 2), started(2)], keep)
    expect([s.live[1].version, s.live[2].version]).toEqual([1, 1])
    applyEvents(s, [batchEv(2, 1)], keep)
    expect([s.live[1].version, s.live[2].version]).toEqual([1, 2])
  })
})

describe('a snapshot and the events around it', () => {
  it('merges a snapshot that repeats steps the events delivered: every step once, no gap, in step order', () => {
    const s = emptyState()
    applySummaries(s, [summary(1)])
    // The stream opened mid-run: steps 7 and 8 arrived by event before the snapshot was read...
    applyEvents(s, [batchEv(1, 7), batchEv(1, 8)], keep)
    // ...which holds 1..7, then 9 arrives by event after it.
    applyLiveRuns(s, [liveSnapshot(1, { steps: range(1, 7), epochs: [1] })], keep)
    applyEvents(s, [batchEv(1, 8), batchEv(1, 9)], keep)
    expect(steps(s, 1)).toEqual(range(1, 9))
    expect(epochNumbers(s, 1)).toEqual([1])
  })

  it("keeps the page's own point where the snapshot holds a copy of the same step or epoch", () => {
    const s = emptyState()
    const heldBatch = batchEv(1, 5)
    const heldEpoch = epochEv(1, 1)
    applyEvents(s, [heldBatch, heldEpoch], keep)
    // The snapshot's copies of step 5 and epoch 1 differ (as if read from another source): the points
    // the curves already drew stay as drawn, the same objects.
    const snapshot = liveSnapshot(1, { steps: range(1, 6), epochs: [1] })
    snapshot.batches = snapshot.batches.map((b) => (b.step === 5 ? { ...b, loss: 99 } : b))
    snapshot.epochs = snapshot.epochs.map((e) => ({ ...e, testLoss: 99 }))
    applyLiveRuns(s, [snapshot], keep)
    expect(steps(s, 1)).toEqual(range(1, 6))
    expect(s.live[1].batches[4]).toBe(heldBatch.type === 'batch' && heldBatch.metric)
    expect(s.live[1].epochs[0]).toBe(heldEpoch.type === 'epoch' && heldEpoch.metric)
  })

  it('loses nothing when the snapshot holds fewer points than the page (read before the last events)', () => {
    const s = emptyState()
    applyEvents(s, [started(1), ...range(1, 10).map((n) => batchEv(1, n)), epochEv(1, 1), epochEv(1, 2)], keep)
    applyLiveRuns(s, [liveSnapshot(1, { steps: range(1, 6), epochs: [1] })], keep)
    expect(steps(s, 1)).toEqual(range(1, 10))
    expect(epochNumbers(s, 1)).toEqual([1, 2])
    expect(s.live[1].confusion).toEqual(confusionOf(2))
  })

  it('fills the epochs missed while away without dropping one that arrived by event before the snapshot', () => {
    const s = emptyState()
    // The page opened as epoch 3 ended: its event came before the snapshot, read a moment earlier.
    applyEvents(s, [epochEv(1, 3)], keep)
    applyLiveRuns(s, [liveSnapshot(1, { steps: range(1, 8), epochs: [1, 2] })], keep)
    expect(epochNumbers(s, 1)).toEqual([1, 2, 3])
    // The matrix shown is the latest epoch's, not the snapshot's older one.
    expect(s.live[1].confusion).toEqual(confusionOf(3))
  })

  it("takes the snapshot's epochs and matrix when it is ahead of the page", () => {
    const s = emptyState()
    applyEvents(s, [epochEv(1, 1)], keep)
    applyLiveRuns(s, [liveSnapshot(1, { steps: range(1, 12), epochs: [1, 2, 3] })], keep)
    expect(epochNumbers(s, 1)).toEqual([1, 2, 3])
    expect(s.live[1].confusion).toEqual(confusionOf(3))
    expect(s.live[1].classNames).toEqual(['top', 'middle', 'bottom'])
  })

  it('does not let a snapshot read before the run finished bring "running" back', () => {
    const s = emptyState()
    applySummaries(s, [summary(1)])
    applyLiveRuns(s, [liveSnapshot(1, { steps: [1, 2] })], keep)
    applyEvents(s, [finishedEv(1), rowEv(summary(1, 'completed', { finalTestAccuracy: 0.9 }))], keep)
    // A reconnect's snapshot, read while the run still trained, answers after the end arrived.
    const ended = applyLiveRuns(s, [liveSnapshot(1, { steps: [1, 2, 3] })], keep)
    expect(ended).toEqual([])
    expect(s.live[1].status).toBe('completed')
    expect(s.summaries[1].status).toBe('completed')
    expect(steps(s, 1)).toEqual([1, 2, 3])
  })

  it('does not let a listRuns row read before the run finished bring "running" back', () => {
    const s = emptyState()
    applyEvents(s, [started(1), finishedEv(1, 'stopped'), rowEv(summary(1, 'stopped'))], keep)
    applySummaries(s, [summary(1, 'running', { notes: 'from the list' }), summary(2, 'paused')])
    expect(s.summaries[1]).toMatchObject({ status: 'stopped', notes: 'from the list' })
    // A run the page knows nothing ended about is taken as the list says.
    expect(s.summaries[2].status).toBe('paused')
  })

  it('returns the runs the page thought active that ended while it was away', () => {
    const s = emptyState()
    applySummaries(s, [summary(1), summary(2), summary(3, 'completed')])
    applyEvents(s, [started(1), started(2), statusEv(2, 'paused'), started(3), finishedEv(3)], keep)
    // On reconnect only run 1 still trains: run 2 (paused when the page lost its stream) ended unseen.
    const ended = applyLiveRuns(s, [liveSnapshot(1, { steps: [1] })], keep)
    expect(ended).toEqual([2])
  })

  it('ignores snapshot rows and live runs of ids deleted in this session', () => {
    const s = emptyState()
    applyEvents(s, [started(1), { type: 'deleted', runId: 1 }], keep)
    applySummaries(s, [summary(1, 'completed'), summary(2, 'completed')])
    expect(Object.keys(s.summaries)).toEqual(['2'])
    expect(s.loaded).toBe(true)
    expect(applyLiveRuns(s, [liveSnapshot(1, { steps: [1] })], keep)).toEqual([])
    expect(s.live[1]).toBeUndefined()
    expect(s.summaries[1]).toBeUndefined()
  })

  it('replaces the stored rows with the latest listRuns: a run gone from the list is gone from the page', () => {
    const s = emptyState()
    applySummaries(s, [summary(1, 'completed'), summary(2, 'completed')])
    applySummaries(s, [summary(2, 'completed', { name: 'renamed' })])
    expect(Object.keys(s.summaries)).toEqual(['2'])
    expect(s.summaries[2].name).toBe('renamed')
  })
})

describe('a run deleted while live', () => {
  it('is forgotten, and its later events do not bring it back', () => {
    const s = emptyState()
    applySummaries(s, [summary(1), summary(2)])
    applyEvents(s, [started(1), batchEv(1, 1), started(2)], keep)
    applyEvents(s, [{ type: 'deleted', runId: 1 }], keep)
    expect(s.summaries[1]).toBeUndefined()
    expect(s.live[1]).toBeUndefined()
    expect(s.deleted).toEqual([1])
    applyEvents(
      s,
      [batchEv(1, 2), epochEv(1, 1), statusEv(1, 'paused'), finishedEv(1, 'stopped'), rowEv(summary(1, 'stopped')), { type: 'deleted', runId: 1 }],
      keep
    )
    expect(s.summaries[1]).toBeUndefined()
    expect(s.live[1]).toBeUndefined()
    expect(s.revision[1]).toBeUndefined()
    expect(s.deleted).toEqual([1])
    // The other run is untouched.
    expect(Object.keys(s.live)).toEqual(['2'])
    expect(s.summaries[2].status).toBe('running')
  })
})

describe('the end of a run', () => {
  it('keeps the end when a row read before it arrives afterwards still saying running', () => {
    const s = emptyState()
    applySummaries(s, [summary(1)])
    applyEvents(s, [started(1), finishedEv(1, 'completed')], keep)
    applyEvents(s, [rowEv(summary(1, 'running', { name: 'renamed mid-run' }))], keep)
    expect(s.summaries[1].status).toBe('completed')
    // The rest of the row is still taken: only the status would be stale.
    expect(s.summaries[1].name).toBe('renamed mid-run')
    expect(s.live[1].status).toBe('completed')
  })

  it('takes a row event that says the run ended', () => {
    const s = emptyState()
    applyEvents(s, [started(1), rowEv(summary(1, 'completed', { finalTestAccuracy: 0.93 }))], keep)
    expect(s.summaries[1]).toMatchObject({ status: 'completed', finalTestAccuracy: 0.93 })
  })

  it('ignores status events after finished', () => {
    const s = emptyState()
    applySummaries(s, [summary(1)])
    applyEvents(s, [started(1), statusEv(1, 'paused'), statusEv(1, 'running'), finishedEv(1, 'stopped'), statusEv(1, 'running'), statusEv(1, 'paused')], keep)
    expect(s.live[1].status).toBe('stopped')
    expect(s.summaries[1].status).toBe('stopped')
  })

  it('records why a run failed', () => {
    const s = emptyState()
    applyEvents(s, [started(1), { type: 'finished', runId: 1, status: 'failed', error: 'out of memory', finalTestAccuracy: null }], keep)
    expect(s.live[1]).toMatchObject({ status: 'failed', error: 'out of memory' })
  })
})

describe('revision', () => {
  it('grows on a new epoch and on the end, not on batches, status or rows', () => {
    const s = emptyState()
    applySummaries(s, [summary(1)])
    applyEvents(s, [started(1), batchEv(1, 1), statusEv(1, 'paused'), statusEv(1, 'running'), rowEv(summary(1, 'running', { name: 'x' }))], keep)
    expect(s.revision[1]).toBeUndefined()
    applyEvents(s, [epochEv(1, 1)], keep)
    expect(s.revision[1]).toBe(1)
    applyEvents(s, [epochEv(1, 1), batchEv(1, 2)], keep)
    expect(s.revision[1]).toBe(1)
    applyEvents(s, [epochEv(1, 2), finishedEv(1)], keep)
    expect(s.revision[1]).toBe(3)
  })
})

describe('the store', () => {
  it("keeps the lab's database error until it says writing works again, and whether it still retries", () => {
    const s = emptyState()
    applyEvents(s, [{ type: 'store', error: 'database is locked', retrying: true, fileLost: null, rescuedTo: null }], keep)
    expect(s.store).toEqual({ error: 'database is locked', retrying: true, fileLost: null, rescuedTo: null })
    expect(s.live).toEqual({})
    applyEvents(s, [{ type: 'store', error: 'database or disk is full', retrying: false, fileLost: null, rescuedTo: null }], keep)
    expect(s.store).toEqual({ error: 'database or disk is full', retrying: false, fileLost: null, rescuedTo: null })
    applyEvents(s, [{ type: 'store', error: null, retrying: false, fileLost: null, rescuedTo: null }], keep)
    expect(s.store).toEqual({ error: null, retrying: false, fileLost: null, rescuedTo: null })
  })
})
