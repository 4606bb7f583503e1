import type { Direction, Polarity, Trend } from '../report/types.js';
import { daysInMonth } from '../time/periods.js';

/**
 * How a KPI is compared with the previous period (SPEC §3):
 * - `pp`: a rate (a fraction), changing in percentage points; stable under `stableBelow` points
 *   (0.1 for bounce and spam, 1 for the other rates): 2.0% → 6.2% is +4.2 pp, never "+210%".
 * - `pct`: an amount, changing in percent; stable under `stableBelow` (a fraction, 0.02). With
 *   `perMonthShare`, each side is first divided by its days' share of their months (costs and
 *   revenue are monthly rates prorated by day): a 31-day month, or one of its days, compares equal
 *   to a 30-day one when nothing changed. From zero to a value is `new`, not n/a.
 * - `pts`: a 0–100 score, changing in points; stable under `stableBelow` points.
 */
export type TrendBasis =
  | { unit: 'pp'; stableBelow: number }
  | { unit: 'pts'; stableBelow: number }
  | { unit: 'pct'; stableBelow: number; perMonthShare?: { current: string[]; previous: string[] } };

/** Compares a KPI with the previous period, with its polarity (a falling bounce rate is improving). */
export function trend(current: number | null, previous: number | null, polarity: Polarity, basis: TrendBasis): Trend {
  const unit = basis.unit;
  if (current === null || previous === null || !Number.isFinite(current) || !Number.isFinite(previous)) {
    return { previous, unit, change: null, kind: null, direction: null };
  }
  const towards = (diff: number): Direction => ((diff > 0) === (polarity === 'higher_is_better') ? 'improving' : 'declining');
  if (basis.unit === 'pp' || basis.unit === 'pts') {
    const diff = basis.unit === 'pp' ? (current - previous) * 100 : current - previous;
    const change = round(diff, basis.unit === 'pp' ? 2 : 1);
    return { previous, unit, change: change === 0 ? 0 : change, kind: 'change', direction: Math.abs(diff) < basis.stableBelow - 1e-9 || diff === 0 ? 'stable' : towards(diff) };
  }
  let a = current, b = previous;
  if (basis.perMonthShare) {
    const sa = monthShare(basis.perMonthShare.current), sb = monthShare(basis.perMonthShare.previous);
    if (sa === 0 || sb === 0) return { previous, unit, change: null, kind: null, direction: null };
    a = current / sa;
    b = previous / sb;
  }
  if (b === 0) {
    if (a === 0) return { previous, unit, change: 0, kind: 'change', direction: 'stable' };
    return { previous, unit, change: null, kind: 'new', direction: towards(a) };
  }
  const relative = (a - b) / Math.abs(b);
  const change = round(relative * 100, 1);
  return { previous, unit, change: change === 0 ? 0 : change, kind: 'change', direction: Math.abs(relative) < basis.stableBelow ? 'stable' : towards(relative) };
}

/** How many months `days` amount to: the sum of 1 / days_in_month(d). A calendar month is 1. */
export function monthShare(days: string[]): number {
  return days.reduce((sum, d) => sum + 1 / daysInMonth(d), 0);
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
