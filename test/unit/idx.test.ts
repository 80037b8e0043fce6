import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { loadDataset, limitSplit, pixelStats } from '../../src/main/lab/data/datasets'
import { readIdxImages, readIdxLabels } from '../../src/main/lab/data/idx'
import { idxImages, idxLabels, writeFolderDataset } from '../helpers/idx-files'
import { tempDir } from '../helpers/tmp'

const dir = tempDir()
const file = (name: string, data: Buffer) => {
  const path = join(dir, name)
  writeFileSync(path, data)
  return path
}

describe('IDX reader', () => {
  it('reads images and labels, plain and gzip', () => {
    const images = idxImages(3, 4, 5)
    const plain = readIdxImages(file('a-idx3-ubyte', images))
    const gz = readIdxImages(file('a-idx3-ubyte.gz', gzipSync(images)))
    expect(plain).toMatchObject({ count: 3, rows: 4, cols: 5 })
    expect(Array.from(gz.pixels)).toEqual(Array.from(plain.pixels))
    expect(plain.pixels[20 + 7]).toBe((1 * 31 + 7) % 256)
    expect(Array.from(readIdxLabels(file('l-idx1-ubyte.gz', gzipSync(idxLabels([3, 1, 9])))))).toEqual([3, 1, 9])
  })

  it('names the file, by its full path, and the problem for a bad magic number', () => {
    // The full path: two datasets' train-images files would otherwise read the same.
    expect(() => readIdxImages(file('bad-magic', idxLabels([1, 2])))).toThrow(`${join(dir, 'bad-magic')}: bad magic number 0x00000801 (expected 0x00000803 for images)`)
  })

  it('rejects a truncated file and one with trailing bytes', () => {
    const images = idxImages(2, 3, 3)
    expect(() => readIdxImages(file('short', images.subarray(0, images.length - 1)))).toThrow(/short: length 33 bytes does not match its header 2x3x3 \(expected 34\)/)
    expect(() => readIdxImages(file('long', Buffer.concat([images, Buffer.from([0])])))).toThrow(/long: length 35 bytes/)
    expect(() => readIdxImages(file('tiny', Buffer.from([0, 0, 8])))).toThrow(/tiny: is too short for an IDX header/)
  })

  it('rejects out-of-range labels, corrupt gzip and missing files', () => {
    expect(() => readIdxLabels(file('labels', idxLabels([0, 10, 2])))).toThrow(/labels: label 10 at index 1 is out of range 0..9/)
    expect(() => readIdxLabels(file('broken.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3])))).toThrow(/broken.gz: is not valid gzip/)
    expect(() => readIdxImages(join(dir, 'nope'))).toThrow(/nope: cannot be read \(ENOENT\)/)
  })
})

describe('datasets', () => {
  it('loads the embedded MNIST: 60,000 train and 10,000 test images of 28x28', () => {
    const t0 = performance.now()
    const mnist = loadDataset('mnist')
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

  it('loads a folder dataset (gzip) with class names and its own statistics', () => {
    const ds = loadDataset(writeFolderDataset(join(dir, 'letters'), { gzip: true, classes: ['a', 'b', 'c'], train: 30, test: 9 }))
    expect(ds.classNames).toEqual(['a', 'b', 'c'])
    expect(ds.train.count).toBe(30)
    const stats = pixelStats(ds.train.images)
    expect(ds.mean).toBeCloseTo(stats.mean, 10)
    expect(ds.mean).toBeCloseTo(28 / 784, 6) // one bright row of 28 pixels per image
    expect(limitSplit(ds.train, 7, 784).labels.length).toBe(7)
  })

  it('says which file is missing or disagrees', () => {
    const partial = writeFolderDataset(join(dir, 'partial'))
    writeFileSync(join(partial, 't10k-labels-idx1-ubyte'), idxLabels([1, 2, 3]))
    expect(() => loadDataset(partial)).toThrow(/t10k-labels-idx1-ubyte: has 3 labels but t10k-images-idx3-ubyte has 50 images/)
    expect(() => loadDataset(join(dir, 'absent'))).toThrow(/is not a folder/)
    const empty = join(dir, 'empty')
    writeFolderDataset(empty)
    writeFileSync(join(empty, 'classes.txt'), 'only-one\n')
    expect(() => loadDataset(empty)).toThrow(/classes.txt: must list 2..256 class names/)
  })
})
