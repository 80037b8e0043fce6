// Opening the database: native binding, WAL, migrations, and errors that say what went wrong.
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { MIGRATIONS } from './migrations'

export type Db = Database.Database

export class StoreError extends Error {
  override name = 'StoreError'
}

/** Explains SQLite's terse codes in terms of what the user can do about them. */
export function explainSqliteError(err: unknown, path: string): StoreError {
  const e = err as { code?: string; message?: string }
  switch (e.code) {
    case 'SQLITE_NOTADB':
    case 'SQLITE_CORRUPT':
      return new StoreError(`${path} is damaged or not a Digit Lab database (${e.message}); move it aside to start a fresh one`)
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return new StoreError(`${path} is locked by another process (${e.message}); try again when it is done`)
    case 'SQLITE_READONLY':
      return new StoreError(`${path} is read-only (${e.message})`)
    case 'SQLITE_CANTOPEN':
      return new StoreError(`${path} cannot be opened (${e.message})`)
    default:
      return err instanceof StoreError ? err : new StoreError(`${path}: ${e.message ?? String(err)}`)
  }
}

export interface OpenOptions {
  /** A better-sqlite3 build for another ABI (Electron's), used instead of the one in node_modules. */
  nativeBinding?: string
  readonly?: boolean
  /** How long a write waits for another process's lock before failing (ms). */
  busyTimeoutMs?: number
}

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  let db: Db | undefined
  try {
    db = new Database(path, { nativeBinding: options.nativeBinding, readonly: options.readonly ?? false, timeout: options.busyTimeoutMs ?? 10_000 })
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    migrate(db, path)
    return db
  } catch (err) {
    db?.close()
    throw explainSqliteError(err, path)
  }
}

export const SCHEMA_VERSION = MIGRATIONS.length

function migrate(db: Db, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version > SCHEMA_VERSION) {
    throw new StoreError(`${path} has schema version ${version}, newer than this Digit Lab understands (${SCHEMA_VERSION}); update Digit Lab`)
  }
  if (version === SCHEMA_VERSION) return
  // IMMEDIATE takes the write lock first, so two processes opening a fresh file cannot both migrate.
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number
    for (let v = current; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v])
      db.pragma(`user_version = ${v + 1}`)
    }
  }).immediate()
}
