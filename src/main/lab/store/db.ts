// Opening the database: native binding, WAL, migrations, and errors that say what went wrong.
// A reader opens read-only and never creates or changes a file; the lab stamps its own files
// (PRAGMA application_id) and refuses, untouched, a SQLite file that is not its own.
import Database from 'better-sqlite3'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { MIGRATIONS } from './migrations'

export type Db = Database.Database

/** "DGLB": what PRAGMA application_id holds in every Digit Lab database. */
export const APPLICATION_ID = 0x44474c42

export class StoreError extends Error {
  override name = 'StoreError'
  constructor(
    message: string,
    /** What a shell tells its client: a run that does not exist, or a run without what was asked of it. */
    readonly kind: 'missing' | 'conflict' | 'failed' = 'failed',
    /** SQLite's own code (SQLITE_BUSY, SQLITE_FULL, SQLITE_IOERR_WRITE...): how long a retry is worth it depends on it. */
    readonly sqliteCode: string | null = null
  ) {
    super(message)
  }
}

/** Explains SQLite's terse codes in terms of what the user can do about them. */
export function explainSqliteError(err: unknown, path: string): StoreError {
  const e = err as { code?: string; message?: string }
  const code = typeof e.code === 'string' && e.code.startsWith('SQLITE_') ? e.code : null
  switch (e.code) {
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return new StoreError(`${path} is damaged or not a Digit Lab database (${e.message}); move it aside to start a fresh one`, 'failed', code)
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new StoreError(`${path} is locked by another process (${e.message}); try again when it is done`, 'failed', code)
    case 'SQLITE_READONLY':
      return new StoreError(`${path} is read-only (${e.message})`, 'failed', code)
    case 'SQLITE_CANTOPEN':
      return new StoreError(`${path} cannot be opened (${e.message})`, 'failed', code)
    default:
      return err instanceof StoreError ? err : new StoreError(`${path}: ${e.message ?? String(err)}`, 'failed', code)
  }
}

export interface OpenOptions {
  /** A better-sqlite3 build for another ABI (Electron's), used instead of the one in node_modules. */
  nativeBinding?: string
  /** Read only: the file must exist and be a Digit Lab database of this version or older; nothing is written. */
  readonly?: boolean
  /** How long a write waits for another process's lock before failing (ms). */
  busyTimeoutMs?: number
}

export const SCHEMA_VERSION = MIGRATIONS.length

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const readonly = options.readonly ?? false
  if (path !== ':memory:') {
    if (readonly && !existsSync(path)) throw new StoreError(`${path} does not exist: check the path (--db or DIGIT_LAB_DB)`)
    if (!readonly) mkdirSync(dirname(path), { recursive: true })
  }
  let db: Db | undefined
  try {
    db = new Database(path, { nativeBinding: options.nativeBinding, readonly, fileMustExist: readonly, timeout: options.busyTimeoutMs ?? 10_000 })
    checkOwnership(db, path, readonly, options.nativeBinding)
    if (!readonly) {
      db.pragma('journal_mode = WAL')
      // Only the lab's own checkpoint, taken just after its file guard saw the file whole, writes
      // the main file: SQLite's automatic one could grow a file cut short back past its old size
      // between two looks, and the cut would go unseen (see FileGuard).
      db.pragma('wal_autocheckpoint = 0')
      // A checkpoint every 3 s can let the WAL reach tens of MB on a fast run: once checkpointed,
      // it is cut back to 4 MB (about the size SQLite's own checkpoint kept it to).
      db.pragma('journal_size_limit = 4194304')
      db.pragma('synchronous = NORMAL')
      db.pragma('foreign_keys = ON')
      migrate(db)
    }
    return db
  } catch (err) {
    db?.close()
    throw explainSqliteError(err, path)
  }
}

function tableNames(db: Db): string[] {
  return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]).map((r) => r.name)
}

/** Every table of a database with its columns, as "table.column". */
function columnsOf(db: Db): Set<string> {
  const rows = db.prepare(`SELECT m.name AS t, c.name AS c FROM sqlite_master m, pragma_table_info(m.name) c WHERE m.type = 'table'`).all() as {
    t: string
    c: string
  }[]
  return new Set(rows.map((r) => `${r.t}.${r.c}`))
}

/** The tables and columns a Digit Lab database has at schema `version`: its migrations, replayed in memory. */
function ownSchemaAt(version: number, nativeBinding?: string): Set<string> {
  const scratch = new Database(':memory:', { nativeBinding })
  try {
    for (const step of MIGRATIONS.slice(0, version)) scratch.exec(step)
    return columnsOf(scratch)
  } finally {
    scratch.close()
  }
}

/**
 * Ours: stamped with our application_id; or empty (it becomes ours, but only when we write); or an
 * unstamped file a Digit Lab made before the stamp existed, which then has every table and column of
 * its schema version. Decided by reading alone: nothing, not even a pragma, changes a file before.
 */
function checkOwnership(db: Db, path: string, readonly: boolean, nativeBinding?: string): void {
  const appId = db.pragma('application_id', { simple: true }) as number
  const version = db.pragma('user_version', { simple: true }) as number
  const tables = tableNames(db)
  const empty = tables.length === 0 && version === 0 && appId === 0
  const foreign = () =>
    new StoreError(`${path} is a SQLite database of another application, not a Digit Lab database: it was left untouched; choose another file with --db`)
  if (appId === APPLICATION_ID) {
    if (version > SCHEMA_VERSION)
      throw new StoreError(`${path} has schema version ${version}, newer than this Digit Lab understands (${SCHEMA_VERSION}); update Digit Lab`)
  } else if (empty) {
    if (readonly) throw new StoreError(`${path} is an empty database: there are no runs to read yet`)
  } else {
    if (appId !== 0 || version < 1 || version > SCHEMA_VERSION) throw foreign()
    const has = columnsOf(db)
    for (const column of ownSchemaAt(version, nativeBinding)) if (!has.has(column)) throw foreign()
  }
  if (readonly && version < SCHEMA_VERSION) {
    throw new StoreError(
      `${path} was written by an older Digit Lab (schema ${version}, now ${SCHEMA_VERSION}): open it once with the app or "npm run train" to upgrade it`
    )
  }
}

function migrate(db: Db): void {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version === SCHEMA_VERSION && (db.pragma('application_id', { simple: true }) as number) === APPLICATION_ID) return
  // IMMEDIATE takes the write lock first, so two processes opening a fresh file cannot both migrate.
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number
    for (let v = current; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v])
      db.pragma(`user_version = ${v + 1}`)
    }
    db.pragma(`application_id = ${APPLICATION_ID}`)
  }).immediate()
}
