// How many runs a lab trains at once. Each run computes on two threads where the backend is
// single-threaded (wasm, cpu: data parallel over two workers), so one run per two cores keeps
// every run at full speed; more runs wait in the queue instead of slowing each other down.
import { availableParallelism } from 'node:os'
import { ValidationError } from '@shared/fields'

export const MAX_RUNS_ENV = 'DIGIT_LAB_MAX_RUNS'

/** `chosen` (LabOptions.maxRuns), else DIGIT_LAB_MAX_RUNS, else max(1, floor(cores / 2)). */
export function maxConcurrentRuns(chosen?: number, env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): number {
  const check = (value: number, where: string) => {
    if (!Number.isInteger(value) || value < 1) throw new ValidationError(`${where} must be a whole number of at least 1 (got ${JSON.stringify(value)})`)
    return value
  }
  if (chosen !== undefined) return check(chosen, 'maxRuns')
  const raw = env[MAX_RUNS_ENV]?.trim()
  if (raw) {
    if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new ValidationError(`${MAX_RUNS_ENV} must be a whole number of at least 1 (got "${raw}")`)
    return Number(raw)
  }
  return Math.max(1, Math.floor(cores / 2))
}
