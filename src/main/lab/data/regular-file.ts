// Reading a file a user pointed at, and only a file: a FIFO would block the reader forever, a
// device (/dev/zero behind a symlink) would never end, a folder is not data. Opened without
// blocking, judged by what was opened (fstat, so a swap after a check cannot fool it), bounded
// in size before a byte is read, and read asynchronously: the lab's other requests go on.
import { constants, type Stats } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import { DatasetFileError } from './dataset-file-error'

/** What a path names, in words, for a refusal. */
export function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder'
  if (st.isFIFO()) return 'a named pipe (FIFO)'
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device'
  if (st.isSocket()) return 'a socket'
  return 'not a regular file'
}

const NONBLOCK = constants.O_NONBLOCK ?? 0

/**
 * The whole file, if it is a regular file of at most `maxBytes`; otherwise a refusal naming the file
 * and the rule. `checkHead` sees the first bytes (up to 64) and the file's size before the rest is read.
 */
export async function readRegularFile(file: string, maxBytes: number, what: string, checkHead?: (head: Buffer, size: number) => void): Promise<Buffer> {
  let handle
  try {
    handle = await open(file, constants.O_RDONLY | NONBLOCK)
  } catch (err) {
    throw new DatasetFileError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`)
  }
  try {
    const st = await handle.stat()
    if (!st.isFile()) throw new DatasetFileError(file, `is ${kindOf(st)}: ${what} must be a regular file`)
    if (st.size > maxBytes) throw new DatasetFileError(file, `is ${formatBytes(st.size)}: ${what} may be at most ${formatBytes(maxBytes)}`)
    const buf = Buffer.allocUnsafe(st.size)
    let at = 0
    const readUpTo = async (end: number) => {
      while (at < end) {
        const { bytesRead } = await handle!.read(buf, at, end - at, at)
        if (bytesRead === 0) return false // the file shrank while being read
        at += bytesRead
      }
      return true
    }
    if (checkHead && (await readUpTo(Math.min(64, st.size)))) checkHead(buf.subarray(0, at), st.size)
    await readUpTo(st.size)
    return at === st.size ? buf : buf.subarray(0, at)
  } catch (err) {
    if (err instanceof DatasetFileError) throw err
    throw new DatasetFileError(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`)
  } finally {
    await handle.close()
  }
}

/** Whether a path names a folder (following symlinks); false when it names nothing. */
export async function isFolder(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}

/** Whether a path names anything at all (a broken symlink does not). */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(0)} KiB`
  return `${n} bytes`
}
