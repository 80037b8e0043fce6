import Database from 'better-sqlite3'
import { statSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { APPLICATION_ID, openDatabase, SCHEMA_VERSION } from '../../../../../src/main/lab/store/db'
import { MIGRATIONS } from '../../../../../src/main/lab/store/migrations'
import { defaultDbPath, userDataDir } from '../../../../../src/main/lab/store/paths'
import { Store } from '../../../../../src/main/lab/store/store'
import { parseHyperparams } from '../../../../../src/shared/fields'
import { runTs, spawnTs } from '../../../../helpers/node-child'
import { tempDir } from '../../../../helpers/tmp'

const dir = tempDir()
const hp = parseHyperparams({ epochs: 2, learningRate: 0.05 })

describe('store', () => {
  it("leaves the main file alone until the lab's own checkpoint, however much is written", () => {
    // SQLite's automatic checkpoint (at 1,000 WAL pages) could grow a file cut short back past its
    // old size between two looks of the lab's file guard, and the cut went unseen (a CI failure).
    const path = join(dir, 'checkpoint.db')
    const store = new Store(path)
    const runId = store.runs.create(hp, 'many batches')
    const size = () => statSync(path).size
    const before = size()
    let step = 0
    // Well past 1,000 pages of WAL: 2,000 small transactions.
    for (let i = 0; i < 2_000; i++) {
      store.metrics.appendBatches(
        runId,
        Array.from({ length: 20 }, () => ({ step: ++step, epoch: 1, loss: 1, accuracy: 0.5, examplesPerSec: 100, elapsed: step }))
      )
    }
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(1_000 * 4_096)
    expect(size()).toBe(before)
    store.checkpoint()
    expect(size()).toBeGreaterThan(before)
    expect(store.metrics.batches(runId)).toHaveLength(step)
    // The next write starts the WAL over, cut back to 4 MB: it does not keep its largest size.
    const wal = () => statSync(`${path}-wal`).size
    expect(wal()).toBeGreaterThan(4 * 2 ** 20)
    store.metrics.appendBatches(runId, [{ step: ++step, epoch: 1, loss: 1, accuracy: 0.5, examplesPerSec: 100, elapsed: step }])
    expect(wal()).toBeLessThanOrEqual(4 * 2 ** 20)
    store.close()
  })

  it("keeps a run's training time when it ends mid-epoch: its last batch's, or its epochs' where those are longer", () => {
    const store = new Store(join(dir, 'mid-epoch.db'))
    // A pid no process holds on this machine: the run's owner is gone.
    const gone = { pid: 2 ** 22 + 12345, host: hostname() }
    const epochOne = { epoch: 1, trainLoss: 1, trainAccuracy: 0.5, testLoss: 1, testAccuracy: 0.5, seconds: 4, numTensors: 9 }
    const batch = (step: number, epoch: number, elapsed: number) => ({ step, epoch, loss: 1, accuracy: 0.5, examplesPerSec: 100, elapsed })
    // Killed halfway through epoch 2: its batches trained past epoch 1's 4 s.
    const killed = store.runs.create(hp, 'killed mid-epoch', gone)
    store.metrics.appendBatches(killed, [batch(1, 1, 1), batch(2, 1, 3.5), batch(3, 2, 5), batch(4, 2, 6.5)])
    store.metrics.addEpoch(killed, epochOne, [[1]], [])
    // Killed just after epoch 1, whose evaluation made it longer than its last batch.
    const atEnd = store.runs.create(hp, 'killed after an epoch', gone)
    store.metrics.appendBatches(atEnd, [batch(1, 1, 1), batch(2, 1, 3.5)])
    store.metrics.addEpoch(atEnd, epochOne, [[1]], [])
    // Stopped mid-epoch in this process.
    const stopped = store.runs.create(hp, 'stopped mid-epoch')
    store.metrics.appendBatches(stopped, [batch(1, 1, 1), batch(2, 1, 3.5), batch(3, 2, 7.25)])
    store.metrics.addEpoch(stopped, epochOne, [[1]], [])
    store.runs.finish(stopped, 'stopped', null)

    expect(store.runs.recoverInterrupted().sort()).toEqual([killed, atEnd])
    const seconds = (id: number) => store.runs.list().find((r) => r.id === id)!.trainSeconds
    expect(seconds(killed)).toBe(6.5)
    expect(seconds(atEnd)).toBe(4)
    expect(seconds(stopped)).toBe(7.25)
    store.close()
  })

  it('round-trips a run with its curves, confusion, mistakes and weights', () => {
    const store = new Store(join(dir, 'roundtrip.db'))
    const id = store.runs.create(hp, 'first')
    store.runs.markStarted(id, {
      backend: { name: 'wasm', version: '4.22.0', threads: 1 },
      layers: [{ name: 'd', type: 'Dense', outputShape: [null, 10], params: 7850 }],
      paramCount: 7850,
      classNames: ['a', 'b']
    })
    store.metrics.appendBatches(
      id,
      [1, 2, 3].map((step) => ({ step, epoch: 1, loss: 2 / step, accuracy: step / 10, examplesPerSec: 100, elapsed: step }))
    )
    store.metrics.addEpoch(
      id,
      { epoch: 1, trainLoss: 1.5, trainAccuracy: 0.4, testLoss: 1.2, testAccuracy: 0.5, seconds: 3, numTensors: 9 },
      [
        [1, 1],
        [0, 2]
      ],
      [{ index: 4, label: 0, predicted: 1, probs: [0.3, 0.7] }]
    )
    store.metrics.addEpoch(
      id,
      { epoch: 2, trainLoss: 1, trainAccuracy: 0.6, testLoss: 0.9, testAccuracy: 0.75, seconds: 2, numTensors: 9 },
      [
        [2, 0],
        [1, 1]
      ],
      [{ index: 2, label: 1, predicted: 0, probs: [0.6, 0.4] }]
    )
    store.weights.save(id, {
      modelTopology: { k: 1 },
      weightSpecs: [{ name: 'w', shape: [2], dtype: 'float32' }],
      weightData: new Float32Array([1.5, -2]).buffer
    })
    store.runs.finish(id, 'completed', null)
    store.close()

    const again = new Store(join(dir, 'roundtrip.db'))
    const run = again.getRun(id)
    expect(run).toMatchObject({
      name: 'first',
      status: 'completed',
      epochsDone: 2,
      bestTestAccuracy: 0.75,
      finalTestAccuracy: 0.75,
      finalTestLoss: 0.9,
      trainSeconds: 5,
      batchCount: 3,
      paramCount: 7850,
      classNames: ['a', 'b'],
      hasWeights: true,
      confusion: [
        [2, 0],
        [1, 1]
      ]
    })
    expect(run.hyperparams).toEqual(hp)
    expect(again.metrics.batches(id).map((b) => b.loss)).toEqual([2, 1, 2 / 3])
    expect(again.metrics.confusion(id, 1)).toEqual({
      epoch: 1,
      matrix: [
        [1, 1],
        [0, 2]
      ]
    })
    expect(again.metrics.misclassified(id, 1).items).toEqual([{ index: 4, label: 0, predicted: 1, probs: [0.3, 0.7] }])
    expect(again.metrics.misclassified(id).epoch).toBe(2)
    expect(Array.from(new Float32Array(again.weights.get(id)!.weightData))).toEqual([1.5, -2])
    again.runs.rename(id, 'renamed')
    again.runs.annotate(id, 'lr too high?')
    expect(again.runs.list()[0]).toMatchObject({ name: 'renamed', notes: 'lr too high?' })
    again.runs.delete(id)
    expect(again.runs.list()).toEqual([])
    expect(again.db.prepare('SELECT COUNT(*) AS n FROM batch_metrics').get()).toEqual({ n: 0 })
    expect(() => again.getRun(id)).toThrow(`run ${id} does not exist`)
    expect(again.db.pragma('journal_mode', { simple: true })).toBe('wal')
    again.close()
  })

  it('migrates a database made by the first schema, keeping its runs', () => {
    const path = join(dir, 'v1.db')
    const old = new Database(path)
    old.exec(MIGRATIONS[0])
    old.pragma('user_version = 1')
    old
      .prepare(
        `INSERT INTO runs (name, status, created_at, hyperparams, preset, dataset) VALUES ('old', 'completed', '2026-01-01T00:00:00Z', ?, 'seed-cnn', 'mnist')`
      )
      .run(JSON.stringify(hp))
    old.close()
    const store = new Store(path)
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(store.runs.list().map((r) => r.name)).toEqual(['old'])
    expect(store.getRun(1).hasWeights).toBe(false)
    store.close()
  })

  it('refuses a damaged file, a newer schema and a locked database with clear errors, changing nothing', () => {
    const junk = join(dir, 'junk.db')
    writeFileSync(junk, 'this is not a database, just text that is long enough to have a header '.repeat(20))
    expect(() => new Store(junk)).toThrow(/junk.db is damaged or not a Digit Lab database \(file is not a database\)/)

    const future = join(dir, 'future.db')
    const f = new Database(future)
    f.pragma('user_version = 99')
    f.pragma(`application_id = ${APPLICATION_ID}`)
    f.close()
    expect(() => openDatabase(future)).toThrow(`has schema version 99, newer than this Digit Lab understands (${SCHEMA_VERSION})`)

    const lockedPath = join(dir, 'locked.db')
    const store = new Store(lockedPath)
    const blocker = new Database(lockedPath, { timeout: 0 })
    blocker.exec('BEGIN IMMEDIATE')
    store.db.pragma('busy_timeout = 50')
    expect(() => store.runs.create(hp, 'blocked')).toThrow(/locked.db is locked by another process/)
    blocker.exec('ROLLBACK')
    blocker.close()
    expect(store.runs.list()).toEqual([])
    store.runs.create(hp, 'after')
    expect(store.runs.list()).toHaveLength(1)
    store.close()
  })

  it('marks a run interrupted when its process was killed mid-run, keeping what it logged', async () => {
    const path = join(dir, 'crash.db')
    const child = spawnTs('src/main/cli/train.ts', [
      '--db',
      path,
      '--preset',
      'mlp',
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
    const reader = () => new Database(path, { readonly: true, fileMustExist: true })
    let logged = 0
    for (let i = 0; i < 400 && logged < 50; i++) {
      await new Promise((r) => setTimeout(r, 50))
      try {
        const db = reader()
        logged = (db.prepare('SELECT COUNT(*) AS n FROM batch_metrics').get() as { n: number }).n
        db.close()
      } catch {
        // the file or its tables do not exist yet
      }
    }
    expect(logged).toBeGreaterThanOrEqual(50)
    const exited = new Promise((r) => child.on('exit', r))
    child.kill('SIGKILL')
    await exited

    const before = reader()
    expect((before.prepare('SELECT status FROM runs').get() as { status: string }).status).toBe('running')
    before.close()
    const store = new Store(path)
    const run = store.getRun(1)
    expect(run.status).toBe('interrupted')
    expect(run.error).toMatch(/stopped before it finished/)
    expect(run.finishedAt).not.toBeNull()
    expect(run.batchCount).toBeGreaterThanOrEqual(logged)
    store.close()
  })

  it('lets two processes write to one database at once', async () => {
    const path = join(dir, 'shared.db')
    new Store(path).close()
    const results = await Promise.all([runTs('test/helpers/writer.ts', [path, 'a', '1000']), runTs('test/helpers/writer.ts', [path, 'b', '1000'])])
    for (const r of results) expect(r).toMatchObject({ code: 0, stderr: '' })
    const store = new Store(path)
    const runs = store.runs.list()
    expect(runs).toHaveLength(10)
    expect(runs.every((r) => r.status === 'completed')).toBe(true)
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM batch_metrics').get()).toEqual({ n: 10_000 })
    store.close()
  })

  it("defaults to the desktop app's user-data folder", () => {
    expect(userDataDir('linux', { XDG_CONFIG_HOME: '/x' })).toBe('/x/Digit Lab')
    expect(userDataDir('win32', { APPDATA: 'C:\\Users\\a\\AppData\\Roaming' })).toMatch(/Roaming.Digit Lab$/)
    expect(defaultDbPath({ DIGIT_LAB_DB: '/tmp/x.db' })).toBe('/tmp/x.db')
    expect(defaultDbPath({})).toMatch(/Digit Lab[\\/]digit-lab\.db$/)
  })
})
