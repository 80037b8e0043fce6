// The live curves' pace (paced-version.ts): however fast a run logs, its curves are redrawn a
// bounded number of times, and always end on the latest version.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { effectScope, nextTick, ref, watch } from 'vue'
import { redrawInterval, usePacedVersion } from '../../../../src/renderer/src/lib/paced-version'

beforeEach(() => vi.useFakeTimers())
afterEach(() => vi.useRealTimers())

describe('usePacedVersion', () => {
  it('passes 1,000 versions a second on about 10 times a second, and ends on the last', async () => {
    const scope = effectScope()
    const version = ref(0)
    const seen: (number | undefined)[] = []
    scope.run(() => {
      const paced = usePacedVersion(
        () => version.value,
        () => 100
      )
      watch(paced, (v) => seen.push(v))
    })
    for (let ms = 0; ms < 2000; ms++) {
      version.value++
      await nextTick()
      vi.advanceTimersByTime(1)
    }
    await vi.runAllTimersAsync()
    await nextTick()
    expect(seen.length).toBeGreaterThanOrEqual(19)
    expect(seen.length).toBeLessThanOrEqual(21)
    expect(seen.at(-1)).toBe(2000)
    scope.stop()
  })

  it('passes a lone change on at once, and nothing after its scope is gone', async () => {
    const scope = effectScope()
    const version = ref(1)
    let paced!: ReturnType<typeof usePacedVersion>
    scope.run(
      () =>
        (paced = usePacedVersion(
          () => version.value,
          () => 1000
        ))
    )
    version.value = 2
    await nextTick()
    vi.advanceTimersByTime(0)
    expect(paced.value).toBe(2)
    version.value = 3
    await nextTick()
    scope.stop()
    await vi.runAllTimersAsync()
    expect(paced.value).toBe(2)
  })

  it('redraws long curves less often, never under 10 times a second for short ones nor over a second apart', () => {
    expect([0, 10_000, 50_000, 100_000, 10_000_000].map(redrawInterval)).toEqual([100, 100, 500, 1000, 1000])
  })
})
