export const pct = (v: number | null | undefined, digits = 2) => (v == null || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)}%`)
export const num = (v: number | null | undefined, digits = 4) => (v == null || !Number.isFinite(v) ? '–' : v.toFixed(digits))

export { formatDuration as duration } from '@shared/format'

export const date = (iso: string) => iso.replace('T', ' ').slice(0, 16)
