// Formatting shared by the terminal and the UI.
import type { BackendInfo } from './run-types'

/** h:mm:ss or m:ss; `missing` for no value. */
export function formatDuration(seconds: number | null | undefined, missing = '–'): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return missing
  const s = Math.round(seconds)
  const m = Math.floor(s / 60)
  const h = Math.floor(m / 60)
  const pad = (n: number) => String(n).padStart(2, '0')
  return h ? `${h}:${pad(m % 60)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`
}

const BACKEND_NAMES: Record<string, string> = {
  'digit-lab-wasm': 'WebAssembly SIMD (Digit Lab engine)',
  wasm: 'WebAssembly',
  cpu: 'plain JavaScript',
  'tensorflow (node)': 'TensorFlow native (CPU)',
  'tensorflow (node-gpu)': 'TensorFlow native (GPU)'
}

/** A backend in words, the same in the header and in every run: "WebAssembly · 2 threads". */
export function describeBackend(b: BackendInfo): { label: string; details: string } {
  const name = BACKEND_NAMES[b.name] ?? b.name
  const label = `${name} · ${b.threads} thread${b.threads === 1 ? '' : 's'}`
  const details = [`${b.name} ${b.version}`, b.note, b.fallback].filter(Boolean).join('; ')
  return { label, details }
}

/**
 * A hint's evidence in words: "dead share: 65.6% · units: 64". Shares and falls are fractions in the
 * data (the tests and --json read them so) and percentages for people, as in the hint's sentence.
 */
export function evidenceText(evidence: Record<string, number | string>): string {
  return Object.entries(evidence)
    .map(([k, v]) => `${k.replace(/([A-Z])/g, ' $1').toLowerCase()}: ${typeof v === 'number' && /share$|fall$/i.test(k) ? `${(v * 100).toFixed(1)}%` : v}`)
    .join(' · ')
}
