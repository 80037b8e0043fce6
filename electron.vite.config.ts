import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'electron-vite'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Plugin } from 'vite'
import { WORKER_ENTRIES } from './src/main/lab/engine/worker-entries'

// One alias for the shared contract, in every bundle (tsconfig's paths say the same for tsc and tsx).
const resolveShared = { alias: { '@shared': resolve('src/shared') } }

/** The lab's WebAssembly engine (both builds), copied beside the main bundle, where fastnet/loader.ts looks for it. */
function fastnetWasm(): Plugin {
  return {
    name: 'digit-lab-fastnet-wasm',
    generateBundle() {
      for (const fileName of ['fastnet.wasm', 'fastnet-relaxed.wasm'])
        this.emitFile({ type: 'asset', fileName, source: readFileSync(resolve('src/main/lab/fastnet', fileName)) })
    }
  }
}

export default defineConfig({
  main: {
    resolve: resolveShared,
    build: {
      externalizeDeps: true,
      rollupOptions: {
        // The training and prediction workers are entries of their own (engine/worker-entries.ts):
        // spawn.ts finds them beside the bundle.
        input: {
          index: resolve('src/main/index.ts'),
          ...Object.fromEntries(Object.values(WORKER_ENTRIES).map(({ source, bundle }) => [bundle.replace(/\.js$/, ''), resolve('src/main/lab', source)]))
        }
      }
    },
    plugins: [fastnetWasm()]
  },
  preload: {
    resolve: resolveShared,
    build: {
      externalizeDeps: { exclude: ['zod'] },
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        // Sandboxed preloads must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' }
      }
    }
  },
  renderer: {
    root: resolve('src/renderer'),
    resolve: resolveShared,
    build: {
      rollupOptions: {
        input: resolve('src/renderer/index.html'),
        // zod's sources carry comments Rollup cannot place; harmless, and not ours to fix.
        onwarn(warning, warn) {
          if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules')) return
          warn(warning)
        }
      }
    },
    plugins: [vue()]
  }
})
