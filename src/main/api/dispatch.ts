// One entry point for every shell: name + untrusted payload in, validated call, Reply out.
import { REQUEST_NAMES, type RequestName } from '@shared/channels'
import { contract, type LabHandlers, type Reply } from '@shared/contract'
import { isErrorKind, type ErrorKind } from '@shared/lab-request-error'
import { describeIssues } from '@shared/fields'

export type Dispatch = (name: string, payload: unknown) => Promise<Reply<unknown>>

/** At most this many problems are listed: a payload with thousands of bad values gets a short answer. */
const MAX_ISSUES = 5

export function isRequestName(name: string): name is RequestName {
  return (REQUEST_NAMES as readonly string[]).includes(name)
}

/** Errors the lab throws carry their kind; anything else is a plain failure. */
function kindOf(err: unknown): ErrorKind {
  const kind = (err as { kind?: unknown }).kind
  return isErrorKind(kind) ? kind : (err as Error).name === 'ValidationError' ? 'invalid' : 'failed'
}

export function createDispatch(handlers: LabHandlers): Dispatch {
  return async (name, payload) => {
    if (!isRequestName(name)) return { ok: false, error: `unknown request "${name}"`, kind: 'unknown' }
    const parsed = contract[name].input.safeParse(payload ?? undefined)
    if (!parsed.success) {
      const what = name === 'startRun' ? 'Invalid settings' : `Invalid ${name} request`
      const issues = parsed.error.issues
      const shown = { ...parsed.error, issues: issues.slice(0, MAX_ISSUES) } as typeof parsed.error
      const more = issues.length > MAX_ISSUES ? ` (and ${issues.length - MAX_ISSUES} more)` : ''
      return { ok: false, error: `${what}: ${describeIssues(shown, 'The request')}${more}`, kind: 'invalid' }
    }
    try {
      const handler = handlers[name] as (input: unknown) => unknown
      return { ok: true, value: await handler(parsed.data) }
    } catch (err) {
      return { ok: false, error: (err as Error).message, kind: kindOf(err) }
    }
  }
}
