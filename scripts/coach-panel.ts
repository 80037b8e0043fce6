// npm run coach:panel [-- --only NAME,NAME]: trains every case of the coach's panel
// (test/fixtures/coach-panel/recipe.json) for real and rewrites its recorded run beside the recipe,
// so the panel stays honest when the engine changes. What is kept of a run is exactly what the
// coach reads (coach/panel.ts: PanelRun), and the engine that trained it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadDataset, mnistDir, panelRunOf, type PanelRecipe } from '../src/main/lab/bench-entry'
import { Lab } from '../src/main/lab/lab'
import { parseHyperparams } from '../src/shared/fields'

const PANEL = resolve(import.meta.dirname, '../test/fixtures/coach-panel')
const { values } = parseArgs({ options: { only: { type: 'string' } } })
const only = values.only ? new Set(values.only.split(',')) : null
const recipe = JSON.parse(readFileSync(join(PANEL, 'recipe.json'), 'utf8')) as PanelRecipe
const work = mkdtempSync(join(tmpdir(), 'digit-lab-panel-'))

/** IDX bytes of `count` images (rows x cols) or labels, as the four dataset files hold them. */
function idx(kind: 'images' | 'labels', data: Uint8Array, count: number, rows = 28, cols = 28): Buffer {
  const header = Buffer.alloc(kind === 'images' ? 16 : 8)
  header.writeUInt32BE(kind === 'images' ? 0x803 : 0x801, 0)
  header.writeUInt32BE(count, 4)
  if (kind === 'images') {
    header.writeUInt32BE(rows, 8)
    header.writeUInt32BE(cols, 12)
  }
  return Buffer.concat([header, Buffer.from(data)])
}

/** A folder dataset of MNIST's first digits of the first classes, in MNIST's order. */
async function writeFolder(name: string): Promise<string> {
  const spec = recipe.folders[name]
  const mnist = await loadDataset('mnist')
  const dir = join(work, name)
  mkdirSync(dir)
  const pick = (split: typeof mnist.train, count: number, file: string) => {
    const px = mnist.rows * mnist.cols
    const chosen: number[] = []
    for (let i = 0; i < split.count && chosen.length < count; i++) if (split.labels[i] < spec.classes.length) chosen.push(i)
    const images = new Uint8Array(chosen.length * px)
    chosen.forEach((i, k) => images.set(split.images.subarray(i * px, (i + 1) * px), k * px))
    writeFileSync(join(dir, `${file}-images-idx3-ubyte`), idx('images', images, chosen.length))
    writeFileSync(
      join(dir, `${file}-labels-idx1-ubyte`),
      idx(
        'labels',
        Uint8Array.from(chosen, (i) => split.labels[i]),
        chosen.length
      )
    )
  }
  pick(mnist.train, spec.train, 'train')
  pick(mnist.test, spec.test, 't10k')
  writeFileSync(join(dir, 'classes.txt'), spec.classes.join('\n'))
  return dir
}

const lab = new Lab({ dbPath: join(work, 'panel.db'), maxRuns: 1 })
const folders = new Map<string, string>()
try {
  process.stdout.write(`Recording the coach's panel from ${mnistDir()} into ${PANEL}\n`)
  for (const c of recipe.cases) {
    if (only && !only.has(c.name)) continue
    if (c.folder && !folders.has(c.folder)) folders.set(c.folder, await writeFolder(c.folder))
    const started = performance.now()
    const hp = parseHyperparams({ ...c.settings, name: c.name, ...(c.folder ? { dataset: folders.get(c.folder) } : {}) })
    const { runId } = await lab.startRun(hp)
    await lab.waitForRun(runId)
    const run = lab.getRun(runId)
    const recorded = panelRunOf(c, run, lab.runMetrics(runId).batches, lab.getInside(runId).points.at(-1) ?? null)
    writeFileSync(join(PANEL, `${c.name}.json`), `${JSON.stringify(recorded)}\n`)
    const last = run.epochs.at(-1)
    process.stdout.write(
      `${c.name.padEnd(28)} ${run.status.padEnd(9)} train ${pct(last?.trainAccuracy)} test ${pct(last?.testAccuracy)}  ${((performance.now() - started) / 1000).toFixed(1)} s\n`
    )
  }
} finally {
  await lab.close()
  rmSync(work, { recursive: true, force: true })
}

function pct(v: number | undefined): string {
  return v == null ? '   -  ' : `${(v * 100).toFixed(1).padStart(5)}%`
}
