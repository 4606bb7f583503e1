/**
 * Bidirectional control characters in data (a tenant named "Acme\u202E…", an event string) would
 * reorder the text that follows them on the same line: the period, a figure, the rest of a
 * subject. Such a string is shown inside an isolate (FSI U+2068 … PDI U+2069): whatever it does
 * to itself ends at its own end (UAX #9, X6a). HTML, email subjects and Slack honour isolates;
 * SMS has no reliable rendering of them, so there the controls are removed.
 */

// ALM, LRM, RLM, LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI.
const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const ALL_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export const hasBidiControls = (s: string): boolean => BIDI_CONTROL.test(s);

/** `s` unchanged when it has no bidi control, else isolated so it cannot reorder what follows it. */
export function isolateBidi(s: string): string {
  return hasBidiControls(s) ? `\u2068${balanceIsolates(s)}\u2069` : s;
}

/**
 * The value's own isolates balanced: a PDI with no isolate open before it is dropped (it would
 * close ours early and let an override after it out), an isolate left open is closed at the end.
 * An already isolated value stays as it is.
 */
function balanceIsolates(s: string): string {
  let open = 0;
  let out = '';
  for (const ch of s) {
    if (ch === '\u2066' || ch === '\u2067' || ch === '\u2068') open++;
    else if (ch === '\u2069') {
      if (open === 0) continue;
      open--;
    }
    out += ch;
  }
  return out + '\u2069'.repeat(open);
}

/** `s` without any bidi control (for plain channels that do not honour isolates). */
export function stripBidi(s: string): string {
  return s.replace(ALL_CONTROLS, '');
}

function needsIsolation(v: unknown, depth: number): boolean {
  if (typeof v === 'string') return hasBidiControls(v);
  if (v === null || typeof v !== 'object' || depth > 32) return false;
  if (Array.isArray(v)) return v.some((x) => needsIsolation(x, depth + 1));
  if (!isPlainObject(v)) return false;
  return Object.values(v).some((x) => needsIsolation(x, depth + 1));
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isolateAll(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return isolateBidi(v);
  if (v === null || typeof v !== 'object' || depth > 32) return v;
  if (Array.isArray(v)) return v.map((x) => isolateAll(x, depth + 1));
  if (!isPlainObject(v)) return v;   // Dates, SafeStrings … are not data strings
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, isolateAll(x, depth + 1)]));
}

/**
 * A view's context with every string that carries bidi controls isolated; the very same object
 * when none does (the common case costs one scan, no copy).
 */
export function isolateBidiDeep<T>(context: T): T {
  return needsIsolation(context, 0) ? (isolateAll(context, 0) as T) : context;
}
