// Reading never writes: `npm run runs` on a mistyped path or on another application's SQLite file
// fails, creates nothing and changes not one byte; and what it prints from the database cannot
// drive the terminal. Real child processes on real files.
import Database from 'better-sqlite3'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { APPLICATION_ID } from '../../../../src/main/lab/store/db'
import { MIGRATIONS } from '../../../../src/main/lab/store/migrations'
import { Store } from '../../../../src/main/lab/store/store'
import { parseHyperparams } from '../../../../src/shared/fields'
import { runTs } from '../../../helpers/node-child'
import { tempDir } from '../../../helpers/tmp'

const dir = tempDir()
const runs = (...args: string[]) => runTs('src/main/cli/runs.ts', args)
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

describe('runs CLI reads without writing', () => {
  it('fails on a mistyped path, creating neither the file nor its folder', async () => {
    const missing = join(dir, 'mistyped', 'path.db')
    const r = await runs('list', '--db', missing)
    expect(r.code).not.toBe(0)
    expect(r.stderr).toBe(`digit-lab: ${missing} does not exist: check the path (--db or DIGIT_LAB_DB)\n`)
    expect(existsSync(join(dir, 'mistyped'))).toBe(false)
  })

  it("refuses another application's SQLite file, leaving it byte for byte as it was", async () => {
    const folder = join(dir, 'foreign')
    const file = join(folder, 'notes.db')
    mkdirSync(folder)
    const other = new Database(file)
    other.exec(`CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL); INSERT INTO notes (text) VALUES ('not a run'), ('nor this');`)
    other.close()
    const before = { hash: sha256(file), files: readdirSync(folder) }
    expect(before.files).toEqual(['notes.db'])

    const refusal = `digit-lab: ${file} is a SQLite database of another application, not a Digit Lab database: it was left untouched; choose another file with --db\n`
    for (const args of [['show', '1'], ['list'], ['list', '--json']]) {
      const r = await runs(...args, '--db', file)
      expect(r.code, args.join(' ')).not.toBe(0)
      expect(r.stderr, args.join(' ')).toBe(refusal)
      expect(r.stdout, args.join(' ')).toBe('')
    }
    // Training refuses it too, before writing anything.
    const train = await runTs('src/main/cli/train.ts', ['--preset', 'mlp', '--limit-train', '100', '--limit-test', '10', '--db', file])
    expect(train.code).not.toBe(0)
    expect(train.stderr).toBe(refusal)

    expect(sha256(file)).toBe(before.hash)
    expect(readdirSync(folder)).toEqual(before.files) // no -wal, -shm or journal left behind
  })

  it('refuses a look-alike file with tables named runs and batch_metrics, byte for byte as it was, no -wal', async () => {
    const folder = join(dir, 'look-alike')
    const file = join(folder, 'tracker.db')
    mkdirSync(folder)
    // Another application's runs (of a race, say): the names match Digit Lab's, the columns do not.
    const other = new Database(file)
    other.exec(`CREATE TABLE runs (id INTEGER PRIMARY KEY, runner TEXT, km REAL); CREATE TABLE batch_metrics (run_id INTEGER, lap INTEGER, seconds REAL);
      INSERT INTO runs (runner, km) VALUES ('ada', 10.5);`)
    other.pragma('user_version = 1')
    other.close()
    const before = { hash: sha256(file), files: readdirSync(folder) }
    const refusal = `digit-lab: ${file} is a SQLite database of another application, not a Digit Lab database: it was left untouched; choose another file with --db\n`
    const train = await runTs('src/main/cli/train.ts', ['--preset', 'mlp', '--limit-train', '100', '--limit-test', '10', '--db', file])
    expect(train.code).not.toBe(0)
    expect(train.stderr).toBe(refusal)
    expect((await runs('list', '--db', file)).stderr).toBe(refusal)
    expect(sha256(file)).toBe(before.hash)
    expect(readdirSync(folder)).toEqual(['tracker.db'])
  })

  it('opens a file an older Digit Lab made before it stamped its files, and stamps it', async () => {
    const file = join(dir, 'unstamped.db')
    const old = new Database(file)
    for (const step of MIGRATIONS.slice(0, 3)) old.exec(step)
    old.pragma('user_version = 3')
    old
      .prepare(
        `INSERT INTO runs (name, status, created_at, hyperparams, preset, dataset) VALUES ('from before', 'completed', '2026-01-01T00:00:00Z', '{}', 'seed-cnn', 'mnist')`
      )
      .run()
    old.close()
    const train = await runTs('src/main/cli/train.ts', [
      '--preset',
      'mlp',
      '--hidden',
      '8',
      '--epochs',
      '1',
      '--limit-train',
      '100',
      '--limit-test',
      '10',
      '--db',
      file
    ])
    expect(train.code, train.stderr).toBe(0)
    const listed = await runs('list', '--json', '--db', file)
    expect(JSON.parse(listed.stdout).map((r: { name: string }) => r.name)).toEqual([expect.any(String), 'from before'])
    const db = new Database(file, { readonly: true })
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID)
    db.close()
  })

  it('shows run names with their control and format characters as visible placeholders', async () => {
    const file = join(dir, 'escapes.db')
    const store = new Store(file)
    // Retitles the terminal, turns it red, rings the bell, and moves the cursor home.
    // Then reverses the rest of the line (U+202E) and hides a character (U+200B).
    const name = 'evil\u001b]0;pwned\u0007\u001b[31mred\u001b[0m\u001b[H\u009b2J \u202Egpj.exe\u202C \u2066x\u2069\u200B!'
    const id = store.runs.create(parseHyperparams({}), name)
    store.runs.finish(id, 'completed', null)
    store.close()

    const listed = await runs('list', '--db', file)
    expect(listed.code).toBe(0)
    const unsafe = /(?![\t\n])[\p{Cc}\p{Cf}]/u
    expect(listed.stdout).not.toMatch(unsafe)
    expect(listed.stdout.endsWith(' evil␛]0;pwned<U+0007>␛[31mred␛[0m␛[H<U+009B>2J <U+202E>gpj.exe<U+202C> <U+2066>x<U+2069><U+200B>!\n')).toBe(true)
    const shown = await runs('show', String(id), '--db', file)
    expect(shown.stdout).not.toMatch(unsafe)
    expect(shown.stdout).toContain(`Run ${id}: evil␛]0;pwned<U+0007>␛[31mred`)
    expect(shown.stdout).toContain('<U+202E>gpj.exe<U+202C>')
  })
})
