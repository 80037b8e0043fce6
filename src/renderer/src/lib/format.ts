export const pct = (v: number | null | undefined, digits = 2) => (v == null || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)}%`)
export const num = (v: number | null | undefined, digits = 4) => (v == null || !Number.isFinite(v) ? '–' : v.toFixed(digits))

export function duration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '–'
  const s = Math.round(seconds)
  const m = Math.floor(s / 60)
  const h = Math.floor(m / 60)
  const pad = (n: number) => String(n).padStart(2, '0')
  return h ? `${h}:${pad(m % 60)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`
}

export const date = (iso: string) => iso.replace('T', ' ').slice(0, 16)
