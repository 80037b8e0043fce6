// The pure analysis behind the Understand views: scores, differences, ledgers, preprocessing.
import { describe, expect, it } from 'vitest'
import { classScores, confusionDiff, ledger, macroF1, rowRates } from '../../../../src/renderer/src/lib/metrics'
import { centreOfMass, inkFromRgba, toMnist } from '../../../../src/renderer/src/lib/preprocess'
import { smooth } from '../../../../src/renderer/src/lib/smoothing'
import { decimate } from '../../../../src/renderer/src/lib/decimate'
import { metricsCsv } from '../../../../src/renderer/src/lib/csv'

describe('confusion analysis', () => {
  const m = [
    [5, 1, 0],
    [2, 3, 1],
    [0, 0, 4]
  ]

  it('computes precision, recall and F1 per class', () => {
    const s = classScores(m)
    // class 0: tp 5, predicted 7, actual 6
    expect(s[0].precision).toBeCloseTo(5 / 7, 12)
    expect(s[0].recall).toBeCloseTo(5 / 6, 12)
    expect(s[0].f1).toBeCloseTo((2 * (5 / 7) * (5 / 6)) / (5 / 7 + 5 / 6), 12)
    // class 2: tp 4, predicted 5, actual 4
    expect(s[2]).toMatchObject({ precision: 4 / 5, recall: 1, support: 4 })
    expect(macroF1(m)).toBeCloseTo((s[0].f1 + s[1].f1 + s[2].f1) / 3, 12)
  })

  it('gives 0, not NaN, for a class never predicted or never present', () => {
    const s = classScores([
      [3, 0],
      [2, 0]
    ])
    expect(s[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 2 })
    expect(
      classScores([
        [0, 0],
        [0, 1]
      ])[0]
    ).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 })
    expect(
      rowRates([
        [0, 0],
        [1, 3]
      ])
    ).toEqual([
      [0, 0],
      [0.25, 0.75]
    ])
  })

  it('diffs two confusion matrices cell by cell (b minus a)', () => {
    const b = [
      [6, 0, 0],
      [1, 5, 0],
      [0, 1, 3]
    ]
    expect(confusionDiff(m, b)).toEqual([
      [1, -1, 0],
      [-1, 2, -1],
      [0, 1, -1]
    ])
    expect(() => confusionDiff(m, [[1]])).toThrow(/differ in size/)
  })

  it('finds the digits one run gets right and another wrong, and those every run gets wrong', () => {
    const book = ledger([
      [3, 8, 15, 42],
      [8, 9, 42, 77],
      [1, 8, 42]
    ])
    expect(book.onlyAWrong).toEqual([3, 15])
    expect(book.onlyBWrong).toEqual([9, 77])
    expect(book.allWrong).toEqual([8, 42])
    expect(ledger([[5, 2]])).toEqual({ onlyAWrong: [], onlyBWrong: [], allWrong: [2, 5] })
  })
})

describe('drawing preprocessing', () => {
  /** A 280x280 drawing: a solid bar in the top-left corner, off centre on purpose. */
  function bar(x0: number, y0: number, w: number, h: number) {
    const data = new Float32Array(280 * 280)
    for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) data[y * 280 + x] = 255
    return { width: 280, height: 280, data }
  }

  it('fits the stroke into 20x20 and centres its mass in 28x28', () => {
    const out = toMnist(bar(10, 20, 40, 160))!
    const img = { width: 28, height: 28, data: out }
    const com = centreOfMass(img)
    // Whole-pixel placement, as MNIST's was: within half a pixel of the centre.
    expect(Math.abs(com.x - 14)).toBeLessThanOrEqual(0.5)
    expect(Math.abs(com.y - 14)).toBeLessThanOrEqual(0.5)
    // 160 tall -> 20 rows; 40 wide -> 5 columns.
    const rows = new Set<number>()
    const cols = new Set<number>()
    out.forEach((v, i) => {
      if (v > 128) {
        rows.add(Math.floor(i / 28))
        cols.add(i % 28)
      }
    })
    expect(rows.size).toBe(20)
    expect(cols.size).toBe(5)
    expect(Math.max(...out)).toBeLessThanOrEqual(255)
  })

  it('returns null for an empty pad and reads dark ink from canvas pixels', () => {
    expect(toMnist({ width: 280, height: 280, data: new Float32Array(280 * 280) })).toBeNull()
    const rgba = new Uint8ClampedArray([0, 0, 0, 255, 255, 255, 255, 255])
    expect(Array.from(inkFromRgba(rgba, 2, 1, true).data)).toEqual([255, 0])
  })
})

describe('curve helpers', () => {
  it('smooths with a debiased moving average (first point unchanged, constant stays constant)', () => {
    expect(smooth([4, 4, 4], 0.9)).toEqual([4, 4, 4].map(() => expect.closeTo(4, 10)))
    const s = smooth([1, 0], 0.5)
    expect(s[0]).toBeCloseTo(1, 12)
    expect(s[1]).toBeCloseTo((0.5 * 0.5) / 0.75, 12)
    expect(smooth([1, 2], 0)).toEqual([1, 2])
  })

  it('decimates long curves to the requested size, keeping both ends and the peaks', () => {
    const points = Array.from({ length: 10_000 }, (_, i) => ({ x: i, y: i === 5000 ? 100 : Math.sin(i / 100) }))
    const d = decimate(points, 500)
    expect(d).toHaveLength(500)
    expect(d[0]).toBe(points[0])
    expect(d.at(-1)).toBe(points.at(-1))
    expect(d.some((p) => p.y === 100)).toBe(true)
    expect(decimate(points.slice(0, 10), 500)).toHaveLength(10)
  })

  it('writes metrics CSV with quoting', () => {
    const csv = metricsCsv([
      {
        id: 1,
        name: 'a "quoted", run',
        batches: [{ step: 1, epoch: 1, loss: 2.5, accuracy: 0.1, examplesPerSec: 900, elapsed: 0.2 }],
        epochs: [{ epoch: 1, trainLoss: 2, trainAccuracy: 0.2, testLoss: 1.5, testAccuracy: 0.6, seconds: 3, numTensors: 9 }]
      }
    ])
    expect(csv.split('\n')).toEqual([
      'run_id,run_name,kind,epoch,step,loss,accuracy,test_loss,test_accuracy,elapsed_seconds,epoch_seconds,examples_per_sec',
      '1,"a ""quoted"", run",batch,1,1,2.5,0.1,,,0.2,,900',
      '1,"a ""quoted"", run",epoch,1,,2,0.2,1.5,0.6,,3,',
      ''
    ])
  })
})
