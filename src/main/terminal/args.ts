// Flag parsing shared by the CLI commands: strict, so a typo is an error, not a silent default.
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { plain } from './text'

export class UsageError extends Error {
  override name = 'UsageError'
}

export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: true })
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''))
  }
}

export function numberFlag(name: string, raw: string | undefined, integer = false): number | undefined {
  if (raw === undefined) return undefined
  const value = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} (got "${raw}")`)
  }
  return value
}

/** Runs a CLI main, turning expected errors into one line on stderr and a non-zero exit. */
export async function runCli(main: () => Promise<number | void>): Promise<void> {
  try {
    process.exitCode = (await main()) ?? 0
  } catch (err) {
    const e = err as Error
    // The lab's own refusals carry a kind (what the shells map to a status): their message is the whole story.
    const known = e instanceof UsageError || e.name === 'ValidationError' || typeof (e as { kind?: unknown }).kind === 'string'
    process.stderr.write(`digit-lab: ${plain(known ? e.message : (e.stack ?? e.message))}\n`)
    process.exitCode = e.name === 'UsageError' || e.name === 'ValidationError' ? 2 : 1
  }
}
