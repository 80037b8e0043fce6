// The layer rules of Digit Lab (see README "Layout"): shared at the bottom, the core above it,
// thin shells around the core's one door, the renderer and preload apart. `npm run lint` runs
// this; test/unit/layers.test.ts proves a violation fails it.
//
// Paths are matched from any root ending in src/ (or scripts/), so the fixtures under
// test/fixtures/layers are judged by the same rules as the real tree.
const SRC = '(?:^|/)src/'
const SHELLS = `${SRC}main/(?:api|electron|serve|cli|terminal)/|${SRC}main/index\\.ts$`
const LAB = `${SRC}main/lab/`

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Modules must not depend on each other in a circle: it hides which one is the lower layer.',
      from: {},
      to: { circular: true }
    },
    {
      name: 'shared-is-the-bottom',
      severity: 'error',
      comment: 'src/shared is the contract: it imports nothing of ours outside itself.',
      from: { path: `${SRC}shared/` },
      to: { path: `${SRC}`, pathNot: `${SRC}shared/` }
    },
    {
      name: 'core-imports-only-shared',
      severity: 'error',
      comment: 'The core (src/main/lab) runs under plain Node and knows no shell: it imports only itself and src/shared.',
      from: { path: `${SRC}main/lab/` },
      to: { path: `${SRC}`, pathNot: [`${SRC}main/lab/`, `${SRC}shared/`] }
    },
    {
      name: 'engine-owns-the-trainer-interface',
      severity: 'error',
      comment:
        'engine/ is the lower layer of training: the trainer interface (TrainStepper, evaluate, PreparedRun), the tfjs engine, spawning workers. fastnet/ implements it, inside/ records beside it, training/ drives it: it imports none of them.',
      from: { path: `${LAB}engine/` },
      to: { path: `${LAB}(?:fastnet|inside|training)/` }
    },
    {
      name: 'fastnet-stays-below-training',
      severity: 'error',
      comment:
        "The lab's engine implements engine/'s interface; choosing it and running the loop (training/) sit above it, the inside recorder beside it: it imports neither.",
      from: { path: `${LAB}fastnet/` },
      to: { path: `${LAB}(?:training|inside)/` }
    },
    {
      name: 'inside-sees-only-its-port',
      severity: 'error',
      comment:
        'The inside recorder takes what it needs through inside/recorder-port.ts: it imports no engine (engine/, fastnet/) and not the loop that drives it (training/).',
      from: { path: `${LAB}inside/` },
      to: { path: `${LAB}(?:engine|fastnet|training)/` }
    },
    {
      name: 'training-foundations-stay-below',
      severity: 'error',
      comment:
        'training/ (the engine choice, the training loop, its worker) sits on the rest of the core: only the rooms, lab.ts and the bench entry import it, never the rooms below it (engine, fastnet, inside, model, data, backend, store...).',
      from: { path: LAB, pathNot: `${LAB}(?:training/|rooms/|lab\\.ts$|bench-entry\\.ts$)` },
      to: { path: `${LAB}training/` }
    },
    {
      name: 'shells-use-the-one-door',
      severity: 'error',
      comment: 'Shells reach the core only through lab/lab.ts (its public types included), never its rooms (store, engine, model, data, backend).',
      from: { path: SHELLS },
      to: { path: `${SRC}main/lab/`, pathNot: `${SRC}main/lab/lab\\.ts$` }
    },
    {
      name: 'scripts-use-the-door',
      severity: 'error',
      comment:
        "Scripts reach the core through its doors only: lab/lab.ts, or lab/bench-entry.ts for what a bench times below Lab, and the build's list of worker entries (ensure-build reads it with tsx's tsImport, which this cruise does not see). Besides the core they may import shared/ and a shell's parts (api/, serve/: bench:ui serves the app), which keep to the one door themselves.",
      from: { path: '(?:^|/)scripts/' },
      to: { path: `${SRC}`, pathNot: [`${SRC}shared/`, `${LAB}(?:lab|bench-entry|engine/worker-entries)\\.ts$`, `${SRC}main/(?:api|serve)/`] }
    },
    {
      name: 'shells-do-not-import-each-other',
      severity: 'error',
      comment: 'One shell does not import another: what two shells share lives in api/ (requests) or terminal/ (command-line helpers).',
      from: { path: `${SRC}main/(electron|serve|cli)/` },
      to: { path: `${SRC}main/(?:electron|serve|cli)/|${SRC}main/index\\.ts$`, pathNot: `${SRC}main/$1/` }
    },
    {
      name: 'shared-helpers-stay-below-shells',
      severity: 'error',
      comment: 'api/ and terminal/ serve every shell, so they import no shell.',
      from: { path: `${SRC}main/(?:api|terminal)/` },
      to: { path: `${SRC}main/(?:electron|serve|cli)/|${SRC}main/index\\.ts$` }
    },
    {
      name: 'renderer-and-preload-import-only-shared',
      severity: 'error',
      comment: 'The renderer and the preload see the lab only through the contract in src/shared.',
      from: { path: `${SRC}(?:renderer|preload)/` },
      to: { path: `${SRC}`, pathNot: [`${SRC}shared/`, `${SRC}renderer/`, `${SRC}preload/`] }
    },
    {
      name: 'renderer-is-not-preload',
      severity: 'error',
      from: { path: `${SRC}renderer/` },
      to: { path: `${SRC}preload/` }
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing is a typo or a missing dependency.',
      from: {},
      // tfjs-node is optional: it is absent wherever libtensorflow could not be fetched.
      to: { couldNotResolve: true, pathNot: '^@tensorflow/tfjs-node$' }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|out)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.vue', '.json', '.d.ts']
    },
    reporterOptions: { text: { highlightFocused: true } }
  }
}
