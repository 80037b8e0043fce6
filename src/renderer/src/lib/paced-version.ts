// A live run's version, passed on at a pace its curves can afford. The engine can log over a
// thousand batches a second; redrawing a curve walks every point it holds, so redrawing it on
// every event batch (30 a second) made the page's work grow with the run's length until a long
// fast run left it no time to answer a click. The version is passed on at once when idle, then
// at most once per `intervalMs()`, and always ends on the latest value (the last point is drawn).
import { onScopeDispose, ref, watch, type Ref } from 'vue'

export function usePacedVersion(version: () => number | undefined, intervalMs: () => number): Ref<number | undefined> {
  const paced = ref(version())
  let timer: ReturnType<typeof setTimeout> | null = null
  let last = -Infinity
  const pass = () => {
    timer = null
    last = performance.now()
    paced.value = version()
  }
  watch(version, () => {
    if (timer) return
    timer = setTimeout(pass, Math.max(0, last + intervalMs() - performance.now()))
  })
  onScopeDispose(() => {
    if (timer) clearTimeout(timer)
  })
  return paced
}

/** How often a curve of `points` points may be redrawn: 10 times a second up to 10,000 points, then less, down to once a second at 100,000. */
export const redrawInterval = (points: number) => Math.min(1000, Math.max(100, points / 100))
