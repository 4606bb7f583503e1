/**
 * Applies the lifecycle's decisions (lifecycle.ts) to herald's alert records and turns their
 * notification steps into outgoing messages: routed (routing.ts), rendered (alertMessages.ts),
 * and put in the outbox (email, Slack) or the SMS grouping stage (SMS) in the caller's
 * transaction. Every change to alerts (a poller tick, a reply, a command) runs under one
 * advisory lock, so two workers never decide the same thing twice; the outbox's delivery keys
 * (`alert:<id>:<step>:<channel>:<recipient>`) are the second guard.
 */
import type { Db } from '../db/Db.js';
import type { HeraldConfig } from '../config/schema.js';
import type { Logger } from '../ops/logger.js';
import type { OutgoingMessage } from '../delivery/Channel.js';
import { enqueueMessages, PRIORITY, type BatchDelivery } from '../delivery/outboxRepo.js';
import { listRecipients } from '../recipients/recipientsRepo.js';
import type { Recipient } from '../recipients/Recipient.js';
import type { Severity } from '../report/types.js';
import { quietHoursEnd } from '../time/quietHours.js';
import { alertEmail, alertSlack, stepKind, type AlertNotice } from './alertMessages.js';
import {
  addSmsIntents, addTimeline, insertAlert, linkNotifications, markIntentsGrouped, notifiedTargets, recipientZones, smsSentSince, updateAlert,
  waitingSmsIntents, type StoredAlert,
} from './alertStore.js';
import type { Decision, Step } from './lifecycle.js';
import { routeStep } from './routing.js';
import type { RuleName } from './settings.js';
import { planSms } from './smsGrouping.js';
import { saveMessage, enqueueDeliveries } from '../delivery/outboxRepo.js';

/** The one lock every change to alerts takes (poller ticks, replies, `herald alerts`). */
export const ALERTS_LOCK = 7438294;

export interface TenantInfo { name: string; timezone: string }

export interface AlertEngineOptions {
  config: HeraldConfig;
  logger: Logger;
  /** The tenant's name and zone (null: unknown tenant); a platform alert has tenant null. */
  tenant(id: string): Promise<TenantInfo | null>;
}

export interface Opening { rule: string; tenantId: string | null; fingerprint: string; tenantName: string | null; test?: boolean }

const PRIORITY_OF: Record<Severity, number> = { critical: PRIORITY.critical, high: PRIORITY.high, medium: PRIORITY.notice };

export class AlertEngine {
  readonly #o: AlertEngineOptions;
  constructor(o: AlertEngineOptions) {
    this.#o = o;
  }

  /** An engine that looks tenants up in the business database (the command line, replies without a poller). */
  static withBusiness(config: HeraldConfig, logger: Logger, business: { tenant(id: string): Promise<{ name: string; timezone: string } | null> }): AlertEngine {
    return new AlertEngine({
      config, logger,
      tenant: async (id) => {
        const t = await business.tenant(id);
        return t ? { name: t.name, timezone: t.timezone || config.timezone } : null;
      },
    });
  }

  /**
   * Runs `fn` in a transaction holding the alerts lock. `wait: false` gives up at once when
   * another process holds it (a poller tick: the other one is ticking), returning null.
   */
  static async locked<T>(db: Db, fn: (tx: Db) => Promise<T>, opts: { wait: boolean }): Promise<T | null> {
    return db.transaction(async (tx) => {
      if (opts.wait) await tx.query('SELECT pg_advisory_xact_lock($1)', [ALERTS_LOCK]);
      else if (!(await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [ALERTS_LOCK])).rows[0].ok) return null;
      return fn(tx);
    });
  }

  /**
   * Applies a decision: opens the alert (`decision.open`) or updates it, records the timeline,
   * and queues its notifications. Returns the alert as it now is and how many notifications
   * were queued (deliveries and SMS intents).
   */
  async apply(tx: Db, alert: StoredAlert | null, decision: Decision, now: Date, opening?: Opening): Promise<{ alert: StoredAlert | null; queued: number }> {
    if (decision.timeline.length === 0 && decision.notify.length === 0 && Object.keys(decision.patch).length === 0) return { alert, queued: 0 };
    let current = alert;
    if (decision.open) {
      if (!opening) throw new Error('AlertEngine.apply: opening an alert needs its rule, tenant and fingerprint');
      current = await insertAlert(tx, { ...opening, ...decision.patch }, now);
      if (!current) {
        this.#o.logger.warn({ fingerprint: opening.fingerprint }, 'an open alert already exists for this fingerprint; evaluation skipped');
        return { alert: null, queued: 0 };
      }
    } else if (current) {
      await updateAlert(tx, current.id, decision.patch, now);
      current = { ...current, ...decision.patch };
    }
    if (!current) return { alert: null, queued: 0 };
    await addTimeline(tx, current.id, decision.timeline, now);
    let queued = 0;
    for (const step of decision.notify) queued += await this.notify(tx, current, step, now);
    return { alert: current, queued };
  }

  /** The notice a step's messages are rendered from. */
  async notice(alert: StoredAlert, step: string, now: Date): Promise<AlertNotice> {
    const tenant = alert.tenantId ? await this.#o.tenant(alert.tenantId) : null;
    return {
      alertId: alert.id, code: alert.code, rule: alert.rule,
      tenantName: alert.tenantName ?? tenant?.name ?? (alert.tenantId ?? 'Herald'),
      timezone: tenant?.timezone ?? this.#o.config.timezone,
      severity: alert.severity, step, short: alert.short, summary: alert.summary, atRisk: alert.atRisk,
      firedAt: alert.firedAt ? alert.firedAt.toISOString() : null, at: now.toISOString(),
      acknowledgedBy: alert.acknowledgedBy ?? null, test: alert.test,
    };
  }

  #route(alert: StoredAlert) {
    const a = this.#o.config.alerts;
    const rule = (a.rules as Record<string, { routes?: Partial<Record<Severity, string[]>> }>)[alert.rule as RuleName];
    return (rule?.routes?.[alert.severity] ?? a.routes[alert.severity]) as typeof a.routes.critical;
  }

  /** Queues one step's notifications: SMS to the grouping stage, email and Slack to the outbox. */
  async notify(tx: Db, alert: StoredAlert, step: Step, now: Date): Promise<number> {
    const kind = stepKind(step.step);
    const notice = await this.notice(alert, step.step, now);
    const zone = notice.timezone;
    const held = (r: Recipient) => (alert.severity === 'critical' ? null : quietHoursEnd(now, r.quietHours, r.timezone ?? zone));
    const recipients = await listRecipients(tx, { tenantId: alert.tenantId });
    type T = { recipient: Recipient; channel: 'email' | 'slack' | 'sms'; dueAt: Date; threadOf?: string };
    let targets: T[];
    if (kind === 'resolve' || kind === 'ack') {
      // Those who were told, on the channels they were told through (an acknowledgement: in the
      // Slack threads only). A reply goes under the alert's first post in that channel.
      const byId = new Map(recipients.map((r) => [r.id, r]));
      targets = (await notifiedTargets(tx, alert.id))
        .filter((t) => byId.has(t.recipientId) && (kind === 'resolve' || t.channel === 'slack'))
        .map((t) => {
          const recipient = byId.get(t.recipientId)!;
          return { recipient, channel: t.channel as T['channel'], dueAt: held(recipient) ?? now, threadOf: t.channel === 'slack' ? t.deliveryKey : undefined };
        })
        .filter((t) => !(t.channel === 'sms' && t.recipient.smsOptedOut));
    } else {
      targets = routeStep({
        step, severity: alert.severity, route: this.#route(alert), tiers: this.#o.config.alerts.tiers, recipients, now, defaultTimezone: zone,
      });
    }
    if (targets.length === 0) return 0;

    const sms = targets.filter((t) => t.channel === 'sms');
    let queued = await addSmsIntents(tx, sms.map((t) => ({ alertId: alert.id, step: step.step, recipientId: t.recipient.id, severity: alert.severity, notice })), now);

    const others = targets.filter((t) => t.channel !== 'sms');
    if (others.length > 0) {
      const messages: Record<string, { message: OutgoingMessage }> = { email: { message: alertEmail(notice) } };
      const deliveries: BatchDelivery[] = others.map((t) => {
        let message: string = t.channel;
        if (t.channel === 'slack') {
          message = t.threadOf ? `slack:${t.threadOf}` : 'slack';
          messages[message] ??= { message: alertSlack(notice, t.threadOf) };
        }
        return {
          deliveryKey: `alert:${alert.id}:${step.step}:${t.channel}:${t.recipient.id}`,
          message, fallback: t.channel === 'slack' && t.recipient.email ? 'email' : undefined,
          channel: t.channel, recipientId: t.recipient.id, tenantId: alert.tenantId, kind: 'alert',
          priority: kind === 'resolve' || kind === 'ack' ? PRIORITY.notice : PRIORITY_OF[alert.severity], retryPolicy: 'alert', dueAt: t.dueAt,
        };
      });
      const ids = await enqueueMessages(tx, { messages, deliveries }, { dueAt: now });
      await linkNotifications(tx, ids.map((outboxId) => ({ alertId: alert.id, outboxId, step: step.step })));
      queued += ids.length;
    }
    return queued;
  }

  /**
   * The SMS grouping stage: each recipient's waiting notices that are ready become one SMS in the
   * outbox (SPEC §8 groupWait, maxSmsPerHour). Returns how many SMS were queued.
   */
  async groupSms(tx: Db, now: Date): Promise<number> {
    const waiting = await waitingSmsIntents(tx);
    if (waiting.length === 0) return 0;
    const a = this.#o.config.alerts;
    const recipientIds = [...new Set(waiting.map((w) => w.recipientId))];
    const sent = await smsSentSince(tx, recipientIds, new Date(now.getTime() - 3600_000));
    const zones = new Map<number, string>();
    for (const [id, zone] of await recipientZones(tx, recipientIds)) zones.set(id, zone ?? this.#o.config.timezone);
    const plans = planSms(waiting, sent, now, { groupWaitMs: a.groupWait, maxPerHour: a.maxSmsPerHour }, (id) => zones.get(id) ?? this.#o.config.timezone);
    let queued = 0;
    for (const plan of plans) {
      const intents = waiting.filter((w) => plan.intentIds.includes(w.id));
      const first = intents[0];
      const tenantId = (await tx.query<{ tenant_id: string | null }>(`SELECT tenant_id FROM herald.alerts WHERE id = $1`, [first.alertId])).rows[0]?.tenant_id ?? null;
      const messageId = await saveMessage(tx, { channel: 'sms', body: plan.body });
      const [outboxId] = await enqueueDeliveries(tx, [{
        // The oldest notice's key: each notice is grouped once, so the key is sent once.
        deliveryKey: `alert:${first.alertId}:${first.step}:sms:${plan.recipientId}`, messageId, channel: 'sms', recipientId: plan.recipientId,
        tenantId, kind: 'alert', priority: PRIORITY_OF[plan.severity], retryPolicy: 'alert',
      }], { dueAt: now });
      if (outboxId === undefined) continue;
      await markIntentsGrouped(tx, plan.intentIds, outboxId, now);
      await linkNotifications(tx, intents.map((i) => ({ alertId: i.alertId, outboxId, step: i.step })));
      queued += 1;
    }
    return queued;
  }
}
