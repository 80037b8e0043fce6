// A second process that writes runs into a shared database, for the concurrency test.
import { Store } from '../../src/main/lab/store/store'
import { parseHyperparams } from '../../src/shared/fields'

const [path, tag, count] = process.argv.slice(2)
const store = new Store(path)
const hp = parseHyperparams({})
for (let r = 0; r < 5; r++) {
  const id = store.runs.create(hp, `${tag}-${r}`)
  for (let chunk = 0; chunk < Number(count) / 50; chunk++) {
    store.metrics.appendBatches(
      id,
      Array.from({ length: 50 }, (_, i) => ({ step: chunk * 50 + i + 1, epoch: 1, loss: 1, accuracy: 0.5, examplesPerSec: 1, elapsed: 0 }))
    )
  }
  store.runs.finish(id, 'completed', null)
}
store.close()
