import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { loadDataset, limitSplit, pixelStats } from '../../../../../src/main/lab/data/datasets'
import { readIdxImages, readIdxLabels } from '../../../../../src/main/lab/data/idx'
import { idxImages, idxLabels, writeFolderDataset } from '../../../../helpers/idx-files'
import { tempDir } from '../../../../helpers/tmp'

const dir = tempDir()
const file = (name: string, data: Buffer) => {
  const path = join(dir, name)
  writeFileSync(path, data)
  return path
}
/** An image file's header alone, claiming whatever it likes. */
const header = (count: number, rows: number, cols: number) => {
  const buf = Buffer.alloc(16)
  buf.writeUInt32BE(0x803, 0)
  buf.writeUInt32BE(count, 4)
  buf.writeUInt32BE(rows, 8)
  buf.writeUInt32BE(cols, 12)
  return buf
}

describe('IDX reader', () => {
  it('reads images and labels, plain and gzip', async () => {
    const images = idxImages(3, 4, 5)
    const plain = await readIdxImages(file('a-idx3-ubyte', images))
    const gz = await readIdxImages(file('a-idx3-ubyte.gz', gzipSync(images)))
    expect(plain).toMatchObject({ count: 3, rows: 4, cols: 5 })
    expect(Array.from(gz.pixels)).toEqual(Array.from(plain.pixels))
    expect(plain.pixels[20 + 7]).toBe((1 * 31 + 7) % 256)
    expect(Array.from(await readIdxLabels(file('l-idx1-ubyte.gz', gzipSync(idxLabels([3, 1, 9])))))).toEqual([3, 1, 9])
  })

  it('names the file, by its full path, and the rule for a file of the wrong kind, never its bytes', async () => {
    // The full path: two datasets' train-images files would otherwise read the same.
    await expect(readIdxImages(file('bad-magic', idxLabels(Array.from({ length: 20 }, (_, i) => i % 10))))).rejects.toThrow(
      `${join(dir, 'bad-magic')}: is not an IDX images file (idx3-ubyte): it does not start with the magic number 0x00000803`
    )
    const text = file('notes.txt', Buffer.from('secret token 1234 in a text file, long enough for a header\n'))
    const refusal = readIdxImages(text)
    await expect(refusal).rejects.toThrow('is not an IDX images file')
    await expect(refusal).rejects.not.toThrow(/secret|0x736563/)
  })

  it('rejects a truncated file and one with trailing bytes', async () => {
    const images = idxImages(2, 3, 3)
    await expect(readIdxImages(file('short', images.subarray(0, images.length - 1)))).rejects.toThrow(
      /short: length 33 bytes does not match its header \(expected 34\)/
    )
    await expect(readIdxImages(file('long', Buffer.concat([images, Buffer.from([0])])))).rejects.toThrow(/long: length 35 bytes/)
    await expect(readIdxImages(file('tiny', Buffer.from([0, 0, 8])))).rejects.toThrow(
      /tiny: is too short for an IDX images file \(idx3-ubyte\): its header needs 16 bytes/
    )
    await expect(readIdxImages(file('short.gz', gzipSync(images.subarray(0, 30))))).rejects.toThrow(
      /short.gz: length 30 bytes does not match its header 2x3x3 \(expected 34\)/
    )
  })

  it('rejects out-of-range labels, corrupt gzip and missing files', async () => {
    await expect(readIdxLabels(file('labels', idxLabels([0, 10, 2])))).rejects.toThrow(/labels: label 10 at index 1 is out of range 0..9/)
    await expect(readIdxLabels(file('broken.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3])))).rejects.toThrow(/broken.gz: is not valid gzip/)
    await expect(readIdxImages(join(dir, 'nope'))).rejects.toThrow(/nope: cannot be read \(ENOENT\)/)
  })

  it('refuses from the header alone images over 512x512, over 10 million of them, and a gzip bomb past its header', async () => {
    // 10000x10000: 97 KB gzipped once took a gallery fetch to 1 GB.
    const huge = file('huge.gz', gzipSync(Buffer.concat([header(1, 10_000, 10_000), Buffer.alloc(1 << 20)])))
    await expect(readIdxImages(huge)).rejects.toThrow(`${huge}: claims 10000x10000 images: the lab reads images of at most 512x512 pixels`)
    await expect(readIdxImages(file('wide', header(1, 513, 2)))).rejects.toThrow('claims 513x2 images')
    await expect(readIdxImages(file('many', header(10_000_001, 1, 1)))).rejects.toThrow('claims 10,000,001 items: the lab reads at most 10,000,000 per file')
    await expect(readIdxImages(file('big', header(10_000_000, 512, 512)))).rejects.toThrow(
      /claims 10000000x512x512 values \(2441\.4 GiB\): the lab reads at most 2\.0 GiB per file/
    )
    // A header of 2 images of 2x2, then 8 MB of zeros: unpacking stops at the 24 bytes it allows.
    const bomb = file('bomb.gz', gzipSync(Buffer.concat([header(2, 2, 2), Buffer.alloc(8 << 20)])))
    await expect(readIdxImages(bomb)).rejects.toThrow(`${bomb}: holds more than its header says (over 24 bytes once unpacked)`)
  })

  it('reads only regular files: a FIFO, a device behind a symlink and a folder are refused by name', async () => {
    const fifo = join(dir, 'fifo-idx3-ubyte')
    execFileSync('mkfifo', [fifo])
    await expect(readIdxImages(fifo)).rejects.toThrow(`${fifo}: is a named pipe (FIFO): a dataset file must be a regular file`)
    const zero = join(dir, 'zero-idx3-ubyte')
    symlinkSync('/dev/zero', zero)
    await expect(readIdxImages(zero)).rejects.toThrow(`${zero}: is a device: a dataset file must be a regular file`)
    const folder = join(dir, 'folder-idx3-ubyte')
    mkdirSync(folder)
    await expect(readIdxImages(folder)).rejects.toThrow(`${folder}: is a folder: a dataset file must be a regular file`)
  })
})

describe('datasets', () => {
  it('loads the embedded MNIST: 60,000 train and 10,000 test images of 28x28', async () => {
    const t0 = performance.now()
    const mnist = await loadDataset('mnist')
    const ms = performance.now() - t0
    expect(mnist.train.count).toBe(60000)
    expect(mnist.test.count).toBe(10000)
    expect([mnist.rows, mnist.cols]).toEqual([28, 28])
    expect(mnist.mean).toBe(0.1307)
    expect(mnist.std).toBe(0.3081)
    // The first training digit of MNIST is a 5, the first test digit a 7.
    expect(mnist.train.labels[0]).toBe(5)
    expect(mnist.test.labels[0]).toBe(7)
    console.log(`full MNIST loaded in ${ms.toFixed(0)} ms`)
  })

  it('loads a folder dataset (gzip) with class names and its own statistics', async () => {
    const ds = await loadDataset(writeFolderDataset(join(dir, 'letters'), { gzip: true, classes: ['a', 'b', 'c'], train: 30, test: 9 }))
    expect(ds.classNames).toEqual(['a', 'b', 'c'])
    expect(ds.train.count).toBe(30)
    const stats = pixelStats(ds.train.images)
    expect(ds.mean).toBeCloseTo(stats.mean, 10)
    expect(ds.mean).toBeCloseTo(28 / 784, 6) // one bright row of 28 pixels per image
    expect(limitSplit(ds.train, 7, 784).labels.length).toBe(7)
  })

  it('says which file is missing or disagrees', async () => {
    const partial = writeFolderDataset(join(dir, 'partial'))
    writeFileSync(join(partial, 't10k-labels-idx1-ubyte'), idxLabels([1, 2, 3]))
    await expect(loadDataset(partial)).rejects.toThrow(/t10k-labels-idx1-ubyte: has 3 labels but t10k-images-idx3-ubyte has 50 images/)
    await expect(loadDataset(join(dir, 'absent'))).rejects.toThrow(/is not a folder/)
    const empty = join(dir, 'empty')
    writeFolderDataset(empty)
    writeFileSync(join(empty, 'classes.txt'), 'only-one\n')
    await expect(loadDataset(empty)).rejects.toThrow(/classes.txt: must list 2..256 class names/)
  })

  it('reads classes.txt only as a small regular text file', async () => {
    const folder = writeFolderDataset(join(dir, 'classes'))
    const classes = join(folder, 'classes.txt')
    mkdirSync(classes)
    await expect(loadDataset(folder)).rejects.toThrow(`${classes}: is a folder: classes.txt must be a regular file`)
    rmSync(classes, { recursive: true })
    symlinkSync('/dev/zero', classes)
    await expect(loadDataset(folder)).rejects.toThrow(`${classes}: is a device: classes.txt must be a regular file`)
    rmSync(classes)
    writeFileSync(classes, 'x\n'.repeat(40_000))
    await expect(loadDataset(folder)).rejects.toThrow(`${classes}: is 78 KiB: classes.txt may be at most 64 KiB`)
    writeFileSync(classes, Buffer.from([0x61, 0x0a, 0xff, 0xfe, 0x0a]))
    await expect(loadDataset(folder)).rejects.toThrow(`${classes}: is not UTF-8 text: classes.txt lists one class name per line`)
  })
})
