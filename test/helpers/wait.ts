// Waiting on a condition, not on the clock: the deadline only turns a hang into a failure that
// says what never happened and what was last seen. A check that throws fails the wait at once.
import { WAIT_MS } from './timeouts'

export async function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { timeoutMs = WAIT_MS, everyMs = 25, seen }: { timeoutMs?: number; everyMs?: number; seen?: () => unknown } = {}
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== null && value !== false) return value
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000}s for ${what}, in vain${seen ? `; last seen: ${JSON.stringify(seen())}` : ''}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}
