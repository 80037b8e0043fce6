// A copy of everything an open database holds, written to a new file: how a lab whose file was
// deleted saves what it still has open. VACUUM INTO reads through the open connection (the
// deleted file's pages and its WAL), and refuses to overwrite a file that has content.
import { existsSync, statSync } from 'node:fs'
import { dirname, isAbsolute } from 'node:path'
import { StoreError, type Db } from './db'

/** Where a lab saves on its own, beside the lost file: lab.db.rescued-2026-12-05T15-31-02.db */
export const defaultRescuePath = (dbPath: string, at = new Date()) => `${dbPath}.rescued-${at.toISOString().slice(0, 19).replace(/:/g, '-')}.db`

/** Copies the database to `target`: an absolute path to a new .db file in an existing folder. */
export function rescueInto(db: Db, target: string): void {
  if (!isAbsolute(target) || !target.endsWith('.db')) throw new StoreError(`save the database to an absolute path ending in .db (got "${target}")`, 'conflict')
  if (existsSync(target)) throw new StoreError(`${target} already exists: choose a new file name`, 'conflict')
  const folder = dirname(target)
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new StoreError(`${folder} is not a folder`, 'conflict')
  try {
    db.prepare('VACUUM INTO ?').run(target)
  } catch (err) {
    throw new StoreError(`what the lab holds could not be saved to ${target}: ${(err as Error).message}`)
  }
}
