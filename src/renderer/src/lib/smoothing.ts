/**
 * Debiased exponential moving average (as TensorBoard smooths): dividing by 1 - w^n removes
 * the pull towards zero that a plain EMA started at 0 shows in its first points.
 */
export function smooth(values: number[], weight: number): number[] {
  if (weight <= 0) return values.slice()
  const out: number[] = []
  let last = 0
  let n = 0
  for (const v of values) {
    if (!Number.isFinite(v)) {
      out.push(v)
      continue
    }
    last = last * weight + (1 - weight) * v
    n++
    out.push(last / (1 - weight ** n))
  }
  return out
}
