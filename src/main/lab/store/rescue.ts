// A copy of everything an open database holds, written to a new file: how a lab whose file was
// deleted saves what it still has open. VACUUM INTO reads through the open connection (the
// deleted file's pages and its WAL).
import { closeSync, existsSync, openSync, statSync, unlinkSync } from 'node:fs'
import { dirname, isAbsolute } from 'node:path'
import { StoreError, type Db } from './db'

/** Where a lab saves on its own, beside the lost file: lab.db.rescued-2026-12-05T15-31-02-123.db */
export const defaultRescuePath = (dbPath: string, at = new Date()) => `${dbPath}.rescued-${at.toISOString().slice(0, 23).replace(/[:.]/g, '-')}.db`

/** Copies the database to `target`: an absolute path to a new .db file in an existing folder. */
export function rescueInto(db: Db, target: string): void {
  if (target.includes('\0') || !isAbsolute(target) || !target.endsWith('.db'))
    throw new StoreError(`save the database to an absolute path ending in .db (got ${JSON.stringify(target)})`, 'conflict')
  const folder = dirname(target)
  if (!existsSync(folder)) throw new StoreError(`${folder} does not exist`, 'conflict')
  if (!statSync(folder).isDirectory()) throw new StoreError(`${folder} is not a folder`, 'conflict')
  // Created here, exclusively: a file, or a link to one, that appears at the path is never written through.
  try {
    closeSync(openSync(target, 'wx', 0o600))
  } catch (err) {
    const exists = (err as NodeJS.ErrnoException).code === 'EEXIST'
    throw new StoreError(exists ? `${target} already exists: choose a new file name` : `${target} cannot be created (${(err as Error).message})`, 'conflict')
  }
  try {
    db.prepare('VACUUM INTO ?').run(target)
  } catch (err) {
    unlinkSync(target)
    throw new StoreError(`what the lab holds could not be saved to ${target}: ${(err as Error).message}`)
  }
}
