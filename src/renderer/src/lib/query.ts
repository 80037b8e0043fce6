// Reading and writing the user's place in the URL's query (see router.ts).
import type { LocationQuery, LocationQueryRaw } from 'vue-router'

/** A whole number from the query, or null. */
export function queryInt(q: LocationQuery, key: string): number | null {
  const v = q[key]
  const text = Array.isArray(v) ? v[0] : v
  if (text == null || text === '' || !/^\d+$/.test(text)) return null
  return Number(text)
}

/** A list of whole numbers from the query ("1,2,3"). */
export function queryInts(q: LocationQuery, key: string): number[] {
  const v = q[key]
  const text = Array.isArray(v) ? v.join(',') : (v ?? '')
  return text
    .split(',')
    .filter((s) => /^\d+$/.test(s))
    .map(Number)
}

/** The query with `changes` applied; null or undefined removes a key. */
export function withQuery(q: LocationQuery, changes: Record<string, string | number | null | undefined>): LocationQueryRaw {
  const next: LocationQueryRaw = { ...q }
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') delete next[k]
    else next[k] = String(v)
  }
  return next
}
