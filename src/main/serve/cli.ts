// npm run serve [-- --port N --host H --allow-host NAME --db PATH --lesson-digits N]: the lab for a browser, on loopback by default.
import { fileURLToPath } from 'node:url'
import { numberFlag, parseFlags, runCli, UsageError } from '../terminal/args'
import { createDispatch } from '../api/dispatch'
import { createLabHandlers } from '../api/handlers'
import { Lab } from '../lab/lab'
import { LOOPBACK_HOSTS } from './auth'
import { startServer } from './server'

const RENDERER_DIR = fileURLToPath(new URL('../../../out/renderer', import.meta.url))

async function main(): Promise<number> {
  const { values, positionals } = parseFlags(process.argv.slice(2), {
    port: { type: 'string' },
    host: { type: 'string' },
    'allow-host': { type: 'string', multiple: true },
    db: { type: 'string' },
    'lesson-digits': { type: 'string' },
    help: { type: 'boolean' }
  })
  if (values.help) {
    process.stdout.write('usage: npm run serve -- [--port N] [--host ADDRESS] [--allow-host NAME[,NAME...]]... [--db PATH] [--lesson-digits N]\n')
    return 0
  }
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  const port = numberFlag('port', values.port, true) ?? 5317
  if (port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535 (got ${port})`)
  const allowHosts = (values['allow-host'] ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean)
  const badName = allowHosts.find((n) => !/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(n))
  if (badName !== undefined) throw new UsageError(`--allow-host takes host names, optionally with ":port" (got "${badName}")`)
  const lessonDigits = numberFlag('lesson-digits', values['lesson-digits'], true)
  if (lessonDigits !== undefined && lessonDigits < 1) throw new UsageError(`--lesson-digits must be at least 1 (got ${lessonDigits})`)
  const lab = new Lab({ dbPath: values.db, lessonDigits })
  const server = await startServer({
    lab,
    dispatch: createDispatch(createLabHandlers(lab)),
    staticDir: RENDERER_DIR,
    port,
    host: values.host,
    allowHosts
  }).catch(async (err: NodeJS.ErrnoException) => {
    await lab.close()
    if (err.code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use: choose another with --port N (0 picks a free one)`)
    if (err.code === 'EADDRNOTAVAIL') throw new UsageError(`--host ${values.host}: no such address on this machine`)
    throw err
  })
  if (values.host && !LOOPBACK_HOSTS.includes(values.host)) {
    process.stderr.write(`warning: listening on ${values.host}, reachable from other machines; anyone with the URL's token can use the lab\n`)
    process.stderr.write(`it answers to: ${server.names.join(', ')}\n`)
  }
  process.stdout.write(`Digit Lab is ready at ${server.url}\n`)
  process.stdout.write(`Database: ${lab.dbPath}\n`)
  const shutdown = async () => {
    await server.close()
    await lab.close()
    const { fileLost, rescuedTo } = lab.storeHealth()
    if (fileLost)
      process.stderr.write(`${fileLost}; ${rescuedTo ? `everything the lab held was saved to ${rescuedTo}` : 'what the lab held could not be saved'}\n`)
    process.exit(fileLost && !rescuedTo ? 1 : 0)
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
  return new Promise<number>(() => {})
}

void runCli(main)
