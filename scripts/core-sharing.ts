// Whether this machine's cores are its own right now. A virtual machine's two cores can run on
// one physical core's two hyperthreads for minutes at a time (on the 2-core machines this project
// is measured on, two busy threads then each run at about 0.6 of one alone). The lab keeps both
// of its threads on the multiply-add ports, so it loses more there than PyTorch does: the bench
// says, round by round, which kind of machine each ratio was measured on.
import { once } from 'node:events'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'

/** Below this, two busy threads slow each other: the cores share their arithmetic. */
export const SHARED_BELOW = 0.85

/**
 * `ratio`: one busy thread's speed when another runs beside it, as a fraction of its speed alone
 * (the best of a few tries of each): about 1 on separate cores, about 0.6 on one shared core.
 * `aloneMs`: the loop's time alone, which shows the core's own speed (its clock) moving.
 */
export interface CoreMeasure {
  ratio: number
  aloneMs: number
}

export const sharedCores = (m: CoreMeasure): boolean => m.ratio < SHARED_BELOW

// Eight independent chains of multiplies: throughput-bound on the floating-point ports, so a
// thread on the same physical core takes half of them.
const LOOP = `
const { parentPort } = require('node:worker_threads')
function spin(n) {
  let a = 1.0000001, b = 1.0000002, c = 1.0000003, d = 1.0000004, e = 1.0000005, f = 1.0000006, g = 1.0000007, h = 1.0000008
  const m = 0.9999999
  const t0 = performance.now()
  for (let i = 0; i < n; i++) { a *= m; b *= m; c *= m; d *= m; e *= m; f *= m; g *= m; h *= m }
  return { ms: performance.now() - t0, sink: a + b + c + d + e + f + g + h }
}
parentPort.on('message', (n) => parentPort.postMessage(spin(n).ms))
`
/** About 50 ms a run on those machines. */
const ITERATIONS = 30_000_000
const TRIALS = 2

export class CoreProbe {
  private constructor(private readonly workers: [Worker, Worker]) {}

  /** Two idle threads to probe with, warmed up; null where there are not two cores to compare. */
  static async start(): Promise<CoreProbe | null> {
    if (availableParallelism() < 2) return null
    const probe = new CoreProbe([new Worker(LOOP, { eval: true }), new Worker(LOOP, { eval: true })])
    await Promise.all(probe.workers.map((w) => probe.run(w)))
    return probe
  }

  /** One run's milliseconds (`once` rejects if the thread fails, and leaves no listener behind). */
  private async run(w: Worker): Promise<number> {
    const reply = once(w, 'message')
    w.postMessage(ITERATIONS)
    const [ms] = (await reply) as [number]
    return ms
  }

  /** See CoreMeasure. */
  async measure(): Promise<CoreMeasure> {
    let alone = Infinity
    let together = Infinity
    for (let t = 0; t < TRIALS; t++) {
      alone = Math.min(alone, await this.run(this.workers[0]))
      const both = await Promise.all(this.workers.map((w) => this.run(w)))
      together = Math.min(together, (both[0] + both[1]) / 2)
    }
    return { ratio: alone / together, aloneMs: alone }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}

/** The measure in words, for the bench's report. */
export function describeSharing(m: CoreMeasure): string {
  const pace = `a loop of multiplies took ${m.aloneMs.toFixed(0)} ms on one thread alone; two at once each ran at ${m.ratio.toFixed(2)}x that speed`
  return sharedCores(m) ? `${pace}: the two cores share one physical core's arithmetic` : `${pace}: separate cores`
}
