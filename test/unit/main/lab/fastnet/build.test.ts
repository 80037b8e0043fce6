// The committed fastnet.wasm is what its AssemblyScript source compiles to, byte for byte, with
// the compiler npm installed: nobody needs a system toolchain, and no stale binary ships.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildFastnet, FASTNET_WASM } from '../../../../../scripts/build-fastnet'
import { ROOT } from '../../../../helpers/node-child'

describe('the fast engine binary', () => {
  it('rebuilds from source to identical bytes (npm run build:wasm after editing the source)', async () => {
    const built = await buildFastnet()
    const committed = readFileSync(join(ROOT, FASTNET_WASM))
    expect(built.length).toBe(committed.length)
    expect(Buffer.compare(Buffer.from(built), committed), `${FASTNET_WASM} is stale: run npm run build:wasm`).toBe(0)
  })
})
