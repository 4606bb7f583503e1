import { describe, it, expect } from 'vitest';
import { DateTime } from 'luxon';
import { PeriodError } from '../../src/time/periods.js';
import {
  ScheduleError,
  describeSchedule,
  nextSlot,
  parseCron,
  slotsBetween,
  validateScheduleTiming,
  type ScheduleTiming,
  type Slot,
} from '../../src/scheduler/slots.js';
import { slotsToFire } from '../../src/scheduler/catchUp.js';

const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';

const d = (iso: string): Date => new Date(iso);
const daily = (at: string, deadline?: string): ScheduleTiming => ({ every: 'daily', at, deadline });
const weekly = (at: string): ScheduleTiming => ({ every: 'weekly', at });
const monthly = (at: string): ScheduleTiming => ({ every: 'monthly', at });
// `at` has a schema default, so a parsed cron schedule carries one; it must not matter.
const cron = (expr: string, deadline?: string): ScheduleTiming => ({ cron: expr, at: '07:00', deadline });

const instants = (slots: Slot[]): string[] => slots.map((s) => s.at.toISOString());
const locals = (slots: Slot[]): string[] => slots.map((s) => s.local);
const labels = (slots: Slot[]): string[] => slots.map((s) => s.period.label);

function scheduleError(fn: () => unknown): ScheduleError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ScheduleError);
    return e as ScheduleError;
  }
  throw new Error('expected a ScheduleError');
}

describe('luxon defaults (why slots.ts resolves wall times itself)', () => {
  it('luxon shifts a missing time by the gap and picks the later offset for a repeated one', () => {
    // SPEC §3 wants 03:00 (the first valid instant) and the first occurrence instead.
    const gap = DateTime.fromObject({ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, { zone: NY });
    expect(gap.toISO({ suppressMilliseconds: true })).toBe('2026-03-08T03:30:00-04:00');
    const overlap = DateTime.fromObject({ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, { zone: NY });
    expect(overlap.toISO({ suppressMilliseconds: true })).toBe('2026-11-01T01:30:00-05:00');
  });
});

describe('slotsBetween: every weekly/daily/monthly across DST', () => {
  it('weekly 07:00 New York fires at 07:00 local on the Mondays around spring-forward', () => {
    const slots = slotsBetween(weekly('07:00'), NY, d('2026-02-28T00:00:00Z'), d('2026-03-15T00:00:00Z'));
    expect(instants(slots)).toEqual(['2026-03-02T12:00:00.000Z', '2026-03-09T11:00:00.000Z']);
    expect(locals(slots)).toEqual(['2026-03-02T07:00:00-05:00', '2026-03-09T07:00:00-04:00']);
    // Each covers the previous ISO week.
    expect(labels(slots)).toEqual(['2026-W09', '2026-W10']);
    expect(slots[1].period.days).toEqual([
      '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08',
    ]);
    expect(slots[1].period.kind).toBe('week');
    expect(slots.every((s) => s.deadlineAt === null)).toBe(true);
  });

  it('weekly 07:00 New York fires at 07:00 local on the Mondays around fall-back', () => {
    const slots = slotsBetween(weekly('07:00'), NY, d('2026-10-24T00:00:00Z'), d('2026-11-08T00:00:00Z'));
    expect(instants(slots)).toEqual(['2026-10-26T11:00:00.000Z', '2026-11-02T12:00:00.000Z']);
    expect(locals(slots)).toEqual(['2026-10-26T07:00:00-04:00', '2026-11-02T07:00:00-05:00']);
    expect(labels(slots)).toEqual(['2026-W43', '2026-W44']);
    expect(slots[1].period.days[0]).toBe('2026-10-26');
    expect(slots[1].period.days[6]).toBe('2026-11-01');
  });

  it('daily 02:30 New York fires once on spring-forward day, at 03:00 local (07:00Z)', () => {
    const slots = slotsBetween(daily('02:30'), NY, d('2026-03-07T00:00:00Z'), d('2026-03-10T00:00:00Z'));
    expect(locals(slots)).toEqual([
      '2026-03-07T02:30:00-05:00',
      '2026-03-08T03:00:00-04:00',
      '2026-03-09T02:30:00-04:00',
    ]);
    expect(instants(slots)[1]).toBe('2026-03-08T07:00:00.000Z');
    expect(labels(slots)).toEqual(['2026-03-06', '2026-03-07', '2026-03-08']);
  });

  it('daily 02:30 New York fires once on fall-back day (02:30 exists once there)', () => {
    const slots = slotsBetween(daily('02:30'), NY, d('2026-10-31T12:00:00Z'), d('2026-11-02T00:00:00Z'));
    expect(instants(slots)).toEqual(['2026-11-01T07:30:00.000Z']);
    expect(locals(slots)).toEqual(['2026-11-01T02:30:00-05:00']);
  });

  it('daily 01:30 New York fires once on fall-back day, at the first occurrence (05:30Z)', () => {
    const slots = slotsBetween(daily('01:30'), NY, d('2026-10-31T12:00:00Z'), d('2026-11-02T12:00:00Z'));
    expect(instants(slots)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    expect(locals(slots)).toEqual(['2026-11-01T01:30:00-04:00', '2026-11-02T01:30:00-05:00']);
    expect(labels(slots)).toEqual(['2026-10-31', '2026-11-01']);
  });

  it('daily 02:30 Berlin: once at 03:00 CEST on 2026-03-29, once at the first 02:30 on 2026-10-25', () => {
    const spring = slotsBetween(daily('02:30'), BERLIN, d('2026-03-28T12:00:00Z'), d('2026-03-30T12:00:00Z'));
    expect(locals(spring)).toEqual(['2026-03-29T03:00:00+02:00', '2026-03-30T02:30:00+02:00']);
    expect(instants(spring)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);

    const fall = slotsBetween(daily('02:30'), BERLIN, d('2026-10-24T12:00:00Z'), d('2026-10-26T12:00:00Z'));
    expect(locals(fall)).toEqual(['2026-10-25T02:30:00+02:00', '2026-10-26T02:30:00+01:00']);
    expect(instants(fall)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('daily 07:00 Berlin stays at 07:00 local across both changes (the UTC instant moves)', () => {
    const spring = slotsBetween(daily('07:00'), BERLIN, d('2026-03-28T00:00:00Z'), d('2026-03-30T00:00:00Z'));
    expect(instants(spring)).toEqual(['2026-03-28T06:00:00.000Z', '2026-03-29T05:00:00.000Z']);
    const fall = slotsBetween(daily('07:00'), BERLIN, d('2026-10-24T00:00:00Z'), d('2026-10-26T00:00:00Z'));
    expect(instants(fall)).toEqual(['2026-10-24T05:00:00.000Z', '2026-10-25T06:00:00.000Z']);
  });

  it('a 30-minute DST shift (Lord Howe) and a :45 offset (Kathmandu) resolve the same way', () => {
    const lh = 'Australia/Lord_Howe';
    // 2026-10-04 02:00 → 02:30 (+10:30 → +11:00): 02:15 fires at 02:30.
    const spring = slotsBetween(daily('02:15'), lh, d('2026-10-02T12:00:00Z'), d('2026-10-04T12:00:00Z'));
    expect(locals(spring)).toEqual(['2026-10-03T02:15:00+10:30', '2026-10-04T02:30:00+11:00']);
    // 2026-04-05 02:00 → 01:30: 01:45 happens twice; fire at the first (+11:00).
    const fall = slotsBetween(daily('01:45'), lh, d('2026-04-04T00:00:00Z'), d('2026-04-05T12:00:00Z'));
    expect(locals(fall)).toEqual(['2026-04-05T01:45:00+11:00']);
    expect(instants(fall)).toEqual(['2026-04-04T14:45:00.000Z']);

    const ktm = slotsBetween(daily('07:00'), 'Asia/Kathmandu', d('2026-01-01T00:00:00Z'), d('2026-01-02T00:00:00Z'));
    expect(locals(ktm)).toEqual(['2026-01-01T07:00:00+05:45']);
  });

  it('monthly on the 1st at 08:00 across 28-, 30- and 31-day months: one slot each, previous month', () => {
    const slots = slotsBetween(monthly('08:00'), NY, d('2025-12-31T12:00:00Z'), d('2026-05-31T00:00:00Z'));
    expect(locals(slots)).toEqual([
      '2026-01-01T08:00:00-05:00',
      '2026-02-01T08:00:00-05:00',
      '2026-03-01T08:00:00-05:00',
      '2026-04-01T08:00:00-04:00',
      '2026-05-01T08:00:00-04:00',
    ]);
    expect(labels(slots)).toEqual(['2025-12', '2026-01', '2026-02', '2026-03', '2026-04']);
    expect(slots.map((s) => s.period.days.length)).toEqual([31, 31, 28, 31, 30]);
    expect(slots.every((s) => s.period.kind === 'month')).toBe(true);
  });

  it('a daily schedule over a whole year yields 365 slots, none duplicated, none missing', () => {
    for (const [zone, at] of [[NY, '07:00'], [NY, '02:30'], [NY, '01:30'], [BERLIN, '02:30'], ['UTC', '00:00']] as const) {
      const start = DateTime.fromObject({ year: 2026, month: 1, day: 1 }, { zone });
      const end = start.plus({ years: 1 });
      // Half-open on the local year [start, end), so a 00:00 slot on 1 January counts.
      const slots = slotsBetween(daily(at), zone, new Date(start.toMillis() - 1), new Date(end.toMillis() - 1));
      expect(slots).toHaveLength(365);
      const dates = slots.map((s) => s.local.slice(0, 10));
      expect(new Set(dates).size).toBe(365);
      if (zone === NY && at === '02:30') {
        // Building 365 periods is slow-ish; once is enough to show each day is covered once.
        expect(new Set(labels(slots)).size).toBe(365);
        expect(labels(slots)[0]).toBe('2025-12-31');
      }
      expect(dates[0]).toBe('2026-01-01');
      expect(dates[364]).toBe('2026-12-31');
      for (let i = 1; i < slots.length; i++) expect(slots[i].at > slots[i - 1].at).toBe(true);
      // Every slot fires at its wall time, except the one that falls in the spring gap.
      const off = slots.filter((s) => s.local.slice(11, 16) !== at);
      expect(off.length).toBeLessThanOrEqual(1);
    }
  });

  it('local is what luxon prints for the instant, and parses back to it', () => {
    for (const zone of [NY, BERLIN, 'UTC', 'Etc/UTC', 'Asia/Kathmandu', 'Australia/Lord_Howe']) {
      const spring = slotsBetween(cron('15 1,2,3 * * *'), zone, d('2026-03-01T00:00:00Z'), d('2026-04-15T00:00:00Z'));
      const autumn = slotsBetween(cron('15 1,2,3 * * *'), zone, d('2026-09-25T00:00:00Z'), d('2026-11-10T00:00:00Z'));
      for (const s of [...spring, ...autumn]) {
        expect(s.local).toBe(DateTime.fromJSDate(s.at, { zone }).toISO({ suppressMilliseconds: true }));
        expect(DateTime.fromISO(s.local).toMillis()).toBe(s.at.getTime());
      }
    }
  });

  it('is half-open: after < s ≤ until', () => {
    const at = d('2026-03-10T11:00:00Z'); // 07:00 EDT
    expect(instants(slotsBetween(daily('07:00'), NY, at, d('2026-03-11T11:00:00Z')))).toEqual(['2026-03-11T11:00:00.000Z']);
    expect(instants(slotsBetween(daily('07:00'), NY, d('2026-03-09T11:00:00Z'), at))).toEqual(['2026-03-10T11:00:00.000Z']);
    expect(slotsBetween(daily('07:00'), NY, at, at)).toEqual([]);
    expect(slotsBetween(daily('07:00'), NY, at, d('2026-03-01T00:00:00Z'))).toEqual([]);
  });

  it('rejects bad input naming the field', () => {
    expect(scheduleError(() => slotsBetween(daily('7:00'), NY, d('2026-01-01'), d('2026-01-02'))).message)
      .toBe('at "7:00": expected HH:MM (24-hour)');
    expect(scheduleError(() => slotsBetween(daily('07:00', '24:00'), NY, d('2026-01-01'), d('2026-01-02'))).field)
      .toBe('deadline');
    expect(scheduleError(() => slotsBetween({ at: '07:00' }, NY, d('2026-01-01'), d('2026-01-02'))).message)
      .toBe('schedule: set exactly one of every or cron');
    expect(scheduleError(() => slotsBetween(daily('07:00'), NY, d('nope'), d('2026-01-02'))).message)
      .toBe('after: not a valid Date');
    expect(() => slotsBetween(daily('07:00'), 'Mars/Olympus', d('2026-01-01'), d('2026-01-02'))).toThrow(PeriodError);
  });
});

describe('slotsBetween: cron', () => {
  it("'0 7 * * 1-5' fires on weekdays only, covering the previous day", () => {
    const slots = slotsBetween(cron('0 7 * * 1-5'), NY, d('2026-03-01T00:00:00Z'), d('2026-03-09T00:00:00Z'));
    expect(locals(slots)).toEqual([
      '2026-03-02T07:00:00-05:00',
      '2026-03-03T07:00:00-05:00',
      '2026-03-04T07:00:00-05:00',
      '2026-03-05T07:00:00-05:00',
      '2026-03-06T07:00:00-05:00',
    ]);
    // A cron brief covers the last complete day (Monday's covers Sunday).
    expect(labels(slots)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05']);
    expect(slots.every((s) => s.period.kind === 'day')).toBe(true);
  });

  it("'*/15 9-10 * * *' fires every quarter hour from 09:00 to 10:45", () => {
    const slots = slotsBetween(cron('*/15 9-10 * * *'), 'UTC', d('2026-06-01T00:00:00Z'), d('2026-06-02T00:00:00Z'));
    expect(locals(slots).map((l) => l.slice(11, 16))).toEqual([
      '09:00', '09:15', '09:30', '09:45', '10:00', '10:15', '10:30', '10:45',
    ]);
    expect(new Set(labels(slots))).toEqual(new Set(['2026-05-31']));
  });

  it("'0 0 1,15 * *' fires on the 1st and 15th at midnight", () => {
    const slots = slotsBetween(cron('0 0 1,15 * *'), BERLIN, d('2025-12-31T12:00:00Z'), d('2026-03-31T00:00:00Z'));
    expect(locals(slots)).toEqual([
      '2026-01-01T00:00:00+01:00',
      '2026-01-15T00:00:00+01:00',
      '2026-02-01T00:00:00+01:00',
      '2026-02-15T00:00:00+01:00',
      '2026-03-01T00:00:00+01:00',
      '2026-03-15T00:00:00+01:00',
    ]);
  });

  it('day-of-month and day-of-week both restricted: a day matches if either does', () => {
    // April 2026: the 13th is a Monday; Fridays are the 3rd, 10th, 17th, 24th.
    const slots = slotsBetween(cron('0 9 13 * 5'), 'UTC', d('2026-04-01T00:00:00Z'), d('2026-05-01T00:00:00Z'));
    expect(locals(slots).map((l) => l.slice(0, 10))).toEqual([
      '2026-04-03', '2026-04-10', '2026-04-13', '2026-04-17', '2026-04-24',
    ]);
    // Friday the 13th (March 2026) fires once.
    const march = slotsBetween(cron('0 9 13 * 5'), 'UTC', d('2026-03-01T00:00:00Z'), d('2026-04-01T00:00:00Z'));
    expect(locals(march).map((l) => l.slice(0, 10))).toEqual(['2026-03-06', '2026-03-13', '2026-03-20', '2026-03-27']);
  });

  it('a day field starting with * does not restrict (Vixie cron), so the other one alone decides', () => {
    // */2 day-of-month with a Friday: odd dates that are Fridays.
    const slots = slotsBetween(cron('0 9 */2 * 5'), 'UTC', d('2026-04-01T00:00:00Z'), d('2026-05-01T00:00:00Z'));
    expect(locals(slots).map((l) => l.slice(0, 10))).toEqual(['2026-04-03', '2026-04-17']);
    const onlyDom = slotsBetween(cron('0 9 13 * *'), 'UTC', d('2026-04-01T00:00:00Z'), d('2026-05-01T00:00:00Z'));
    expect(locals(onlyDom).map((l) => l.slice(0, 10))).toEqual(['2026-04-13']);
  });

  it('day-of-week 7 and 0 are both Sunday; names, lists, ranges and stepped ranges parse', () => {
    const range = [d('2026-03-01T00:00:00Z'), d('2026-03-15T00:00:00Z')] as const;
    const sun7 = slotsBetween(cron('0 8 * * 7'), 'UTC', ...range);
    const sun0 = slotsBetween(cron('0 8 * * 0'), 'UTC', ...range);
    const sunName = slotsBetween(cron('0 8 * * SUN'), 'UTC', ...range);
    expect(instants(sun7)).toEqual(['2026-03-01T08:00:00.000Z', '2026-03-08T08:00:00.000Z']);
    expect(instants(sun0)).toEqual(instants(sun7));
    expect(instants(sunName)).toEqual(instants(sun7));
    const c = parseCron('0-30/10 1,5-7 1-10/3 jan-mar 5-7');
    expect(c.minutes).toEqual([0, 10, 20, 30]);
    expect(c.hours).toEqual([1, 5, 6, 7]);
    expect(c.daysOfMonth.flatMap((v, i) => (v ? [i] : []))).toEqual([1, 4, 7, 10]);
    expect(c.months.flatMap((v, i) => (v ? [i] : []))).toEqual([1, 2, 3]);
    expect(c.daysOfWeek.flatMap((v, i) => (v ? [i] : []))).toEqual([0, 5, 6]);
  });

  it('rejects malformed crons naming the field (cron-parser reads each field)', () => {
    expect(scheduleError(() => parseCron('0 7 * *')).message)
      .toBe('cron "0 7 * *": expected 5 fields (minute hour day-of-month month day-of-week)');
    expect(scheduleError(() => parseCron('60 7 * * *')).message).toBe('cron "60 7 * * *": minute "60": Constraint error, got value 60 expected range 0-59');
    expect(scheduleError(() => parseCron('61 * * * *')).message).toBe('cron "61 * * * *": minute "61": Constraint error, got value 61 expected range 0-59');
    expect(scheduleError(() => parseCron('0 7 * * 8')).message).toBe('cron "0 7 * * 8": day-of-week "8": Constraint error, got value 8 expected range 0-7');
    expect(scheduleError(() => parseCron('0 7 0 * *')).message).toContain('day-of-month "0"');
    expect(scheduleError(() => parseCron('5-2 7 * * *')).message).toBe('cron "5-2 7 * * *": minute "5-2": Invalid range: 5-2, min(5) > max(2)');
    expect(scheduleError(() => parseCron('*/0 7 * * *')).message).toContain('cannot repeat at every 0 time');
    expect(scheduleError(() => parseCron('0 7 * foo *')).message).toBe('cron "0 7 * foo *": month "foo": Validation error, cannot resolve alias "foo"');
    // cron-parser's extensions are not standard cron: the walker would not know them.
    expect(scheduleError(() => parseCron('0 7 L * *')).message).toBe('cron "0 7 L * *": day-of-month "L": L, W, # and ? are not supported');
    expect(scheduleError(() => parseCron('0 7 * * 1#2')).message).toBe('cron "0 7 * * 1#2": day-of-week "1#2": L, W, # and ? are not supported');
    expect(parseCron('5/10 7 * * *').minutes).toEqual([5, 15, 25, 35, 45, 55]); // a start and a step
  });

  it('validateScheduleTiming: what the worker would refuse, including a cron that can never fire', () => {
    expect(scheduleError(() => validateScheduleTiming(cron('0 7 31 2 *'))).message).toBe('cron "0 7 31 2 *": never fires (no allowed month has that day of month)');
    expect(scheduleError(() => validateScheduleTiming(cron('61 * * * *'))).field).toBe('cron');
    expect(() => validateScheduleTiming(cron('0 0 29 2 *'))).not.toThrow(); // leap years
    expect(() => validateScheduleTiming({ every: 'weekly', at: '07:00' })).not.toThrow();
  });

  it('a cron across DST: 07:00 stays 07:00 local; a missing time fires once; a repeated one once', () => {
    const seven = slotsBetween(cron('0 7 * * *'), BERLIN, d('2026-03-28T00:00:00Z'), d('2026-03-30T00:00:00Z'));
    expect(instants(seven)).toEqual(['2026-03-28T06:00:00.000Z', '2026-03-29T05:00:00.000Z']);

    // 02:00 and 02:30 do not exist on 2026-03-08 in New York; with 03:00 they all resolve to
    // 03:00 EDT, which fires once.
    const spring = slotsBetween(cron('0,30 1-3 * * *'), NY, d('2026-03-08T05:00:00Z'), d('2026-03-09T04:00:00Z'));
    expect(locals(spring)).toEqual([
      '2026-03-08T01:00:00-05:00',
      '2026-03-08T01:30:00-05:00',
      '2026-03-08T03:00:00-04:00',
      '2026-03-08T03:30:00-04:00',
    ]);

    // 01:00 and 01:30 occur twice on 2026-11-01; each fires once, at the first (EDT) occurrence.
    const fall = slotsBetween(cron('*/30 0-2 * * *'), NY, d('2026-11-01T03:59:00Z'), d('2026-11-02T04:59:00Z'));
    expect(locals(fall)).toEqual([
      '2026-11-01T00:00:00-04:00',
      '2026-11-01T00:30:00-04:00',
      '2026-11-01T01:00:00-04:00',
      '2026-11-01T01:30:00-04:00',
      '2026-11-01T02:00:00-05:00',
      '2026-11-01T02:30:00-05:00',
    ]);
    expect(new Set(instants(fall)).size).toBe(6);
  });

  // How long this takes is not asserted (a loaded CI machine would fail it at random); the counts are.
  it('a year-long range gives each slot once', () => {
    const after = d('2026-01-01T00:00:00Z');
    const until = d('2027-01-01T00:00:00Z');
    const cases: [ScheduleTiming, number][] = [
      [cron('0 7 * * 1-5'), 261],
      [cron('*/15 9-10 * * *'), 2920],
      [daily('07:00', '09:00'), 365],
      [weekly('07:00'), 52],
    ];
    for (const [schedule, count] of cases) {
      const slots = slotsBetween(schedule, BERLIN, after, until);
      expect(slots).toHaveLength(count);
      expect(new Set(instants(slots)).size).toBe(count);
    }
  });
});

describe('deadlineAt', () => {
  it('is the deadline on the slot’s local date', () => {
    const slots = slotsBetween(daily('07:00', '09:15'), NY, d('2026-03-07T00:00:00Z'), d('2026-03-10T00:00:00Z'));
    expect(slots.map((s) => s.deadlineAt?.toISOString())).toEqual([
      '2026-03-07T14:15:00.000Z', // 09:15 EST
      '2026-03-08T13:15:00.000Z', // 09:15 EDT
      '2026-03-09T13:15:00.000Z',
    ]);
  });

  it('is on the next day when deadline ≤ at', () => {
    const slots = slotsBetween(daily('07:00', '01:00'), NY, d('2026-03-07T00:00:00Z'), d('2026-03-08T00:00:00Z'));
    expect(locals(slots)).toEqual(['2026-03-07T07:00:00-05:00']);
    expect(slots[0].deadlineAt?.toISOString()).toBe('2026-03-08T06:00:00.000Z'); // 01:00 EST on the 8th
    const same = slotsBetween(daily('07:00', '07:00'), 'UTC', d('2026-03-07T00:00:00Z'), d('2026-03-08T00:00:00Z'));
    expect(same[0].deadlineAt?.toISOString()).toBe('2026-03-08T07:00:00.000Z');
  });

  it('follows the same DST rules (a missing deadline time moves to the first valid instant)', () => {
    const slots = slotsBetween(daily('01:00', '02:30'), NY, d('2026-03-08T00:00:00Z'), d('2026-03-09T00:00:00Z'));
    expect(slots[0].deadlineAt?.toISOString()).toBe('2026-03-08T07:00:00.000Z'); // 03:00 EDT
    const fall = slotsBetween(daily('00:30', '01:30'), NY, d('2026-11-01T00:00:00Z'), d('2026-11-02T00:00:00Z'));
    expect(fall[0].deadlineAt?.toISOString()).toBe('2026-11-01T05:30:00.000Z'); // first 01:30
  });

  it('for a cron, compares the deadline with the slot’s own time', () => {
    const slots = slotsBetween(cron('0 8,20 * * *', '12:00'), 'UTC', d('2026-06-01T00:00:00Z'), d('2026-06-02T00:00:00Z'));
    expect(slots.map((s) => s.deadlineAt?.toISOString())).toEqual([
      '2026-06-01T12:00:00.000Z',
      '2026-06-02T12:00:00.000Z',
    ]);
  });
});

describe('nextSlot', () => {
  it('returns the first slot strictly after', () => {
    const monday = d('2026-03-09T11:00:00Z'); // 07:00 EDT, a slot itself
    expect(nextSlot(weekly('07:00'), NY, monday).local).toBe('2026-03-16T07:00:00-04:00');
    expect(nextSlot(weekly('07:00'), NY, new Date(monday.getTime() - 1)).at).toEqual(monday);
    expect(nextSlot(monthly('08:00'), BERLIN, d('2026-01-15T00:00:00Z')).period.label).toBe('2026-01');
  });

  it('finds a leap day years ahead', () => {
    expect(nextSlot(cron('0 0 29 2 *'), 'UTC', d('2026-03-01T00:00:00Z')).local).toBe('2028-02-29T00:00:00Z');
  });

  it('throws a clear error for a cron that never fires (30 February)', () => {
    const e = scheduleError(() => nextSlot(cron('0 0 30 2 *'), 'UTC', d('2026-01-01T00:00:00Z')));
    expect(e.message).toBe('cron "0 0 30 2 *": never fires (no allowed month has that day of month)');
    expect(e.field).toBe('cron');
    expect(slotsBetween(cron('0 0 30 2 *'), 'UTC', d('2026-01-01T00:00:00Z'), d('2030-01-01T00:00:00Z'))).toEqual([]);
  });
});

describe('describeSchedule', () => {
  it('says when a schedule fires', () => {
    expect(describeSchedule(weekly('07:00'))).toBe('every Monday at 07:00');
    expect(describeSchedule(daily('02:30'))).toBe('daily at 02:30');
    expect(describeSchedule(monthly('08:00'))).toBe('monthly on the 1st at 08:00');
    expect(describeSchedule(cron(' 0  7 * * 1-5 '))).toBe('cron 0 7 * * 1-5');
  });
});

describe('slotsToFire', () => {
  // Daily 07:00 UTC slots covering 2026-03-01 … 2026-03-04; the worker comes back just after the
  // last one.
  const slots = slotsBetween(daily('07:00'), 'UTC', d('2026-03-01T12:00:00Z'), d('2026-03-05T12:00:00Z'));
  const grace = 5 * 60_000;
  const justAfterLast = d('2026-03-05T07:01:00Z');

  it('fixture: four slots', () => {
    expect(labels(slots)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04']);
  });

  it('an on-time slot always fires; latest adds only the newest missed one', () => {
    const { fire, skipped } = slotsToFire(slots, 'latest', justAfterLast, grace);
    expect(labels(fire)).toEqual(['2026-03-03', '2026-03-04']);
    expect(labels(skipped)).toEqual(['2026-03-01', '2026-03-02']);
  });

  it('latest with nothing on time fires exactly one missed slot, the newest', () => {
    const { fire, skipped } = slotsToFire(slots, 'latest', d('2026-03-05T10:00:00Z'), grace);
    expect(fire).toHaveLength(1);
    expect(fire[0].period.label).toBe('2026-03-04');
    expect(fire[0].at.toISOString()).toBe('2026-03-05T07:00:00.000Z');
    expect(skipped).toHaveLength(3);
  });

  it('all fires each missed slot, each covering its own period', () => {
    const { fire, skipped } = slotsToFire(slots, 'all', justAfterLast, grace);
    expect(labels(fire)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04']);
    expect(skipped).toEqual([]);
  });

  it('none fires no missed slot, but still the on-time one', () => {
    expect(labels(slotsToFire(slots, 'none', justAfterLast, grace).fire)).toEqual(['2026-03-04']);
    const late = slotsToFire(slots, 'none', d('2026-03-05T10:00:00Z'), grace);
    expect(late.fire).toEqual([]);
    expect(late.skipped).toHaveLength(4);
  });

  it('the grace boundary is inclusive; slots not yet due are in neither list', () => {
    const at = slots[3].at.getTime();
    expect(labels(slotsToFire(slots, 'none', new Date(at + grace), grace).fire)).toEqual(['2026-03-04']);
    expect(slotsToFire(slots, 'none', new Date(at + grace + 1), grace).fire).toEqual([]);
    const early = slotsToFire(slots, 'all', d('2026-03-03T08:00:00Z'), grace);
    expect(labels(early.fire)).toEqual(['2026-03-01', '2026-03-02']);
    expect(early.skipped).toEqual([]);
  });

  it('never delivers one period twice', () => {
    // Both firings cover the previous day.
    const twice = slotsBetween(cron('0,15 9 * * *'), 'UTC', d('2026-03-02T00:00:00Z'), d('2026-03-03T00:00:00Z'));
    expect(labels(twice)).toEqual(['2026-03-01', '2026-03-01']);
    const onTime = slotsToFire(twice, 'all', d('2026-03-02T09:16:00Z'), grace);
    expect(locals(onTime.fire)).toEqual(['2026-03-02T09:15:00Z']);
    expect(locals(onTime.skipped)).toEqual(['2026-03-02T09:00:00Z']);
    const allMissed = slotsToFire(twice, 'all', d('2026-03-02T12:00:00Z'), grace);
    expect(locals(allMissed.fire)).toEqual(['2026-03-02T09:15:00Z']);
  });

  it('rejects a bad policy, now or grace', () => {
    expect(() => slotsToFire(slots, 'some' as 'all', justAfterLast, grace)).toThrow('catchUp "some": expected latest, all or none');
    expect(() => slotsToFire(slots, 'all', d('nope'), grace)).toThrow('now: not a valid Date');
    expect(() => slotsToFire(slots, 'all', justAfterLast, -1)).toThrow('graceMs -1');
  });
});
