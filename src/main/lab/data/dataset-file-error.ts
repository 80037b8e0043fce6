// A dataset file the lab refuses: the message names the file (by its full path) and the rule it
// breaks, never the file's bytes.
export class DatasetFileError extends Error {
  override name = 'DatasetFileError'
  readonly kind = 'invalid'
  constructor(
    readonly file: string,
    problem: string
  ) {
    super(`${file}: ${problem}`)
  }
}
