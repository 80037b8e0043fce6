// Text from the database reaches a terminal only through here: a run name holding escape
// sequences must not recolour, retitle or rewrite the user's terminal, and one holding
// bidirectional or invisible format characters must not reorder or hide what follows it.
// Control characters (C0 and C1, but tab and newline) and format characters (Unicode category Cf:
// U+202A-202E, U+2066-2069, zero-width joiners, U+FEFF...).
const UNSAFE = /(?![\t\n])[\p{Cc}\p{Cf}]/gu

/** How an unsafe character is shown: ESC as ␛ (it starts every escape sequence), others by code point. */
const visible = (c: string) => (c === '\u001b' ? '␛' : `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`)

/** The text with control and format characters shown as visible placeholders. */
export function plain(text: string): string {
  return text.replace(UNSAFE, visible)
}
