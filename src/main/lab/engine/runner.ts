// Starts a training run in a worker thread and gives the caller a handle to steer it.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { Hyperparams } from '../../../shared/hyperparams'
import type { TrainEvent } from '../../../shared/run-types'
import { CONTROL, type WorkerInput, type WorkerMessage } from './protocol'
import type { TrainOutcome } from './train-loop'

export interface TrainingHandle {
  runId: number
  pause(): void
  resume(): void
  stop(): void
  readonly done: Promise<TrainOutcome>
}

/**
 * From a build the worker is the bundled entry. From sources (tests, the CLI under tsx) it is the
 * .ts file, which a worker can only load after registering tsx itself: execArgv loaders do not
 * reach worker threads.
 */
function createWorker(workerData: WorkerInput): Worker {
  const here = import.meta.url
  if (here.endsWith('.ts')) {
    const entry = new URL('./worker.ts', here).href
    const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}) })`
    return new Worker(boot, { eval: true, workerData })
  }
  for (const rel of ['./train-worker.js', '../train-worker.js']) {
    const file = fileURLToPath(new URL(rel, here))
    if (existsSync(file)) return new Worker(file, { workerData })
  }
  throw new Error(`train-worker.js not found next to ${fileURLToPath(here)}: rebuild with "npm run build"`)
}

export function startTraining(runId: number, hyperparams: Hyperparams, onEvent: (e: TrainEvent) => void): TrainingHandle {
  const control = new SharedArrayBuffer(4)
  const flag = new Int32Array(control)
  const worker = createWorker({ runId, hyperparams, control })
  const set = (value: number) => {
    Atomics.store(flag, 0, value)
    Atomics.notify(flag, 0)
  }
  const done = new Promise<TrainOutcome>((resolve) => {
    let outcome: TrainOutcome | null = null
    let finishedSeen = false
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.kind === 'event') {
        finishedSeen ||= msg.event.type === 'finished'
        onEvent(msg.event)
      } else outcome = msg.outcome
    })
    worker.on('error', (err) => {
      outcome ??= { status: 'failed', error: `training worker crashed: ${err.message}`, weights: null }
    })
    worker.on('exit', (code) => {
      outcome ??= { status: 'failed', error: `training worker exited with code ${code} before finishing`, weights: null }
      if (!finishedSeen) onEvent({ type: 'finished', runId, status: outcome.status, error: outcome.error, finalTestAccuracy: null })
      resolve(outcome)
    })
  })
  return {
    runId,
    pause: () => set(CONTROL.pause),
    resume: () => set(CONTROL.run),
    stop: () => set(CONTROL.stop),
    done
  }
}
