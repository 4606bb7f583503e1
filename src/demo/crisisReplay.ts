/**
 * The demo's crisis (SPEC §11, issue 8): a director's whole loop, played on the demo database with
 * the real poller, outbox and reply handler on a clock that moves an hour in a second:
 *
 *   bounce jumps to 18.4% → SMS to the on-call tier (+ email, Slack) → 15 min unacknowledged:
 *   escalated to the c-suite → the on-call director replies "ACK <code>" → repeats stop →
 *   bounce falls back under 4% for three polls → resolved notice to everyone told.
 *
 * Its events are stamped on the moving clock, so the brief data of earlier days is untouched.
 */
import { randomUUID } from 'node:crypto';
import twilio from 'twilio';
import type { Db } from '../db/Db.js';
import type { HeraldConfig } from '../config/schema.js';
import { localOutboxChannels } from './localOutbox.js';
import { OutboxDispatcher } from '../delivery/OutboxDispatcher.js';
import { AlertPoller } from '../alerts/AlertPoller.js';
import { handleInboundSms } from '../alerts/inboundSms.js';
import { reportContext } from '../cli/context.js';
import { HeraldMetrics } from '../ops/metrics.js';
import { OperatorNotices } from '../ops/operatorNotices.js';
import { silentLogger } from '../ops/logger.js';
import { listRecipients } from '../recipients/recipientsRepo.js';
import type { Clock } from '../time/clock.js';

export interface CrisisStep { at: string; what: string }

const DEMO_TOKEN = 'demo-auth-token';
const DEMO_URL = 'https://herald.demo.local';

/**
 * Plays the crisis for `tenantId` from `start`; every message goes to the local outbox in
 * `outboxDir`. Returns what happened, step by step, for the demo's summary.
 */
export async function replayCrisis(db: Db, config: HeraldConfig, tenantId: string, start: Date, outboxDir: string,
  log: (line: string) => void = () => undefined): Promise<CrisisStep[]> {
  let now = new Date(start);
  const clock: Clock = { now: () => new Date(now) };
  // The sample events are a few a day: the events source is not "silent" between them.
  const cfg: HeraldConfig = { ...config, alerts: { ...config.alerts, publicUrl: DEMO_URL, sourceHealth: { ...config.alerts.sourceHealth, silentAfter: 7 * 86_400_000 } } };
  const metrics = new HeraldMetrics();
  const notices = new OperatorNotices({ db, logger: silentLogger, metrics });
  const ctx = reportContext(cfg, { herald: db, source: db }, clock);
  const poller = new AlertPoller({ db, events: ctx.events, business: ctx.business, config: cfg, clock, logger: silentLogger, metrics, notices });
  const dispatcher = new OutboxDispatcher({ db, channels: localOutboxChannels(outboxDir, clock.now), clock, logger: silentLogger, metrics, notices, random: () => 0.5, concurrency: 4 });
  const steps: CrisisStep[] = [];
  const step = (what: string) => {
    steps.push({ at: now.toISOString(), what });
    log(what);
  };
  const drain = async () => { while ((await dispatcher.runOnce()) > 0) { /* send what is due */ } };
  const tickAndSend = async () => { await poller.tick(); await drain(); };
  const advance = (ms: number) => { now = new Date(now.getTime() + ms); };
  const bounce = (rate: number) => db.query(
    `INSERT INTO posthog_events (uuid, event, distinct_id, properties, "timestamp") VALUES ($1, 'email_deliverability_event', $2, $3, $4)`,
    [randomUUID(), tenantId, JSON.stringify({ tenant_id: tenantId, bounce_rate: rate, spam_rate: 0.004, email_count: 24_500, delivery_outcome: rate > 0.05 ? 'bounced' : 'delivered' }), now]);
  const alert = async () => (await db.query<{ id: number; code: string; state: string }>(
    `SELECT id::int AS id, code, state FROM herald.alerts WHERE rule = 'deliverability' AND tenant_id = $1 ORDER BY id DESC LIMIT 1`, [tenantId])).rows[0];

  await tickAndSend(); // the poller's first look: nothing new
  await bounce(0.184);
  await tickAndSend();
  const fired = await alert();
  step(`bounce 18.4%: alert ${fired?.code} fired; the on-call tier is texted, emailed and posted to Slack`);
  advance(15 * 60_000);
  await bounce(0.181);
  await tickAndSend();
  step('15 min unacknowledged: escalated to the c-suite');
  for (let minute = 0; minute < 30; minute += 10) {
    advance(10 * 60_000);
    await bounce(0.176);
    await tickAndSend();
  }
  step('30 min after the last page, still unacknowledged: texted again, both tiers');
  advance(5 * 60_000);
  const oncall = (await listRecipients(db, { tenantId, group: cfg.alerts.tiers[0] })).find((r) => r.phone);
  if (oncall?.phone && fired) {
    const params = { MessageSid: `SM${randomUUID().replace(/-/g, '')}`, AccountSid: 'ACdemo', From: oncall.phone, To: '+15005550006', Body: `ACK ${fired.code}`, NumMedia: '0' };
    const answer = await handleInboundSms({ db, engine: poller.engine, clock, logger: silentLogger, authToken: DEMO_TOKEN, publicUrl: DEMO_URL, tiers: cfg.alerts.tiers.length },
      { path: '/twilio/inbound', body: new URLSearchParams(params).toString(), signature: twilio.getExpectedTwilioSignature(DEMO_TOKEN, `${DEMO_URL}/twilio/inbound`, params) });
    const reply = /<Message>(.*)<\/Message>/.exec(answer.body)?.[1]?.replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&') ?? '';
    await drain();
    step(`${oncall.name} replied "ACK ${fired.code}"; Herald answered: ${reply}`);
  }
  for (let minute = 0; minute < 40; minute += 10) {
    advance(10 * 60_000);
    await bounce(0.12);
    await tickAndSend();
  }
  step('40 min more, bounce still high but acknowledged: no repeat, no escalation');
  for (let i = 0; i < 3; i++) {
    advance(60_000);
    await bounce(0.031);
    await tickAndSend();
  }
  step(`bounce back to 3.1% for three polls: alert ${fired?.code} ${(await alert())?.state}; everyone told gets the resolved notice`);
  // The sample data's own breaches were evaluated by the same polls: say so.
  const others = (await db.query<{ code: string; tenant: string; short: string }>(
    `SELECT code, coalesce(tenant_name, tenant_id, 'the platform') AS tenant, short FROM herald.alerts
      WHERE fired_at >= $1 AND NOT (rule = 'deliverability' AND tenant_id = $2) ORDER BY id`, [start, tenantId])).rows;
  for (const o of others) step(`meanwhile, from the sample data: ${o.tenant}: ${o.short} (alert ${o.code})`);
  return steps;
}
