// The one store of runs in the renderer: every view reads runs from here and nowhere else.
// Filled from a snapshot (listRuns + liveRuns) each time the event stream (re)opens, and kept
// current by the events in between.
import { defineStore } from 'pinia'
import { computed, markRaw, reactive } from 'vue'
import { isActiveStatus, type RunSummary } from '@shared/run-types'
import { lab } from '../api/client'
import { applyEvents, applyLiveRuns, applySummaries, emptyState } from '../lib/runs-state'

const keep = <T extends object>(v: T): T => markRaw(v)

export const useRunsStore = defineStore('runs', () => {
  const state = reactive(emptyState())
  let connected = false
  let resyncing: Promise<void> | null = null

  /** Reads the whole picture again: on first connect, on every reconnect, after a run ended unseen. */
  async function resync(): Promise<void> {
    resyncing ??= (async () => {
      try {
        const [runs, live, store] = await Promise.all([lab().listRuns(), lab().liveRuns(), lab().storeHealth()])
        // What the database's health was before this page listened: events only say what changes.
        // A file once lost (or saved) stays so: an event that came while this was read is kept.
        state.store = { ...store, fileLost: store.fileLost ?? state.store.fileLost, rescuedTo: store.rescuedTo ?? state.store.rescuedTo }
        applySummaries(state, runs)
        const endedUnseen = applyLiveRuns(state, live, keep)
        // Runs that ended while the stream was down: their final rows are in `runs` already.
        for (const id of endedUnseen) {
          const row = state.summaries[id]
          if (row && state.live[id]) state.live[id].status = row.status
          state.revision[id] = (state.revision[id] ?? 0) + 1
        }
      } finally {
        resyncing = null
      }
    })()
    return resyncing
  }

  function connect(): void {
    if (connected) return
    connected = true
    // Events that arrive while a snapshot is being read are applied as they come: the merge by
    // step and epoch makes the order of the two irrelevant.
    lab().onEvents(
      (batch) => applyEvents(state, batch, keep),
      () => void resync()
    )
  }

  const list = computed<RunSummary[]>(() => Object.values(state.summaries).sort((a, b) => b.id - a.id))
  const active = computed(() => list.value.filter((r) => isActiveStatus(state.live[r.id]?.status ?? r.status)))

  return { state, list, active, connect, resync }
})
