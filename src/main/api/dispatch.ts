// One entry point for every shell: name + untrusted payload in, validated call, Reply out.
import { REQUEST_NAMES, type RequestName } from '../../shared/channels'
import { contract, type LabHandlers, type Reply } from '../../shared/contract'
import { describeIssues } from '../../shared/hyperparams'

export type Dispatch = (name: string, payload: unknown) => Promise<Reply<unknown>>

export function isRequestName(name: string): name is RequestName {
  return (REQUEST_NAMES as readonly string[]).includes(name)
}

export function createDispatch(handlers: LabHandlers): Dispatch {
  return async (name, payload) => {
    if (!isRequestName(name)) return { ok: false, error: `unknown request "${name}"` }
    const parsed = contract[name].input.safeParse(payload ?? undefined)
    if (!parsed.success) {
      const what = name === 'startRun' ? 'Invalid hyperparameters' : `Invalid ${name} request`
      return { ok: false, error: `${what}: ${describeIssues(parsed.error)}` }
    }
    try {
      const handler = handlers[name] as (input: unknown) => unknown
      return { ok: true, value: await handler(parsed.data) }
    } catch (err) {
      return { ok: false, error: (err as Error).message }
    }
  }
}
