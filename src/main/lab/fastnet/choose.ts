// Which engine trains a run. tfjs-node (native TensorFlow) first wherever it installed; else the
// lab's own WebAssembly engine for the stacks it covers; else tfjs (wasm, then cpu).
// DIGIT_LAB_ENGINE=tfjs forces tfjs; =fastnet forces the lab's engine (an error where it cannot
// train the model); a backend forced with DIGIT_LAB_BACKEND means tfjs on that backend.
import type { BackendInfo } from '@shared/run-types'

export const ENGINE_CHOICES = ['auto', 'fastnet', 'tfjs'] as const
export type EngineChoice = (typeof ENGINE_CHOICES)[number]

export function engineChoice(env = process.env): EngineChoice {
  const raw = env.DIGIT_LAB_ENGINE?.trim().toLowerCase()
  if (!raw) return 'auto'
  if (!(ENGINE_CHOICES as readonly string[]).includes(raw))
    throw new Error(`DIGIT_LAB_ENGINE must be one of ${ENGINE_CHOICES.join(', ')} (got "${env.DIGIT_LAB_ENGINE}")`)
  return raw as EngineChoice
}

/** Whether to try the lab's engine for a run whose tfjs backend is `backend`. */
export function wantsFastnet(backend: BackendInfo, env = process.env): boolean {
  const choice = engineChoice(env)
  if (choice !== 'auto') return choice === 'fastnet'
  return !backend.name.startsWith('tensorflow') && !env.DIGIT_LAB_BACKEND
}
