/**
 * Which due slots to deliver now (SPEC §6 `catchUp`). Pure: slots and `now` in, a verdict out.
 *
 * A slot is due when its instant is at or before `now`. A due slot is
 *   - on time when now - at ≤ graceMs: it always fires;
 *   - missed otherwise (the worker was down): the policy decides.
 *       latest: only the newest missed slot fires (each older missed period is dropped);
 *       all:    every missed slot fires, each covering its own period, oldest first;
 *       none:   no missed slot fires.
 * Whatever the policy, one period is never delivered twice: when several due slots cover the
 * same period (a cron firing several times a day, all covering yesterday), only the newest of
 * them can fire, and a missed slot whose period an on-time slot already covers is skipped. So
 * `latest` fires the newest missed slot whose period is not already being delivered, which is a
 * different (older) period than any on-time slot's.
 *
 * Every due slot lands in exactly one of `fire` and `skipped`, both in chronological order.
 * Slots not yet due (at > now) are in neither.
 */
import type { Slot } from './slots.js';

export type CatchUpPolicy = 'latest' | 'all' | 'none';

const POLICIES: readonly CatchUpPolicy[] = ['latest', 'all', 'none'];

function periodKey(s: Slot): string {
  return `${s.period.kind}|${s.period.label}|${s.period.timezone}`;
}

export function slotsToFire(
  slots: Slot[],
  policy: CatchUpPolicy,
  now: Date,
  graceMs: number,
): { fire: Slot[]; skipped: Slot[] } {
  if (!POLICIES.includes(policy)) throw new Error(`catchUp "${String(policy)}": expected latest, all or none`);
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new Error('now: not a valid Date');
  if (typeof graceMs !== 'number' || !Number.isFinite(graceMs) || graceMs < 0) {
    throw new Error(`graceMs ${String(graceMs)}: expected a finite number ≥ 0`);
  }
  const nowMs = now.getTime();
  // Newest first, so "the newest slot for a period" is the first one met.
  const due = slots.filter((s) => s.at.getTime() <= nowMs).sort((a, b) => b.at.getTime() - a.at.getTime());
  const onTime = due.filter((s) => nowMs - s.at.getTime() <= graceMs);
  const missed = due.filter((s) => nowMs - s.at.getTime() > graceMs);

  const claimed = new Set<string>();
  const fire: Slot[] = [];
  const skipped: Slot[] = [];
  const take = (s: Slot): void => {
    claimed.add(periodKey(s));
    fire.push(s);
  };

  for (const s of onTime) {
    if (claimed.has(periodKey(s))) skipped.push(s);
    else take(s);
  }
  let missedFired = 0;
  for (const s of missed) {
    const allowed = policy === 'all' || (policy === 'latest' && missedFired === 0);
    if (!allowed || claimed.has(periodKey(s))) {
      skipped.push(s);
      continue;
    }
    take(s);
    missedFired += 1;
  }

  const chronological = (a: Slot, b: Slot): number => a.at.getTime() - b.at.getTime();
  return { fire: fire.sort(chronological), skipped: skipped.sort(chronological) };
}
