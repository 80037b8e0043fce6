// Worker-thread entry: trains one run and reports back. Keeps tfjs off the caller's event loop.
import { parentPort, workerData } from 'node:worker_threads'
import type { Hyperparams } from '@shared/hyperparams'
import { eventBatcher } from './event-batcher'
import { CONTROL, type WorkerInput, type WorkerMessage } from './train-protocol'
import { trainRun, type ControlState } from './train-loop'

const { runId, hyperparams, control } = workerData as WorkerInput
const flag = new Int32Array(control)
const port = parentPort!

const states: Record<number, ControlState> = { [CONTROL.run]: 'run', [CONTROL.pause]: 'pause', [CONTROL.stop]: 'stop' }
const events = eventBatcher((events) => port.postMessage({ kind: 'events', events } satisfies WorkerMessage))

const outcome = await trainRun(
  runId,
  hyperparams as Hyperparams,
  (event) => events.emit(event),
  {
    state: () => states[Atomics.load(flag, 0)] ?? 'run',
    // Blocking is right here: this thread does nothing else while paused.
    waitWhilePaused: () => {
      while (Atomics.load(flag, 0) === CONTROL.pause) Atomics.wait(flag, 0, CONTROL.pause, 1000)
    }
  },
  // An epoch's weights move to the main thread rather than being copied.
  {
    inside: (event) => {
      events.flush()
      port.postMessage({ kind: 'inside', event } satisfies WorkerMessage, event.type === 'weights' ? [event.data.buffer as ArrayBuffer] : [])
    }
  }
)
port.postMessage({ kind: 'outcome', outcome } satisfies WorkerMessage, outcome.weights ? [outcome.weights.weightData] : [])
