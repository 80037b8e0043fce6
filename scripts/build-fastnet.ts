// Builds the lab's WebAssembly engine from its AssemblyScript source with the compiler npm
// installed (no system toolchain): `npm run build:wasm`. The .wasm is committed; with --check
// this rebuilds it in memory and fails unless the bytes are identical to the committed file.
import asc from 'assemblyscript/asc'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
export const FASTNET_SOURCE = 'src/main/lab/fastnet/assembly/index.ts'
export const FASTNET_WASM = 'src/main/lab/fastnet/fastnet.wasm'
/** Release build, SIMD-128 explicit in the source, no GC runtime (the host lays out all memory). */
export const FASTNET_FLAGS = ['-O3', '--runtime', 'stub', '--enable', 'simd', '--noAssert']

export async function buildFastnet(): Promise<Uint8Array> {
  let binary: Uint8Array | null = null
  const errors: string[] = []
  const { error } = await asc.main([FASTNET_SOURCE, '--outFile', 'fastnet.wasm', ...FASTNET_FLAGS, '--baseDir', root], {
    writeFile(name, contents) {
      if (name.endsWith('.wasm')) binary = contents as Uint8Array
    },
    stderr: { write: (s: string | Uint8Array) => void errors.push(String(s)) } as never,
    stdout: { write: () => {} } as never
  })
  if (error || !binary) throw new Error(`asc failed: ${error?.message ?? 'no output'}\n${errors.join('')}`)
  return binary
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const built = await buildFastnet()
  const target = `${root}/${FASTNET_WASM}`
  if (process.argv.includes('--check')) {
    const same = Buffer.compare(Buffer.from(built), readFileSync(target)) === 0
    process.stdout.write(same ? `${FASTNET_WASM} is up to date (${built.length} bytes)\n` : `${FASTNET_WASM} differs from its source: run npm run build:wasm\n`)
    process.exit(same ? 0 : 1)
  }
  writeFileSync(target, built)
  process.stdout.write(`wrote ${FASTNET_WASM} (${built.length} bytes)\n`)
}
