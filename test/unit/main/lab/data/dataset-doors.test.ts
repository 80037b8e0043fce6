// A folder dataset that is a trap (a FIFO, /dev/zero behind a symlink, a folder for classes.txt,
// a header claiming 10000x10000 images) is refused over HTTP with the file and the rule, and
// serve goes on answering meanwhile. A real serve process, real files.
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFolderDataset } from '../../../../helpers/idx-files'
import { callLab, serve, type Served } from '../../../../helpers/serve'
import { tempDir } from '../../../../helpers/tmp'

const dir = tempDir()
let s: Served
beforeAll(async () => {
  s = await serve(join(dir, 'doors.db'))
})
afterAll(() => s?.stop())

/** A good folder dataset with one of its files replaced by `trap`. */
function trapped(name: string, file: string, trap: (path: string) => void): { folder: string; path: string } {
  const folder = writeFolderDataset(join(dir, name), { train: 20, test: 10 })
  const path = join(folder, file)
  rmSync(path, { force: true })
  trap(path)
  return { folder, path }
}

const bigHeader = () => {
  const head = Buffer.alloc(16)
  head.writeUInt32BE(0x803, 0)
  head.writeUInt32BE(1, 4)
  head.writeUInt32BE(10_000, 8)
  head.writeUInt32BE(10_000, 12)
  return gzipSync(Buffer.concat([head, Buffer.alloc(4 << 20)]))
}

const TRAPS = [
  {
    name: 'fifo',
    file: 't10k-images-idx3-ubyte',
    trap: (p: string) => execFileSync('mkfifo', [p]),
    says: 'is a named pipe (FIFO): a dataset file must be a regular file'
  },
  {
    name: 'zero-images',
    file: 't10k-images-idx3-ubyte',
    trap: (p: string) => symlinkSync('/dev/zero', p),
    says: 'is a device: a dataset file must be a regular file'
  },
  { name: 'zero-classes', file: 'classes.txt', trap: (p: string) => symlinkSync('/dev/zero', p), says: 'is a device: classes.txt must be a regular file' },
  { name: 'folder-classes', file: 'classes.txt', trap: (p: string) => mkdirSync(p), says: 'is a folder: classes.txt must be a regular file' },
  {
    name: 'huge-header',
    file: 't10k-images-idx3-ubyte',
    trap: (p: string) => writeFileSync(p, bigHeader()),
    says: 'claims 10000x10000 images: the lab reads images of at most 512x512 pixels'
  }
]

describe('dataset traps over HTTP', () => {
  for (const t of TRAPS) {
    it(`refuses a folder whose ${t.file} ${t.says.split(':')[0]}, answering listRuns meanwhile`, async () => {
      const { folder, path } = trapped(t.name, t.file, t.trap)
      const reply = (name: string, body: unknown) =>
        fetch(`${s.origin}/api/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-digit-lab-token': s.token },
          body: JSON.stringify(body)
        })
      const [run, gallery, runs] = await Promise.all([
        reply('startRun', { dataset: folder, epochs: 1 }),
        reply('testImages', { dataset: folder, indices: [0] }),
        callLab<unknown[]>(s, 'listRuns')
      ])
      for (const r of [run, gallery]) {
        expect(r.status).toBe(400)
        expect(await r.json()).toEqual({ ok: false, kind: 'invalid', error: `${path}: ${t.says}` })
      }
      expect(runs).toEqual([])
    })
  }
})
