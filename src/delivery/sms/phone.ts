/**
 * Phone numbers for SMS (SPEC §7: E.164 only). Pure.
 *
 * Validation is libphonenumber's (awesome-phonenumber): a number that merely looks like E.164
 * (`+` and up to 15 digits) can still be unassigned in its country, and Twilio answers 21211
 * for it; catching that here gives the operator a clear error before any request.
 */
import { parsePhoneNumber } from 'awesome-phonenumber';

export type NormalizedPhone =
  | { ok: true; e164: string; mobile: boolean }
  | { ok: false; reason: string };

/** Digits and the separators people type between them; letters (`ext 5`, `x12`) are refused. */
const TYPED_NUMBER = /^\+[0-9 ().\-]+$/;

const POSSIBILITY_REASON: Record<string, string> = {
  'invalid-country-code': 'unknown country code',
  'too-short': 'too short',
  'too-long': 'too long',
};

/**
 * Reads a phone number written in international form (`+14155550100`, `+1 415 555 0100`) into
 * E.164. National forms (`(415) 555-0100`) are refused: without a country they are ambiguous.
 * `mobile` is libphonenumber's guess (true for `mobile` and for `fixed-line-or-mobile`, which is
 * every North American number); a `false` is a fixed line, toll-free, VoIP… that may not take SMS.
 */
export function normalizePhone(input: string): NormalizedPhone {
  if (typeof input !== 'string') return { ok: false, reason: 'not a valid E.164 number (not a string)' };
  const s = input.trim();
  if (!s.startsWith('+')) return { ok: false, reason: 'not a valid E.164 number (must start with + and the country code)' };
  if (!TYPED_NUMBER.test(s)) return { ok: false, reason: 'not a valid E.164 number (only digits may follow the +)' };
  const digits = s.replace(/\D/g, '');
  if (digits.length > 15) return { ok: false, reason: 'not a valid E.164 number (more than 15 digits)' };
  const parsed = parsePhoneNumber(s);
  if (!parsed.valid) {
    const why = POSSIBILITY_REASON[parsed.possibility];
    return { ok: false, reason: why ? `not a valid E.164 number (${why})` : 'not a valid E.164 number' };
  }
  return { ok: true, e164: parsed.number.e164, mobile: parsed.typeIsMobile };
}

/**
 * A phone number safe to print in logs and errors: the country code and the last 4 digits,
 * `+1•••0101`, `+44•••3456`. The middle is a fixed `•••` so that even the length is not told.
 * A number that does not parse keeps only its last 4 digits (`•••0101`), and fewer when it is so
 * short that 4 digits would be most of it.
 */
export function maskPhone(phone: string): string {
  const s = typeof phone === 'string' ? phone.trim() : '';
  const digits = s.replace(/\D/g, '');
  const parsed = s.startsWith('+') ? parsePhoneNumber(s) : null;
  if (parsed?.valid) {
    const national = parsed.number.significant;
    // Very short national numbers (Saint Helena's 5 digits): 4 digits would be nearly all of it.
    const keep = national.length > 6 ? 4 : 2;
    return `+${parsed.countryCode}•••${national.slice(-keep)}`;
  }
  if (digits.length > 8) return `•••${digits.slice(-4)}`;
  if (digits.length > 4) return `•••${digits.slice(-2)}`;
  return '•••';
}
