import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'electron-vite'
import { resolve } from 'node:path'

export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      rollupOptions: {
        // The training workers are entries of their own: spawn.ts finds them beside the bundle.
        input: {
          index: resolve('src/main/index.ts'),
          'train-worker': resolve('src/main/lab/engine/worker.ts'),
          'train-helper': resolve('src/main/lab/engine/helper-worker.ts')
        }
      }
    }
  },
  preload: {
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
