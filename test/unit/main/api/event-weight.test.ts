// What a window is sent while a run trains: an epoch's numbers, not its mistakes (they are stored
// and fetched when a view shows them), and what a view asks for, not everything again.
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { coalesce } from '../../../../src/main/api/coalesce'
import { Lab } from '../../../../src/main/lab/lab'
import type { LabEventBatch } from '../../../../src/shared/contract'
import { parseHyperparams } from '../../../../src/shared/fields'
import { tempDir } from '../../../helpers/tmp'

const lab = new Lab({ dbPath: join(tempDir(), 'lab.db') })
afterAll(() => lab.close())

describe('what the lab sends and answers', () => {
  it('streams a near-chance run to a window in under 200 KB, its mistakes stored whole', async () => {
    const sent: LabEventBatch[] = []
    const window = coalesce((batch) => sent.push(batch))
    const stop = lab.subscribe((e) => window.push(e))
    // A learning rate this small keeps the model near chance: about 9,000 of 10,000 test digits wrong per epoch.
    const { runId } = await lab.startRun(parseHyperparams({ architecture: { preset: 'mlp', hidden: [16] }, learningRate: 1e-6, epochs: 2, limitTrain: 1000 }))
    expect(await lab.waitForRun(runId)).toEqual({ status: 'completed', error: null })
    window.flush()
    stop()

    const bytes = sent.reduce((a, batch) => a + Buffer.byteLength(JSON.stringify(batch)), 0)
    expect(bytes).toBeLessThan(200_000)
    const epochs = sent.flat().filter((e) => e.type === 'epoch' && e.runId === runId)
    expect(epochs).toHaveLength(2)
    for (const e of epochs) expect(Object.keys(e).sort()).toEqual(['confusion', 'metric', 'runId', 'type'])

    for (const epoch of [1, 2]) {
      const { matrix } = lab.confusion(runId, epoch)!
      const wrong = matrix.flat().reduce((a, b) => a + b, 0) - matrix.reduce((a, row, i) => a + row[i], 0)
      expect(wrong).toBeGreaterThan(8000)
      expect(lab.misclassified(runId, epoch).items).toHaveLength(wrong)
    }
  })

  it('answers runMetrics with only the batches past `after`, and renames with the row', async () => {
    const { runId } = await lab.startRun(parseHyperparams({ architecture: { preset: 'mlp', hidden: [8] }, epochs: 2, limitTrain: 500, limitTest: 100 }))
    await lab.waitForRun(runId)
    const all = lab.runMetrics(runId)
    expect(all.batches).toHaveLength(10)
    const later = lab.runMetrics(runId, 7)
    expect(later.batches).toEqual(all.batches.slice(7))
    expect(later.epochs).toEqual(all.epochs)
    expect(lab.runMetrics(runId, 10).batches).toEqual([])

    const renamed = lab.renameRun(runId, 'short name')
    const noted = lab.annotateRun(runId, 'a note')
    const row = lab.listRuns().find((r) => r.id === runId)
    expect(noted).toEqual(row)
    expect(renamed).toEqual({ ...row, notes: '' })
  })
})
