import { assertTimezone } from './periods.js';
import { DAY_MS, MINUTE_MS, WallClock } from './wallClock.js';

/** Local quiet hours, "HH:MM" to "HH:MM"; an end at or before the start wraps past midnight. */
export interface QuietHours { start: string; end: string }

function minutes(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})(?::\d{2})?$/.exec(hhmm);
  if (!m) throw new Error(`quiet hours: "${hhmm}" is not HH:MM`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * When the quiet hours that `now` falls in end, or null when `now` is not in quiet hours. Local
 * wall times follow SPEC §3 (an end time that does not exist on a spring-forward day is the first
 * valid instant after it; one that occurs twice, its first occurrence). Pure.
 */
export function quietHoursEnd(now: Date, quiet: QuietHours | null, timezone: string): Date | null {
  if (!quiet) return null;
  const start = minutes(quiet.start);
  const end = minutes(quiet.end);
  if (start === end) return null;
  const clock = new WallClock(assertTimezone(timezone));
  const ms = now.getTime();
  const local = ms + clock.offsetAt(ms) * MINUTE_MS;
  const day = Math.floor(local / DAY_MS);
  const minute = Math.floor((local - day * DAY_MS) / MINUTE_MS);
  let endDay: number | null = null;
  if (start < end) {
    if (minute >= start && minute < end) endDay = day;
  } else if (minute >= start) {
    endDay = day + 1;
  } else if (minute < end) {
    endDay = day;
  }
  if (endDay === null) return null;
  const at = clock.resolve(endDay, end).ms;
  return at > ms ? new Date(at) : null;
}
