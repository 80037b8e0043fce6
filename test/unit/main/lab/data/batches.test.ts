import { describe, expect, it } from 'vitest'
import { epochOrder, gatherBatch, normalisationTable } from '../../../../../src/main/lab/data/batches'

describe('batches', () => {
  it('shuffles reproducibly per seed, differently per epoch, visiting every example once', () => {
    const a = epochOrder(1000, 1, 1)
    expect(Array.from(a)).toEqual(Array.from(epochOrder(1000, 1, 1)))
    expect(Array.from(a)).not.toEqual(Array.from(epochOrder(1000, 1, 2)))
    expect(Array.from(a)).not.toEqual(Array.from(epochOrder(1000, 2, 1)))
    expect(Array.from(a).sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i))
  })

  it('normalises pixels as the course does: (x/255 - mean) / std', () => {
    const table = normalisationTable({ mean: 0.1307, std: 0.3081 })
    expect(table[0]).toBeCloseTo(-0.1307 / 0.3081, 6)
    expect(table[255]).toBeCloseTo((1 - 0.1307) / 0.3081, 6)
    const split = { count: 2, images: new Uint8Array([0, 255, 255, 0]), labels: new Uint8Array([3, 7]) }
    const { x, y } = gatherBatch(split, [1, 0], 2, { mean: 0.5, std: 0.5 })
    expect(Array.from(x)).toEqual([1, -1, -1, 1])
    expect(Array.from(y)).toEqual([7, 3])
  })
})
