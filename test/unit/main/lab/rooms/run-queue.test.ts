// The run queue: a lab trains at most N runs at once; the others wait as 'queued' in SQLite, start
// in order as runs end, can be cancelled, and outlive the lab that queued them. Real training on
// tiny MNIST subsets, real files; every wait is on the lab's own events.
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { maxConcurrentRuns } from '../../../../../src/main/lab/engine/concurrency'
import { Lab, type LabOptions } from '../../../../../src/main/lab/lab'
import { parseHyperparams } from '../../../../../src/shared/fields'
import type { LabEvent } from '../../../../../src/shared/run-types'
import { runTs } from '../../../../helpers/node-child'
import { nextRunEvent } from '../../../../helpers/row-events'
import { tempDir } from '../../../../helpers/tmp'

const dir = tempDir()
const labs: Lab[] = []
afterAll(() => Promise.all(labs.map((l) => l.close())))
function open(file: string, options: LabOptions = {}): Lab {
  const lab = new Lab({ dbPath: join(dir, file), ...options })
  labs.push(lab)
  return lab
}

const small = { architecture: { preset: 'mlp' as const, hidden: [8] }, limitTrain: 200, limitTest: 50, batchSize: 50 }
/** Four steps: over in a moment. */
const short = (name: string) => parseHyperparams({ ...small, name, epochs: 1 })
/** 4,000 steps: still training whenever the test acts on it; it is stopped, never waited for. */
const long = (name: string) => parseHyperparams({ ...small, name, epochs: 1000 })

/** What a UI hears: row changes as "id status", and each run's end as "id finished". */
function record(lab: Lab): string[] {
  const log: string[] = []
  lab.subscribe((e: LabEvent) => {
    if (e.type === 'run') log.push(`${e.run.id} ${e.run.status}`)
    if (e.type === 'finished') log.push(`${e.runId} finished`)
  })
  return log
}
const startedInOrder = (log: string[]) => log.filter((l) => l.endsWith(' running')).map((l) => Number(l.split(' ')[0]))
/** The most runs the log shows training at the same time. */
function mostAtOnce(log: string[]): number {
  let now = 0
  let most = 0
  for (const l of log) {
    if (l.endsWith(' running')) most = Math.max(most, ++now)
    if (l.endsWith(' finished')) now--
  }
  return most
}

describe('run queue', () => {
  it('queues runs beyond the limit, starts them in order one at a time, and cancels a queued run', async () => {
    const lab = open('order.db', { maxRuns: 1 })
    const log = record(lab)
    const a = (await lab.startRun(long('a'))).runId
    const b = (await lab.startRun(short('b'))).runId
    const c = (await lab.startRun(short('c'))).runId
    const d = (await lab.startRun(short('d'))).runId
    expect(log).toEqual([`${a} running`, `${b} queued`, `${c} queued`, `${d} queued`])
    expect(lab.listRuns().map((r) => `${r.name} ${r.status}`)).toEqual(['d queued', 'c queued', 'b queued', 'a running'])

    // A queued run has nothing to pause and is not deleted from under the queue; stopping cancels it.
    expect(() => lab.pauseRun(b)).toThrow(`run ${b} is queued: it can be paused once it starts; stop it to cancel it`)
    expect(() => lab.deleteRun(b)).toThrow(`run ${b} is queued: stop it (which cancels it) before deleting it`)
    lab.stopRun(c)
    expect(log.at(-1)).toBe(`${c} stopped`)
    expect(lab.getRun(c)).toMatchObject({ status: 'stopped', batchCount: 0, trainSeconds: null, finishedAt: expect.any(String) })

    // Pausing and resuming are row changes too: every view hears them.
    const paused = nextRunEvent(lab, `run ${a} paused`, (r) => r.id === a && r.status === 'paused')
    lab.pauseRun(a)
    await paused
    const resumed = nextRunEvent(lab, `run ${a} running again`, (r) => r.id === a && r.status === 'running')
    lab.resumeRun(a)
    await resumed

    lab.stopRun(a)
    expect(await lab.waitForRun(d)).toEqual({ status: 'completed', error: null })
    expect(await lab.waitForRun(b)).toEqual({ status: 'completed', error: null })
    expect(await lab.waitForRun(a)).toEqual({ status: 'stopped', error: null })
    expect(startedInOrder(log)).toEqual([a, a, b, d]) // a twice: started, then resumed
    expect(mostAtOnce(log.filter((l) => !l.startsWith(`${a} `)))).toBe(1)
    // b started only once a had ended, d only once b had.
    expect(log.indexOf(`${b} running`)).toBeGreaterThan(log.indexOf(`${a} finished`))
    expect(log.indexOf(`${d} running`)).toBeGreaterThan(log.indexOf(`${b} finished`))
    expect(lab.getRun(c).batchCount).toBe(0)
  })

  it('keeps the queue in the file: a lab opened after the first closed starts the queued runs, in order', async () => {
    const first = open('restart.db', { maxRuns: 1 })
    const a = (await first.startRun(long('a'))).runId
    const b = (await first.startRun(short('b'))).runId
    const c = (await first.startRun(short('c'))).runId
    await first.close()

    // The running run was stopped; the queued ones wait in the file, held by nobody.
    const file = new Database(first.dbPath, { readonly: true })
    expect(file.prepare('SELECT id, status, pid FROM runs ORDER BY id').all()).toEqual([
      { id: a, status: 'stopped', pid: process.pid },
      { id: b, status: 'queued', pid: null },
      { id: c, status: 'queued', pid: null }
    ])
    file.close()

    const second = open('restart.db', { maxRuns: 1 })
    const log = record(second)
    expect(await second.waitForRun(c)).toEqual({ status: 'completed', error: null })
    expect(await second.waitForRun(b)).toEqual({ status: 'completed', error: null })
    expect(startedInOrder(log)).toEqual([b, c])
    expect(mostAtOnce(log)).toBe(1)
  })

  it('adopts a queued run whose owner on another machine went silent, not one whose owner still beats; a CLI run adopts none', async () => {
    const lab = open('adopt.db', { maxRuns: 1 })
    const hp = JSON.stringify(short('x'))
    const other = new Database(lab.dbPath)
    const insert = other.prepare(
      `INSERT INTO runs (name, status, created_at, hyperparams, preset, dataset, pid, host, heartbeat_at) VALUES (?, 'queued', '2026-01-01T00:00:00Z', ?, 'mlp', 'mnist', ?, ?, ?)`
    )
    const started = nextRunEvent(lab, "the silent owner's queued run to start", (r) => r.name === 'orphan' && r.status === 'running', { timeoutMs: 20_000 })
    const ids = other.transaction(() => ({
      held: Number(insert.run('held', hp, 4243, 'elsewhere.example', Date.now() + 3_600_000).lastInsertRowid),
      orphan: Number(insert.run('orphan', hp, 4242, 'elsewhere.example', Date.now() - 60_000).lastInsertRowid)
    }))()
    other.close()
    await started
    // One pass of the queue took the orphan and skipped the held run, though it is first in line.
    expect(lab.getRun(ids.held).status).toBe('queued')
    expect(await lab.waitForRun(ids.orphan)).toEqual({ status: 'completed', error: null })
    expect(lab.getRun(ids.held).status).toBe('queued')

    // A queued run left by a lab that closed: the terminal trains its own run and leaves it be.
    const left = open('left.db', { maxRuns: 1 })
    await left.startRun(long('running'))
    const waiting = (await left.startRun(short('waiting'))).runId
    await left.close()
    const cli = await runTs('src/main/cli/train.ts', [
      '--db',
      left.dbPath,
      '--preset',
      'mlp',
      '--hidden',
      '8',
      '--limit-train',
      '200',
      '--limit-test',
      '50',
      '--batch-size',
      '50',
      '--json'
    ])
    expect(cli.code).toBe(0)
    const file = new Database(left.dbPath, { readonly: true })
    expect(file.prepare('SELECT status FROM runs WHERE id = ?').get(waiting)).toEqual({ status: 'queued' })
    file.close()
  })

  it('trains as many at once as allowed: one per two cores by default, DIGIT_LAB_MAX_RUNS or the option otherwise', async () => {
    expect([1, 2, 3, 4, 16].map((cores) => maxConcurrentRuns(undefined, {}, cores))).toEqual([1, 1, 1, 2, 8])
    expect(maxConcurrentRuns(undefined, { DIGIT_LAB_MAX_RUNS: '3' }, 2)).toBe(3)
    expect(maxConcurrentRuns(2, { DIGIT_LAB_MAX_RUNS: '3' }, 2)).toBe(2)
    for (const bad of ['two', '0', '1.5', '-1']) {
      expect(() => maxConcurrentRuns(undefined, { DIGIT_LAB_MAX_RUNS: bad }, 2)).toThrow(
        `DIGIT_LAB_MAX_RUNS must be a whole number of at least 1 (got "${bad}")`
      )
    }
    expect(() => maxConcurrentRuns(0)).toThrow('maxRuns must be a whole number of at least 1 (got 0)')

    process.env.DIGIT_LAB_MAX_RUNS = '2'
    let lab: Lab
    try {
      lab = open('two.db')
    } finally {
      delete process.env.DIGIT_LAB_MAX_RUNS
    }
    const runs: number[] = []
    for (const name of ['a', 'b', 'c']) runs.push((await lab.startRun(long(name))).runId)
    expect(runs.map((id) => lab.getRun(id).status)).toEqual(['running', 'running', 'queued'])
    for (const id of runs) lab.stopRun(id)
    for (const id of runs) expect((await lab.waitForRun(id)).status).toBe('stopped')
  })
})
