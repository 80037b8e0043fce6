// A run's inside records through the Lab: trained in a worker, stored in SQLite, read back by
// getInside, removed with the run; one digit looked at through the stored model.
import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Lab } from '../../../../../src/main/lab/lab'
import { parseHyperparams } from '../../../../../src/shared/fields'
import { decodeBytes, dequantise, embeddingProbs } from '../../../../../src/shared/inside'
import { tempDir } from '../../../../helpers/tmp'

const dbPath = join(tempDir(), 'inside.db')
const lab = new Lab({ dbPath })
afterAll(() => lab.close())

describe('a run recorded inside', () => {
  let runId = 0

  it('keeps early steps and epoch ends, each epoch end with its filters, and the embedding of the test sample', async () => {
    ;({ runId } = await lab.startRun(parseHyperparams({ epochs: 2, limitTrain: 1000, limitTest: 600, batchSize: 64 })))
    expect((await lab.waitForRun(runId)).status).toBe('completed')
    const inside = lab.getInside(runId)
    // 16 steps an epoch: steps 1 and 10 of the first, then both epochs' ends (50 and 200 lie beyond the epoch).
    expect(inside.points.map((p) => [p.epoch, p.step, p.epochEnd])).toEqual([
      [1, 1, false],
      [1, 10, false],
      [1, 16, true],
      [2, 32, true]
    ])
    // Filters as training began (step 1) and at each epoch's end.
    expect(inside.points.map((p) => p.filters?.count ?? null)).toEqual([10, null, 10, 10])
    expect(inside.points[3].layers.map((l) => l.label)).toEqual([
      'conv 1 (10 filters 5x5)',
      'conv 2 (20 filters 5x5)',
      'dense 1 (50 units)',
      'dense 2 (10 units)'
    ])
    expect(inside.points[3].activations.map((a) => a.label)).toEqual([
      'relu after conv 1 (10 filters 5x5)',
      'relu after conv 2 (20 filters 5x5)',
      'relu after dense 1 (50 units)'
    ])
    // Filters move between epochs: they are the weights of each epoch, not one copy.
    expect(inside.points[2].filters!.images).not.toEqual(inside.points[3].filters!.images)
    const e = inside.embedding!
    expect(e).toMatchObject({ epoch: 2, units: 50, classes: 10 })
    expect(e.indices).toHaveLength(600) // the whole (limited) test split: fewer than 2,000
    expect(decodeBytes(e.probs)).toHaveLength(600 * 10 * 2)
    // Each digit's probabilities add up to 1, to the 2-byte precision they are kept in.
    expect(embeddingProbs(e, 599).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3)
    // The final epoch's accuracy is the embedding's: the same model, the same first 600 digits.
    const accuracy = e.predicted.filter((p, i) => p === e.labels[i]).length / 600
    expect(accuracy).toBeCloseTo(lab.getRun(runId).finalTestAccuracy!, 6)
    // Bounded storage: a few KB a point for the course's CNN, tens of KB for the embedding.
    expect(inside.storedBytes).toBeLessThan(4 * 4000 + 110_000)
    // A view that holds the points up to step 10 reads only the later ones; the rest is the same.
    const later = lab.getInside(runId, 10)
    expect(later.points.map((p) => p.step)).toEqual([16, 32])
    expect(later.points).toEqual(inside.points.slice(2))
    expect({ ...later, points: [] }).toEqual({ ...inside, points: [] })
  })

  it("looks inside one digit through the run's stored model: the probabilities predict gives, and every layer's output", async () => {
    const image = (await lab.testImages('mnist', [0])).images[0]
    const pixels = Array.from(Buffer.from(image.pixels, 'base64'))
    const digit = await lab.lookInside(runId, pixels)
    const probs = await lab.predict(runId, pixels)
    digit.probs.forEach((p, i) => expect(p).toBeCloseTo(probs[i], 6))
    expect(digit.layers.map((l) => [l.kind, l.shape])).toEqual([
      ['conv', [24, 24, 10]],
      ['pool', [12, 12, 10]],
      ['activation', [12, 12, 10]],
      ['conv', [8, 8, 20]],
      ['pool', [4, 4, 20]],
      ['activation', [4, 4, 20]],
      ['dense', [50]],
      ['activation', [50]],
      ['dense', [10]]
    ])
    // ReLU outputs are never negative; the last dense layer's outputs are the logits of the probabilities.
    expect(Math.min(...dequantise(digit.layers[2].values))).toBeGreaterThanOrEqual(0)
    const logits = dequantise(digit.layers[8].values)
    expect(logits.indexOf(Math.max(...logits))).toBe(probs.indexOf(Math.max(...probs)))
    await expect(lab.lookInside(runId, [1, 2, 3])).rejects.toThrow(/reads 28x28 = 784 pixels, got 3/)
    expect(digit.epoch).toBeNull()
  })

  it("keeps a small model at every epoch, so one digit can be looked at through an earlier epoch's model", async () => {
    const db = new Database(dbPath, { readonly: true })
    const rows = db.prepare('SELECT epoch, data FROM epoch_weights WHERE run_id = ? ORDER BY epoch').all(runId) as { epoch: number; data: Buffer }[]
    const final = db.prepare('SELECT data FROM weights WHERE run_id = ?').get(runId) as { data: Buffer }
    db.close()
    expect(rows.map((r) => r.epoch)).toEqual([1, 2])
    // Laid out as the exported weights: the last epoch's are the final model's, byte for byte.
    expect(rows[1].data.equals(final.data)).toBe(true)
    expect(rows[0].data.equals(final.data)).toBe(false)
    const pixels = Array.from(Buffer.from((await lab.testImages('mnist', [0])).images[0].pixels, 'base64'))
    const final2 = await lab.lookInside(runId, pixels)
    const atTwo = await lab.lookInside(runId, pixels, 2)
    const atOne = await lab.lookInside(runId, pixels, 1)
    expect([atOne.epoch, atTwo.epoch]).toEqual([1, 2])
    atTwo.probs.forEach((p, i) => expect(p).toBeCloseTo(final2.probs[i], 6))
    expect(atOne.probs).not.toEqual(atTwo.probs)
    // An epoch whose weights were not kept: the final model reads it, and the reply says so.
    expect((await lab.lookInside(runId, pixels, 9)).epoch).toBeNull()
  })

  it('says why a run has no map: a layer before the output too wide to project, a run stopped', async () => {
    expect(lab.getInside(runId).embeddingNote).toBeNull()
    const wide = (
      await lab.startRun(
        parseHyperparams({
          architecture: {
            preset: 'custom',
            layers: [{ type: 'conv2d', filters: 8, kernelSize: 3, stride: 1, padding: 'valid' }, { type: 'activation' }, { type: 'flatten' }]
          },
          epochs: 1,
          limitTrain: 300,
          limitTest: 100
        })
      )
    ).runId
    expect((await lab.waitForRun(wide)).status).toBe('completed')
    const inside = lab.getInside(wide)
    expect(inside.points.length).toBeGreaterThan(0)
    expect(inside.embedding).toBeNull()
    expect(inside.embeddingNote).toBe("The map projects the layer before the output, which may have at most 512 values; this model's has 5,408.")
    const stopped = (await lab.startRun(parseHyperparams({ epochs: 50, limitTrain: 300, limitTest: 100 }))).runId
    lab.stopRun(stopped)
    expect((await lab.waitForRun(stopped)).status).toBe('stopped')
    expect(lab.getInside(stopped)).toMatchObject({ embedding: null, embeddingNote: 'The map shows a model that finished training; this run was stopped.' })
  })

  it('goes with its run', () => {
    lab.deleteRun(runId)
    const db = new Database(dbPath, { readonly: true })
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM inside_points WHERE run_id = ?').get(runId)).toEqual({ n: 0 })
      expect(db.prepare('SELECT COUNT(*) AS n FROM embeddings WHERE run_id = ?').get(runId)).toEqual({ n: 0 })
      expect(db.prepare('SELECT COUNT(*) AS n FROM epoch_weights WHERE run_id = ?').get(runId)).toEqual({ n: 0 })
    } finally {
      db.close()
    }
    expect(() => lab.getInside(runId)).toThrow(/run \d+ (does not exist|not found)/)
  })
})
