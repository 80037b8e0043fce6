// Finds and compiles fastnet.wasm, once per thread. From sources it sits beside this file; in a
// build, electron.vite.config.ts copies it beside the main bundle (out/main/fastnet.wasm), and
// bundled code may run from a chunk one folder below.
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

export const FASTNET_FILE = 'fastnet.wasm'
/** Bumped when the engine's behaviour changes; the binary's hash says exactly which build ran. */
const ENGINE_VERSION = '1.0'
let compiled: WasmModule | null = null
let version = ''

export function fastnetPath(): string {
  const tried: string[] = []
  for (const rel of [`./${FASTNET_FILE}`, `../${FASTNET_FILE}`]) {
    const file = fileURLToPath(new URL(rel, import.meta.url))
    if (existsSync(file)) return file
    tried.push(file)
  }
  throw new Error(`${FASTNET_FILE} not found (looked for ${tried.join(' and ')}): rebuild with "npm run build"`)
}

/** The compiled engine; throws if it is missing or this runtime lacks WebAssembly SIMD. */
export function fastnetModule(): WasmModule {
  if (!compiled) {
    const bytes = readFileSync(fastnetPath())
    if (!wasm.validate(bytes)) throw new Error('this runtime cannot run WebAssembly SIMD-128')
    compiled = new wasm.Module(bytes)
    version = `${ENGINE_VERSION} (wasm ${createHash('sha256').update(bytes).digest('hex').slice(0, 8)})`
  }
  return compiled
}

export function fastnetVersion(): string {
  fastnetModule()
  return version
}

/** The engine's one import is a clock, read only while profiling. */
export function instantiate(module: WasmModule): object {
  return new wasm.Instance(module, { env: { now: () => performance.now() } }).exports
}
