/**
 * Local wall time → instant, with SPEC §3's rules for DST (the one place that resolves them; the
 * schedules and quiet hours use it):
 *   - a wall time that does not exist (02:30 on a spring-forward day) is the first valid instant
 *     after it: the transition itself (03:00 in New York). luxon shifts by the gap (03:30).
 *   - a wall time that occurs twice (01:30 on a fall-back day) is its first occurrence (the
 *     earlier, summer offset). luxon picks the later one.
 */
import { IANAZone } from 'luxon';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

export interface Resolved {
  ms: number;
  offset: number;   // minutes east of UTC at `ms`
}



/** Resolves wall times of one zone; `n` is a local calendar day as days since 1970-01-01. */
export class WallClock {
  private readonly zone: IANAZone;
  private readonly probes = new Map<number, number>();

  constructor(zoneName: string) {
    this.zone = IANAZone.create(zoneName);
  }

  offsetAt(ms: number): number {
    return this.zone.offset(ms);
  }

  /**
   * The zone's offset if it is the same throughout the instants that day `n`'s wall times can
   * map to (offsets lie within ±14 h, so [n - 1 day, n + 2 days] covers them), else null.
   * Probes are memoised, so walking consecutive days costs about one offset lookup a day.
   */
  private steadyOffset(n: number): number | null {
    let first: number | null = null;
    for (let k = n - 1; k <= n + 2; k++) {
      let o = this.probes.get(k);
      if (o === undefined) {
        o = this.offsetAt(k * DAY_MS);
        this.probes.set(k, o);
      }
      if (first === null) first = o;
      else if (o !== first) return null;
    }
    return first;
  }

  resolve(n: number, minuteOfDay: number): Resolved {
    const wall = n * DAY_MS + minuteOfDay * MINUTE_MS;   // the wall time, read as if it were UTC
    const steady = this.steadyOffset(n);
    if (steady !== null) return { ms: wall - steady * MINUTE_MS, offset: steady };

    // Near a transition: the candidate offsets are those a day either side.
    const before = this.offsetAt(wall - DAY_MS);
    const after = this.offsetAt(wall + DAY_MS);
    let best: Resolved | null = null;
    for (const o of before === after ? [before] : [before, after]) {
      const ms = wall - o * MINUTE_MS;
      if (this.offsetAt(ms) === o && (best === null || ms < best.ms)) best = { ms, offset: o };
    }
    if (best) return best;   // exists once, or twice and we keep the first occurrence

    // In a gap: fire at the transition, the first instant whose wall time is past `wall`.
    let lo = wall - Math.max(before, after) * MINUTE_MS;
    let hi = wall - Math.min(before, after) * MINUTE_MS;
    const loOffset = this.offsetAt(lo);
    if (this.offsetAt(hi) === loOffset) {
      throw new Error(`cannot resolve local time ${new Date(wall).toISOString().slice(0, 16)} in ${this.zone.name}`);
    }
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.offsetAt(mid) === loOffset) lo = mid;
      else hi = mid;
    }
    return { ms: hi, offset: this.offsetAt(hi) };
  }
}

