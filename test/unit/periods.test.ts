import { describe, it, expect } from 'vitest';
import { fixedClock, systemClock } from '../../src/time/clock.js';
import {
  PeriodError,
  assertTimezone,
  daysInMonth,
  describePeriod,
  formatInZone,
  isoDateInZone,
  lastCompletePeriod,
  parsePeriod,
  periodContaining,
  periodToInfo,
  previousPeriod,
  prorateMonthly,
  type Period,
} from '../../src/time/periods.js';

const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';

const hours = (p: Period): number => p.end.diff(p.start, 'hours').hours;
const iso = (p: Period): [string, string] => [
  p.start.toISO({ suppressMilliseconds: true })!,
  p.end.toISO({ suppressMilliseconds: true })!,
];

function periodError(fn: () => unknown): PeriodError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PeriodError);
    return e as PeriodError;
  }
  throw new Error('expected a PeriodError');
}

describe('clock', () => {
  it('fixedClock returns the pinned instant, as a fresh Date each time', () => {
    const c = fixedClock('2026-11-22T12:00:00Z');
    const a = c.now();
    expect(a.toISOString()).toBe('2026-11-22T12:00:00.000Z');
    a.setFullYear(2000);
    expect(c.now().toISOString()).toBe('2026-11-22T12:00:00.000Z');
  });

  it('fixedClock honours offsets, reads offset-less strings as UTC, accepts a Date', () => {
    expect(fixedClock('2026-11-22T07:00:00-05:00').now().toISOString()).toBe('2026-11-22T12:00:00.000Z');
    expect(fixedClock('2026-11-22T12:00').now().toISOString()).toBe('2026-11-22T12:00:00.000Z');
    expect(fixedClock(new Date(Date.UTC(2026, 0, 1))).now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('fixedClock rejects junk; systemClock tracks real time', () => {
    expect(() => fixedClock('yesterday')).toThrow(/not an ISO 8601 instant/);
    expect(() => fixedClock(new Date(NaN))).toThrow();
    expect(Math.abs(systemClock.now().getTime() - Date.now())).toBeLessThan(1000);
  });
});

describe('parsePeriod: DST days and weeks', () => {
  it('America/New_York 2026-03-08 is a 23-hour day', () => {
    const p = parsePeriod('2026-03-08', NY);
    expect(p.kind).toBe('day');
    expect(p.label).toBe('2026-03-08');
    expect(iso(p)).toEqual(['2026-03-08T00:00:00-05:00', '2026-03-09T00:00:00-04:00']);
    expect(hours(p)).toBe(23);
    expect(p.days).toEqual(['2026-03-08']);
    expect(p.timezone).toBe(NY);
  });

  it('America/New_York 2026-11-01 is a 25-hour day', () => {
    const p = parsePeriod('2026-11-01', NY);
    expect(iso(p)).toEqual(['2026-11-01T00:00:00-04:00', '2026-11-02T00:00:00-05:00']);
    expect(hours(p)).toBe(25);
    expect(p.days).toEqual(['2026-11-01']);
  });

  it('an ordinary day is 24 hours', () => {
    expect(hours(parsePeriod('2026-11-21', NY))).toBe(24);
  });

  it('ISO weeks 2026-W10 (167h) and 2026-W44 (169h) in New York', () => {
    const w10 = parsePeriod('2026-W10', NY);
    expect(iso(w10)).toEqual(['2026-03-02T00:00:00-05:00', '2026-03-09T00:00:00-04:00']);
    expect(w10.days).toEqual([
      '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08',
    ]);
    expect(hours(w10)).toBe(167);

    const w44 = parsePeriod('2026-W44', NY);
    expect(iso(w44)).toEqual(['2026-10-26T00:00:00-04:00', '2026-11-02T00:00:00-05:00']);
    expect(w44.days).toHaveLength(7);
    expect(w44.days.at(-1)).toBe('2026-11-01');
    expect(hours(w44)).toBe(169);
  });

  it('Europe/Berlin 2026-03-29 (23h) and 2026-10-25 (25h)', () => {
    const spring = parsePeriod('2026-03-29', BERLIN);
    expect(iso(spring)).toEqual(['2026-03-29T00:00:00+01:00', '2026-03-30T00:00:00+02:00']);
    expect(hours(spring)).toBe(23);
    expect(spring.days).toEqual(['2026-03-29']);

    const fall = parsePeriod('2026-10-25', BERLIN);
    expect(iso(fall)).toEqual(['2026-10-25T00:00:00+02:00', '2026-10-26T00:00:00+01:00']);
    expect(hours(fall)).toBe(25);
    expect(fall.days).toEqual(['2026-10-25']);
  });

  it('Europe/Berlin weeks 2026-W13 (167h) and 2026-W43 (169h)', () => {
    const w13 = parsePeriod('2026-W13', BERLIN);
    expect(iso(w13)).toEqual(['2026-03-23T00:00:00+01:00', '2026-03-30T00:00:00+02:00']);
    expect(w13.days).toHaveLength(7);
    expect(hours(w13)).toBe(167);

    const w43 = parsePeriod('2026-W43', BERLIN);
    expect(iso(w43)).toEqual(['2026-10-19T00:00:00+02:00', '2026-10-26T00:00:00+01:00']);
    expect(w43.days).toHaveLength(7);
    expect(hours(w43)).toBe(169);
  });

  it('month 2026-11 in New York holds the fall-back day', () => {
    const p = parsePeriod('2026-11', NY);
    expect(p.kind).toBe('month');
    expect(p.label).toBe('2026-11');
    expect(iso(p)).toEqual(['2026-11-01T00:00:00-04:00', '2026-12-01T00:00:00-05:00']);
    expect(p.days).toHaveLength(30);
    expect(p.days[0]).toBe('2026-11-01');
    expect(p.days.at(-1)).toBe('2026-11-30');
    expect(hours(p)).toBe(30 * 24 + 1);
  });

  it('where midnight is skipped the day starts at 01:00 (America/Havana spring-forward)', () => {
    const p = parsePeriod('2026-03-08', 'America/Havana');
    expect(iso(p)).toEqual(['2026-03-08T01:00:00-04:00', '2026-03-09T00:00:00-04:00']);
    expect(hours(p)).toBe(23);
    expect(iso(parsePeriod('2026-03-07', 'America/Havana'))[1]).toBe('2026-03-08T01:00:00-04:00');
  });

  it('where midnight repeats the day starts at the first one (America/Havana fall-back)', () => {
    const p = parsePeriod('2026-11-01', 'America/Havana');
    expect(iso(p)).toEqual(['2026-11-01T00:00:00-04:00', '2026-11-02T00:00:00-05:00']);
    expect(hours(p)).toBe(25);
    expect(hours(parsePeriod('2026-10-31', 'America/Havana'))).toBe(24);
  });
});

describe('parsePeriod: validation', () => {
  it('2026 has 53 ISO weeks; 2026-W53 runs 2026-12-28 → 2027-01-04', () => {
    const p = parsePeriod('2026-W53', 'UTC');
    expect(p.label).toBe('2026-W53');
    expect(p.days[0]).toBe('2026-12-28');
    expect(p.days.at(-1)).toBe('2027-01-03');
    expect(p.end.toISODate()).toBe('2027-01-04');
  });

  it('rejects 2026-W54 and 2025-W53 (2025 has 52 weeks)', () => {
    expect(periodError(() => parsePeriod('2026-W54', 'UTC')).message).toBe('period "2026-W54": 2026 has 53 ISO weeks');
    expect(parsePeriod('2025-W52', 'UTC').days).toEqual([
      '2025-12-22', '2025-12-23', '2025-12-24', '2025-12-25', '2025-12-26', '2025-12-27', '2025-12-28',
    ]);
    // 2025-12-29 already belongs to 2026-W01, so 2025 stops at W52.
    expect(periodContaining('week', new Date('2025-12-29T12:00:00Z'), 'UTC').label).toBe('2026-W01');
    const e = periodError(() => parsePeriod('2025-W53', 'UTC'));
    expect(e.message).toBe('period "2025-W53": 2025 has 52 ISO weeks');
    expect(e.field).toBe('period');
  });

  it('rejects week 00', () => {
    expect(periodError(() => parsePeriod('2026-W00', 'UTC')).message).toBe('period "2026-W00": week must be 01–53');
  });

  it('rejects months 00 and 13', () => {
    expect(periodError(() => parsePeriod('2026-13', 'UTC')).message).toBe('period "2026-13": month must be 01–12');
    expect(periodError(() => parsePeriod('2026-00', 'UTC')).message).toBe('period "2026-00": month must be 01–12');
  });

  it('rejects dates that are not on the calendar; accepts 2028-02-29', () => {
    for (const bad of ['2026-02-29', '2026-02-30', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00']) {
      expect(periodError(() => parsePeriod(bad, 'UTC')).message).toBe(`period "${bad}": not a calendar date`);
    }
    expect(parsePeriod('2028-02-29', 'UTC').days).toEqual(['2028-02-29']);
    expect(parsePeriod('2026-04-30', 'UTC').label).toBe('2026-04-30');
  });

  it('rejects junk', () => {
    for (const junk of ['last tuesday', '', '2026', '2026-W1', '2026-w47', '26-11-21', '2026-11-21T00:00', '2026/11/21', '2026-1']) {
      const e = periodError(() => parsePeriod(junk, 'UTC'));
      expect(e.message).toBe(`period "${junk}": expected YYYY-MM-DD, YYYY-Www or YYYY-MM`);
      expect(e.field).toBe('period');
    }
  });

  it('rejects bad zones with field timezone', () => {
    const e = periodError(() => parsePeriod('2026-11-21', 'Mars/Olympus'));
    expect(e.message).toBe('timezone "Mars/Olympus": not an IANA time zone');
    expect(e.field).toBe('timezone');
    expect(periodError(() => assertTimezone('')).field).toBe('timezone');
    expect(periodError(() => periodContaining('day', new Date(), 'Nowhere')).field).toBe('timezone');
    expect(assertTimezone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(assertTimezone('UTC')).toBe('UTC');
  });
});

describe('periodContaining / lastCompletePeriod', () => {
  const now = new Date('2026-11-22T12:00:00Z');

  it('periodContaining uses the local date', () => {
    // 03:00Z on the 22nd is 22:00 on the 21st in New York.
    expect(periodContaining('day', new Date('2026-11-22T03:00:00Z'), NY).label).toBe('2026-11-21');
    expect(periodContaining('week', now, 'UTC').label).toBe('2026-W47');
    expect(periodContaining('month', now, 'UTC').label).toBe('2026-11');
    // The first instant of a period belongs to it; the last instant (end) does not.
    const p = parsePeriod('2026-03-08', NY);
    expect(periodContaining('day', p.start.toJSDate(), NY).label).toBe('2026-03-08');
    expect(periodContaining('day', p.end.toJSDate(), NY).label).toBe('2026-03-09');
  });

  it('periodContaining rejects an invalid Date', () => {
    expect(periodError(() => periodContaining('day', new Date(NaN), 'UTC')).field).toBe('instant');
  });

  it('daily: delivered on the 22nd covers the 21st (UTC)', () => {
    expect(lastCompletePeriod('day', now, 'UTC').label).toBe('2026-11-21');
  });

  it('daily: the zone decides which day is complete', () => {
    // 12:00Z is 01:00 on the 23rd in Auckland (NZDT, +13): the 22nd is complete.
    expect(lastCompletePeriod('day', now, 'Pacific/Auckland').label).toBe('2026-11-22');
    // 03:00Z on the 22nd is 19:00 on the 21st in Los Angeles: only the 20th is complete.
    const early = new Date('2026-11-22T03:00:00Z');
    expect(lastCompletePeriod('day', early, 'America/Los_Angeles').label).toBe('2026-11-20');
    expect(lastCompletePeriod('day', early, 'UTC').label).toBe('2026-11-21');
  });

  it('weekly covers the previous ISO week, monthly the previous month', () => {
    // Sunday the 22nd is still inside W47 (16–22 Nov), so W46 is the last complete week;
    // from Monday the 23rd on it is W47.
    expect(lastCompletePeriod('week', now, 'UTC').label).toBe('2026-W46');
    const monday = new Date('2026-11-23T12:00:00Z');
    expect(lastCompletePeriod('week', monday, 'UTC').label).toBe('2026-W47');
    expect(lastCompletePeriod('week', monday, NY).label).toBe('2026-W47');
    // 03:00Z on Monday is still Sunday evening in New York.
    expect(lastCompletePeriod('week', new Date('2026-11-23T03:00:00Z'), NY).label).toBe('2026-W46');
    expect(lastCompletePeriod('month', now, 'UTC').label).toBe('2026-10');
    expect(lastCompletePeriod('month', now, NY).days).toHaveLength(31);
  });

  it('at the first instant of a period, the one just ended is complete', () => {
    expect(lastCompletePeriod('month', new Date('2026-12-01T05:00:00Z'), NY).label).toBe('2026-11');
    expect(lastCompletePeriod('month', new Date('2026-12-01T04:59:59Z'), NY).label).toBe('2026-10');
    expect(lastCompletePeriod('week', new Date('2026-01-05T00:00:00Z'), 'UTC').label).toBe('2026-W01');
  });
});

describe('previousPeriod', () => {
  it('2026-W01 → 2025-W52', () => {
    const p = previousPeriod(parsePeriod('2026-W01', 'UTC'));
    expect(p.kind).toBe('week');
    expect(p.label).toBe('2025-W52');
  });

  it('2027-W01 → 2026-W53', () => {
    expect(previousPeriod(parsePeriod('2027-W01', 'UTC')).label).toBe('2026-W53');
  });

  it('2026-01 → 2025-12; 2026-03 → 2026-02 (28 days)', () => {
    expect(previousPeriod(parsePeriod('2026-01', 'UTC')).label).toBe('2025-12');
    expect(previousPeriod(parsePeriod('2026-03', 'UTC')).days).toHaveLength(28);
  });

  it('2026-03-09 (NY) → the 23-hour 2026-03-08, in the same zone', () => {
    const p = previousPeriod(parsePeriod('2026-03-09', NY));
    expect(p.label).toBe('2026-03-08');
    expect(p.timezone).toBe(NY);
    expect(hours(p)).toBe(23);
    expect(p.end.toMillis()).toBe(parsePeriod('2026-03-09', NY).start.toMillis());
  });
});

describe('describePeriod / periodToInfo', () => {
  it('day, week and month wording', () => {
    expect(describePeriod(parsePeriod('2026-11-21', NY))).toBe('Saturday 21 Nov 2026');
    expect(describePeriod(parsePeriod('2026-W47', NY))).toBe('Week 47, 16–22 Nov 2026');
    expect(describePeriod(parsePeriod('2026-W49', NY))).toBe('Week 49, 30 Nov – 6 Dec 2026');
    expect(describePeriod(parsePeriod('2026-W01', NY))).toBe('Week 1, 29 Dec 2025 – 4 Jan 2026');
    expect(describePeriod(parsePeriod('2026-W53', NY))).toBe('Week 53, 28 Dec 2026 – 3 Jan 2027');
    expect(describePeriod(parsePeriod('2026-11', NY))).toBe('November 2026');
  });

  it('periodToInfo carries local offsets and the words', () => {
    expect(periodToInfo(parsePeriod('2026-W44', NY))).toEqual({
      kind: 'week',
      label: '2026-W44',
      start: '2026-10-26T00:00:00-04:00',
      end: '2026-11-02T00:00:00-05:00',
      timezone: NY,
      words: 'Week 44, 26 Oct – 1 Nov 2026',
    });
    expect(periodToInfo(parsePeriod('2026-11-21', BERLIN))).toMatchObject({
      start: '2026-11-21T00:00:00+01:00',
      end: '2026-11-22T00:00:00+01:00',
      words: 'Saturday 21 Nov 2026',
    });
  });
});

describe('calendar helpers', () => {
  it('isoDateInZone gives the local calendar date', () => {
    const t = new Date('2026-11-22T03:00:00Z');
    expect(isoDateInZone(t, 'UTC')).toBe('2026-11-22');
    expect(isoDateInZone(t, 'America/Los_Angeles')).toBe('2026-11-21');
    expect(isoDateInZone(new Date('2026-11-22T12:00:00Z'), 'Pacific/Auckland')).toBe('2026-11-23');
  });

  it('daysInMonth', () => {
    expect(daysInMonth('2026-02-10')).toBe(28);
    expect(daysInMonth('2028-02-01')).toBe(29);
    expect(daysInMonth('2026-04-30')).toBe(30);
    expect(daysInMonth('2026-12-31')).toBe(31);
    expect(periodError(() => daysInMonth('2026-02-30')).field).toBe('date');
  });

  it('formatInZone formats in the zone, in English', () => {
    const t = new Date('2026-11-22T12:00:00Z');
    expect(formatInZone(t, NY, 'yyyy-MM-dd HH:mm ZZZZ')).toBe('2026-11-22 07:00 EST');
    expect(formatInZone(t, BERLIN, 'cccc d LLLL yyyy, HH:mm')).toBe('Sunday 22 November 2026, 13:00');
  });
});

describe('prorateMonthly (SPEC §3)', () => {
  it('a whole calendar month gets exactly the monthly cost (28, 29, 30, 31 days)', () => {
    for (const [label, n] of [['2026-02', 28], ['2028-02', 29], ['2026-11', 30], ['2026-10', 31], ['2026-03', 31]] as const) {
      const p = parsePeriod(label, NY);
      expect(p.days).toHaveLength(n);
      expect(prorateMonthly(300, p.days)).toBe(300);
    }
    expect(prorateMonthly(100, parsePeriod('2026-01', 'UTC').days)).toBe(100);
    expect(prorateMonthly(19.99, parsePeriod('2026-07', 'UTC').days)).toBe(19.99);
  });

  it('a week spanning two months sums each day at its own month length', () => {
    // 2026-W05 = 26–31 Jan (6 days of 31) + 1 Feb (1 day of 28).
    const w05 = parsePeriod('2026-W05', 'UTC');
    expect(w05.days[0]).toBe('2026-01-26');
    expect(w05.days.at(-1)).toBe('2026-02-01');
    expect(prorateMonthly(300, w05.days)).toBe(Math.round((6 * 300 / 31 + 300 / 28) * 100) / 100);
    expect(prorateMonthly(300, w05.days)).toBe(68.78);

    // 2026-W44 in New York = 26–31 Oct (6 of 31) + 1 Nov (1 of 30), including the 25-hour day.
    expect(prorateMonthly(300, parsePeriod('2026-W44', NY).days)).toBe(68.06);
  });

  it('a single day, a 23-hour day, and no days', () => {
    expect(prorateMonthly(300, ['2026-11-21'])).toBe(10);
    expect(prorateMonthly(310, parsePeriod('2026-03-08', NY).days)).toBe(10);
    expect(prorateMonthly(300, [])).toBe(0);
  });
});
