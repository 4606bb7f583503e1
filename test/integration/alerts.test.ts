/**
 * The alert path end to end, in process: events in the export table → the poller (a fixed,
 * movable clock) → the outbox → the real channels against local servers (Twilio stand-in, SMTP
 * sink, Slack stand-in) → replies signed as Twilio signs them → repeats stop → resolved notice.
 * Real PostgreSQL; a fresh database for this file.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { startSlackStandIn, type SlackStandIn } from '../helpers/slackStandIn.js';
import { inboundSmsParams, signTwilioRequest, startTwilioStandIn, type TwilioStandIn } from '../helpers/twilioStandIn.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import type { HeraldConfig } from '../../src/config/schema.js';
import { addRecipient } from '../../src/recipients/recipientsRepo.js';
import { reportContext } from '../../src/cli/context.js';
import { AlertPoller } from '../../src/alerts/AlertPoller.js';
import { handleInboundSms } from '../../src/alerts/inboundSms.js';
import { pollerHealth } from '../../src/alerts/pollerHeartbeat.js';
import { OutboxDispatcher } from '../../src/delivery/OutboxDispatcher.js';
import { createEmailChannel } from '../../src/delivery/email/emailChannel.js';
import { createSlackChannel } from '../../src/delivery/slack/slackChannel.js';
import { createSmsChannel } from '../../src/delivery/sms/smsChannel.js';
import { smsSegments } from '../../src/delivery/sms/smsSegments.js';
import { HeraldMetrics } from '../../src/ops/metrics.js';
import { OperatorNotices } from '../../src/ops/operatorNotices.js';
import { createLogger, silentLogger } from '../../src/ops/logger.js';
import type { Clock } from '../../src/time/clock.js';

let t: TestDatabase;
let twilio: TwilioStandIn;
let smtp: SmtpSink;
let slack: SlackStandIn;
const PUBLIC = 'https://herald.example.com';
const NORA = '+12125550101';   // acme, oncall (tier 0)
const OMAR = '+12125550102';   // acme, c-suite (tier 1)
const OLGA = '+12125550199';   // another tenant's director
const ACME_SLACK = 'C0ACMEONC1';

function movableClock(iso: string): Clock & { set(iso: string): void; advance(ms: number): void } {
  let now = new Date(iso);
  return { now: () => now, set: (x) => { now = new Date(x); }, advance: (ms) => { now = new Date(now.getTime() + ms); } };
}

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.exec(`INSERT INTO tenants (id, name, timezone, monthly_budget) VALUES ('acme', 'Acme Mail Co', 'America/New_York', NULL), ('other', 'Other Co', 'Europe/Berlin', NULL)`);
  twilio = await startTwilioStandIn();
  smtp = await startSmtpSink();
  slack = await startSlackStandIn({ channels: [ACME_SLACK] });
  await addRecipient(t.db, { tenantId: 'acme', name: 'Nora Chen', email: 'nora@acme.test', phone: NORA, slackChannel: ACME_SLACK, timezone: 'America/New_York', groups: ['oncall'] });
  await addRecipient(t.db, { tenantId: 'acme', name: 'Omar Diaz', email: 'omar@acme.test', phone: OMAR, groups: ['c-suite'] });
  await addRecipient(t.db, { tenantId: 'acme', name: 'Quinn Quiet', email: 'quinn@acme.test', timezone: 'America/New_York', quietHours: { start: '22:00', end: '07:00' }, groups: ['oncall'] });
  await addRecipient(t.db, { tenantId: 'other', name: 'Olga Other', email: 'olga@other.test', phone: OLGA, groups: ['oncall'] });
  await addRecipient(t.db, { tenantId: null, name: 'Platform Ops', email: 'ops@platform.test', groups: ['oncall'] });
});
afterAll(async () => {
  await twilio?.close();
  await smtp?.close();
  await slack?.close();
  await t?.drop();
});
beforeEach(async () => {
  await t.db.exec(`TRUNCATE herald.alerts, herald.alert_events, herald.alert_notifications, herald.sms_intents, herald.alert_poller, herald.alert_seen_events,
    herald.outbox, herald.messages, herald.operator_notices RESTART IDENTITY CASCADE; TRUNCATE posthog_events;
    UPDATE herald.recipients SET sms_opted_out_at = NULL;`);
  twilio.reset();
  smtp.messages.length = 0;
  slack.reset();
});

function config(over: Record<string, unknown> = {}): HeraldConfig {
  return parseConfig({ timezone: 'UTC', alerts: { publicUrl: PUBLIC, pollEvery: '1s', lookBack: '2m', ...over } });
}

/** A worker's alert side, in process: the poller and a dispatcher with the three real channels. */
function worker(clock: Clock, cfg = config()) {
  const metrics = new HeraldMetrics();
  const notices = new OperatorNotices({ db: t.db, logger: silentLogger, metrics });
  const ctx = reportContext(cfg, { herald: t.db, source: t.db }, clock);
  const poller = new AlertPoller({ db: t.db, events: ctx.events, business: ctx.business, config: cfg, clock, logger: process.env.DEBUG_ALERTS ? createLogger({ level: "debug" }) : silentLogger, metrics, notices });
  const dispatcher = new OutboxDispatcher({
    db: t.db, clock, logger: silentLogger, metrics, notices, random: () => 0.5, concurrency: 8,
    channels: {
      sms: createSmsChannel({ accountSid: twilio.accountSid, authToken: twilio.authToken, from: '+12025550123', apiUrl: twilio.url }),
      email: createEmailChannel({ smtpUrl: smtp.url, from: 'Herald <herald@test>' }),
      slack: createSlackChannel({ token: 'xoxb-test-token', apiUrl: slack.url, retries: 0 }),
    },
  });
  /** One poll, then everything due sent. */
  const step = async () => {
    const r = await poller.tick();
    while ((await dispatcher.runOnce()) > 0) { /* drain */ }
    return r;
  };
  const reply = async (from: string, body: string, o: { url?: string; signature?: string } = {}) => {
    const params = inboundSmsParams({ from, to: '+12025550123', body, accountSid: twilio.accountSid });
    const form = new URLSearchParams(params).toString();
    const signature = o.signature ?? signTwilioRequest(twilio.authToken, o.url ?? `${PUBLIC}/twilio/inbound`, params);
    const answer = await handleInboundSms({ db: t.db, engine: poller.engine, clock, logger: silentLogger, authToken: twilio.authToken, publicUrl: PUBLIC, tiers: cfg.alerts.tiers.length },
      { path: '/twilio/inbound', body: form, signature });
    while ((await dispatcher.runOnce()) > 0) { /* drain */ }
    return answer;
  };
  return { poller, dispatcher, metrics, step, reply };
}

async function event(name: string, tenant: string, props: Record<string, unknown>, at: Date, uuid = randomUUID()): Promise<string> {
  await t.db.query(`INSERT INTO posthog_events (uuid, event, distinct_id, properties, "timestamp") VALUES ($1, $2, $3, $4, $5)`,
    [uuid, name, tenant, JSON.stringify({ tenant_id: tenant, ...props }), at]);
  return uuid;
}
const deliverability = (tenant: string, bounce: number, at: Date) => event('email_deliverability_event', tenant, { bounce_rate: bounce, spam_rate: 0.001, email_count: 10_000 }, at);
const alerts = async () => (await t.db.query<{ id: number; code: string; rule: string; state: string; severity: string; escalation_level: number; acknowledged_by: string | null; tenant_id: string | null }>(
  `SELECT id::int AS id, code, rule, state, severity, escalation_level, acknowledged_by, tenant_id FROM herald.alerts ORDER BY id`)).rows;
const texts = (to?: string) => twilio.messages.filter((m) => to === undefined || m.to === to).map((m) => m.body);
const mailTo = (address: string) => smtp.messages.filter((m) => m.envelope.rcptTo.includes(address));

describe('a critical deliverability breach', () => {
  it('texts the on-call tier once, emails and posts to Slack at once; a persisting breach does not notify again', async () => {
    const clock = movableClock('2026-12-01T14:00:00Z');
    const w = worker(clock);
    await deliverability('acme', 0.17, clock.now());
    await w.step();
    const [a] = await alerts();
    expect(a).toMatchObject({ rule: 'deliverability', severity: 'critical', state: 'firing', tenant_id: 'acme' });
    // $ at risk: (0.05 × 0.17 + 0.25 × 0.001) × 10,000 = $87.50 → "$88".
    expect(texts()).toEqual([`CRITICAL Acme Mail Co: bounce 17.0% > 15%, $88 at risk. Reply ACK ${a.code}`]);
    expect(twilio.messages[0].to).toBe(NORA);
    expect(mailTo('nora@acme.test').map((m) => m.subject)).toEqual([`CRITICAL · Deliverability · Acme Mail Co · alert ${a.code}`]);
    expect(mailTo('quinn@acme.test')).toHaveLength(1);   // critical ignores quiet hours
    expect(mailTo('omar@acme.test')).toHaveLength(0);    // tier 1: not yet
    expect(slack.messages.map((m) => m.channel)).toEqual([ACME_SLACK]);

    clock.advance(60_000);
    await deliverability('acme', 0.19, clock.now());
    await w.step();
    expect(twilio.messages).toHaveLength(1);
    expect(smtp.messages).toHaveLength(2);
    expect(slack.messages).toHaveLength(1);
    expect((await alerts())).toHaveLength(1);
  });
});

describe('repeat, escalation, acknowledgement by reply, resolution', () => {
  it('escalates to the next tier, repeats to every tier told until ACK by SMS; the ACK is posted in the Slack thread; then resolved notices go to everyone told, also from a restarted worker', async () => {
    const clock = movableClock('2026-12-01T14:00:00Z');
    const w = worker(clock);
    await deliverability('acme', 0.17, clock.now());
    await w.step();
    const [{ code, id }] = await alerts();

    clock.advance(15 * 60_000);                        // escalateAfter: tier 1 (c-suite) hears
    await w.step();
    expect(texts(OMAR)).toEqual([expect.stringMatching(new RegExp(`^CRITICAL escalated to you, unacknowledged 15 min\\. Acme Mail Co: bounce 17\\.0% > 15%, \\$88 at risk\\. Reply ACK ${code}$`))]);
    expect(mailTo('omar@acme.test')).toHaveLength(1);
    expect(texts(NORA)).toHaveLength(1);

    clock.advance(15 * 60_000);                        // 30 min after the last page to tier 0: a repeat to both tiers
    await w.step();
    expect(texts(NORA)).toHaveLength(1);               // the escalation paged 15 min ago: not yet
    clock.advance(15 * 60_000);
    await w.step();
    expect(texts(NORA)).toEqual([expect.any(String), expect.stringMatching(/^CRITICAL \(unacknowledged 45 min\) Acme Mail Co/)]);
    expect(texts(OMAR)).toHaveLength(2);

    const answer = await w.reply(NORA, `  ack   ${code} `);
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Message>Acknowledged ${code} (Acme Mail Co: bounce 17.0% &gt; 15%, $88 at risk). Repeats stopped.</Message></Response>`);
    expect((await alerts())[0]).toMatchObject({ state: 'acknowledged', acknowledged_by: 'Nora Chen (SMS)' });
    const thread = slack.messages.filter((m) => m.threadTs === slack.messages[0].ts);
    expect(thread.map((m) => m.text)).toEqual([expect.stringContaining('acknowledged by Nora Chen (SMS)')]);

    const before = twilio.messages.length;
    clock.advance(60 * 60_000);
    await w.step();
    expect(twilio.messages).toHaveLength(before);      // repeats and escalation stopped

    // The condition clears: resolveAfter (3) clear evaluations, the last one by a restarted worker.
    for (let i = 0; i < 2; i++) {
      clock.advance(60_000);
      await deliverability('acme', 0.02, clock.now());
      await w.step();
    }
    expect((await alerts())[0].state).toBe('acknowledged');
    const restarted = worker(clock);
    clock.advance(60_000);
    await deliverability('acme', 0.02, clock.now());
    await restarted.step();
    expect((await alerts())[0].state).toBe('resolved');
    expect(texts(NORA).at(-1)).toMatch(new RegExp(`^RESOLVED Acme Mail Co: deliverability alert ${code} cleared after 1 h 48 min\\.$`));
    expect(texts(OMAR).at(-1)).toMatch(/^RESOLVED Acme Mail Co/);
    for (const who of ['nora@acme.test', 'quinn@acme.test', 'omar@acme.test']) expect(mailTo(who).at(-1)?.subject).toMatch(/^Resolved · Deliverability · Acme Mail Co/);
    expect(slack.messages.filter((m) => m.threadTs === slack.messages[0].ts).map((m) => m.text)).toEqual([
      expect.stringContaining('acknowledged by Nora Chen'), expect.stringContaining('Resolved'),
    ]);
    const timeline = (await t.db.query<{ kind: string }>(`SELECT kind FROM herald.alert_events WHERE alert_id = $1 ORDER BY id`, [id])).rows.map((r) => r.kind);
    expect(timeline).toEqual(['breach', 'fired', 'escalated', 'repeated', 'acknowledged', 'resolved']);
  });

  it('an acknowledgement not followed by resolution within ackTimeout alerts again', async () => {
    const clock = movableClock('2026-12-01T14:00:00Z');
    const w = worker(clock);
    await deliverability('acme', 0.17, clock.now());
    await w.step();
    const [{ code }] = await alerts();
    await w.reply(NORA, `ACK ${code}`);
    clock.advance(4 * 3600_000 - 60_000);
    await w.step();
    expect(texts(NORA)).toHaveLength(1);
    clock.advance(60_000);
    await w.step();
    expect(texts(NORA).at(-1)).toMatch(new RegExp(`^CRITICAL again \\(acknowledged, not resolved\\) Acme Mail Co: .* Reply ACK ${code}$`));
    expect((await alerts())[0].state).toBe('firing');
  });
});

describe('replies', () => {
  it('are refused without a valid signature for the public URL, ignored from strangers, and never act on another tenant\'s alert', async () => {
    const clock = movableClock('2026-12-01T14:00:00Z');
    const w = worker(clock);
    await deliverability('acme', 0.17, clock.now());
    await w.step();
    const [{ code }] = await alerts();
    const forged = await w.reply(NORA, `ACK ${code}`, { signature: signTwilioRequest('not-the-token', `${PUBLIC}/twilio/inbound`, {}) });
    expect(forged.status).toBe(403);
    const wrongUrl = await w.reply(NORA, `ACK ${code}`, { url: 'https://attacker.example/twilio/inbound' });
    expect(wrongUrl.status).toBe(403);
    const stranger = await w.reply('+447700900123', `ACK ${code}`);
    expect([stranger.status, stranger.body]).toEqual([200, '<?xml version="1.0" encoding="UTF-8"?><Response></Response>']);
    const otherTenant = await w.reply(OLGA, `ACK ${code}`);
    expect(otherTenant.body).toContain(`No open alert ${code} for you.`);
    const unknown = await w.reply(NORA, 'ACK 0000');
    expect(unknown.body).toContain('No open alert 0000 for you.');
    expect((await alerts())[0].state).toBe('firing');
    const help = await w.reply(NORA, 'help');
    expect(help.body).toContain('reply ACK &lt;code&gt; to acknowledge');
    const gibberish = await w.reply(NORA, 'what is this');
    expect(gibberish.body).toContain('Not understood');
  });

  it('SNOOZE silences repeats for a while; ESC escalates now; STOP ends texts until START', async () => {
    const clock = movableClock('2026-12-01T14:00:00Z');
    const w = worker(clock, config({ escalateAfter: '4h' }));
    await deliverability('acme', 0.17, clock.now());
    await w.step();
    const [{ code }] = await alerts();
    expect((await w.reply(NORA, `snooze ${code} 1h`)).body).toContain(`Snoozed ${code}`);
    clock.advance(45 * 60_000);
    await w.step();
    expect(texts(NORA)).toHaveLength(1);               // the 30 min repeat was silenced
    clock.advance(20 * 60_000);                        // snooze over: the repeat comes
    await w.step();
    expect(texts(NORA)).toHaveLength(2);
    expect((await w.reply(NORA, `ESC ${code}`)).body).toMatch(new RegExp(`Escalated ${code} \\(Acme Mail Co: .*\\) to the next tier\\.`));
    expect(texts(OMAR)).toHaveLength(1);
    expect((await alerts())[0].escalation_level).toBe(1);

    expect((await w.reply(NORA, 'STOP')).body).toContain('no more Herald texts');
    clock.advance(31 * 60_000);
    await w.step();
    expect(texts(NORA)).toHaveLength(2);               // opted out: the repeat went to Omar only
    expect(texts(OMAR)).toHaveLength(2);
    expect((await w.reply(NORA, 'START')).body).toContain('resumed');
    clock.advance(31 * 60_000);
    await w.step();
    expect(texts(NORA)).toHaveLength(3);
  });
});

describe('routing', () => {
  it('a high alert goes by email and Slack, not SMS; quiet hours hold it for who has them, until they end', async () => {
    const clock = movableClock('2026-12-01T08:00:00Z'); // 03:00 in New York
    const w = worker(clock);
    await event('operational_efficiency_event', 'acme', { efficiency_score: 45 }, clock.now());
    await w.step();
    expect(twilio.messages).toHaveLength(0);
    expect(mailTo('nora@acme.test')).toHaveLength(1);
    expect(mailTo('quinn@acme.test')).toHaveLength(0);
    const { rows } = await t.db.query<{ next_attempt_at: Date }>(`SELECT next_attempt_at FROM herald.outbox WHERE delivery_key LIKE '%:email:%' AND status = 'pending'`);
    expect(rows.map((r) => r.next_attempt_at.toISOString())).toEqual(['2026-12-01T12:00:00.000Z']); // 07:00 New York
    clock.set('2026-12-01T12:00:01Z');
    await w.step();
    expect(mailTo('quinn@acme.test')).toHaveLength(1);
  });

  it('two alerts for one person in one poll are one SMS; the per-hour cap folds the rest into one, after the hour', async () => {
    await t.db.exec(`UPDATE tenants SET monthly_budget = 10 WHERE id = 'acme'; INSERT INTO vps_instances (id, tenant_id, status, approximate_cost) VALUES ('v1', 'acme', 'active', 500)`);
    try {
      const clock = movableClock('2026-12-01T14:00:00Z');
      const w = worker(clock, config({ maxSmsPerHour: 2, escalateAfter: '4h', costEvery: '1s' }));
      await deliverability('acme', 0.17, clock.now());
      await event('revenue_impact_event', 'acme', { impact_type: 'negative', impact_amount: 12_400 }, clock.now());
      await w.step();   // deliverability, revenue impact and cost overrun, all critical: one text
      const codes = (await alerts()).map((a) => a.code);
      expect(codes).toHaveLength(3);
      expect(texts(NORA)).toHaveLength(1);
      const first = texts(NORA)[0];
      for (const c of codes) expect(first).toContain(c);
      expect(first).toMatch(/^CRITICAL 3 alerts for Acme Mail Co: /);
      expect(smsSegments(first).segments).toBeLessThanOrEqual(2);

      clock.advance(30 * 60_000);                      // three repeats: one text, the last of the hour
      await w.step();
      expect(texts(NORA)).toHaveLength(2);
      expect(texts(NORA)[1]).toContain('SMS limit 2/h reached');
      expect(texts(NORA)[1]).toContain('texts resume 10:00'); // 15:00Z + 1 h, in New York
      clock.advance(29 * 60_000);
      await w.step();
      expect(texts(NORA)).toHaveLength(2);             // capped: waiting
      clock.advance(31 * 60_000);                      // the first text of the hour ages out
      await w.step();
      expect(texts(NORA)).toHaveLength(3);
      const folded = texts(NORA)[2];
      const [lines, reply] = folded.split('. Reply ACK');
      for (const c of codes) expect(lines.split(c).length - 1).toBe(1); // each alert once, its latest notice
      // The revenue impact alert (an event rule) resolved after an hour without a new loss: its line says so, and it takes no ACK.
      const states = (await alerts()).filter((a) => a.tenant_id === 'acme'); // (no event for 90 min: the events source is also 'silent')
      expect(states.find((a) => a.rule === 'revenue-impact')?.state).toBe('resolved');
      expect(lines).toContain(`resolved: revenue impact [${states.find((a) => a.rule === 'revenue-impact')!.code}]`);
      expect(reply).toBe(` <code>: ${states.filter((a) => a.state !== 'resolved').map((a) => a.code).join(', ')}`);
    } finally {
      await t.db.exec(`UPDATE tenants SET monthly_budget = NULL WHERE id = 'acme'; DELETE FROM vps_instances WHERE id = 'v1'`);
    }
  });
});

describe('the poller', () => {
  it('processes a late event inside the look-back window once; one outside it is logged and counted, never alerted', async () => {
    const clock = movableClock('2026-12-01T14:00:00Z');
    const w = worker(clock);
    await event('resource_usage_event', 'acme', { utilization_percentage: 50 }, clock.now()); // not alertable
    await deliverability('acme', 0.02, clock.now());
    await w.step();
    clock.advance(90_000);
    await deliverability('acme', 0.02, clock.now());
    await w.step();
    // Arrives now, stamped 60 s ago (inside the 2 min look-back): processed, once.
    await event('revenue_impact_event', 'acme', { impact_type: 'negative', impact_amount: 2_000 }, new Date(clock.now().getTime() - 60_000));
    clock.advance(1000);
    await w.step();
    clock.advance(1000);
    await w.step();
    expect((await alerts()).map((a) => [a.rule, a.severity])).toEqual([['revenue-impact', 'high']]);
    expect(mailTo('nora@acme.test')).toHaveLength(1);
    for (let i = 0; i < 12; i++) {
      clock.advance(60_000);
      await deliverability('acme', 0.02, clock.now()); // events keep flowing: the cursor moves on
      await w.step();
    }
    // Arrives now, stamped 10 min ago (after the poller started): behind the window. The audit (once a minute) finds it.
    await event('revenue_impact_event', 'acme', { impact_type: 'negative', impact_amount: 50_000 }, new Date(clock.now().getTime() - 10 * 60_000));
    clock.advance(61_000);
    const r = await w.step();                          // the counts differ: which ones is read at the next poll
    clock.advance(1000);
    const r2 = await w.step();
    expect((r?.late ?? 0) + (r2?.late ?? 0)).toBe(1);
    expect(await w.metrics.registry.getSingleMetricAsString('herald_alert_events_total')).toMatch(/outcome="late"} 1/);
    expect((await alerts()).map((a) => a.severity)).toEqual(['high']); // no critical alert from it
    clock.advance(61_000);
    expect((await w.step())?.late).toBe(0);           // counted once
  });

  it('a source that errors for ten polls raises one source-health alert to the platform; its recovery resolves it once, with no burst', async () => {
    const clock = movableClock('2026-12-01T14:00:00Z');
    const w = worker(clock);
    await deliverability('acme', 0.02, clock.now());
    await w.step();
    await t.db.exec(`ALTER TABLE posthog_events RENAME TO posthog_events_away`);
    try {
      for (let i = 0; i < 10; i++) {
        clock.advance(1000);
        await w.step();
      }
    } finally {
      await t.db.exec(`ALTER TABLE posthog_events_away RENAME TO posthog_events`);
    }
    const open = await alerts();
    expect(open.map((a) => [a.rule, a.tenant_id, a.state])).toEqual([['source-health', null, 'firing']]);
    expect(mailTo('ops@platform.test').map((m) => m.subject)).toEqual([expect.stringMatching(/^HIGH · Data source health · events source · alert \d{4}$/)]);
    expect(mailTo('nora@acme.test')).toHaveLength(0); // a tenant's people are not told of the platform's sources
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      await w.step();
    }
    expect((await alerts())[0].state).toBe('resolved');
    expect(mailTo('ops@platform.test').map((m) => m.subject)).toEqual([expect.stringMatching(/^HIGH/), expect.stringMatching(/^Resolved · Data source health/)]);
    expect(twilio.messages).toHaveLength(0);
  });

  it('two pollers on the same data, ticking together: one notification per step', async () => {
    const clock = movableClock('2026-12-01T14:00:00Z');
    const a = worker(clock);
    const b = worker(clock);
    await deliverability('acme', 0.17, clock.now());
    for (let i = 0; i < 40; i++) {
      await Promise.all([a.poller.tick(), b.poller.tick(), a.poller.tick()]);
      await Promise.all([a.dispatcher.runOnce(), b.dispatcher.runOnce()]);
      clock.advance(60_000);
      if (i % 5 === 0) await deliverability('acme', 0.18, clock.now());
    }
    while ((await a.dispatcher.runOnce()) > 0) { /* drain */ }
    // 40 minutes: fire at 0, escalation at 15 (tier 1), repeat at 45 would be past the end; Nora: fire + repeat at 30? The
    // escalation paged at 15, so the repeat to tiers 0–1 comes at 45: not reached. One text each.
    expect(texts(NORA)).toHaveLength(1);
    expect(texts(OMAR)).toHaveLength(1);
    const keys = (await t.db.query<{ delivery_key: string }>(`SELECT delivery_key FROM herald.outbox`)).rows.map((r) => r.delivery_key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(twilio.messages.map((m) => `${m.to}|${m.body}`)).size).toBe(twilio.messages.length);
  });
});

describe('SMS failures', () => {
  it('Twilio 429 is retried after its Retry-After, 500 within seconds; 21211 (a bad number) is not retried and the operator hears', async () => {
    const clock = movableClock('2026-12-01T14:00:00Z');
    const w = worker(clock);
    twilio.failNext(1, { status: 429, retryAfter: 20 });
    await deliverability('acme', 0.17, clock.now());
    await w.step();
    const sms = async () => (await t.db.query<{ status: string; attempts: number; next_attempt_at: Date; error_reason: string | null }>(
      `SELECT status, attempts, next_attempt_at, error_reason FROM herald.outbox WHERE channel = 'sms'`)).rows[0];
    expect(await sms()).toMatchObject({ status: 'pending', attempts: 1, error_reason: 'rate_limited', next_attempt_at: new Date('2026-12-01T14:00:20Z') });
    twilio.failNext(1, { status: 500 });
    clock.set('2026-12-01T14:00:20Z');
    while ((await w.dispatcher.runOnce()) > 0) { /* drain */ }
    expect(await sms()).toMatchObject({ status: 'pending', attempts: 2, error_reason: 'unavailable', next_attempt_at: new Date('2026-12-01T14:00:35Z') }); // 15 s: the alert policy's second step
    clock.set('2026-12-01T14:00:35Z');
    while ((await w.dispatcher.runOnce()) > 0) { /* drain */ }
    expect((await sms()).status).toBe('sent');
    expect(texts(NORA)).toHaveLength(1);

    twilio.failNext(1, { status: 400, code: 21211 });
    clock.advance(15 * 60_000); // the escalation to Omar: his number is refused
    await w.step();
    const omar = (await t.db.query<{ status: string; attempts: number; error_reason: string }>(
      `SELECT o.status, o.attempts, o.error_reason FROM herald.outbox o JOIN herald.recipients r ON r.id = o.recipient_id WHERE o.channel = 'sms' AND r.phone = $1`, [OMAR])).rows[0];
    expect(omar).toEqual({ status: 'dead', attempts: 1, error_reason: 'invalid_recipient' });
    const notices = (await t.db.query<{ message: string }>(`SELECT message FROM herald.operator_notices WHERE kind = 'delivery-dead'`)).rows;
    expect(notices.map((n) => n.message)).toEqual([expect.stringMatching(/^delivery alert:\d+:escalate-1:sms:\d+ is dead after 1 attempt\(s\): invalid_recipient$/)]);
  });
});

describe('the poller\'s dead-man\'s switch', () => {
  it('a poller that has not ticked for 5 × pollEvery is not healthy and raises one operator notice per stall', async () => {
    const clock = movableClock('2026-12-01T14:00:00Z');
    const w = worker(clock);
    await w.step();
    const notices = new OperatorNotices({ db: t.db, logger: silentLogger, metrics: new HeraldMetrics() });
    const cfg = config();
    expect(await pollerHealth(t.db, cfg, new Date('2026-12-01T14:00:05Z'), notices)).toMatchObject({ ok: true, ageMs: 5000 });
    const stalled = await pollerHealth(t.db, cfg, new Date('2026-12-01T14:00:06Z'), notices);
    expect(stalled).toMatchObject({ ok: false, detail: 'last tick 6 s ago (limit 5 s)' });
    await pollerHealth(t.db, cfg, new Date('2026-12-01T14:01:00Z'), notices);
    const rows = (await t.db.query<{ message: string }>(`SELECT message FROM herald.operator_notices WHERE kind = 'poller-stalled'`)).rows;
    expect(rows.map((r) => r.message)).toEqual([expect.stringMatching(/^the alert poller has not ticked since 2026-12-01T14:00:00.000Z/)]);
    clock.set('2026-12-01T14:02:00Z');
    await w.step();
    expect((await pollerHealth(t.db, cfg, new Date('2026-12-01T14:02:01Z'), notices)).ok).toBe(true);
  });
});
