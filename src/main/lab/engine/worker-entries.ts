// The worker threads the lab starts, each an entry of its own: the one list that spawn.ts starts
// them from, electron.vite.config.ts bundles, and scripts/ensure-build.mjs checks for. It imports
// nothing, so the build's config and a plain-Node script can read it.
//
// `source`: the entry, from src/main/lab; `bundle`: its file beside the main bundle.
export const WORKER_ENTRIES = {
  trainer: { source: 'training/train-worker.ts', bundle: 'train-worker.js' },
  helper: { source: 'engine/tfjs-helper-worker.ts', bundle: 'train-helper.js' },
  predictor: { source: 'engine/predict-worker.ts', bundle: 'predict-worker.js' },
  'fastnet-helper': { source: 'fastnet/fast-helper-worker.ts', bundle: 'fastnet-helper.js' }
} as const

export type WorkerEntry = keyof typeof WORKER_ENTRIES
