// How long a test waits, in one place. A wait ends as soon as what it waits for happens: these
// are deadlines that turn a hang into a failure, not sleeps, so they can be generous. They are
// sized for a busy machine (two cores shared with training, Chromium and another test run; or
// one core under `taskset -c 0`), where a page can take seconds to show what a fast one shows
// at once. vitest.config.ts gives WAIT_MS to every expect.poll, waitFor (wait.ts) takes it as
// its default, and the browser helpers give it to Playwright's own waits.
// Imports nothing: vitest.config.ts loads it.

/** Anything a test waits to see: a page showing what the lab did, a reply, a state change. */
export const WAIT_MS = 30_000

/** A wait that includes training a run (or a sweep's runs) from start to end. */
export const TRAINING_WAIT_MS = 4 * WAIT_MS

/** How often expect.poll checks again. */
export const POLL_EVERY_MS = 50
