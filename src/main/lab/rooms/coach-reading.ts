// The coach's reading of a stored run, with the learner's history: the earlier finished runs of the
// same data (dataset and test subset), each with what its own coach suggested then, so the coach
// never suggests what was tried and did no better, and says whether a followed suggestion helped.
import { isActiveStatus, type FollowUp, type Hint, type RunDetail, type RunSummary } from '@shared/run-types'
import { FINISHED, followUp, type PastRun } from '../coach/history'
import { coach } from '../coach/hints'
import { topClass } from '../coach/measures'
import type { Store } from '../store/store'

/** Earlier runs the coach reads for a run: the latest this many of the same data. */
const HISTORY_RUNS = 30
/** Past runs' readings remembered across reads. */
const MEMO_LIMIT = 5000

type StoredRun = Omit<RunDetail, 'hints' | 'followUp'>

export class CoachReading {
  /**
   * A finished run's first hint, as its coach read it with its own history (the runs before it,
   * which later runs never change), keyed by the run and the ids of that history.
   */
  private readonly memo = new Map<string, Pick<PastRun, 'suggestion' | 'firstKind'>>()

  constructor(private readonly store: Store) {}

  read(run: StoredRun): { hints: Hint[]; followUp: FollowUp | null } {
    // The coach reads a run once it has ended: while it trains, its curves are still moving.
    if (isActiveStatus(run.status)) return { hints: [], followUp: null }
    const family = this.familyOf(run)
    const history = this.pastOf(family, run.id)
    const hints = this.hintsOf(run, history)
    // A sweep's run or an imported model followed no suggestion, whatever its settings look like.
    const followed =
      run.sweep || run.trainedIn !== 'lab'
        ? null
        : followUp(
            {
              hyperparams: run.hyperparams,
              status: run.status,
              testAccuracy: run.epochs.at(-1)?.testAccuracy ?? null,
              testDigits: topClass(run.confusion)?.total ?? run.hyperparams.limitTest ?? 10_000,
              classes: run.classNames.length || 10
            },
            history
          )
    return { hints, followUp: followed }
  }

  private hintsOf(run: StoredRun, history: PastRun[]): Hint[] {
    return coach({ ...run, batches: this.store.metrics.losses(run.id), inside: this.store.inside.lastPoint(run.id), history })
  }

  /** The finished lab runs of the same data (dataset and test digits) as `run`, oldest first. */
  private familyOf(run: StoredRun): RunSummary[] {
    return this.store.runs
      .list()
      .filter(
        (s) =>
          FINISHED.includes(s.status) &&
          // An imported model's settings are placeholders: it tried nothing the lab could repeat.
          s.trainedIn === 'lab' &&
          s.hyperparams.dataset === run.hyperparams.dataset &&
          s.hyperparams.limitTest === run.hyperparams.limitTest
      )
      .sort((a, b) => a.id - b.id)
  }

  /**
   * The history of the run `id`: the last HISTORY_RUNS of its family before it, each with its own
   * reading. Read oldest first, so each run's own history is known when it is read (memoised: a
   * run is read once, unless a run before it was deleted).
   */
  private pastOf(family: RunSummary[], id: number): PastRun[] {
    const known: PastRun[] = []
    for (const s of family) {
      if (s.id >= id) break
      const window = known.slice(-HISTORY_RUNS)
      const key = `${s.id}:${window.map((p) => p.id).join(',')}`
      let first = this.memo.get(key)
      if (!first) {
        const hint = this.hintsOf(this.store.getRun(s.id), window)[0]
        first = { suggestion: hint?.suggestion ?? null, firstKind: hint?.kind ?? null }
        if (this.memo.size >= MEMO_LIMIT) this.memo.clear()
        this.memo.set(key, first)
      }
      known.push({ id: s.id, name: s.name, hyperparams: s.hyperparams, status: s.status, testAccuracy: s.finalTestAccuracy, ...first })
    }
    return known.slice(-HISTORY_RUNS)
  }
}
