// Why a request failed, as the page sees it, whichever way it went (IPC or HTTP): the request,
// the lab's message and the error's kind. The kind survives every hop as data, in the Reply
// envelope: Electron's contextBridge rebuilds a thrown error from its message alone, so the
// preload resolves with the envelope and the renderer's client raises this error from it, as
// the HTTP client does from the JSON it reads. Imports nothing but the request names, so the
// preload and the renderer can take it in without zod.
import type { RequestName } from './channels'

/**
 * Why a request failed: `unknown` request name, `invalid` payload, a `missing` run or file,
 * `conflict` with the run's state (not training, still training), `failed` otherwise.
 * Shells map kinds to their own codes (HTTP status) without reading messages.
 */
export const ERROR_KINDS = ['unknown', 'invalid', 'missing', 'conflict', 'failed'] as const
export type ErrorKind = (typeof ERROR_KINDS)[number]

export const isErrorKind = (k: unknown): k is ErrorKind => (ERROR_KINDS as readonly unknown[]).includes(k)

/** Every reply crosses the boundary in this envelope, so errors arrive as messages, not stack traces. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: string; kind: ErrorKind }

export class LabRequestError extends Error {
  override readonly name = 'LabRequestError'
  constructor(
    /** The request that failed; null where the page's own step failed, not a request (see `from`). */
    readonly request: RequestName | null,
    message: string,
    readonly kind: ErrorKind
  ) {
    super(message)
  }

  /** Any error as a LabRequestError: one already is; anything else (the page's own check, a bug) is a failure of its own. */
  static from(err: unknown, request: RequestName | null = null): LabRequestError {
    if (err instanceof LabRequestError) return err
    return new LabRequestError(request, err instanceof Error ? err.message : String(err), 'failed')
  }
}

/** The value of a reply, or its error raised as a LabRequestError of the reply's kind ('failed' where it names none). */
export function unwrapReply<T>(request: RequestName, reply: Reply<T>): T {
  if (reply.ok) return reply.value
  throw new LabRequestError(request, reply.error, isErrorKind(reply.kind) ? reply.kind : 'failed')
}
