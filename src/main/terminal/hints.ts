// The coach's reading as terminal lines: whether a followed suggestion helped, then each hint's
// sentence and what to try (nothing, where no one setting is left to try).
import type { FollowUp, Hint } from '@shared/run-types'

export function hintLines(hints: Hint[], indent = '', followUp: FollowUp | null = null): string[] {
  return [
    ...(followUp ? [`${indent}coach: ${followUp.message}`] : []),
    ...hints.flatMap((h) => [
      `${indent}coach: ${h.message}`,
      ...(Object.keys(h.suggestion.settings).length ? [`${indent}       try: ${h.suggestion.label}`] : [])
    ])
  ]
}
