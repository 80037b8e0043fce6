// Where the trainer thread's time goes, phase by phase, for `npm run bench`. Off unless turned on
// (in the process that trains: the bench calls trainRun itself); costs three clock reads per
// example when on. The helper thread works on the other half of each batch meanwhile.
export interface Phases {
  /** Copying the batch's pixels and labels into the engine's memory. */
  staging: number
  /** Forward pass and loss, in milliseconds, summed over the examples this thread trained. */
  forward: number
  backward: number
  /** Waiting for the helper's gradient sums (its half took longer), and copying them. */
  exchange: number
  /** Adding the two halves and the optimizer step. */
  update: number
  evaluate: number
  steps: number
}

export const profile: Phases & { enabled: boolean } = { enabled: false, staging: 0, forward: 0, backward: 0, exchange: 0, update: 0, evaluate: 0, steps: 0 }

export function startProfiling(): void {
  Object.assign(profile, { enabled: true, staging: 0, forward: 0, backward: 0, exchange: 0, update: 0, evaluate: 0, steps: 0 })
}
