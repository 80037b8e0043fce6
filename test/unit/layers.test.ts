// The layer rules are enforced by dependency-cruiser (`npm run lint`): the real tree passes,
// and a fixture tree that breaks each rule fails with that rule named.
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)

async function cruise(...targets: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [
      'node_modules/dependency-cruiser/bin/dependency-cruise.mjs',
      '--config',
      '.dependency-cruiser.cjs',
      '--output-type',
      'err',
      ...targets
    ])
    return { code: 0, out: stdout }
  } catch (err) {
    const e = err as { code: number; stdout: string }
    return { code: e.code, out: e.stdout }
  }
}

describe('layer rules', () => {
  it('pass on the source tree and the scripts: no cycles, shells and scripts through their doors', async () => {
    const r = await cruise('src', 'scripts')
    expect(r.out).toMatch(/no dependency violations found/)
    expect(r.code).toBe(0)
  })

  it('fail on a tree that breaks them, naming each broken rule', async () => {
    const r = await cruise('test/fixtures/layers/src', 'test/fixtures/layers/scripts')
    expect(r.code).not.toBe(0)
    const broken = [...r.out.matchAll(/error (\S+):/g)].map((m) => m[1])
    expect(new Set(broken)).toEqual(
      new Set([
        'shared-is-the-bottom',
        'core-imports-only-shared',
        'shells-use-the-one-door',
        'shells-do-not-import-each-other',
        'renderer-and-preload-import-only-shared',
        'no-cycles',
        'engine-owns-the-trainer-interface',
        'fastnet-stays-below-training',
        'inside-sees-only-its-port',
        'training-foundations-stay-below',
        'scripts-use-the-door'
      ])
    )
    // The serve fixture and the training loop keep every rule: only the modules that break one are named.
    expect(r.out).not.toMatch(/error \S+: test\/fixtures\/layers\/src\/main\/(?:serve|lab\/training)\//)
  })

  it('keep the layers inside the core: each rule is broken by the fixture made for it', async () => {
    const r = await cruise('test/fixtures/layers/src')
    const broken = [...r.out.matchAll(/error (\S+): test\/fixtures\/layers\/src\/main\/lab\/(\S+) → test\/fixtures\/layers\/src\/main\/lab\/(\S+)/g)].map(
      (m) => `${m[1]}: ${m[2]} → ${m[3]}`
    )
    expect(broken.sort()).toEqual(
      [
        // engine/ is the trainer interface, below the engines built on it.
        'engine-owns-the-trainer-interface: engine/trainer.ts → fastnet/net.ts',
        // fastnet/ implements that interface, below the loop that chooses and drives it...
        'fastnet-stays-below-training: fastnet/net.ts → training/loop.ts',
        'training-foundations-stay-below: fastnet/net.ts → training/loop.ts',
        // ...as every room below training/ is.
        'training-foundations-stay-below: model/build.ts → training/loop.ts',
        // inside/ takes what it needs through its port, not from an engine.
        'inside-sees-only-its-port: inside/recorder.ts → engine/trainer.ts'
      ].sort()
    )
  })

  it('keep scripts to the doors: a bench reaching into a room fails, its import of shared/ does not', async () => {
    const r = await cruise('test/fixtures/layers/scripts')
    const broken = [...r.out.matchAll(/error (\S+): test\/fixtures\/layers\/scripts\/(\S+) → test\/fixtures\/layers\/(\S+)/g)].map(
      (m) => `${m[1]}: ${m[2]} → ${m[3]}`
    )
    expect(broken).toEqual(['scripts-use-the-door: bench.ts → src/main/lab/store/store.ts'])
  })
})
