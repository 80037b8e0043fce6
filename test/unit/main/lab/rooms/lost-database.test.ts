// The database file deleted or cut short while a lab has it open (#16, finding 3). Before, a
// run trained on into the deleted file and said completed, and after a restart the file was
// empty; a truncated file left the run running forever and new runs were still accepted. Real
// labs on real files, deleted and truncated under them.
import Database from 'better-sqlite3'
import { existsSync, readdirSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Lab } from '../../../../../src/main/lab/lab'
import { parseHyperparams } from '../../../../../src/shared/fields'
import type { StoreHealth } from '../../../../../src/shared/run-types'
import { runTs, spawnTs } from '../../../../helpers/node-child'
import { tempDir } from '../../../../helpers/tmp'
import { waitFor } from '../../../../helpers/wait'

const labs: Lab[] = []
afterAll(() => Promise.all(labs.map((l) => l.close())))
const open = (dir: string) => {
  const lab = new Lab({ dbPath: join(dir, 'lab.db'), retry: { failingMs: 2_000 } })
  labs.push(lab)
  return lab
}
/** A run long enough to outlive the checks below, stopped by each test. */
const longRun = parseHyperparams({ architecture: { preset: 'mlp', hidden: [8] }, epochs: 1000, limitTrain: 1000, limitTest: 50, batchSize: 50 })
const shortRun = parseHyperparams({ architecture: { preset: 'mlp', hidden: [8] }, epochs: 2, limitTrain: 500, limitTest: 50, batchSize: 50 })

function healthEvents(lab: Lab): StoreHealth[] {
  const seen: StoreHealth[] = []
  lab.subscribe((e) => {
    if (e.type === 'store') seen.push({ error: e.error, retrying: e.retrying, fileLost: e.fileLost, rescuedTo: e.rescuedTo })
  })
  return seen
}

describe('a database file deleted under a lab', () => {
  it('is noticed: new runs are refused, the open run carries on, and closing saves everything beside it', async () => {
    const dir = tempDir()
    const lab = open(dir)
    const health = healthEvents(lab)
    const { runId } = await lab.startRun(shortRun)
    expect(() => lab.rescueDatabase()).toThrow(/is still the file this lab opened: there is nothing to rescue/)
    unlinkSync(lab.dbPath)
    const lost = await waitFor('the lab to notice its file is gone', () => health.find((h) => h.fileLost)?.fileLost)
    expect(lost).toBe(`${lab.dbPath} was deleted while the lab had it open`)
    await expect(lab.startRun(shortRun)).rejects.toThrow(
      `${lost}. New runs are refused: they would be stored where no one can read them back. Save what the lab holds (Rescue), then restart it`
    )
    expect(lab.storeHealth()).toMatchObject({ fileLost: lost, rescuedTo: null })

    expect((await lab.waitForRun(runId)).status).toBe('completed')
    const steps = lab.getRun(runId).batchCount
    await lab.close()
    const rescued = lab.storeHealth().rescuedTo!
    expect(rescued).toMatch(
      new RegExp(`^${lab.dbPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.rescued-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d-\\d{3}\\.db$`)
    )
    // The saved file holds the run, whole, and a lab opens it as its own.
    const again = open(dir)
    await again.close()
    const file = new Database(rescued, { readonly: true })
    const run = file.prepare('SELECT status FROM runs WHERE id = ?').get(runId) as { status: string }
    const batches = (file.prepare('SELECT COUNT(*) AS n FROM batch_metrics WHERE run_id = ?').get(runId) as { n: number }).n
    const weights = (file.prepare('SELECT COUNT(*) AS n FROM weights WHERE run_id = ?').get(runId) as { n: number }).n
    file.close()
    expect({ status: run.status, batches, weights }).toEqual({ status: 'completed', batches: steps, weights: 1 })
    expect(steps).toBe(20)
  })

  it('saves on request under a plain name beside the lost file, not while a run trains, and again on close if changed since', async () => {
    const dir = tempDir()
    const lab = open(dir)
    const { runId } = await lab.startRun(longRun)
    await waitFor('a few batches', () => lab.getRun(runId).batchCount > 0)
    unlinkSync(lab.dbPath)
    await waitFor('the lab to notice its file is gone', () => lab.storeHealth().fileLost)
    // A copy now would miss the run's last rows.
    expect(() => lab.rescueDatabase('saved.db')).toThrow(`run ${runId} is still training: a copy taken now would miss its last rows`)
    lab.stopRun(runId)
    expect((await lab.waitForRun(runId)).status).toBe('stopped')
    writeFileSync(join(dir, 'taken.db'), 'x')
    expect(() => lab.rescueDatabase('taken.db')).toThrow(`${join(dir, 'taken.db')} already exists: choose a new file name`)
    for (const name of ['../saved.db', '/tmp/saved.db', 'saved.db\0', 'x\0.db', 'saved']) {
      expect(() => lab.rescueDatabase(name), name).toThrow('save as a plain file name ending in .db, saved beside the lost file')
    }
    expect(lab.rescueDatabase('saved.db')).toEqual({ path: join(dir, 'saved.db') })
    expect(lab.storeHealth().rescuedTo).toBe(join(dir, 'saved.db'))
    // A change after the copy: closing saves again, so it is not lost with the process.
    lab.renameRun(runId, 'renamed after the rescue')
    await lab.close()
    const names = (file: string) => {
      const db = new Database(file, { readonly: true })
      const rows = db.prepare('SELECT name, status FROM runs').all()
      db.close()
      return rows
    }
    expect(names(join(dir, 'saved.db'))).toEqual([{ name: expect.not.stringContaining('renamed'), status: 'stopped' }])
    const again = readdirSync(dir).filter((f) => f.startsWith('lab.db.rescued-'))
    expect(again).toHaveLength(1)
    expect(names(join(dir, again[0]))).toEqual([{ name: 'renamed after the rescue', status: 'stopped' }])
    expect(lab.storeHealth().rescuedTo).toBe(join(dir, again[0]))
  })

  it('a CLI run saves where --rescue-to says and says so, not the path that is gone', async () => {
    const dir = tempDir()
    const db = join(dir, 'cli.db')
    const chosen = join(dir, 'chosen.db')
    writeFileSync(join(dir, 'taken.db'), 'x')
    const taken = await runTs('src/main/cli/train.ts', ['--db', db, '--rescue-to', join(dir, 'taken.db')])
    expect({ code: taken.code, stderr: taken.stderr }).toEqual({
      code: 2,
      stderr: `digit-lab: --rescue-to takes a new file ending in .db (got "${join(dir, 'taken.db')}", which exists)\n`
    })
    const child = spawnTs('src/main/cli/train.ts', [
      '--db',
      db,
      '--rescue-to',
      chosen,
      '--preset',
      'mlp',
      '--hidden',
      '8',
      '--epochs',
      '3',
      '--batch-size',
      '10',
      '--limit-train',
      '3000',
      '--limit-test',
      '50'
    ])
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d) => (stdout += d))
    child.stderr!.on('data', (d) => (stderr += d))
    const exited = new Promise<number | null>((r) => child.on('close', r))
    await waitFor('the CLI to start its run', () => /Run 1 on /.test(stderr), { seen: () => stderr })
    unlinkSync(db)
    expect(await exited, stderr).toBe(0)
    expect(stdout).toMatch(`Run 1 completed. ${db} was deleted while the lab had it open; everything it held was saved to ${chosen}\n`)
    const shown = await runTs('src/main/cli/runs.ts', ['--db', chosen, 'show', '1'])
    expect(shown.stdout).toMatch(/status {5}completed/)
    expect(existsSync(db)).toBe(false)
  })
})

describe('a database file cut short under a lab', () => {
  it('is noticed: new runs are refused and the run does not stay running', async () => {
    const dir = tempDir()
    // A file with a run in it, checkpointed when its first lab closed: pages to lose.
    const first = open(dir)
    await first.waitForRun((await first.startRun(shortRun)).runId)
    await first.close()
    const lab = open(dir)
    const health = healthEvents(lab)
    const { runId } = await lab.startRun(longRun)
    await waitFor('a few batches', () => lab.getRun(runId).batchCount > 0)
    truncateSync(lab.dbPath, 0)
    const lost = await waitFor('the lab to notice its file was cut short', () => health.find((h) => h.fileLost)?.fileLost)
    expect(lost).toMatch(
      new RegExp(
        `^${lab.dbPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was cut short \\(from [\\d,]+ to 0 bytes\\) while the lab had it open: its pages past the cut are gone, so what the lab reads of it may be damaged$`
      )
    )
    await expect(lab.startRun(shortRun)).rejects.toThrow(`${lost}. New runs are refused`)
    // The run may already have ended by itself, failing on a page that is gone: then there is
    // nothing to stop, and the lab says so.
    try {
      lab.stopRun(runId)
    } catch (err) {
      expect(String(err)).toMatch(`run ${runId} is not training in this lab`)
    }
    // Whatever SQLite makes of the pages that are gone, the run ends and says how.
    const ended = await lab.waitForRun(runId)
    expect(['stopped', 'failed']).toContain(ended.status)
  })
})
