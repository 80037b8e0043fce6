// The engine a run started now would train on, in the form the header shows: the lab's own
// engine where it would be chosen (the course's recipe is covered), else tfjs's backend.
import { DEFAULT_HYPERPARAMS } from '@shared/hyperparams'
import type { BackendInfo } from '@shared/run-types'
import { wantsFastnet } from './choose'
import { fastnetBuild, fastnetVersion } from './loader'
import { fastnetThreads } from './parallel'
import { FASTNET_NAME } from './fast-stepper'

export function defaultEngine(tfjs: BackendInfo, env = process.env): BackendInfo | null {
  if (!wantsFastnet(tfjs, env)) return null
  let version: string
  try {
    version = fastnetVersion(fastnetBuild(env))
  } catch {
    return null // no WebAssembly SIMD here (or a DIGIT_LAB_WASM it cannot run): runs train on tfjs
  }
  const threads = fastnetThreads(DEFAULT_HYPERPARAMS, env)
  return {
    name: FASTNET_NAME,
    version,
    threads,
    note: `for the layer kinds it covers (every preset); others train on tfjs ${tfjs.name}${threads === 2 ? '; data parallel over 2 worker threads' : ''}`,
    ...(tfjs.fallback ? { fallback: tfjs.fallback } : {})
  }
}
