// The pure parts of the "inside the network" views: heat strips from histograms with their own
// ranges, the embedding map's scale and hit test, and cutting layer outputs into images.
import { describe, expect, it } from 'vitest'
import { encodeBytes, quantise, type InsidePoint, type LayerOutputView } from '../../../../src/shared/inside'
import { axisCaption, classColour, mapScale, nearestPoint } from '../../../../src/renderer/src/lib/embedding-scale'
import { heatColour, heatStrip, rebin, sharedRange, shortNumber } from '../../../../src/renderer/src/lib/histogram-strip'
import {
  channelImages,
  filterImages,
  filterPoints,
  filtersName,
  pointName,
  pointTick,
  positivePart,
  zeroByte
} from '../../../../src/renderer/src/lib/layer-output'

const sum = (v: number[]) => v.reduce((a, b) => a + b, 0)

describe('heat strips', () => {
  it('shares one value range among histograms with their own, and widens a constant one', () => {
    expect(
      sharedRange([
        { min: -1, max: 0.5, counts: [1] },
        { min: -0.2, max: 2, counts: [1] }
      ])
    ).toEqual({ min: -1, max: 2 })
    expect(sharedRange([{ min: 0.3, max: 0.3, counts: [5] }])).toEqual({ min: -0.2, max: 0.8 })
    expect(sharedRange([])).toEqual({ min: -0.5, max: 0.5 })
  })

  it('moves counts onto the shared bins in proportion to overlap, keeping the total', () => {
    // Two source bins [0,1) and [1,2) onto four bins over [0,4).
    expect(rebin({ min: 0, max: 2, counts: [4, 8] }, 0, 4, 4)).toEqual([4, 8, 0, 0])
    // One source bin [0,2) split over two target bins of width 1.
    expect(rebin({ min: 0, max: 2, counts: [6] }, 0, 2, 2)).toEqual([3, 3])
    // A source bin straddling two target bins: [0.5, 1.5) onto [0,1) and [1,2).
    const straddle = rebin({ min: 0.5, max: 1.5, counts: [10] }, 0, 2, 2)
    expect(straddle[0]).toBeCloseTo(5)
    expect(straddle[1]).toBeCloseTo(5)
    const wide = rebin({ min: -0.3, max: 0.7, counts: [1, 5, 9, 3, 2, 7, 0, 4, 4, 1] }, -1, 1, 30)
    expect(sum(wide)).toBeCloseTo(36)
    expect(wide.slice(0, 10).every((c) => c === 0)).toBe(true) // nothing below -0.3
  })

  it('puts a constant histogram (min == max) in the one bin that holds its value', () => {
    const out = rebin({ min: 0.25, max: 0.25, counts: [0, 7, 3] }, 0, 1, 4)
    expect(out).toEqual([0, 10, 0, 0])
    // The top edge belongs to the last bin.
    expect(rebin({ min: 1, max: 1, counts: [2] }, 0, 1, 4)).toEqual([0, 0, 0, 2])
  })

  it('scales each column so its fullest bin is 1, on the range of all columns', () => {
    const strip = heatStrip(
      [
        { min: 0, max: 1, counts: [2, 4] },
        { min: 0, max: 2, counts: [1, 1] }
      ],
      4
    )
    expect(strip.min).toBe(0)
    expect(strip.max).toBe(2)
    expect(strip.columns[0]).toEqual([0.5, 1, 0, 0])
    expect(strip.columns[1]).toEqual([1, 1, 1, 1])
  })

  it('colours nothing white and the fullest bin darkest, lifting the thin tails', () => {
    expect(heatColour(0)).toEqual([255, 255, 255])
    expect(heatColour(1)).toEqual([8, 48, 107])
    const [r] = heatColour(0.04)
    // sqrt(0.04) = 0.2 of the way from light blue to dark blue, not 0.04 of it.
    expect(r).toBe(Math.round(222 + (8 - 222) * 0.2))
    expect(heatColour(2)).toEqual(heatColour(1))
    expect(heatColour(-1)).toEqual([255, 255, 255])
  })

  it('writes axis values short', () => {
    expect(shortNumber(0)).toBe('0')
    expect(shortNumber(0.123456)).toBe('0.123')
    expect(shortNumber(-0.305)).toBe('-0.305')
    expect(shortNumber(0.00012)).toBe('1.2e-4')
    expect(shortNumber(12345)).toBe('1.2e+4')
  })
})

describe('embedding map scale', () => {
  it('gives both axes the same pixels per unit and centres the narrower one', () => {
    // x spans 4 units, y spans 1: x decides the unit.
    const s = mapScale([0, 4], [0, 1], 420, 220, 10)
    expect(s.unit).toBe(100)
    expect(s.toX(0)).toBe(10)
    expect(s.toX(4)).toBe(410)
    // y is centred, up positive: 1 is above 0.
    expect(s.toY(0.5)).toBe(110)
    expect(s.toY(1)).toBeLessThan(s.toY(0))
    expect(s.toY(0) - s.toY(1)).toBe(100)
  })

  it('survives a single point and no spread', () => {
    const s = mapScale([2], [3], 100, 100, 10)
    expect(s.toX(2)).toBe(50)
    expect(s.toY(3)).toBe(50)
  })

  it('finds the nearest point within the radius, and none farther away', () => {
    const xs = [0, 1, 2]
    const ys = [0, 0, 0]
    const s = mapScale(xs, ys, 220, 100, 10)
    expect(nearestPoint(s, xs, ys, s.toX(1) + 3, s.toY(0) - 2, 8)).toBe(1)
    expect(nearestPoint(s, xs, ys, s.toX(2) - 4, s.toY(0), 8)).toBe(2)
    expect(nearestPoint(s, xs, ys, s.toX(1), s.toY(0) + 30, 8)).toBeNull()
  })

  it('captions the axes with their share of the variance and colours classes past ten again', () => {
    expect(axisCaption(1, 0.16666)).toBe('PC 1 (16.7% of variance)')
    expect(axisCaption(2, 0.05)).toBe('PC 2 (5.0% of variance)')
    expect(classColour(12)).toBe(classColour(2))
  })
})

describe('layer outputs as images', () => {
  const view = (shape: number[], values: number[]): LayerOutputView => ({ layer: 'l', label: 'conv 1', kind: 'conv', shape, values: quantise(values) })

  it('cuts a channels-last stack into one image per channel', () => {
    // 2x2 pixels, 3 channels: channel k of pixel p holds p * 10 + k.
    const v = view([2, 2, 3], [0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32])
    const images = channelImages(v)
    expect(images).toHaveLength(3)
    const back = (b: number) => Math.round((b / 255) * 32)
    expect(Array.from(images[0], back)).toEqual([0, 10, 20, 30])
    expect(Array.from(images[2], back)).toEqual([2, 12, 22, 32])
  })

  it('draws zero as white: the byte for zero, and the positive part stretched to full ink', () => {
    expect(zeroByte(view([1], [0, 5]))).toBe(0)
    expect(zeroByte(view([1], [-1, 3]))).toBe(64)
    expect(zeroByte(view([1], [-3, -1]))).toBe(255)
    expect(Array.from(positivePart(Uint8Array.from([0, 64, 100, 255]), 64))).toEqual([0, 0, Math.round((36 / 191) * 255), 255])
    const same = Uint8Array.from([1, 2])
    expect(positivePart(same, 0)).toBe(same)
  })

  it('splits the stored filters into one image each, and keeps the points that have them', () => {
    const bytes = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => i)
    const imgs = filterImages({ layer: 'c', count: 2, total: 10, height: 3, width: 3, images: encodeBytes(bytes) })
    expect(imgs.map((i) => Array.from(i))).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8],
      [9, 10, 11, 12, 13, 14, 15, 16, 17]
    ])
    const at = (epoch: number, step: number, epochEnd: boolean, filters: boolean): InsidePoint => ({
      epoch,
      step,
      epochEnd,
      layers: [],
      activations: [],
      filters: filters ? { layer: 'c', count: 0, total: 0, height: 1, width: 1, images: '' } : null
    })
    const points = [at(1, 1, false, true), at(1, 10, false, false), at(1, 94, true, true), at(2, 188, true, true)]
    expect(filterPoints(points).map((p) => p.step)).toEqual([1, 94, 188])
    expect(filterPoints(points).map(filtersName)).toEqual(['step 1 (as training began)', 'the end of epoch 1', 'the end of epoch 2'])
    expect(points.map(pointName)).toEqual(['epoch 1, step 1', 'epoch 1, step 10', 'end of epoch 1', 'end of epoch 2'])
    expect(points.map(pointTick)).toEqual(['s1', 's10', 'e1', 'e2'])
  })
})
