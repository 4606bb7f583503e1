/**
 * An error as one line a terminal shows safely: line breaks and other control characters
 * escaped (a value with "\r\n" cannot add a line, or move the cursor), bidirectional overrides
 * shown as their code (U+202E cannot reverse what follows), and at most `max` characters (a
 * 100 KB value given on the command line is not printed back whole).
 */
export function oneLine(message: string, max = 300): string {
  const escaped = String(message)
    .replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length <= max ? escaped : `${escaped.slice(0, max - 1)}…`;
}
