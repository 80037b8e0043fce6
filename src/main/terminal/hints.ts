// The coach's hints as terminal lines: the sentence, then what to try.
import type { Hint } from '@shared/run-types'

export function hintLines(hints: Hint[], indent = ''): string[] {
  return hints.flatMap((h) => [`${indent}coach: ${h.message}`, `${indent}       try: ${h.suggestion.label}`])
}
