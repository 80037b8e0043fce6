// Starts one of the engine's worker entries. From a build it is the bundled file (train-*.js
// beside the main bundle). From sources (tests, the CLI under tsx) it is the .ts file, which a
// worker can only load after registering tsx itself: execArgv loaders do not reach workers.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { WORKER_ENTRIES, type WorkerEntry } from './worker-entries'

export function spawnWorker(entry: WorkerEntry, workerData: unknown): Worker {
  const here = import.meta.url
  const { source, bundle } = WORKER_ENTRIES[entry]
  if (here.endsWith('.ts')) {
    // The sources are relative to src/main/lab, one folder up from here.
    const url = new URL(`../${source}`, here).href
    const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}) })`
    return new Worker(boot, { eval: true, workerData })
  }
  // Bundled code may sit in a shared chunk one folder below the entries.
  for (const rel of [`./${bundle}`, `../${bundle}`]) {
    const file = fileURLToPath(new URL(rel, here))
    if (existsSync(file)) return new Worker(file, { workerData })
  }
  throw new Error(`${bundle} not found next to ${fileURLToPath(here)}: rebuild with "npm run build"`)
}

/**
 * Starts a helper thread and waits until it says it is ready (or why it is not). After that its
 * failures are reported through shared memory, so its 'error' events are swallowed.
 */
export async function startHelperWorker(entry: 'helper' | 'fastnet-helper', workerData: unknown): Promise<Worker> {
  const worker = spawnWorker(entry, workerData)
  await new Promise<void>((resolve, reject) => {
    worker.once('message', (m: { ready?: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(`helper thread: ${m.error}`))))
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`helper thread exited with code ${code} while starting`)))
  })
  worker.removeAllListeners()
  worker.on('error', () => {})
  return worker
}
