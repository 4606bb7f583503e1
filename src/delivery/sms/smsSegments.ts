/**
 * SMS length (SPEC §7: an SMS is at most 2 segments). Pure.
 *
 * Counting is sms-segments-calculator's (Twilio's own calculator): GSM-7 when every character is
 * in the GSM 03.38 basic or extension table (extension characters `€ { } [ ] ~ \ ^ |` take two
 * septets), else UCS-2 (UTF-16 units: an emoji takes two); 160/153 septets or 70/67 units per
 * segment, and a segment boundary never splits an escape pair or a surrogate pair (so
 * `a×152 € a×152` is 3 segments, not 2). One character outside GSM-7 (`ł`, `中`, `“`, an emoji, a
 * non-breaking space) turns the whole message into UCS-2 and cuts its capacity by more than half.
 */
import { SegmentedMessage } from 'sms-segments-calculator';

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegmentCount {
  encoding: SmsEncoding;
  /** Segments the message is sent (and billed) as; an empty text counts 1. */
  segments: number;
  /** Length in the encoding's units: septets for GSM-7 (an extension character counts 2), UTF-16 units for UCS-2 (an emoji counts 2). */
  characters: number;
}

export function smsSegments(text: string): SmsSegmentCount {
  const m = new SegmentedMessage(text, 'auto');
  const encoding: SmsEncoding = m.encodingName === 'UCS-2' ? 'UCS-2' : 'GSM-7';
  // messageSize is in bits, without the concatenation headers.
  const characters = m.messageSize / (encoding === 'GSM-7' ? 7 : 16);
  return { encoding, segments: m.segmentsCount, characters };
}

export interface ShortenOptions {
  /**
   * Text that must end the result intact (`Reply ACK 4821`). When `text` already ends with it,
   * that ending is kept (with the whitespace before it); otherwise it is appended after a
   * space. Default: none.
   */
  keepSuffix?: string;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** What is left dangling before an ellipsis. */
const TRAILING_JUNK = /[\s,;:.\-–—]+$/u;

/**
 * `text`, cut at a word boundary and marked with an ellipsis, so that it takes at most
 * `maxSegments` segments, with `keepSuffix` intact at its end. A text that fits is returned as it
 * is (with the suffix appended when it was not there).
 *
 * The mark is `…` when the message is UCS-2 anyway, and `...` otherwise: `…` is not a GSM-7
 * character, and one of it would turn a GSM-7 message into UCS-2 and cut its capacity in half.
 *
 * @throws RangeError when `maxSegments` is not a positive integer, or the suffix alone does not fit.
 */
export function shortenToSegments(text: string, maxSegments: number, opts: ShortenOptions = {}): string {
  if (!Number.isInteger(maxSegments) || maxSegments < 1) throw new RangeError(`maxSegments must be a positive integer, got ${maxSegments}`);
  const fits = (s: string): boolean => smsSegments(s).segments <= maxSegments;
  const suffix = opts.keepSuffix ?? '';

  let head: string;
  let sep: string;
  if (suffix === '') {
    head = text;
    sep = '';
  } else if (text.endsWith(suffix)) {
    const before = text.slice(0, text.length - suffix.length);
    sep = /\s*$/u.exec(before)?.[0] ?? '';
    head = before.slice(0, before.length - sep.length);
  } else {
    head = text.replace(/\s+$/u, '');
    sep = head === '' ? '' : ' ';
  }
  const whole = head + sep + suffix;
  if (fits(whole)) return whole;

  // Grapheme boundaries: a cut never splits an emoji, a flag or a letter from its accent.
  const bounds = [...graphemes.segment(head)].map((g) => g.index);
  const candidate = (k: number): string => {
    const at = bounds[k] ?? head.length;
    let cut = head.slice(0, at);
    const atWordEnd = /\s$/u.test(cut) || /^\s/u.test(head.slice(at));
    if (!atWordEnd) {
      const space = cut.search(/\s\S*$/u);
      if (space > 0) cut = cut.slice(0, space);     // else one long word: cut inside it
    }
    cut = cut.replace(TRAILING_JUNK, '');
    const plain = cut + sep + suffix;
    const mark = smsSegments(plain).encoding === 'UCS-2' ? '…' : '...';
    return cut === '' && suffix !== '' ? `${mark}${sep || ' '}${suffix}` : cut + mark + sep + suffix;
  };

  // The longest prefix that fits: candidates grow with k, so fitting is monotone (binary search),
  // checked once more below in case an encoding switch breaks that at the edge.
  let lo = 0;
  let hi = bounds.length - 1;
  if (hi < 0 || !fits(candidate(0))) {
    if (suffix !== '' && fits(suffix)) return suffix;
    throw new RangeError(`the required suffix alone takes ${smsSegments(suffix).segments} segments, more than ${maxSegments}`);
  }
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(candidate(mid))) lo = mid;
    else hi = mid - 1;
  }
  let k = lo;
  while (k > 0 && !fits(candidate(k))) k--;
  return candidate(k);
}
