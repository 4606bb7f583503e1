import type { Direction, Polarity, Trend } from '../report/types.js';

/**
 * Compares a KPI with the previous period (SPEC §3): change in percent and a direction that
 * respects the KPI's polarity (a falling bounce rate is improving). `stable` under `stableBelow`
 * relative change. A previous value of zero has no percent change; the direction then follows
 * the sign of the difference.
 */
export function trend(current: number | null, previous: number | null, polarity: Polarity, stableBelow = 0.02): Trend {
  if (current === null || previous === null || !Number.isFinite(current) || !Number.isFinite(previous)) {
    return { previous, change_pct: null, direction: null };
  }
  const diff = current - previous;
  const relative = previous === 0 ? (diff === 0 ? 0 : Infinity * Math.sign(diff)) : diff / Math.abs(previous);
  const change_pct = previous === 0 ? null : round(relative * 100, 1);
  let direction: Direction;
  if (Math.abs(relative) < stableBelow) direction = 'stable';
  else {
    const up = relative > 0;
    direction = up === (polarity === 'higher_is_better') ? 'improving' : 'declining';
  }
  return { previous, change_pct, direction };
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** a / b, or null when b is zero or either side is missing (SPEC §4: null, not 0 or NaN). */
export function ratio(a: number | null, b: number | null): number | null {
  if (a === null || b === null || b === 0 || !Number.isFinite(a) || !Number.isFinite(b)) return null;
  return a / b;
}

export function clamp(value: number, lo = 0, hi = 100): number {
  return Math.min(hi, Math.max(lo, value));
}
