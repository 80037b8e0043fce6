// The one way a view asks the lab for something. `useRequest` is for reads that follow what the
// view shows (a run, an epoch, a digit): the newest request wins, and a reply that comes back
// after a newer request was made is dropped, so an old run's data never lands under a new run's
// name. `useAction` is for buttons (rename, stop, delete): each press counts, its error shown
// until the next press. Errors are LabRequestErrors: a view can tell a missing run from bad
// input from a failure by `kind`.
import { getCurrentScope, onScopeDispose, ref, shallowRef, type Ref } from 'vue'
import { LabRequestError } from '@shared/lab-request-error'

export type RequestKey = string | number

export interface RunOptions {
  /**
   * Requests under one key (the default) replace each other: the newest wins. Requests under
   * different keys go side by side, each newest-wins in its own key (one per run compared, one
   * per digit image).
   */
  key?: RequestKey
  /** Runs when this request, still the newest of its key, failed: undo what would now be wrong to show. */
  failed?: (err: LabRequestError) => void
}

export interface Request {
  /** Whether a request is on its way (one not yet replaced, cancelled or answered). */
  loading: Readonly<Ref<boolean>>
  /**
   * The newest error among the keys whose last answered request failed, kept until that key's
   * next request is answered (another key's success does not clear it: one run of several
   * compared failing stays said); null when none failed.
   */
  error: Readonly<Ref<LabRequestError | null>>
  /**
   * Sends `fetch` and, if no newer request of its key was made or it was not cancelled meanwhile,
   * passes its value to `apply`. Resolves true when applied, false when failed or dropped.
   */
  run<T>(fetch: () => Promise<T>, apply: (value: T) => void, options?: RunOptions): Promise<boolean>
  /** Drops the replies on their way and the errors said: every key's, or one key's (a run no longer compared). The view's end cancels them all. */
  cancel(key?: RequestKey): void
}

export function useRequest(): Request {
  const loading = ref(false)
  const error = shallowRef<LabRequestError | null>(null)
  /** The newest request of each key still on its way, by its number: a reply whose number is not here is dropped. */
  const waiting = new Map<RequestKey, number>()
  /** Each key whose last answered request failed, with its error; the newest failure last. */
  const failures = new Map<RequestKey, LabRequestError>()
  let made = 0
  const isNewest = (key: RequestKey, mine: number) => waiting.get(key) === mine
  const settle = (key: RequestKey) => {
    waiting.delete(key)
    loading.value = waiting.size > 0
  }

  async function run<T>(fetch: () => Promise<T>, apply: (value: T) => void, { key = '', failed }: RunOptions = {}): Promise<boolean> {
    const mine = ++made
    waiting.set(key, mine)
    loading.value = true
    let value: T
    try {
      value = await fetch()
    } catch (err) {
      if (!isNewest(key, mine)) return false
      settle(key)
      const failure = LabRequestError.from(err)
      failures.delete(key)
      failures.set(key, failure)
      error.value = failure
      failed?.(failure)
      return false
    }
    if (!isNewest(key, mine)) return false
    settle(key)
    failures.delete(key)
    error.value = [...failures.values()].at(-1) ?? null
    apply(value)
    return true
  }

  function cancel(key?: RequestKey): void {
    if (key === undefined) {
      waiting.clear()
      failures.clear()
    } else {
      waiting.delete(key)
      failures.delete(key)
    }
    loading.value = waiting.size > 0
    error.value = [...failures.values()].at(-1) ?? null
  }

  if (getCurrentScope()) onScopeDispose(() => cancel())
  return { loading, error, run, cancel }
}

export interface Action {
  /** Whether a press is still being answered. */
  busy: Readonly<Ref<boolean>>
  /** The last press's error; cleared when the next press starts. */
  error: Readonly<Ref<LabRequestError | null>>
  /** Runs `fn` (requests and what follows them): true when it went through, false when it failed (see `error`). */
  act(fn: () => Promise<unknown>): Promise<boolean>
}

export function useAction(): Action {
  const busy = ref(false)
  const error = shallowRef<LabRequestError | null>(null)
  let pressed = 0
  async function act(fn: () => Promise<unknown>): Promise<boolean> {
    error.value = null
    pressed++
    busy.value = true
    try {
      await fn()
      return true
    } catch (err) {
      error.value = LabRequestError.from(err)
      return false
    } finally {
      busy.value = --pressed > 0
    }
  }
  return { busy, error, act }
}

/** The first of several errors, as words for the page ('' when there is none). */
export const errorText = (...errors: (LabRequestError | null)[]): string => errors.find((e) => e != null)?.message ?? ''

export interface Follower {
  /** What is read changed (a run's revision, each epoch): read now, or once the read on its way has answered. */
  changed(): void
  /** What is read is another thing (another run chosen): read now; the answer on its way is not waited for. */
  restart(): void
}

/**
 * Reads that follow a stream of changes: one on its way at a time, and the changes made meanwhile
 * read once, after it answers. Replacing the read at every change (newest wins) drops every answer
 * once a read takes longer than the changes' pace (a slow machine, a run training fast): the view
 * would never show what it reads. `read` reads what is current when it runs.
 */
export function followChanges(read: () => Promise<unknown>): Follower {
  /** The number of the read on its way, 0 when none: an older one's end is not this one's. */
  let onItsWay = 0
  let made = 0
  let changedMeanwhile = false
  function start(): void {
    const mine = ++made
    onItsWay = mine
    changedMeanwhile = false
    void read().finally(() => {
      if (onItsWay !== mine) return
      onItsWay = 0
      if (changedMeanwhile) start()
    })
  }
  return {
    changed: () => {
      if (onItsWay) changedMeanwhile = true
      else start()
    },
    restart: start
  }
}
