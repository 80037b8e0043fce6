/** A confusion-matrix cell chosen in a run's detail: true class (row), predicted class (column), the digits it holds. */
export interface ConfusionCell {
  truth: number
  predicted: number
  /** null: the matrix is not loaded; the embedding map may show only some of the cell's digits. */
  count?: number | null
}
