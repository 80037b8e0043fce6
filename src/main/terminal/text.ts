// Text from the database reaches a terminal only through here: a run name holding escape
// sequences must not recolour, retitle or rewrite the user's terminal.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g

/** The text with control characters (escape sequences included) shown as visible placeholders. */
export function plain(text: string): string {
  return text.replace(CONTROL, (c) => (c === '\u001b' ? '␛' : '�'))
}
