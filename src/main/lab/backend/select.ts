// Picks the fastest tfjs backend that loads here: tfjs-node (native) -> wasm -> cpu.
// DIGIT_LAB_BACKEND=node|wasm|cpu forces one; a forced backend that fails is an error, not a fallback.
import * as tf from '@tensorflow/tfjs'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import type { BackendInfo } from '@shared/run-types'
import { installWasmGradientKernels } from './wasm-kernels'

export const BACKEND_CHOICES = ['node', 'wasm', 'cpu'] as const
export type BackendChoice = (typeof BACKEND_CHOICES)[number]

const require = createRequire(import.meta.url)
let selected: BackendInfo | null = null

async function tryNode(): Promise<BackendInfo> {
  // tfjs-node registers the 'tensorflow' backend on load; it is optional and absent where
  // libtensorflow could not be fetched at install time.
  const node = require('@tensorflow/tfjs-node') as { version: { 'tfjs-node': string } }
  if (!(await tf.setBackend('tensorflow'))) throw new Error('tfjs-node loaded but its backend did not initialise')
  const gpu = (() => {
    try {
      require.resolve('@tensorflow/tfjs-node-gpu')
      return true
    } catch {
      return false
    }
  })()
  return { name: gpu ? 'tensorflow (node-gpu)' : 'tensorflow (node)', version: node.version['tfjs-node'], threads: availableParallelism() }
}

async function tryWasm(threads: number): Promise<BackendInfo> {
  const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as typeof import('@tensorflow/tfjs-backend-wasm')
  wasm.setThreadsCount(threads)
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise')
  installWasmGradientKernels()
  return { name: 'wasm', version: wasm.version_wasm, threads: wasm.getThreadsCount() }
}

async function tryCpu(): Promise<BackendInfo> {
  await import('@tensorflow/tfjs-backend-cpu')
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise')
  return { name: 'cpu', version: tf.version_core, threads: 1, note: 'plain JavaScript: slow, a last resort' }
}

function parseChoice(raw: string | undefined): BackendChoice | null {
  if (!raw) return null
  const v = raw.trim().toLowerCase()
  const choice = v === 'tensorflow' ? 'node' : v
  if (!(BACKEND_CHOICES as readonly string[]).includes(choice)) {
    throw new Error(`DIGIT_LAB_BACKEND must be one of ${BACKEND_CHOICES.join(', ')} (got "${raw}")`)
  }
  return choice as BackendChoice
}

/** Why a backend was passed over, in words a user can act on. */
function whyNot(choice: BackendChoice, err: NodeJS.ErrnoException): string {
  if (choice === 'node' && err.code === 'MODULE_NOT_FOUND') {
    return 'tfjs-node is not installed (it is optional: its install needs libtensorflow, which could not be downloaded here)'
  }
  return `${choice} could not start: ${err.message.split('\n')[0]}`
}

/** The selection under way: callers that arrive meanwhile wait for it instead of starting their own. */
let selecting: Promise<BackendInfo> | null = null

/**
 * Initialises tfjs once per thread and reports what it runs on. Concurrent first callers (the
 * prediction worker asked for three runs' models at once) share one selection: two at once raced
 * in tfjs's backend registration, and a prediction failed.
 */
export function selectBackend(options: { force?: string; threads?: number } = {}): Promise<BackendInfo> {
  if (selected) return Promise.resolve(selected)
  return (selecting ??= choose(options).finally(() => (selecting = null)))
}

async function choose(options: { force?: string; threads?: number }): Promise<BackendInfo> {
  const forced = parseChoice(options.force ?? process.env.DIGIT_LAB_BACKEND)
  const threads = options.threads ?? Math.max(1, availableParallelism())
  const attempts: [BackendChoice, () => Promise<BackendInfo>][] = [
    ['node', tryNode],
    ['wasm', () => tryWasm(threads)],
    ['cpu', tryCpu]
  ]
  const failures: string[] = []
  for (const [choice, attempt] of attempts) {
    if (forced && choice !== forced) continue
    try {
      selected = await attempt()
      if (failures.length) selected.fallback = failures.join('; ')
      return selected
    } catch (err) {
      if (forced) throw new Error(`DIGIT_LAB_BACKEND=${forced} could not be used: ${(err as Error).message}`)
      failures.push(whyNot(choice, err as NodeJS.ErrnoException))
    }
  }
  throw new Error(`no tfjs backend could be initialised (${failures.join('; ')})`)
}
