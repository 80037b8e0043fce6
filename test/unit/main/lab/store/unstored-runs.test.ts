// A run whose rows cannot be written says so: it never reads 'completed' with half its log
// missing. The write queue's policy (a lock is waited out, a full disk is not), then the issue's
// own replay: a CLI run under a file-size limit (ulimit -f), on a real SQLite file.
import Database from 'better-sqlite3'
import { spawn } from 'node:child_process'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { StoreError } from '../../../../../src/main/lab/store/db'

import { WriteQueue, type WriteHealth } from '../../../../../src/main/lab/store/write-queue'
import { ROOT, runTs } from '../../../../helpers/node-child'
import { tempDir } from '../../../../helpers/tmp'

const dir = tempDir()
const failing = (code: string) => () => {
  throw new StoreError(`db: ${code}`, 'failed', code)
}

describe('the write queue', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())
  const policy = { retryMs: 100, lockedMs: 60_000, failingMs: 1_000 }

  it('gives a run up after failing for failingMs on a full disk: health says so, settled says false, later writes are dropped', async () => {
    const health: WriteHealth[] = []
    const lost: [number, string][] = []
    const q = new WriteQueue(
      (h) => health.push(h),
      (runId, reason) => lost.push([runId, reason]),
      policy
    )
    let full = true
    let landed = 0
    q.persist(1, () => (full ? failing('SQLITE_FULL')() : landed++))
    expect(health).toEqual([{ error: 'db: SQLITE_FULL', retrying: true }])
    const settled = q.settled(1)
    await vi.advanceTimersByTimeAsync(900)
    expect(lost).toEqual([])
    await vi.advanceTimersByTimeAsync(200)
    expect(lost).toEqual([[1, 'db: SQLITE_FULL']])
    expect(q.state).toEqual({ error: 'db: SQLITE_FULL', retrying: false })
    expect(health.at(-1)).toEqual({ error: 'db: SQLITE_FULL', retrying: false })
    await vi.advanceTimersByTimeAsync(100)
    expect(await settled).toBe(false)
    expect(q.lostReason(1)).toBe('db: SQLITE_FULL')
    // Space again: the given-up run's later writes stay dropped; another run's land, and the error clears.
    full = false
    q.persist(1, () => landed++)
    expect(landed).toBe(0)
    q.persist(2, () => landed++)
    expect(landed).toBe(1)
    expect(q.state).toEqual({ error: null, retrying: false })
    expect(await q.settled(2)).toBe(true)
  })

  it("waits out another process's lock far longer, and loses nothing once it is released", async () => {
    const lost: number[] = []
    const q = new WriteQueue(
      () => {},
      (runId) => lost.push(runId),
      policy
    )
    let locked = true
    const written: number[] = []
    for (const n of [1, 2, 3]) q.persist(7, () => (locked ? failing('SQLITE_BUSY')() : written.push(n)))
    const settled = q.settled(7)
    await vi.advanceTimersByTimeAsync(30_000)
    expect(lost).toEqual([])
    expect(q.state).toEqual({ error: 'db: SQLITE_BUSY', retrying: true })
    locked = false
    await vi.advanceTimersByTimeAsync(200)
    expect(written).toEqual([1, 2, 3])
    expect(await settled).toBe(true)
    expect(q.state).toEqual({ error: null, retrying: false })
  })

  it('gives up what still waits when it closes, so no one waits for it forever', async () => {
    const q = new WriteQueue(
      () => {},
      () => {},
      policy
    )
    q.persist(3, failing('SQLITE_BUSY'))
    const settled = q.settled(3)
    q.close()
    await vi.advanceTimersByTimeAsync(200)
    expect(await settled).toBe(false)
  })
})

/** Runs a shell command line in the project root: `ulimit` is the shell's. */
function sh(line: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', line], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

describe('a CLI run that hits a file-size limit', () => {
  it('ends failed, exit 1, saying exactly what the file holds; the file never says completed', async () => {
    const db = join(dir, 'limited.db')
    const first = await runTs('src/main/cli/train.ts', [
      '--db',
      db,
      '--preset',
      'mlp',
      '--hidden',
      '16',
      '--epochs',
      '1',
      '--limit-train',
      '1000',
      '--limit-test',
      '100',
      '--json'
    ])
    expect(first.code, first.stderr).toBe(0)
    // Room for a little more than the file holds now: the next run outgrows it during its log.
    const kib = Math.ceil(statSync(db).size / 1024) + 96
    const flags = `--db '${db}' --preset mlp --hidden 16 --batch-size 20 --epochs 3 --limit-train 6000 --limit-test 200 --json`
    const r = await sh(`ulimit -f ${kib}; exec '${process.execPath}' --import tsx src/main/cli/train.ts ${flags}`)
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { runId: number; status: string; error: string }
    expect({ code: r.code, status: summary.status }, r.stderr).toEqual({ code: 1, status: 'failed' })
    expect(r.stderr).toMatch(/retrying, what is not written yet is kept\n/)
    expect(r.stderr).toMatch(/what could not be written was given up\n/)
    expect(r.stderr).not.toMatch(/nothing is lost/)

    // The sentence counts what is in the file, read back by another connection.
    const file = new Database(db, { readonly: true })
    const epochs = (file.prepare('SELECT COUNT(*) AS n FROM epoch_metrics WHERE run_id = ?').get(summary.runId) as { n: number }).n
    const after = (file.prepare('SELECT COUNT(*) AS n FROM batch_metrics WHERE run_id = ? AND epoch > ?').get(summary.runId, epochs) as { n: number }).n
    const row = file.prepare('SELECT status, error FROM runs WHERE id = ?').get(summary.runId) as { status: string; error: string | null }
    file.close()
    expect(epochs).toBeLessThan(3)
    const stored = [epochs === 1 ? 'epoch 1' : epochs > 1 ? `epochs 1–${epochs}` : '', after ? `${after} of 300 batches of epoch ${epochs + 1}` : '']
      .filter(Boolean)
      .join(' and ')
    const said = stored
      ? `Only ${stored} ${epochs === 1 && !after ? 'was' : 'were'} stored; the rest could not be written: `
      : 'Nothing of this run could be stored: '
    expect(summary.error.startsWith(said), `${summary.error}\nexpected to start with: ${said}`).toBe(true)
    expect(summary.error).toMatch(/limited\.db: (disk I\/O error|database or disk is full)$/)
    // Its last word reached the file, or the file still has the run as its dead process left it,
    // which every reader shows as interrupted: never completed.
    if (row.status === 'failed') expect(row.error).toBe(summary.error)
    else {
      expect(row.status).toBe('running')
      const shown = await runTs('src/main/cli/runs.ts', ['--db', db, 'show', String(summary.runId)])
      expect(shown.stdout).toMatch(/status {5}interrupted \(/)
    }
  })
})
