// The largest grid the contract lets through: 8 settings of 50 values each, 50^8 combinations.
// Planning it by building every combination once took serve past 5 GB and killed it.
import type { SweepAxis } from '../../src/shared/sweep'

const EIGHT_KEYS = ['learningRate', 'batchSize', 'testBatchSize', 'epochs', 'dropout', 'seed', 'limitTrain', 'limitTest'] as const

export const HUGE_AXES: SweepAxis[] = EIGHT_KEYS.map((key) => ({ key, values: Array.from({ length: 50 }, (_, i) => String(i + 1)) }))

/** What the lab answers to it: the count, from the axes' lengths. */
export const HUGE_REFUSAL =
  "this sweep would start 39,062,500,000,000 runs (50 × 50 × 50 × 50 × 50 × 50 × 50 × 50); the lab's limit is 200: use fewer values or a random sweep"
