// The layer rules are enforced by dependency-cruiser (`npm run lint`): the real tree passes,
// and a fixture tree that breaks each rule fails with that rule named.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)

async function cruise(target: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, ['node_modules/dependency-cruiser/bin/dependency-cruise.mjs', '--config', '.dependency-cruiser.cjs', '--output-type', 'err', target])
    return { code: 0, out: stdout }
  } catch (err) {
    const e = err as { code: number; stdout: string }
    return { code: e.code, out: e.stdout }
  }
}

describe('layer rules', () => {
  it('pass on the source tree: no cycles, shells through the one door', async () => {
    const r = await cruise('src')
    expect(r.out).toMatch(/no dependency violations found/)
    expect(r.code).toBe(0)
  })

  it('fail on a tree that breaks them, naming each broken rule', async () => {
    const r = await cruise('test/fixtures/layers/src')
    expect(r.code).not.toBe(0)
    const broken = [...r.out.matchAll(/error (\S+):/g)].map((m) => m[1])
    expect(new Set(broken)).toEqual(
      new Set(['shared-is-the-bottom', 'core-imports-only-shared', 'shells-use-the-one-door', 'shells-do-not-import-each-other', 'renderer-and-preload-import-only-shared', 'no-cycles'])
    )
    // The serve fixture keeps every rule: only the modules that break one are named.
    expect(r.out).not.toMatch(/error \S+: test\/fixtures\/layers\/src\/main\/serve\//)
  })
})
