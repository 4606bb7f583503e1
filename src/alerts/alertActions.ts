/**
 * What a person does to an alert (SPEC §8), by SMS reply or from the command line: acknowledge,
 * snooze, escalate now. Each runs under the alerts lock (after any poller tick in progress),
 * applies the lifecycle's decision and queues what it says (an acknowledgement is posted in the
 * alert's Slack threads).
 */
import type { Db } from '../db/Db.js';
import { AlertEngine } from './AlertEngine.js';
import { alertById, openAlertByCode, type StoredAlert } from './alertStore.js';
import { acknowledge, escalateNow, snooze, type Decision } from './lifecycle.js';
import { noHeraldEvents, type HeraldEvents } from '../ops/heraldEvents.js';

export type AlertAction = { kind: 'ack' } | { kind: 'snooze'; forMs: number } | { kind: 'esc' };

export type ActionResult =
  | { ok: true; alert: StoredAlert; queued: number }
  | { ok: false; alert: StoredAlert | null; reason: string };

/**
 * Applies an action to an alert found by `find` inside the lock (by id, or by reply code). `actor`
 * names who acts on that alert (for the timeline and the acknowledgement), or null when this
 * person may not act on it (another tenant's alert): then it is "no such alert". An
 * acknowledgement, once committed, is Herald's event `herald_alert_acknowledged` (`via` says how).
 */
export async function actOnAlert(
  db: Db, engine: AlertEngine, find: { id: number } | { code: string }, action: AlertAction, actor: (alert: StoredAlert) => string | null, now: Date, tiers: number,
  tell: { events: HeraldEvents; via: 'sms' | 'command-line' } = { events: noHeraldEvents, via: 'command-line' },
): Promise<ActionResult> {
  const result = await AlertEngine.locked(db, async (tx): Promise<ActionResult> => {
    const alert = 'id' in find ? await alertById(tx, find.id) : await openAlertByCode(tx, find.code);
    const by = alert ? actor(alert) : null;
    if (!alert || by === null) return { ok: false, alert: null, reason: 'no such open alert' };
    const decided: Decision | { refused: string } = action.kind === 'ack' ? acknowledge(alert, now, by)
      : action.kind === 'snooze' ? snooze(alert, now, action.forMs, by)
        : escalateNow(alert, now, tiers, by);
    if ('refused' in decided) return { ok: false, alert, reason: decided.refused };
    const patch = action.kind === 'ack' ? { ...decided.patch, acknowledgedBy: by } : decided.patch;
    const applied = await engine.apply(tx, alert, { ...decided, patch }, now);
    // An escalation texts the next tier now, not at the next poll.
    await engine.groupSms(tx, now);
    return { ok: true, alert: { ...alert, ...applied.alert, acknowledgedBy: action.kind === 'ack' ? by : alert.acknowledgedBy } as StoredAlert, queued: applied.queued };
  }, { wait: true });
  if (result?.ok && action.kind === 'ack') {
    const a = result.alert;
    tell.events.capture('herald_alert_acknowledged', {
      tenant_id: a.tenantId, alert_id: a.id, rule: a.rule, severity: a.severity, via: tell.via, escalation_level: a.escalationLevel,
      seconds_to_acknowledge: a.firedAt ? Math.max(0, Math.round((now.getTime() - new Date(a.firedAt).getTime()) / 1000)) : null, test: a.test,
    }, { at: now, factKey: `alert:${a.id}:ack:${now.toISOString()}` });
  }
  return result!;
}
