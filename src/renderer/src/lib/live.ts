// Live state of runs training now, fed by the coalesced event stream. Curves are kept in raw
// (non-reactive) arrays and a version counter tells views to redraw: deep reactivity on
// thousands of points would cost more than drawing them.
import { markRaw, reactive } from 'vue'
import type { LabEventBatch } from '@shared/contract'
import type { BackendInfo, BatchMetric, EpochMetric, LayerSummary, RunStatus } from '@shared/run-types'
import { lab } from '../api/client'

export interface LiveRun {
  runId: number
  status: RunStatus
  stepsPerEpoch: number
  totalSteps: number
  backend: BackendInfo | null
  layers: LayerSummary[]
  paramCount: number
  classNames: string[]
  batches: BatchMetric[]
  epochs: EpochMetric[]
  confusion: number[][] | null
  error: string | null
  version: number
}

/** storeError: the lab cannot write to its database right now (it retries; nothing is lost). */
export const live = reactive({ runs: {} as Record<number, LiveRun>, finishedVersion: 0, storeError: null as string | null })

function run(runId: number): LiveRun {
  let r = live.runs[runId]
  if (!r) {
    r = {
      runId,
      status: 'running',
      stepsPerEpoch: 0,
      totalSteps: 0,
      backend: null,
      layers: [],
      paramCount: 0,
      classNames: [],
      batches: markRaw([]) as BatchMetric[],
      epochs: markRaw([]) as EpochMetric[],
      confusion: null,
      error: null,
      version: 0
    }
    live.runs[runId] = r
    r = live.runs[runId]
  }
  return r
}

export function apply(batch: LabEventBatch): void {
  const touched = new Set<LiveRun>()
  for (const e of batch) {
    if (e.type === 'store') {
      live.storeError = e.error
      continue
    }
    const r = run(e.runId)
    touched.add(r)
    switch (e.type) {
      case 'started':
        Object.assign(r, { stepsPerEpoch: e.stepsPerEpoch, totalSteps: e.totalSteps, backend: e.backend, layers: e.layers, paramCount: e.paramCount, classNames: e.classNames })
        break
      case 'batch':
        r.batches.push(e.metric)
        break
      case 'epoch':
        r.epochs.push(e.metric)
        r.confusion = markRaw(e.confusion)
        break
      case 'status':
        r.status = e.status
        break
      case 'finished':
        r.status = e.status
        r.error = e.error
        live.finishedVersion++
        break
    }
  }
  for (const r of touched) r.version++
}

let started = false
export function startLiveUpdates(): void {
  if (started) return
  started = true
  lab().onEvents(apply)
}
