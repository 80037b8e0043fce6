// What a confusion matrix says, and how two runs differ. Pure functions: unit-tested in Node.

export interface ClassScore {
  precision: number
  recall: number
  f1: number
  support: number
}

/** Rows are true classes, columns predicted. A class never predicted has precision 0 (not NaN). */
export function classScores(matrix: number[][]): ClassScore[] {
  return matrix.map((row, k) => {
    const tp = row[k]
    const support = row.reduce((a, b) => a + b, 0)
    const predicted = matrix.reduce((a, r) => a + r[k], 0)
    const precision = predicted ? tp / predicted : 0
    const recall = support ? tp / support : 0
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0
    return { precision, recall, f1, support }
  })
}

export function macroF1(matrix: number[][]): number {
  const scores = classScores(matrix)
  return scores.reduce((a, s) => a + s.f1, 0) / Math.max(scores.length, 1)
}

export function rowRates(matrix: number[][]): number[][] {
  return matrix.map((row) => {
    const total = row.reduce((a, b) => a + b, 0)
    return row.map((v) => (total ? v / total : 0))
  })
}

/** b - a, cell by cell: positive where run b puts more examples than run a. */
export function confusionDiff(a: number[][], b: number[][]): number[][] {
  if (a.length !== b.length) throw new Error(`confusion matrices differ in size (${a.length} vs ${b.length})`)
  return a.map((row, i) => row.map((v, j) => b[i][j] - v))
}

export interface Ledger {
  /** Test indices run A gets right and run B gets wrong, and the reverse. */
  onlyAWrong: number[]
  onlyBWrong: number[]
  /** Wrong in every run given. */
  allWrong: number[]
}

/**
 * From each run's set of misclassified test indices (same test set). Indices absent from a run's
 * set were classified correctly by it.
 */
export function ledger(wrongByRun: number[][]): Ledger {
  const sets = wrongByRun.map((w) => new Set(w))
  const [a, b] = sets
  const sorted = (xs: Iterable<number>) => [...xs].sort((x, y) => x - y)
  return {
    onlyAWrong: a && b ? sorted([...a].filter((i) => !b.has(i))) : [],
    onlyBWrong: a && b ? sorted([...b].filter((i) => !a.has(i))) : [],
    allWrong: sets.length ? sorted([...sets[0]].filter((i) => sets.every((s) => s.has(i)))) : []
  }
}
