// A run whose process died is noticed by every lab open on the file, without reopening it: by
// pid on this machine, by heartbeat age for a run owned on another machine. Real processes, a
// real SQLite file shared between them.
import Database from 'better-sqlite3'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Lab } from '../../../../../src/main/lab/lab'
import { parseHyperparams } from '../../../../../src/shared/fields'
import { runTs, spawnTs } from '../../../../helpers/node-child'
import { nextRunEvent } from '../../../../helpers/row-events'
import { tempDir } from '../../../../helpers/tmp'
import { waitFor } from '../../../../helpers/wait'

const dir = tempDir()
const labs: Lab[] = []
afterAll(() => Promise.all(labs.map((l) => l.close())))
const open = (file: string) => {
  const lab = new Lab({ dbPath: join(dir, file) })
  labs.push(lab)
  return lab
}

describe('dead runs', () => {
  it('an open lab marks a CLI run killed with SIGKILL interrupted, with its training time, and tells its listeners', async () => {
    const lab = open('killed.db')
    const child = spawnTs('src/main/cli/train.ts', [
      '--db',
      lab.dbPath,
      '--preset',
      'mlp',
      '--hidden',
      '16',
      '--batch-size',
      '10',
      '--epochs',
      '100',
      '--limit-train',
      '2000',
      '--limit-test',
      '100',
      '--json'
    ])
    const exited = new Promise((r) => child.on('exit', r))
    let stderr = ''
    child.stderr!.on('data', (d) => (stderr += d))
    // The lab reads what the other process wrote: its run, and batches with a training time.
    const runId = await waitFor(
      'the CLI run to log 20 batches',
      () => {
        const run = lab.listRuns()[0]
        return run && lab.getRun(run.id).batchCount >= 20 && run.id
      },
      { seen: () => stderr }
    )
    expect(lab.getRun(runId).status).toBe('running')
    expect(() => lab.stopRun(runId)).toThrow(`run ${runId} is not training in this lab`)

    const interrupted = nextRunEvent(lab, `run ${runId} as interrupted`, (r) => r.id === runId && r.status === 'interrupted', { timeoutMs: 20_000 })
    child.kill('SIGKILL')
    await exited
    const row = await interrupted

    // The time it trained: its last logged batch's, or its finished epochs' if those were stored
    // after it (an epoch's time includes its evaluation).
    const { batches, epochs } = lab.runMetrics(runId)
    const trained = Math.max(
      batches.at(-1)!.elapsed,
      epochs.reduce((sum, e) => sum + e.seconds, 0)
    )
    expect(row.error).toMatch(new RegExp(`the process running it \\(pid ${child.pid}\\) stopped before it finished`))
    expect(row.finishedAt).not.toBeNull()
    expect(row.trainSeconds).toBeGreaterThan(0)
    expect(row.trainSeconds).toBe(trained)
    expect(lab.getRun(runId)).toMatchObject({ status: 'interrupted', trainSeconds: trained })
  })

  it('runs list and show, with no writing lab open, see a CLI run killed with SIGKILL as interrupted, writing nothing', async () => {
    const db = join(dir, 'read-only.db')
    const child = spawnTs('src/main/cli/train.ts', [
      '--db',
      db,
      '--preset',
      'mlp',
      '--hidden',
      '16',
      '--batch-size',
      '10',
      '--epochs',
      '100',
      '--limit-train',
      '2000',
      '--limit-test',
      '100',
      '--json'
    ])
    const exited = new Promise((r) => child.on('exit', r))
    await waitFor('the CLI run to log batches', () => {
      try {
        const file = new Database(db, { readonly: true, fileMustExist: true })
        const n = (file.prepare('SELECT COUNT(*) AS n FROM batch_metrics').get() as { n: number }).n
        file.close()
        return n >= 20
      } catch {
        return false // not created yet
      }
    })
    child.kill('SIGKILL')
    await exited
    const stored = () => {
      const file = new Database(db, { readonly: true })
      const row = file.prepare('SELECT status, error FROM runs').get()
      file.close()
      return row
    }
    expect(stored()).toEqual({ status: 'running', error: null })
    const because = `the process running it (pid ${child.pid}) stopped before it finished`
    const listed = await runTs('src/main/cli/runs.ts', ['list', '--json', '--db', db])
    expect(JSON.parse(listed.stdout)).toMatchObject([{ id: 1, status: 'interrupted', error: because }])
    const shown = await runTs('src/main/cli/runs.ts', ['show', '1', '--db', db])
    expect(shown.stdout).toContain(`  status     interrupted (${because})`)
    // Said, not written: the file still holds what the dead process left.
    expect(stored()).toEqual({ status: 'running', error: null })
  })

  it('beats a heartbeat on the runs it trains, and only on those', async () => {
    const lab = open('beats.db')
    const file = new Database(lab.dbPath)
    // A row left 'running' by an earlier process that had this one's pid: not this lab's run.
    const ghost = Number(
      file
        .prepare(
          `INSERT INTO runs (name, status, created_at, hyperparams, preset, dataset, pid, host, heartbeat_at) VALUES ('ghost', 'running', '2026-01-01T00:00:00Z', ?, 'mlp', 'mnist', ?, ?, 1000)`
        )
        .run(JSON.stringify(parseHyperparams({})), process.pid, hostname()).lastInsertRowid
    )
    const heartbeat = (id: number) => (file.prepare('SELECT heartbeat_at AS at FROM runs WHERE id = ?').get(id) as { at: number }).at
    // Long enough to outlive several heartbeats on the fastest engine (it is stopped below).
    const { runId } = await lab.startRun(
      parseHyperparams({ architecture: { preset: 'mlp', hidden: [8] }, epochs: 1000, limitTrain: 5000, limitTest: 50, batchSize: 10 })
    )
    const first = heartbeat(runId)
    await waitFor(`a heartbeat on run ${runId} after its first`, () => heartbeat(runId) > first, { timeoutMs: 20_000 })
    // The same statement passed over the ghost.
    expect(heartbeat(ghost)).toBe(1000)
    file.close()
    lab.stopRun(runId)
    expect((await lab.waitForRun(runId)).status).toBe('stopped')
  })

  it('judges a run owned on another machine by its heartbeat, one owned here by its pid', async () => {
    const lab = open('hosts.db')
    const hp = JSON.stringify(parseHyperparams({}))
    // Another process writes the rows, as labs elsewhere would: one silent for a minute, one that
    // beat a moment ago (its clock ahead of ours), one on this machine whose process is alive.
    const other = new Database(lab.dbPath)
    const insert = other.prepare(
      `INSERT INTO runs (name, status, created_at, hyperparams, preset, dataset, pid, host, heartbeat_at) VALUES (?, 'running', '2026-01-01T00:00:00Z', ?, 'seed-cnn', 'mnist', ?, ?, ?)`
    )
    const interrupted = nextRunEvent(lab, 'the silent remote run as interrupted', (r) => r.name === 'silent' && r.status === 'interrupted', {
      timeoutMs: 20_000
    })
    const ids = other.transaction(() => ({
      silent: Number(insert.run('silent', hp, 4242, 'elsewhere.example', Date.now() - 60_000).lastInsertRowid),
      beating: Number(insert.run('beating', hp, 4243, 'elsewhere.example', Date.now() + 3_600_000).lastInsertRowid),
      alive: Number(insert.run('alive here', hp, process.ppid, null, null).lastInsertRowid)
    }))()
    other.close()
    const row = await interrupted
    expect(row.error).toMatch(/pid 4242 on elsewhere\.example, silent since/)
    // The same check saw all three rows: the others are still running.
    expect(lab.getRun(ids.beating).status).toBe('running')
    expect(lab.getRun(ids.alive).status).toBe('running')
  })
})
