/**
 * When a schedule fires (SPEC §3, §6). Pure: instants in, instants out; no clock is read.
 *
 * A schedule names local wall times on local calendar days. We walk calendar days as plain day
 * numbers (never "add 24 h"), pick the wall times the schedule names on each matching day, and
 * resolve each wall time to an instant in the zone ourselves, because luxon's defaults are not
 * the ones SPEC §3 asks for:
 *   - a wall time that does not exist (02:30 on a spring-forward day) fires once, at the first
 *     valid instant after it: the transition itself (03:00 local in New York). luxon instead
 *     shifts by the gap length (02:30 → 03:30).
 *   - a wall time that occurs twice (01:30 on a fall-back day) fires once, at its first
 *     occurrence (the earlier, summer offset). luxon picks the later offset.
 * Two wall times that resolve to the same instant (02:00 and 02:30 and 03:00 on a
 * spring-forward day, for a cron listing all three) fire once.
 */
import { DateTime } from 'luxon';
import { CronExpressionParser } from 'cron-parser';
import { DAY_MS, MINUTE_MS, WallClock, type Resolved } from '../time/wallClock.js';
import type { ScheduleConfig } from '../config/schema.js';
import type { PeriodKind } from '../report/types.js';
import { assertTimezone, lastCompletePeriod, type Period } from '../time/periods.js';

export interface Slot {
  /** The firing instant. */
  at: Date;
  /** The firing instant as ISO local time with offset, e.g. 2026-03-09T07:00:00-04:00. */
  local: string;
  /** The period the brief delivered at this slot covers. */
  period: Period;
  /** The schedule's `deadline` on the slot's local date (next day if deadline ≤ the slot's time). */
  deadlineAt: Date | null;
}

export type ScheduleTiming = Pick<ScheduleConfig, 'every' | 'cron' | 'at' | 'deadline'>;

export class ScheduleError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'ScheduleError';
    this.field = field;
  }
}

/** nextSlot's search horizon: long enough for a 29 February cron (leap days can be 8 years apart). */
const NEXT_SLOT_HORIZON_DAYS = 8 * 366 + 7;

// ---------------------------------------------------------------------------------------------
// Cron expressions: minute hour day-of-month month day-of-week

export interface CronSpec {
  source: string;            // the five fields, single-spaced
  minutes: number[];         // sorted, unique
  hours: number[];
  daysOfMonth: boolean[];    // index 1..31
  months: boolean[];         // index 1..12
  daysOfWeek: boolean[];     // index 0..6, 0 = Sunday (7 is folded into 0)
  /**
   * Vixie/cronie rule: a day field written starting with `*` (a bare star, or a star with a
   * step) does not restrict the day. When both day fields restrict, a day matches if either does.
   */
  domStar: boolean;
  dowStar: boolean;
}

const FIELD_NAMES = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
const FIELD_KEYS = ['minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'] as const;

/**
 * One field, read by cron-parser (the parser the worker's schedules are expanded with), alone:
 * the other fields are `*`, so an error names this field, and a day of month is checked against
 * every month (whether the schedule's months have it is cronCanFire's question). Only plain
 * numbers, names, ranges, lists and steps: cron-parser's L, W and # are not standard cron.
 */
function parseField(expr: string, fields: string[], i: number): number[] {
  const text = fields[i];
  const fail = (why: string): ScheduleError => new ScheduleError('cron', `cron "${expr}": ${FIELD_NAMES[i]} "${text}": ${why}`);
  if (/[LW#?]/i.test(text.replace(/[a-z]{3}/gi, (w) => w.replace(/[lw]/gi, '')))) throw fail('L, W, # and ? are not supported');
  const probe = FIELD_NAMES.map((_, k) => (k === i ? text : '*')).join(' ');
  let values: (number | string)[];
  try {
    values = [...CronExpressionParser.parse(`0 ${probe}`, { strict: false }).fields[FIELD_KEYS[i]].values];
  } catch (err) {
    throw fail((err as Error).message.replace(/\.$/, ''));
  }
  if (!values.every((v) => typeof v === 'number')) throw fail('only numbers, names, ranges, lists and steps are supported');
  return [...new Set(values as number[])].sort((a, b) => a - b);
}

export function parseCron(cron: string): CronSpec {
  const fields = typeof cron === 'string' ? cron.trim().split(/\s+/) : [];
  const source = fields.join(' ');
  if (fields.length !== 5) {
    throw new ScheduleError('cron', `cron "${String(cron)}": expected 5 fields (minute hour day-of-month month day-of-week)`);
  }
  const [min, hour, dom, month, dow] = fields.map((_, i) => parseField(source, fields, i));
  const flags = (values: number[], size: number): boolean[] => {
    const a = new Array<boolean>(size).fill(false);
    for (const v of values) a[v] = true;
    return a;
  };
  const daysOfWeek = flags(dow.map((d) => d % 7), 7);
  return {
    source,
    minutes: min,
    hours: hour,
    daysOfMonth: flags(dom, 32),
    months: flags(month, 13),
    daysOfWeek,
    domStar: fields[2].startsWith('*'),
    dowStar: fields[4].startsWith('*'),
  };
}

/**
 * Checks a schedule's timing as the worker will expand it (the config schema calls this, so
 * `herald config check` refuses what the worker would): every or cron, times, a cron that parses
 * and can fire. Throws ScheduleError naming the field.
 */
export function validateScheduleTiming(schedule: ScheduleTiming): void {
  const plan = planFor(schedule);
  if (plan.cron && !cronCanFire(plan.cron)) {
    throw new ScheduleError('cron', `cron "${plan.cron.source}": never fires (no allowed month has that day of month)`);
  }
}

function cronDayMatches(c: CronSpec, d: CivilDay): boolean {
  if (!c.months[d.month]) return false;
  const dom = c.daysOfMonth[d.day];
  const dow = c.daysOfWeek[d.weekday];
  // Standard cron: when both day fields restrict, a day matches if EITHER does.
  return c.domStar || c.dowStar ? dom && dow : dom || dow;
}

/** A cron that restricts only the day of month can name days no allowed month has (30 Feb). */
function cronCanFire(c: CronSpec): boolean {
  if (c.domStar || !c.dowStar) return true;
  const longest = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  for (let m = 1; m <= 12; m++) {
    if (!c.months[m]) continue;
    for (let d = 1; d <= longest[m]; d++) if (c.daysOfMonth[d]) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Plans: which local days, which wall times, which period

interface CivilDay {
  n: number;        // days since 1970-01-01
  year: number;
  month: number;
  day: number;
  weekday: number;  // 0 = Sunday
}

function civilDay(n: number): CivilDay {
  const d = new Date(n * DAY_MS);
  return { n, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() };
}

interface Plan {
  minutesOfDay: number[];                 // sorted wall times, minutes after local midnight
  matches: (d: CivilDay) => boolean;
  kind: PeriodKind;
  deadline: number | null;                // minutes after local midnight
  cron: CronSpec | null;
}

function parseLocalTime(field: 'at' | 'deadline', text: string): number {
  const m = typeof text === 'string' ? /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text) : null;
  if (!m) throw new ScheduleError(field, `${field} "${String(text)}": expected HH:MM (24-hour)`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function planFor(schedule: ScheduleTiming): Plan {
  const deadline = schedule.deadline === undefined ? null : parseLocalTime('deadline', schedule.deadline);
  if ((schedule.every === undefined) === (schedule.cron === undefined)) {
    throw new ScheduleError('every', 'schedule: set exactly one of every or cron');
  }
  if (schedule.cron !== undefined) {
    const c = parseCron(schedule.cron);
    const minutesOfDay: number[] = [];
    for (const h of c.hours) for (const m of c.minutes) minutesOfDay.push(h * 60 + m);
    // A cron's brief covers the last complete local day: cron fields can fire several times a
    // day or on arbitrary days, so "the previous day" is the only period every firing can own.
    return { minutesOfDay, matches: (d) => cronDayMatches(c, d), kind: 'day', deadline, cron: c };
  }
  const at = parseLocalTime('at', schedule.at);
  switch (schedule.every) {
    case 'daily':
      return { minutesOfDay: [at], matches: () => true, kind: 'day', deadline, cron: null };
    case 'weekly':
      return { minutesOfDay: [at], matches: (d) => d.weekday === 1, kind: 'week', deadline, cron: null };
    case 'monthly':
      return { minutesOfDay: [at], matches: (d) => d.day === 1, kind: 'month', deadline, cron: null };
    default:
      throw new ScheduleError('every', `every "${String(schedule.every)}": expected daily, weekly or monthly`);
  }
}

/**
 * What luxon's toISO({ suppressMilliseconds: true }) prints (wall time, then ±HH:MM, or Z in a
 * universal zone such as UTC), without building a DateTime per slot: that dominated the cost of
 * a year of quarter-hourly cron slots. Date strings and suffixes are memoised per walk.
 */
class LocalIso {
  private readonly dates = new Map<number, string>();
  private readonly suffixes = new Map<number, string>();
  constructor(private readonly universal: boolean) {}

  format(r: Resolved): string {
    const wall = r.ms + r.offset * MINUTE_MS;
    const n = Math.floor(wall / DAY_MS);
    let date = this.dates.get(n);
    if (date === undefined) {
      date = new Date(n * DAY_MS).toISOString().slice(0, 10);
      this.dates.set(n, date);
    }
    let suffix = this.suffixes.get(r.offset);
    if (suffix === undefined) {
      const abs = Math.abs(r.offset);
      suffix = this.universal && r.offset === 0 ? 'Z' : `${r.offset < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
      this.suffixes.set(r.offset, suffix);
    }
    const msOfDay = wall - n * DAY_MS;
    const sec = Math.floor(msOfDay / 1000);
    const frac = msOfDay % 1000;
    const time = `${two(Math.floor(sec / 3600))}:${two(Math.floor(sec / 60) % 60)}:${two(sec % 60)}`;
    return `${date}T${time}${frac === 0 ? '' : `.${String(frac).padStart(3, '0')}`}${suffix}`;
  }
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

// ---------------------------------------------------------------------------------------------
// Walking

function assertInstant(field: string, d: Date): number {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) throw new ScheduleError(field, `${field}: not a valid Date`);
  return d.getTime();
}

/**
 * Building a Period costs far more than finding the instant (a year of daily slots would spend
 * most of its time there), so a slot's period is computed on first read and then kept. It is an
 * own enumerable property, so spreading, JSON and deep equality see it like a plain field.
 */
function makeSlot(at: Date, local: string, period: () => Period, deadlineAt: Date | null): Slot {
  let cached: Period | undefined;
  const slot = { at, local } as Slot;
  Object.defineProperty(slot, 'period', {
    enumerable: true,
    configurable: true,
    get: () => (cached ??= period()),
  });
  slot.deadlineAt = deadlineAt;
  return slot;
}

/**
 * Slots strictly after `afterMs`, in order, on local days up to `lastDay`. Wall times on days
 * before utcDay(after) - 3 cannot resolve past `after` (offsets are within ±14 h; 3 days also
 * covers a skipped calendar day such as Pacific/Apia's 2011-12-30).
 */
function* walk(plan: Plan, zone: string, afterMs: number, lastDay: number): Generator<Slot> {
  const clock = new WallClock(zone);
  const iso = new LocalIso(DateTime.fromMillis(0, { zone }).zone.isUniversal);
  const periods = new Map<number, Period>();   // by the slot's local day
  let lastMs = afterMs;
  for (let n = Math.floor(afterMs / DAY_MS) - 3; n <= lastDay; n++) {
    const day = civilDay(n);
    if (!plan.matches(day)) continue;
    for (const minute of plan.minutesOfDay) {
      const r = clock.resolve(n, minute);
      if (r.ms <= lastMs) continue;            // before `after`, or a gap already fired
      lastMs = r.ms;
      const at = new Date(r.ms);
      const localDay = Math.floor((r.ms + r.offset * MINUTE_MS) / DAY_MS);
      const period = (): Period => {
        let p = periods.get(localDay);
        if (!p) {
          p = lastCompletePeriod(plan.kind, at, zone);
          periods.set(localDay, p);
        }
        return p;
      };
      let deadlineAt: Date | null = null;
      if (plan.deadline !== null) {
        deadlineAt = new Date(clock.resolve(plan.deadline <= minute ? n + 1 : n, plan.deadline).ms);
      }
      const local = iso.format(r);
      yield makeSlot(at, local, period, deadlineAt);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Public API

/** Every firing instant s with after < s ≤ until, in order. */
export function slotsBetween(schedule: ScheduleTiming, timezone: string, after: Date, until: Date): Slot[] {
  const zone = assertTimezone(timezone);
  const plan = planFor(schedule);
  const afterMs = assertInstant('after', after);
  const untilMs = assertInstant('until', until);
  const out: Slot[] = [];
  if (untilMs <= afterMs) return out;
  // Wall times on later days resolve to instants at least (day - 14 h) > until.
  for (const slot of walk(plan, zone, afterMs, Math.floor(untilMs / DAY_MS) + 1)) {
    if (slot.at.getTime() > untilMs) break;
    out.push(slot);
  }
  return out;
}

/** The first slot strictly after `after`. Throws if the schedule never fires. */
export function nextSlot(schedule: ScheduleTiming, timezone: string, after: Date): Slot {
  const zone = assertTimezone(timezone);
  const plan = planFor(schedule);
  const afterMs = assertInstant('after', after);
  if (plan.cron && !cronCanFire(plan.cron)) {
    throw new ScheduleError('cron', `cron "${plan.cron.source}": never fires (no allowed month has that day of month)`);
  }
  const lastDay = Math.floor(afterMs / DAY_MS) + NEXT_SLOT_HORIZON_DAYS;
  for (const slot of walk(plan, zone, afterMs, lastDay)) return slot;
  throw new ScheduleError(
    plan.cron ? 'cron' : 'every',
    `${describeSchedule(schedule)}: does not fire within ${NEXT_SLOT_HORIZON_DAYS} days after ${after.toISOString()}`,
  );
}

/** "daily at 02:30", "every Monday at 07:00", "monthly on the 1st at 08:00", "cron 0 7 * * 1-5". */
export function describeSchedule(schedule: ScheduleTiming): string {
  if (schedule.cron !== undefined) return `cron ${schedule.cron.trim().split(/\s+/).join(' ')}`;
  switch (schedule.every) {
    case 'daily':
      return `daily at ${schedule.at}`;
    case 'weekly':
      return `every Monday at ${schedule.at}`;
    case 'monthly':
      return `monthly on the 1st at ${schedule.at}`;
    default:
      throw new ScheduleError('every', `every "${String(schedule.every)}": expected daily, weekly or monthly`);
  }
}
