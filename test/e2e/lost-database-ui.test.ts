// The database file deleted under a running serve, as a person meets it in the browser: a page
// open before (told by the event stream) and a page opened after (told by its first snapshot)
// both say so; Rescue saves what the lab holds, and Start is refused with the reason.
import Database from 'better-sqlite3'
import { existsSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { closeLab, launch, openLab, screenshot, type LabTab } from '../helpers/browser'
import { callLab, completedRun, serve, type Served } from '../helpers/serve'
import { tempDir } from '../helpers/tmp'
import type { StoreHealth } from '../../src/shared/run-types'

const dir = tempDir()
const db = join(dir, 'lab.db')
let s: Served
let browser: Browser
const tabs: LabTab[] = []

beforeAll(async () => {
  s = await serve(db)
  browser = await launch()
  await completedRun(s, { architecture: { preset: 'mlp', hidden: [8] }, epochs: 1, limitTrain: 500, limitTest: 50, batchSize: 50, name: 'kept' })
})
afterEach(async (ctx) => {
  for (const tab of tabs.splice(0)) await closeLab(tab, ctx)
})
afterAll(async () => {
  await browser?.close()
  await s?.stop()
})

it('says the file is gone in a page open before and one opened after, saves it on Rescue, and refuses Start', async () => {
  const before = await openLab(browser, s, '#/runs')
  tabs.push(before)
  await before.page.getByRole('table', { name: 'Runs' }).getByRole('button', { name: 'kept' }).waitFor()
  unlinkSync(db)
  const banner = before.page.getByRole('alert', { name: 'Database file lost' })
  await expect.poll(() => banner.isVisible()).toBe(true)
  expect(await banner.textContent()).toContain(`${db} was deleted while the lab had it open.`)

  const after = await openLab(browser, s, '#/train')
  tabs.push(after)
  await after.page.getByRole('alert', { name: 'Database file lost' }).waitFor()
  await screenshot(after.page, 'lost-database-1-banner')
  await after.page.getByLabel('Run name').fill('refused')
  await after.page.getByLabel('Training examples').fill('500')
  await after.page.getByRole('button', { name: 'Start' }).click()
  const refusal = after.page.getByRole('alert').filter({ hasText: /New runs are refused: they would be stored where no one can read them back/ })
  await expect.poll(() => refusal.isVisible()).toBe(true)
  // The refusal is an answer the page shows, not an error it hides.
  after.errors.splice(0, after.errors.length, ...after.errors.filter((e) => !/http 409: .*\/api\/startRun$/.test(e)))

  // Over HTTP a client names a file beside the lost one, never a path: a NUL or a folder is refused.
  for (const file of ['x\0.db', '../x.db', '/tmp/x.db']) {
    await expect(callLab(s, 'rescueDatabase', { file })).rejects.toThrow(
      'Invalid rescueDatabase request: file must be a plain file name ending in .db (no folders)'
    )
  }
  await banner.getByRole('button', { name: 'Rescue' }).click()
  await expect.poll(() => banner.textContent()).toMatch(/Everything the lab could read was saved to .*lab\.db\.rescued-\S+\.db\. To go on, open that file/)
  // The other page hears of it too, and the saved file holds the run.
  await expect.poll(() => after.page.getByRole('alert', { name: 'Database file lost' }).textContent()).toMatch(/Everything the lab could read was saved to /)
  const { rescuedTo } = await callLab<StoreHealth>(s, 'storeHealth')
  expect(rescuedTo).not.toBeNull()
  expect(existsSync(rescuedTo!)).toBe(true)
  const file = new Database(rescuedTo!, { readonly: true })
  expect(file.prepare('SELECT name, status FROM runs').all()).toEqual([{ name: 'kept', status: 'completed' }])
  file.close()
  await screenshot(before.page, 'lost-database-2-rescued')
})
