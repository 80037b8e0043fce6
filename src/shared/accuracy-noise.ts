// How precisely a test set measures an accuracy: twice the binomial standard error of an accuracy
// near `p` on `n` test digits (about ±1.9 points at 90% on 1,000 digits). Two accuracies closer
// than this differ by the test set's luck, not by what the settings did. The coach's verdicts and
// the sweep's reading both judge "moved" and "better" by it.
export function accuracyNoise(p: number, n: number): number {
  const q = Math.min(0.99, Math.max(0.01, p))
  return 2 * Math.sqrt((q * (1 - q)) / Math.max(1, n))
}
