// What a lesson is: data a teacher writes once (one file per lesson in this folder, listed in
// index.ts), read by the Course view, the lesson CLI and the core that checks answers. Pure: no
// Node, no DOM. A lesson's right answer is never a key: `finding` computes it from the learner's
// own runs, because what a run shows depends on its seed and its machine.
import type { HyperparamsInput } from '../hyperparams'
import type { EpochMetric, LayerSummary, Misclassified, RunSummary } from '../run-types'
import type { SweepAxis } from '../sweep'

/** One ended run as a lesson's question reads it. */
export interface RunEvidence {
  run: RunSummary
  epochs: EpochMetric[]
  layers: LayerSummary[]
  /** What the run got wrong after its last epoch. */
  mistakes: Misclassified[]
}

export interface Choice {
  id: string
  label: string
}

/** The answer the runs give, and the numbers that give it (said once the learner got it right, and by the CLI). */
export interface Finding {
  /** The right choices: several where runs tie. */
  choices: string[]
  evidence: string
}

/** Where the evidence is: a view of the lab, with the lesson's runs (and epoch) selected. */
export interface LessonLook {
  view: 'compare' | 'runs' | 'sweeps' | 'draw'
  /** For 'runs' and 'draw': which of the lesson's runs (by its place in the experiment), default the first. */
  run?: number
  /** For 'runs': the epoch to open (default the last). */
  epoch?: number
  /** For 'runs': open the inside of the network. */
  inside?: boolean
  /** What to look at there, in a sentence. */
  what: string
}

export interface Lesson {
  /** Lower-case words with dashes: in URLs and on the command line. */
  id: string
  title: string
  /** A few sentences in the lab's own words. */
  explanation: string[]
  /** The deck's formula, where the idea has one, as plain text. */
  formula?: string
  /**
   * The experiment: one run or a small sweep, sized to about two minutes on two cores. With no
   * axes it is a single run of `base`.
   */
  experiment: { base: HyperparamsInput; axes?: SweepAxis[] }
  look: LessonLook
  question: {
    prompt: string
    choices: Choice[]
    /** Where to look when the answer was wrong: a pointer to the evidence, never the answer. */
    pointer: string
    /** The answer the learner's runs give; null when they cannot tell (say why in `evidence`). */
    finding(runs: RunEvidence[]): Finding | null
  }
}
