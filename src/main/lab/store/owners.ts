// Who owns a live run: the process (pid) on a machine (host) that trains it or holds it in its
// queue. The owner beats a heartbeat into its rows; every other lab judges from a row whether its
// owner is gone: by pid on the same machine (exact, and at once), by the heartbeat's age from
// another machine (a pid means nothing there).
import { hostname } from 'node:os'

export interface Owner {
  pid: number
  host: string
}

/** How often an owner stamps its live rows, and how often a lab looks at everyone else's. */
export const HEARTBEAT_MS = 3_000
/**
 * A heartbeat older than this means the owner on another machine is gone: four beats missed. With
 * checks every HEARTBEAT_MS, such a run is marked within 15 s of its owner's death.
 */
export const STALE_AFTER_MS = 12_000

export function thisProcess(): Owner {
  return { pid: process.pid, host: hostname() }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** What a row says about its owner (columns of runs). */
export interface OwnerColumns {
  pid: number | null
  host: string | null
  /** Unix ms of the owner's last beat. */
  heartbeat_at: number | null
}

/**
 * True when nobody is left to finish (or start) the row's run. A row without a host was written
 * before hosts were recorded, on a machine sharing the file: it is judged by pid, as it always was.
 */
export function ownerGone(row: OwnerColumns, me: Owner, now: number, alive: (pid: number) => boolean = isAlive): boolean {
  if (row.pid == null) return true
  if (row.host == null || row.host === me.host) return row.pid !== me.pid && !alive(row.pid)
  return row.heartbeat_at == null || now - row.heartbeat_at > STALE_AFTER_MS
}

/** The row is this process's own. */
export const ownedBy = (row: OwnerColumns, me: Owner): boolean => row.pid === me.pid && (row.host == null || row.host === me.host)
