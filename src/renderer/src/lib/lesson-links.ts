// Where a lesson leads: its settings as a Train link, the place its evidence is, and its
// experiment in the field table's words. Pure, so a lesson link is the same everywhere.
import type { RouteLocationRaw } from 'vue-router'
import { FIELD, FIELDS, fieldValue, formatFieldValue, textsOf, type FieldKey } from '@shared/fields'
import { hyperparams } from '@shared/hyperparams'
import type { Lesson } from '@shared/lessons'
import type { LessonProgress } from '@shared/lessons/progress'

/** The field keys a lesson's base sets itself (the rest are the lab's defaults). */
function setKeys(lesson: Lesson): FieldKey[] {
  const base = lesson.experiment.base
  return FIELDS.map((f) => f.key).filter((k) =>
    k === 'preset' ? base.architecture !== undefined : k === 'hidden' ? base.architecture?.preset === 'mlp' : k in base
  )
}

/** The experiment in words: "Model: MLP", "Learning rate: 0.0005, 0.1, 5"... */
export function experimentLines(lesson: Lesson, digitLimit: number | null): { label: string; value: string }[] {
  const hp = hyperparams.parse(lesson.experiment.base)
  const axes = lesson.experiment.axes ?? []
  const lines = setKeys(lesson)
    .filter((k) => !axes.some((a) => a.key === k))
    .map((k) => {
      const capped = digitLimit != null && (k === 'limitTrain' || k === 'limitTest')
      const v = fieldValue(hp, k) as number | null
      return { label: FIELD[k].label, value: formatFieldValue(FIELD[k], capped ? Math.min(v ?? Infinity, digitLimit) : v) }
    })
  if (digitLimit != null)
    for (const k of ['limitTrain', 'limitTest'] as const)
      if (!lines.some((l) => l.label === FIELD[k].label)) lines.push({ label: FIELD[k].label, value: String(digitLimit) })
  for (const a of axes)
    lines.push({ label: `${FIELD[a.key].label} (one run each)`, value: (a.values ?? []).map((v) => formatFieldValue(FIELD[a.key], v)).join(', ') })
  return lines
}

/** The lesson's settings (each swept setting at its first value) for the Train form: /train?apply=... */
export function trainQuery(lesson: Lesson): { apply: string } {
  const first = Object.fromEntries((lesson.experiment.axes ?? []).map((a) => [a.key, a.values?.[0]]))
  const texts = textsOf(hyperparams.parse(lesson.experiment.base))
  const keys = [...setKeys(lesson), ...(lesson.experiment.axes ?? []).map((a) => a.key)]
  const chosen: Record<string, string> = {}
  for (const k of new Set(keys)) chosen[k] = first[k] ?? texts[k]
  // A swept model that may be the MLP needs its hidden layers said too.
  if (chosen.preset === 'mlp' && chosen.hidden === undefined) chosen.hidden = '100'
  return { apply: JSON.stringify(chosen) }
}

/** Where the lesson's evidence is, with its runs (and epoch) chosen; null before it has runs. */
export function lookRoute(lesson: Lesson, progress: LessonProgress | undefined): RouteLocationRaw | null {
  const ids = progress?.runIds ?? []
  if (!ids.length) return null
  const look = lesson.look
  const one = ids[Math.min(look.run ?? 0, ids.length - 1)]
  switch (look.view) {
    case 'compare':
      return { name: 'compare', query: { runs: ids.join(',') } }
    case 'sweeps':
      return { name: 'sweeps', params: { id: progress!.sweepId! } }
    case 'draw':
      return { name: 'draw', query: { run: one } }
    case 'runs':
      return { name: 'runs', params: { id: one }, query: { ...(look.epoch ? { epoch: look.epoch } : {}), ...(look.inside ? { inside: '1' } : {}) } }
  }
}

export const VIEW_NAMES: Record<Lesson['look']['view'], string> = { compare: 'Compare', runs: 'Runs', sweeps: 'Sweeps', draw: 'Draw a digit' }
