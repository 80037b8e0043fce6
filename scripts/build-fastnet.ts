// Builds the lab's WebAssembly engine from its AssemblyScript source with the compiler npm
// installed (no system toolchain): `npm run build:wasm`. Two modules from the one source: plain
// SIMD-128, and relaxed SIMD (fused multiply-add, see assembly/simd.ts), which the loader picks
// where the runtime validates it. Both are committed; with --check this rebuilds them in memory
// and fails unless the bytes are identical to the committed files.
import asc from 'assemblyscript/asc'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
export const FASTNET_SOURCE = 'src/main/lab/fastnet/assembly/index.ts'
export const FASTNET_WASM = 'src/main/lab/fastnet/fastnet.wasm'
export const FASTNET_RELAXED_WASM = 'src/main/lab/fastnet/fastnet-relaxed.wasm'
/** Release build, SIMD-128 explicit in the source, no GC runtime (the host lays out all memory). */
export const FASTNET_FLAGS = ['-O3', '--runtime', 'stub', '--enable', 'simd', '--noAssert']
/** Each build: its committed file and its extra compiler flags. */
export const FASTNET_BUILDS = [
  { file: FASTNET_WASM, flags: [] as string[] },
  { file: FASTNET_RELAXED_WASM, flags: ['--enable', 'relaxed-simd'] }
]

export async function buildFastnet(extraFlags: string[] = []): Promise<Uint8Array> {
  let binary: Uint8Array | null = null
  const errors: string[] = []
  const { error } = await asc.main([FASTNET_SOURCE, '--outFile', 'fastnet.wasm', ...FASTNET_FLAGS, ...extraFlags, '--baseDir', root], {
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
  let stale = false
  for (const { file, flags } of FASTNET_BUILDS) {
    const built = await buildFastnet(flags)
    const target = `${root}/${file}`
    if (process.argv.includes('--check')) {
      const same = existsSync(target) && Buffer.compare(Buffer.from(built), readFileSync(target)) === 0
      process.stdout.write(same ? `${file} is up to date (${built.length} bytes)\n` : `${file} differs from its source: run npm run build:wasm\n`)
      stale ||= !same
    } else {
      writeFileSync(target, built)
      process.stdout.write(`wrote ${file} (${built.length} bytes)\n`)
    }
  }
  process.exit(stale ? 1 : 0)
}
