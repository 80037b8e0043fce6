// Compare tells up to ten runs apart by colour: no two of them close (as two oranges were).
import { describe, expect, it } from 'vitest'
import { RUN_COLOURS, runColour } from '../../../../src/renderer/src/lib/run-colours'

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16))
const distance = (a: string, b: string) => Math.hypot(...rgb(a).map((v, i) => v - rgb(b)[i]))

describe('run colours', () => {
  it('gives ten runs ten colours, each pair at least 60 apart in RGB', () => {
    const ten = Array.from({ length: 10 }, (_, i) => runColour(i))
    expect(new Set(ten).size).toBe(10)
    for (const [i, a] of ten.entries()) for (const b of ten.slice(i + 1)) expect(distance(a, b), `${a} vs ${b}`).toBeGreaterThan(60)
    // The old palette's tanh and maxout (places 2 and 5) were two oranges 27 apart.
    expect(distance('#d9480f', '#e8590c')).toBeLessThan(30)
    expect(RUN_COLOURS).toHaveLength(10)
  })
})
