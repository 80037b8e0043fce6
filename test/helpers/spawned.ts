// The engine's real spawnWorker, with every worker it starts (and what that worker posts) kept
// where a test can see it. For vi.mock of engine/spawn:
//   const spawned = vi.hoisted(() => [] as Spawned[])
//   vi.mock('../../src/main/lab/engine/spawn', async (real) => (await import('../helpers/spawned')).recordingSpawn(await real(), spawned))
import type { Worker } from 'node:worker_threads'
import type * as Spawn from '../../src/main/lab/engine/spawn'

export interface Spawned {
  entry: string
  workerData: unknown
  worker: Worker
  /** Every message the worker posted to this thread, in order. */
  messages: unknown[]
}

export function recordingSpawn(real: typeof Spawn, into: Spawned[]): typeof Spawn {
  return {
    ...real,
    spawnWorker(entry, workerData) {
      const worker = real.spawnWorker(entry, workerData)
      const record: Spawned = { entry, workerData, worker, messages: [] }
      // Attached in the same tick as the engine's own listener: no message can be missed.
      worker.on('message', (m) => record.messages.push(m))
      into.push(record)
      return worker
    }
  }
}
