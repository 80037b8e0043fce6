// The benches' one door into the core below Lab (scripts/bench.ts, scripts/bench-ui.ts): what they
// need to time an engine, the training loop and the inside recorder on their own, and to seed a
// store with runs; the coach panel's recorder and scorer (coach:panel, coach:eval). Exactly that: a script that needs more adds it here, where it shows.
export { gatherBatch, range, seededRandom } from './data/batches'
export { loadDataset, mnistDir } from './data/datasets'
export type { EngineEpochEvent } from './engine/engine-event'
export { prepareRun } from './engine/prepared-run'
export { profile, startProfiling } from './fastnet/profile'
export { projectEmbedding } from './inside/embedding'
export { InsideRecorder } from './inside/recorder'
export { RunLogger } from './store/run-logger'
export { Store } from './store/store'
export { startStepper } from './training/start-stepper'
export { trainRun } from './training/train-loop'
export { coach } from './coach/hints'
export { panelRunOf, scorePanel, panelTable, type PanelRecipe, type PanelRun } from './coach/panel'
export { modelFlops } from './fastnet/flops'
export { planFromModel } from './fastnet/net-plan'
