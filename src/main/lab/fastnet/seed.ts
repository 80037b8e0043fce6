// The dropout seed of one step: a function of the run's seed, the epoch and the step only, so a
// run repeats exactly, and each thread derives it for its own half of the batch.
export function stepSeed(seed: number, epoch: number, step: number): number {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca77) ^ Math.imul(step + 1, 0xc2b2ae3d)
  h ^= h >>> 15
  h = Math.imul(h, 0x2c1b3c6d)
  h ^= h >>> 12
  return h | 0
}
