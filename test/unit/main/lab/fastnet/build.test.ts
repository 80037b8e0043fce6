// The committed engine binaries are what their AssemblyScript source compiles to, byte for byte,
// with the compiler npm installed: nobody needs a system toolchain, and no stale binary ships.
// Two builds of the one source: plain SIMD-128, and relaxed SIMD (fused multiply-add).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildFastnet, FASTNET_BUILDS } from '../../../../../scripts/build-fastnet'
import { ROOT } from '../../../../helpers/node-child'

describe('the fast engine binaries', () => {
  for (const { file, flags } of FASTNET_BUILDS) {
    it(`${file} rebuilds from source to identical bytes (npm run build:wasm after editing the source)`, async () => {
      const built = await buildFastnet(flags)
      const committed = readFileSync(join(ROOT, file))
      expect(built.length).toBe(committed.length)
      expect(Buffer.compare(Buffer.from(built), committed), `${file} is stale: run npm run build:wasm`).toBe(0)
    })
  }

  it('differ: the relaxed build fuses its multiply-adds', () => {
    const [plain, relaxed] = FASTNET_BUILDS.map(({ file }) => readFileSync(join(ROOT, file)))
    expect(Buffer.compare(plain, relaxed)).not.toBe(0)
  })
})
