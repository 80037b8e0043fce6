// Formatting shared by the terminal and the UI.

/** h:mm:ss or m:ss; `missing` for no value. */
export function formatDuration(seconds: number | null | undefined, missing = '–'): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return missing
  const s = Math.round(seconds)
  const m = Math.floor(s / 60)
  const h = Math.floor(m / 60)
  const pad = (n: number) => String(n).padStart(2, '0')
  return h ? `${h}:${pad(m % 60)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`
}
