// Starts `npm run serve`'s entry as a real child process on a temporary database and port.
import type { ChildProcess } from 'node:child_process'
import { isActiveStatus, type RunStatus } from '../../src/shared/run-types'
import { spawnTs } from './node-child'
import { TRAINING_WAIT_MS, WAIT_MS } from './timeouts'
import { waitFor } from './wait'

export interface Served {
  /** As printed: the token is in the fragment, so opening it in a browser just works. */
  url: string
  origin: string
  port: number
  token: string
  child: ChildProcess
  output: () => string
  stop(): Promise<void>
}

export async function serve(db: string, extra: string[] = []): Promise<Served> {
  const child = spawnTs('src/main/serve/cli.ts', ['--port', '0', '--db', db, ...extra])
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 2 * WAIT_MS)
    const check = () => {
      const m = /Digit Lab is ready at (\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1])
      }
    }
    child.stdout!.on('data', check)
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${out}`)))
  })
  const parsed = new URL(url)
  return {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    token: new URLSearchParams(parsed.hash.slice(1)).get('token')!,
    child,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode != null) return resolve()
        child.on('exit', () => resolve())
        child.kill('SIGTERM')
      })
  }
}

/** A request to a running serve, as a script would send it: the token header, no Origin. */
export async function callLab<T>(s: Served, name: string, body: unknown = {}): Promise<T> {
  const res = await fetch(`${s.origin}/api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-digit-lab-token': s.token },
    body: JSON.stringify(body)
  })
  const reply = (await res.json()) as { ok: true; value: T } | { ok: false; error: string }
  if (!reply.ok) throw new Error(reply.error)
  return reply.value
}

/** The run once it has ended (any final status), read back from the lab. */
export function endedRun<T extends { status: string }>(s: Served, runId: number): Promise<T> {
  return waitFor(
    `run ${runId} to end`,
    async () => {
      const r = await callLab<T>(s, 'getRun', { runId })
      return isActiveStatus(r.status as RunStatus) ? null : r
    },
    { timeoutMs: TRAINING_WAIT_MS, everyMs: 200 }
  )
}

/**
 * Stops every run still queued, training or paused, and waits until each has ended: what one test
 * leaves behind (a run it stops itself, had it not failed first) never holds up the next test's
 * runs, which would otherwise wait their turn in the lab's queue (one run per two cores).
 */
export async function stopActiveRuns(s: Served): Promise<void> {
  const active = (await callLab<{ id: number; status: string }[]>(s, 'listRuns')).filter((r) => isActiveStatus(r.status as RunStatus))
  // A run may end on its own between the list and the stop: that refusal is no failure.
  for (const { id } of active) await callLab(s, 'stopRun', { runId: id }).catch(() => undefined)
  for (const { id } of active) await endedRun(s, id)
}

/** A run started through the API and trained to its end: its id; fails, saying why, unless it completed. */
export async function completedRun(s: Served, settings: Record<string, unknown>): Promise<number> {
  const { runId } = await callLab<{ runId: number }>(s, 'startRun', settings)
  const run = await endedRun<{ status: string; error: string | null }>(s, runId)
  if (run.status !== 'completed') throw new Error(`run ${runId} (${JSON.stringify(settings.name)}) ended ${run.status}: ${run.error}`)
  return runId
}

/** The id of the one run named `name`, once the lab has it: for a run a test started from the page. */
export function runNamed(s: Served, name: string): Promise<number> {
  return waitFor(`a run named ${JSON.stringify(name)}`, async () => {
    const named = (await callLab<{ id: number; name: string }[]>(s, 'listRuns')).filter((r) => r.name === name)
    if (named.length > 1) throw new Error(`${named.length} runs are named ${JSON.stringify(name)}: runs ${named.map((r) => r.id).join(', ')}`)
    return named[0]?.id
  })
}
