// Finds and compiles the engine, once per thread. Two builds of one source: relaxed SIMD (fused
// multiply-add), where the runtime validates it (Electron's V8 and Node 22 by default, Node 20
// with --experimental-wasm-relaxed-simd), else plain SIMD-128. DIGIT_LAB_WASM=simd128|relaxed
// forces one (the bench compares them). From sources they sit beside this file; in a build,
// electron.vite.config.ts copies them beside the main bundle (out/main/), and bundled code may
// run from a chunk one folder below.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** A compiled engine; structured-cloneable, so it can be handed to a worker thread. */
export type WasmModule = { readonly __brand: 'WebAssembly.Module' }
export interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}

// The part of WebAssembly's JS API used here (the main process's tsconfig loads no lib.dom).
interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => WasmModule
  Instance: new (module: WasmModule, imports: object) => { exports: object }
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

export const FASTNET_FILES = { simd128: 'fastnet.wasm', relaxed: 'fastnet-relaxed.wasm' } as const
export type FastnetBuild = keyof typeof FASTNET_FILES
/** How each build is named where the engine is described. */
export const BUILD_NAMES: Record<FastnetBuild, string> = { simd128: 'SIMD-128', relaxed: 'relaxed SIMD (fused multiply-add)' }
/** Bumped when the engine's behaviour changes; the binary's hash says exactly which build ran. */
const ENGINE_VERSION = '1.1'
const compiled = new Map<FastnetBuild, { module: WasmModule; version: string }>()

export function fastnetPath(build: FastnetBuild = 'simd128'): string {
  const name = FASTNET_FILES[build]
  const tried: string[] = []
  for (const rel of [`./${name}`, `../${name}`]) {
    const file = fileURLToPath(new URL(rel, import.meta.url))
    if (existsSync(file)) return file
    tried.push(file)
  }
  throw new Error(`${name} not found (looked for ${tried.join(' and ')}): rebuild with "npm run build"`)
}

/** A module from an engine build's bytes (bench:engine compares another build with this one's). */
export function compileFastnet(bytes: Uint8Array): WasmModule {
  return new wasm.Module(bytes)
}

function compile(build: FastnetBuild): { module: WasmModule; version: string } {
  let entry = compiled.get(build)
  if (!entry) {
    const bytes = readFileSync(fastnetPath(build))
    if (!wasm.validate(bytes))
      throw new Error(
        build === 'relaxed'
          ? 'this runtime cannot run WebAssembly relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)'
          : 'this runtime cannot run WebAssembly SIMD-128'
      )
    const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 8)
    entry = { module: compileFastnet(bytes), version: `${ENGINE_VERSION}, ${BUILD_NAMES[build]} (wasm ${hash})` }
    compiled.set(build, entry)
  }
  return entry
}

/** The build this runtime trains on: DIGIT_LAB_WASM's, else relaxed where it validates, else SIMD-128. */
export function fastnetBuild(env = process.env): FastnetBuild {
  const forced = env.DIGIT_LAB_WASM?.trim().toLowerCase()
  if (forced) {
    if (!(forced in FASTNET_FILES)) throw new Error(`DIGIT_LAB_WASM must be one of ${Object.keys(FASTNET_FILES).join(', ')} (got "${env.DIGIT_LAB_WASM}")`)
    return forced as FastnetBuild
  }
  try {
    compile('relaxed')
    return 'relaxed'
  } catch {
    return 'simd128'
  }
}

/** The compiled engine (`build`, or the one fastnetBuild picks); throws if it is missing or this runtime cannot run it. */
export function fastnetModule(build: FastnetBuild = fastnetBuild()): WasmModule {
  return compile(build).module
}

/** Its version, the build named: where a run's engine is described. */
export function fastnetVersion(build: FastnetBuild = fastnetBuild()): string {
  return compile(build).version
}

/** The engine's one import is a clock, read only while profiling. */
export function instantiate(module: WasmModule): object {
  return new wasm.Instance(module, { env: { now: () => performance.now() } }).exports
}
