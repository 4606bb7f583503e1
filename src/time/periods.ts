/**
 * The one place that owns time and periods (SPEC §3). Periods are half-open local intervals
 * [start, end) in an IANA zone; all calendar arithmetic is done on civil dates (UTC-midnight
 * DateTimes) and only converted to instants at the edges, so DST never shifts a day boundary.
 */
import { DateTime, Info } from 'luxon';
import type { PeriodInfo, PeriodKind } from '../report/types.js';

// Fixed so month and weekday names do not depend on the host's locale.
const LOCALE = 'en-US';

export interface Period {
  kind: PeriodKind;
  label: string;        // 2026-11-21 | 2026-W47 | 2026-11
  start: DateTime;      // inclusive, in `timezone`
  end: DateTime;        // exclusive, in `timezone`
  timezone: string;
  days: string[];       // local calendar dates covered, 'YYYY-MM-DD'
  /** Set on a period cut at `end` before it was over (`--to-date`): its days are those begun by then. */
  toDate?: boolean;
}

export class PeriodError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'PeriodError';
    this.field = field;
  }
}

/** Zones already found valid: luxon checks one by building an Intl.DateTimeFormat (~0.5 ms), and a fan-out asks thousands of times. */
const validZones = new Set<string>();

export function assertTimezone(tz: string): string {
  if (typeof tz === 'string' && validZones.has(tz)) return tz;
  if (typeof tz !== 'string' || tz === '' || !Info.isValidIANAZone(tz)) {
    throw new PeriodError('timezone', `timezone "${String(tz)}": not an IANA time zone`);
  }
  if (validZones.size < 1000) validZones.add(tz);
  return tz;
}

// ---------------------------------------------------------------------------------------------
// Civil dates

/** A calendar date as a UTC-midnight DateTime (no DST, so plus({ days: 1 }) is always 1 day). */
type Civil = DateTime;

function civil(year: number, month: number, day: number): Civil {
  return DateTime.utc(year, month, day);
}

function civilFromIso(date: string): Civil | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const c = civil(Number(m[1]), Number(m[2]), Number(m[3]));
  return c.isValid ? c : null;
}

function isoDate(c: Civil): string {
  return c.toFormat('yyyy-MM-dd');
}

function weeksInYear(year: number): number {
  // 1 June always lies in ISO week-year `year`.
  return civil(year, 6, 1).weeksInWeekYear;
}

/**
 * First instant whose local date is `c`. Usually 00:00, but 01:00 where midnight is skipped
 * (e.g. America/Havana spring-forward), and the *first* 00:00 where midnight repeats (Havana
 * fall-back) — luxon resolves an ambiguous wall time to the later offset, so step back.
 */
function startOfLocalDate(c: Civil, zone: string): DateTime {
  const guess = DateTime.fromObject({ year: c.year, month: c.month, day: c.day }, { zone });
  const before = guess.minus({ milliseconds: 1 });
  if (before.year === c.year && before.month === c.month && before.day === c.day) {
    const earlier = guess.minus({ minutes: before.offset - guess.offset });
    if (earlier.year === c.year && earlier.month === c.month && earlier.day === c.day) return earlier;
  }
  return guess;
}

// ---------------------------------------------------------------------------------------------
// Construction

function build(kind: PeriodKind, label: string, first: Civil, endExclusive: Civil, zone: string): Period {
  const days: string[] = [];
  for (let c = first; c < endExclusive; c = c.plus({ days: 1 })) days.push(isoDate(c));
  return {
    kind,
    label,
    start: startOfLocalDate(first, zone),
    end: startOfLocalDate(endExclusive, zone),
    timezone: zone,
    days,
  };
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function dayPeriod(c: Civil, zone: string): Period {
  return build('day', isoDate(c), c, c.plus({ days: 1 }), zone);
}

function weekPeriod(weekYear: number, weekNumber: number, zone: string): Period {
  const monday = DateTime.fromObject({ weekYear, weekNumber, weekday: 1 }, { zone: 'utc' });
  return build('week', `${pad(weekYear, 4)}-W${pad(weekNumber, 2)}`, monday, monday.plus({ days: 7 }), zone);
}

function monthPeriod(year: number, month: number, zone: string): Period {
  const first = civil(year, month, 1);
  return build('month', `${pad(year, 4)}-${pad(month, 2)}`, first, first.plus({ months: 1 }), zone);
}

function periodForCivil(kind: PeriodKind, c: Civil, zone: string): Period {
  switch (kind) {
    case 'day':
      return dayPeriod(c, zone);
    case 'week':
      return weekPeriod(c.weekYear, c.weekNumber, zone);
    case 'month':
      return monthPeriod(c.year, c.month, zone);
    default:
      throw new PeriodError('kind', `period kind "${String(kind)}": expected day, week or month`);
  }
}

function localCivil(instant: Date, zone: string): Civil {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new PeriodError('instant', 'instant: not a valid Date');
  }
  const local = DateTime.fromJSDate(instant, { zone });
  return civil(local.year, local.month, local.day);
}

// ---------------------------------------------------------------------------------------------
// Public API

/** The years a period may name. */
export const MIN_YEAR = 1970;
export const MAX_YEAR = 2999;

export function parsePeriod(text: string, timezone: string): Period {
  const zone = assertTimezone(timezone);
  const fail = (why: string): PeriodError => new PeriodError('period', `period "${String(text)}": ${why}`);
  const s = typeof text === 'string' ? text.trim() : '';
  let m: RegExpExecArray | null;
  // The platform's data, and PostgreSQL's timestamps, live in years a report can mean: year 0
  // (and 1, whose week 1 starts in year 0) would reach the database as an error, not an answer.
  const year = /^(\d{4})-/.exec(s)?.[1];
  if (year !== undefined && (Number(year) < MIN_YEAR || Number(year) > MAX_YEAR)) throw fail(`the year must be from ${MIN_YEAR} to ${MAX_YEAR}`);

  if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s))) {
    const c = civilFromIso(s);
    if (!c) throw fail('not a calendar date');
    return dayPeriod(c, zone);
  }
  if ((m = /^(\d{4})-W(\d{2})$/.exec(s))) {
    const weekYear = Number(m[1]);
    const week = Number(m[2]);
    const n = weeksInYear(weekYear);
    if (week < 1) throw fail(`week must be 01–${n}`);
    if (week > n) throw fail(`${weekYear} has ${n} ISO weeks`);
    return weekPeriod(weekYear, week, zone);
  }
  if ((m = /^(\d{4})-(\d{2})$/.exec(s))) {
    const month = Number(m[2]);
    if (month < 1 || month > 12) throw fail('month must be 01–12');
    return monthPeriod(Number(m[1]), month, zone);
  }
  throw fail('expected YYYY-MM-DD, YYYY-Www or YYYY-MM');
}

export function periodContaining(kind: PeriodKind, instant: Date, timezone: string): Period {
  const zone = assertTimezone(timezone);
  return periodForCivil(kind, localCivil(instant, zone), zone);
}

/** The newest period of `kind` that has fully ended at `now` (a period is never partial). */
export function lastCompletePeriod(kind: PeriodKind, now: Date, timezone: string): Period {
  return previousPeriod(periodContaining(kind, now, timezone));
}

export function previousPeriod(p: Period): Period {
  const first = civilFromIso(p.days[0]);
  if (!first) throw new PeriodError('period', `period "${p.label}": has no days`);
  return periodForCivil(p.kind, first.minus({ days: 1 }), p.timezone);
}

export function describePeriod(p: Period): string {
  const first = civilFromIso(p.days[0]);
  const last = civilFromIso(p.days[p.days.length - 1]);
  if (!first || !last) throw new PeriodError('period', `period "${p.label}": has no days`);
  const fmt = (c: Civil, f: string): string => c.setLocale(LOCALE).toFormat(f);
  switch (p.kind) {
    case 'day':
      return fmt(first, 'cccc d LLL yyyy');
    case 'week': {
      const head = `Week ${first.weekNumber}, `;
      if (first.year !== last.year) return `${head}${fmt(first, 'd LLL yyyy')} – ${fmt(last, 'd LLL yyyy')}`;
      if (first.month !== last.month) return `${head}${fmt(first, 'd LLL')} – ${fmt(last, 'd LLL yyyy')}`;
      return `${head}${first.day}–${last.day} ${fmt(last, 'LLL yyyy')}`;
    }
    case 'month':
      return fmt(first, 'LLLL yyyy');
    default:
      throw new PeriodError('kind', `period kind "${String(p.kind)}": expected day, week or month`);
  }
}

function isoWithOffset(dt: DateTime): string {
  const s = dt.toISO({ suppressMilliseconds: true });
  if (!s) throw new PeriodError('period', `invalid instant: ${dt.invalidExplanation ?? 'unknown'}`);
  return s;
}

export function periodToInfo(p: Period): PeriodInfo {
  const words = describePeriod(p);
  return {
    kind: p.kind,
    label: p.label,
    start: isoWithOffset(p.start),
    end: isoWithOffset(p.end),
    timezone: p.timezone,
    words: p.toDate ? `${words}, to date (until ${p.end.setLocale(LOCALE).toFormat('ccc d LLL, HH:mm')})` : words,
    ...(p.toDate ? { to_date: true as const } : {}),
  };
}

/**
 * SPEC §3: a period is never partial unless asked. A period that has not ended by `now` is
 * refused, naming when it ends; with `toDate` it is cut at `now` (its days: those begun by then)
 * and says so. One that has not begun is refused either way.
 */
export function completePeriod(p: Period, now: Date, toDate = false, hint = ' (--to-date for a brief of it so far)'): Period {
  const at = DateTime.fromJSDate(now, { zone: p.timezone });
  if (p.end <= at) return p;
  const when = (dt: DateTime) => `${dt.setLocale(LOCALE).toFormat('ccc d LLL yyyy, HH:mm')} (${p.timezone})`;
  if (p.start >= at) throw new PeriodError('period', `period "${p.label}" has not begun: it starts ${when(p.start)}`);
  if (!toDate) throw new PeriodError('period', `period "${p.label}" is not over: it ends ${when(p.end)}${hint}`);
  const today = isoDate(localCivil(now, p.timezone));
  return { ...p, end: at, days: p.days.filter((d) => d <= today), toDate: true };
}

export function isoDateInZone(instant: Date, timezone: string): string {
  return isoDate(localCivil(instant, assertTimezone(timezone)));
}

/** A calendar date `n` days after (or, negative, before) another: addDays("2026-12-01", -1) → "2026-11-30". */
export function addDays(date: string, n: number): string {
  const c = civilFromIso(date);
  if (!c) throw new PeriodError('date', `date "${date}": not a calendar date`);
  return isoDate(c.plus({ days: n }));
}

/** Days in the month of dates already seen: a portfolio of 1,000 tenants prorates the same days thousands of times. */
const monthLengths = new Map<string, number>();

export function daysInMonth(date: string): number {
  const known = monthLengths.get(date);
  if (known !== undefined) return known;
  const c = civilFromIso(date);
  if (!c) throw new PeriodError('date', `date "${date}": not a calendar date`);
  const length = c.daysInMonth as number;
  if (monthLengths.size < 20_000) monthLengths.set(date, length);
  return length;
}

/**
 * SPEC §3: sum over days d of monthlyCost / days_in_month(d). Days are grouped by month first so
 * a whole month is monthlyCost * n / n; the result is rounded to cents to drop float noise.
 */
export function prorateMonthly(monthlyCost: number, days: string[]): number {
  const perMonth = new Map<string, { count: number; length: number }>();
  for (const d of days) {
    const length = daysInMonth(d);
    const key = d.slice(0, 7);
    const entry = perMonth.get(key);
    if (entry) entry.count += 1;
    else perMonth.set(key, { count: 1, length });
  }
  let total = 0;
  for (const { count, length } of perMonth.values()) total += (monthlyCost * count) / length;
  return Math.round(total * 100) / 100;
}

export function formatInZone(instant: Date, timezone: string, fmt: string): string {
  const zone = assertTimezone(timezone);
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new PeriodError('instant', 'instant: not a valid Date');
  }
  return DateTime.fromJSDate(instant, { zone }).setLocale(LOCALE).toFormat(fmt);
}

// ---------------------------------------------------------------------------------------------
// Outcome timeframes of strategic decisions (SPEC §4: "3 months", "6 weeks")

/** A decision's outcome timeframe as calendar units: added to a local date-time it keeps the wall-clock time. */
export interface Timeframe { unit: 'days' | 'weeks' | 'months' | 'years'; count: number }

const TIMEFRAME_UNITS: Record<string, Timeframe['unit'] | 'quarters'> = {
  d: 'days', day: 'days', days: 'days',
  w: 'weeks', wk: 'weeks', wks: 'weeks', week: 'weeks', weeks: 'weeks',
  m: 'months', mo: 'months', mos: 'months', mth: 'months', mths: 'months', month: 'months', months: 'months',
  q: 'quarters', quarter: 'quarters', quarters: 'quarters',
  y: 'years', yr: 'years', yrs: 'years', year: 'years', years: 'years',
};
const TIMEFRAME_WORDS: Record<string, number> = {
  a: 1, an: 1, one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  eighteen: 18, twenty: 20, thirty: 30, sixty: 60, ninety: 90,
};
/** The longest timeframe taken at its word: a review 10 years out is a typo, not a plan. */
const MAX_TIMEFRAME_DAYS = 3660;

/**
 * "3 months", "6 weeks", "10 days", "1 year", "two quarters", "90d", "12-month" → a timeframe;
 * anything else (a range "3-6 months", "Q1", "soon", fractions, zero, more than 10 years) → null,
 * and the report says it could not tell when the decision is due.
 */
export function parseTimeframe(text: unknown): Timeframe | null {
  if (typeof text !== 'string' || text.length > 40) return null;
  const m = /^\s*(\d{1,4}|[a-z]+)\s*-?\s*([a-z]+)\s*$/i.exec(text);
  if (!m) return null;
  const n = /^\d+$/.test(m[1]) ? Number(m[1]) : TIMEFRAME_WORDS[m[1].toLowerCase()];
  const unit = TIMEFRAME_UNITS[m[2].toLowerCase()];
  if (n === undefined || unit === undefined || !Number.isInteger(n) || n < 1) return null;
  const tf: Timeframe = unit === 'quarters' ? { unit: 'months', count: n * 3 } : { unit, count: n };
  const days = tf.count * { days: 1, weeks: 7, months: 31, years: 366 }[tf.unit];
  return days > MAX_TIMEFRAME_DAYS ? null : tf;
}

/**
 * `instant` plus a timeframe in `timezone`'s calendar: 1 Sep 00:00 Europe/Berlin (CEST) plus 3
 * months is 1 Dec 00:00 Berlin (CET), not 23:00; 31 Jan plus 1 month is the last day of February.
 */
export function addTimeframe(instant: Date, tf: Timeframe, timezone: string): Date {
  const zone = assertTimezone(timezone);
  return DateTime.fromJSDate(instant, { zone }).plus({ [tf.unit]: tf.count }).toJSDate();
}

/** Whole local calendar days from `from`'s date to `to`'s date in `timezone` (negative when `to` is earlier). */
export function localDaysBetween(from: Date, to: Date, timezone: string): number {
  const a = localCivil(from, assertTimezone(timezone));
  const b = localCivil(to, timezone);
  return Math.round(b.diff(a, 'days').days);
}
