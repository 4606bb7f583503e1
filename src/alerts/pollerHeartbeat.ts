import type { Db } from '../db/Db.js';
import type { HeraldConfig } from '../config/schema.js';
import type { OperatorNotices } from '../ops/operatorNotices.js';
import { pollerHeartbeat } from './alertStore.js';

export interface PollerHealth { ok: boolean; ageMs: number | null; detail: string }

/**
 * The poller's dead-man's switch (SPEC §7): the age of the last tick of any poller (they share
 * one record). Older than 5 × pollEvery is not ok; with `notices`, that raises one operator
 * notice per stall. A poller that never ticked is starting, or alerts are off.
 */
export async function pollerHealth(db: Db, config: Pick<HeraldConfig, 'alerts'>, now: Date, notices?: OperatorNotices): Promise<PollerHealth> {
  if (!config.alerts.enabled) return { ok: true, ageMs: null, detail: 'alerts disabled' };
  const hb = await pollerHeartbeat(db);
  if (!hb?.lastTickAt) return { ok: true, ageMs: null, detail: 'no tick yet' };
  const ageMs = now.getTime() - hb.lastTickAt.getTime();
  const limit = 5 * config.alerts.pollEvery;
  const ok = ageMs <= limit;
  const detail = `last tick ${Math.round(ageMs / 1000)} s ago (limit ${Math.round(limit / 1000)} s)`;
  if (!ok && notices) {
    await notices.raise({
      kind: 'poller-stalled',
      dedupeKey: `poller-stalled:${hb.lastTickAt.toISOString()}`,
      message: `the alert poller has not ticked since ${hb.lastTickAt.toISOString()} (${detail}): no alert is being raised`,
      details: { last_tick_at: hb.lastTickAt.toISOString(), age_seconds: Math.round(ageMs / 1000) },
    });
  }
  return { ok, ageMs, detail };
}
