import { DateTime } from 'luxon';

/** Source of "now". Everything that needs the current time takes a Clock so tests can pin it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = {
  now: () => new Date(),
};

/**
 * A clock stuck at one instant. An ISO string without an offset is read as UTC (not the host's
 * zone) so tests behave the same on every machine.
 */
export function fixedClock(iso: string | Date): Clock {
  let ms: number;
  if (iso instanceof Date) {
    ms = iso.getTime();
    if (Number.isNaN(ms)) throw new Error('fixedClock: invalid Date');
  } else {
    const dt = DateTime.fromISO(iso, { zone: 'utc' });
    if (!dt.isValid) throw new Error(`fixedClock: "${iso}" is not an ISO 8601 instant`);
    ms = dt.toMillis();
  }
  // A fresh Date each call: callers may mutate what they get.
  return { now: () => new Date(ms) };
}
