// The coach's reading of a stored run, with the learner's history: the earlier ended runs of the
// same data (dataset and subset sizes), each with what its own coach suggested then, so the coach
// never suggests what was tried and did no better, and says whether a followed suggestion helped.
import { isActiveStatus, type FollowUp, type Hint, type RunDetail, type RunSummary } from '@shared/run-types'
import { followUp, type PastRun } from '../coach/history'
import { coach } from '../coach/hints'
import type { Store } from '../store/store'

/** Earlier runs the coach reads: the latest this many of the same data. */
const HISTORY_RUNS = 30
/** Suggestions remembered across reads, keyed by the run and the runs before it. */
const MEMO_LIMIT = 2000

type StoredRun = Omit<RunDetail, 'hints' | 'followUp'>

export class CoachReading {
  private readonly suggestions = new Map<string, PastRun['suggestion']>()

  constructor(private readonly store: Store) {}

  read(run: StoredRun): { hints: Hint[]; followUp: FollowUp | null } {
    // The coach reads a run once it has ended: while it trains, its curves are still moving.
    if (isActiveStatus(run.status)) return { hints: [], followUp: null }
    const history = this.historyBefore(run)
    const hints = this.hintsOf(run, history)
    return { hints, followUp: followUp(run.hyperparams, run.status, run.epochs.at(-1)?.testAccuracy ?? null, history, run.classNames.length || 10) }
  }

  private hintsOf(run: StoredRun, history: PastRun[]): Hint[] {
    return coach({ ...run, batches: this.store.metrics.losses(run.id), inside: this.store.inside.lastPoint(run.id), history })
  }

  /** The ended runs of the same data started before this one, oldest first, each with its coach's suggestion as it read then. */
  private historyBefore(run: StoredRun): PastRun[] {
    const same = (s: RunSummary) =>
      s.id < run.id &&
      !isActiveStatus(s.status) &&
      // An imported model's settings are placeholders: it tried nothing the lab could repeat.
      s.trainedIn === 'lab' &&
      s.hyperparams.dataset === run.hyperparams.dataset &&
      s.hyperparams.limitTrain === run.hyperparams.limitTrain &&
      s.hyperparams.limitTest === run.hyperparams.limitTest
    const family = this.store.runs
      .list()
      .filter(same)
      .sort((a, b) => a.id - b.id)
      .slice(-HISTORY_RUNS)
    const past: PastRun[] = []
    for (const s of family) {
      const key = `${s.id}:${past.map((p) => p.id).join(',')}`
      let suggestion = this.suggestions.get(key)
      if (suggestion === undefined) {
        suggestion = this.hintsOf(this.store.getRun(s.id), [...past])[0]?.suggestion ?? null
        if (this.suggestions.size >= MEMO_LIMIT) this.suggestions.clear()
        this.suggestions.set(key, suggestion)
      }
      past.push({ id: s.id, name: s.name, hyperparams: s.hyperparams, status: s.status, testAccuracy: s.finalTestAccuracy, suggestion })
    }
    return past
  }
}
