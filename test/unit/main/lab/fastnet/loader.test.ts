// Which build of the engine a process trains on: relaxed SIMD where the runtime validates it,
// plain SIMD-128 where it does not, DIGIT_LAB_WASM's choice when set. V8's flags are per process
// and cannot be turned off again, so each case runs in a fresh Node (this one is Node 20 or later).
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../../../../helpers/node-child'

const PROBE = `const l = await import('./src/main/lab/fastnet/loader.ts')
try { const b = l.fastnetBuild(); console.log(JSON.stringify({ build: b, version: l.fastnetVersion(b) })) }
catch (e) { console.log(JSON.stringify({ error: e.message })) }`

function probe(flags: string[], env: Record<string, string> = {}): { build?: string; version?: string; error?: string } {
  const r = spawnSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', PROBE], {
    cwd: ROOT,
    env: { ...process.env, DIGIT_LAB_WASM: '', ...env },
    encoding: 'utf8'
  })
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!)
}

const RELAXED_FLAG = '--experimental-wasm-relaxed-simd'
const relaxedByDefault = Number(process.versions.node.split('.')[0]) >= 22

describe('the engine build a process picks', () => {
  it('takes relaxed SIMD where the runtime validates it, and names it in the version', () => {
    expect(probe([RELAXED_FLAG])).toEqual({
      build: 'relaxed',
      version: expect.stringMatching(/^\d+\.\d+, relaxed SIMD \(fused multiply-add\) \(wasm [0-9a-f]{8}\)$/)
    })
  })

  it('falls back to plain SIMD-128 where it does not (Node 20 without the flag)', () => {
    const picked = probe([])
    if (relaxedByDefault) expect(picked.build).toBe('relaxed')
    else expect(picked).toEqual({ build: 'simd128', version: expect.stringMatching(/^\d+\.\d+, SIMD-128 \(wasm [0-9a-f]{8}\)$/) })
  })

  it('follows DIGIT_LAB_WASM, and refuses a build it does not know or this runtime cannot run', () => {
    expect(probe([RELAXED_FLAG], { DIGIT_LAB_WASM: 'simd128' }).build).toBe('simd128')
    expect(probe([], { DIGIT_LAB_WASM: 'avx' }).error).toBe('DIGIT_LAB_WASM must be one of simd128, relaxed (got "avx")')
    if (!relaxedByDefault)
      expect(probe([], { DIGIT_LAB_WASM: 'relaxed' }).error).toMatch(/cannot run WebAssembly relaxed SIMD \(Node 20 needs --experimental-wasm-relaxed-simd\)/)
  })
})
