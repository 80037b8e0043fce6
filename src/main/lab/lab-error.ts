// A request the lab refuses because of a run's state or a missing thing: shells turn `kind` into
// their own codes (HTTP status) without reading the message.
export class LabError extends Error {
  override name = 'LabError'
  constructor(
    message: string,
    readonly kind: 'missing' | 'conflict' = 'conflict'
  ) {
    super(message)
  }
}
