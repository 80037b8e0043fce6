// Real PyTorch for the bridge's tests: Debian's python3-torch, called as /usr/bin/python3 (a
// pyenv python3 on PATH would lack it). .ci/run installs it.
import { execFile } from 'node:child_process'

export const PYTHON = '/usr/bin/python3'

/** Runs a Python script; resolves with the JSON of its last stdout line, rejects with its stderr. */
export function runPython(args: string[], cwd?: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    // One thread each for torch and BLAS: the tests share two cores.
    const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' }
    execFile(PYTHON, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${PYTHON} ${args.join(' ')} failed: ${stderr || err.message}`))
      const last = stdout.trim().split('\n').at(-1) ?? ''
      try {
        resolve(JSON.parse(last) as Record<string, unknown>)
      } catch {
        reject(new Error(`${PYTHON} ${args.join(' ')} did not end with a JSON line: ${stdout.slice(-500)}`))
      }
    })
  })
}
