import { describe, expect, it } from 'vitest';
import { shortenToSegments, smsSegments } from '../../src/delivery/sms/smsSegments.js';
import { maskPhone, normalizePhone } from '../../src/delivery/sms/phone.js';

describe('smsSegments', () => {
  it.each([
    [160, 1], [161, 2], [306, 2], [307, 3],
  ])('%i GSM-7 characters take %i segment(s)', (n, segments) => {
    expect(smsSegments('a'.repeat(n))).toEqual({ encoding: 'GSM-7', segments, characters: n });
  });

  it('counts extension characters as two septets', () => {
    for (const c of ['€', '{', '}', '[', ']', '~', '\\', '^', '|']) {
      expect(smsSegments(c.repeat(80))).toEqual({ encoding: 'GSM-7', segments: 1, characters: 160 });
      expect(smsSegments(c.repeat(81)).segments).toBe(2);
    }
  });

  it('does not split an escape pair across segments', () => {
    // 305 septets would fit in 2 × 153, but the € cannot straddle the boundary.
    expect(smsSegments(`${'a'.repeat(152)}€${'a'.repeat(151)}`).segments).toBe(2);
    expect(smsSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`).segments).toBe(3);
  });

  it('keeps é, ü, ñ and friends in GSM-7 (the basic table has them)', () => {
    expect(smsSegments('Café Zürich, España, Ångström, ß').encoding).toBe('GSM-7');
    expect(smsSegments('é'.repeat(160))).toEqual({ encoding: 'GSM-7', segments: 1, characters: 160 });
  });

  it.each([
    [70, 1], [71, 2], [134, 2], [135, 3],
  ])('%i UCS-2 characters take %i segment(s)', (n, segments) => {
    expect(smsSegments('ł'.repeat(n))).toEqual({ encoding: 'UCS-2', segments, characters: n });
  });

  it('switches the whole message to UCS-2 for one character outside GSM-7', () => {
    for (const c of ['ł', '中', '😀', '“', '…', '\u00a0']) {
      expect(smsSegments(`${'a'.repeat(100)}${c}`).encoding).toBe('UCS-2');
    }
    expect(smsSegments(`${'a'.repeat(100)}ł`).segments).toBe(2);     // 101 would be 1 segment in GSM-7
  });

  it('counts an emoji as two UTF-16 units', () => {
    expect(smsSegments('😀'.repeat(35))).toEqual({ encoding: 'UCS-2', segments: 1, characters: 70 });
    expect(smsSegments('😀'.repeat(36))).toEqual({ encoding: 'UCS-2', segments: 2, characters: 72 });
    // 134 units would fit in 2 × 67, but the emoji cannot straddle the boundary.
    expect(smsSegments(`${'a'.repeat(66)}😀${'a'.repeat(66)}`).segments).toBe(3);
  });
});

describe('shortenToSegments', () => {
  const suffix = 'Reply ACK 4821';

  it('returns a text that fits as it is', () => {
    const text = `CRITICAL acme: bounce rate 17.2%. ${suffix}`;
    expect(shortenToSegments(text, 2, { keepSuffix: suffix })).toBe(text);
    expect(shortenToSegments('short', 1)).toBe('short');
  });

  it('cuts a 3-segment message to 2 at a word boundary, keeping its suffix', () => {
    const head = 'CRITICAL acme: month-to-date cost is 131% of the prorated monthly budget; the largest items are compute, storage and egress, all rising week over week since the pricing change on the first of the month';
    const text = `${head} and the forecast for the month exceeds the budget by a wide margin; finance has been notified and a review is scheduled for Monday. ${suffix}`;
    expect(smsSegments(text).segments).toBe(3);
    const out = shortenToSegments(text, 2, { keepSuffix: suffix });
    const size = smsSegments(out);
    expect(size.segments).toBe(2);
    expect(size.encoding).toBe('GSM-7');             // '...' rather than '…', which is not GSM-7
    expect(out.endsWith(`... ${suffix}`)).toBe(true);
    const kept = out.slice(0, -`... ${suffix}`.length);
    expect(text.startsWith(kept)).toBe(true);
    expect(text[kept.length]).toMatch(/[\s,;:.]/);  // cut between words
    expect(out.length).toBeGreaterThan(250);         // and not much shorter than it must be
  });

  it('appends the suffix when the text does not end with it', () => {
    const out = shortenToSegments('word '.repeat(100).trim(), 1, { keepSuffix: suffix });
    expect(out.endsWith(`... ${suffix}`)).toBe(true);
    expect(smsSegments(out).segments).toBe(1);
  });

  it('works in UCS-2: a tenant name with an emoji', () => {
    const text = `CRITICAL Sunny Café 🌞: bounce rate 17.2% (limit 15%) on the weekly newsletter to 48,210 subscribers; spam complaints are rising as well and the sending domain may be throttled by major providers. ${suffix}`;
    expect(smsSegments(text)).toMatchObject({ encoding: 'UCS-2', segments: 4 });
    const out = shortenToSegments(text, 2, { keepSuffix: suffix });
    expect(smsSegments(out)).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    expect(out.startsWith('CRITICAL Sunny Café 🌞:')).toBe(true);
    expect(out.endsWith(`… ${suffix}`)).toBe(true);
    expect(smsSegments(out).characters).toBeGreaterThan(120);
  });

  it('never splits an emoji when it has to cut inside one long word', () => {
    const out = shortenToSegments('😀'.repeat(50), 1);
    expect(out).toBe(`${'😀'.repeat(34)}…`);
    expect(smsSegments(out)).toEqual({ encoding: 'UCS-2', segments: 1, characters: 69 });
  });

  it('keeps the whitespace before the suffix that the text had', () => {
    const out = shortenToSegments(`${'alert '.repeat(60).trim()}\n${suffix}`, 1, { keepSuffix: suffix });
    expect(out.endsWith(`...\n${suffix}`)).toBe(true);
    expect(smsSegments(out).segments).toBe(1);
  });

  it('refuses a suffix that does not fit on its own and a bad segment count', () => {
    expect(() => shortenToSegments('x', 1, { keepSuffix: 'y'.repeat(200) })).toThrow(RangeError);
    expect(() => shortenToSegments('x', 0)).toThrow(RangeError);
  });
});

describe('normalizePhone', () => {
  it('accepts E.164 and international forms with separators', () => {
    expect(normalizePhone('+12125550101')).toEqual({ ok: true, e164: '+12125550101', mobile: true });
    expect(normalizePhone(' +1 (212) 555-0101 ')).toEqual({ ok: true, e164: '+12125550101', mobile: true });
    expect(normalizePhone('+4915123456789')).toEqual({ ok: true, e164: '+4915123456789', mobile: true });
  });

  it('tells a fixed line', () => {
    expect(normalizePhone('+442071838750')).toEqual({ ok: true, e164: '+442071838750', mobile: false });
  });

  it.each([
    ['12125550101', 'must start with +'],
    ['(212) 555-0101', 'must start with +'],
    ['+1212555010', 'too short'],
    ['+999123456', 'unknown country code'],
    ['+1 212 555 0101 ext 5', 'only digits'],
    ['+1234567890123456', 'more than 15 digits'],
    ['', 'must start with +'],
  ])('refuses %j (%s)', (input, why) => {
    const r = normalizePhone(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toMatch(/^not a valid E\.164 number/);
      expect(r.reason).toContain(why);
      expect(r.reason).not.toMatch(/\n/);
    }
  });
});

describe('maskPhone', () => {
  it('keeps the country code and the last 4 digits', () => {
    expect(maskPhone('+12125550101')).toBe('+1•••0101');
    expect(maskPhone('+4915123456789')).toBe('+49•••6789');
    expect(maskPhone('+442071838750')).toBe('+44•••8750');
  });

  it('never prints an invalid number in full', () => {
    expect(maskPhone('+1212555010')).toBe('•••5010');
    expect(maskPhone('+99912')).toBe('•••12');
    expect(maskPhone('+1')).toBe('•••');
    expect(maskPhone('garbage')).toBe('•••');
  });
});
