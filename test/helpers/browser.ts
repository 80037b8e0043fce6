// Debian's Chromium driven by playwright-core: headless, no sandbox (root in CI), no
// background traffic (this machine has no network).
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core'
import { ROOT } from './node-child'
import { WAIT_MS } from './timeouts'

export const SCREENSHOTS = join(ROOT, 'test-results')

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic'
    ]
  })
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

/** Fails the test on any error the page logs or throws, with what it said. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`http ${r.status()}: ${r.url()}`)
  })
  page.on('console', (m) => {
    if (m.type() === 'error' && m.text().startsWith('Failed to load resource')) return // reported with its URL above
    if (m.type() === 'error') errors.push(`console: ${m.text()}`)
  })
  return errors
}

/** A screenshot of the page as it was when a test failed, named after the test: what the user would have seen. */
export async function screenshotOnFailure(page: Page | undefined, ctx: { task: { name: string; result?: { state?: string } } }): Promise<void> {
  if (!page || page.isClosed() || ctx.task.result?.state !== 'fail') return
  await screenshot(page, `FAILED ${ctx.task.name.replace(/[^\w -]+/g, '').slice(0, 80)}`)
}

/** A browser tab on the lab: its context, the page, and the errors the page logged or threw. */
export interface LabTab {
  context: BrowserContext
  page: Page
  errors: string[]
}

/**
 * A fresh tab on a running serve, opened at `path` (the part after the origin, such as
 * '#/runs/3'): how every UI test starts, so that none starts where another left off. The tab
 * has a context of its own, so its localStorage holds nothing another test left there (the
 * Train form's saved settings start from the defaults) but the token, put where opening the
 * printed URL puts it (serve-security.test.ts opens the printed URL itself). Playwright's own
 * waits get the project's deadline (timeouts.ts).
 */
export async function openLab(browser: Browser, lab: { origin: string; token: string }, path = '', options: BrowserContextOptions = {}): Promise<LabTab> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, ...options })
  context.setDefaultTimeout(WAIT_MS)
  await context.addInitScript({ content: `localStorage.setItem('digit-lab-token', ${JSON.stringify(lab.token)})` })
  const page = await context.newPage()
  const errors = collectPageErrors(page)
  await page.goto(`${lab.origin}/${path}`)
  return { context, page, errors }
}

/**
 * After each UI test: a screenshot if it failed, then, if it passed, no error its page logged
 * or threw (a test may also say so itself, at a point of its own), then the tab is closed.
 */
export async function closeLab(tab: LabTab | undefined, ctx: { task: { name: string; result?: { state?: string } } }): Promise<void> {
  if (!tab) return
  try {
    await screenshotOnFailure(tab.page, ctx)
    if (ctx.task.result?.state !== 'fail' && tab.errors.length) throw new Error(`the page logged errors:\n${tab.errors.join('\n')}`)
  } finally {
    await tab.context.close()
  }
}

/**
 * A straight stroke on the Draw view's pad, as a person drags the mouse: from and to are
 * fractions of the pad's width and height.
 */
export async function drawStroke(page: Page, from: [number, number], to: [number, number], steps = 20): Promise<void> {
  const box = (await page.getByRole('img', { name: /Drawing pad/ }).boundingBox())!
  const at = (t: number) => [box.x + box.width * (from[0] + (to[0] - from[0]) * t), box.y + box.height * (from[1] + (to[1] - from[1]) * t)] as const
  await page.mouse.move(...at(0))
  await page.mouse.down()
  for (let i = 1; i <= steps; i++) await page.mouse.move(...at(i / steps))
  await page.mouse.up()
}
