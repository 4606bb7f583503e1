/**
 * Herald's own events (SPEC §2.2, issue 11.6) reach a stand-in of PostHog's capture endpoint
 * (`/batch/`, gzip JSON, as posthog-node sends them): a brief delivered through the outbox (email
 * and Slack), an alert texted, emailed and posted, then acknowledged by SMS reply and from the
 * command line. Ids only; sent when the process shuts down (or its command ends); retried or
 * dropped when PostHog fails, never in a delivery's way; nothing at all without POSTHOG_API_KEY.
 * Real PostgreSQL, the real channels against local servers, real `herald` processes.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import YAML from 'yaml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { startSlackStandIn, type SlackStandIn } from '../helpers/slackStandIn.js';
import { inboundSmsParams, signTwilioRequest, startTwilioStandIn, type TwilioStandIn } from '../helpers/twilioStandIn.js';
import { startPosthogCaptureStandIn, type CapturedEvent, type PosthogCaptureStandIn } from '../helpers/posthogCaptureStandIn.js';
import { herald } from '../helpers/cli.js';
import { insertAcmeFixture } from '../helpers/fixture.js';
import { startWorker, type WorkerProcess } from '../helpers/workerProcess.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { addRecipient } from '../../src/recipients/recipientsRepo.js';
import { reportContext } from '../../src/cli/context.js';
import { AlertPoller } from '../../src/alerts/AlertPoller.js';
import { handleInboundSms } from '../../src/alerts/inboundSms.js';
import { OutboxDispatcher } from '../../src/delivery/OutboxDispatcher.js';
import { createEmailChannel } from '../../src/delivery/email/emailChannel.js';
import { createSlackChannel } from '../../src/delivery/slack/slackChannel.js';
import { createSmsChannel } from '../../src/delivery/sms/smsChannel.js';
import { enqueueMessages, type BatchDelivery } from '../../src/delivery/outboxRepo.js';
import { HeraldMetrics } from '../../src/ops/metrics.js';
import { OperatorNotices } from '../../src/ops/operatorNotices.js';
import { createLogger, silentLogger, type Logger } from '../../src/ops/logger.js';
import { heraldEventsFromEnv, noHeraldEvents, type HeraldEvents } from '../../src/ops/heraldEvents.js';
import type { Clock } from '../../src/time/clock.js';

let t: TestDatabase;
let posthog: PosthogCaptureStandIn;
let twilio: TwilioStandIn;
let smtp: SmtpSink;
let slack: SlackStandIn;
let dir: string;
let configFile: string;
let nora: number;
const workers: WorkerProcess[] = [];
const KEY = `phc_test_${randomUUID().replace(/-/g, '')}`;
const PUBLIC = 'https://herald.example.com';
const NORA = '+12125550101';
const SLACK_CHANNEL = 'C0ACMEONC1';
/** What must never reach PostHog: addresses, phone numbers (with or without +), names, the Slack channel, message text. */
const PERSONAL = ['@', NORA, NORA.slice(1), NORA.slice(2), 'Nora', 'Chen', SLACK_CHANNEL, 'Acme Mail Co', 'bounce', 'Weekly brief', KEY];

function movableClock(iso: string): Clock & { advance(ms: number): void } {
  let now = new Date(iso);
  return { now: () => now, advance: (ms) => { now = new Date(now.getTime() + ms); } };
}

/** A pino logger whose lines the test reads. */
function recordingLogger(): { logger: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
  let buf = '';
  const destination = new Writable({ write(chunk, _enc, cb) { buf += chunk.toString(); cb(); } });
  return {
    logger: createLogger({ level: 'info', destination: destination as never }),
    lines: () => buf.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => buf,
  };
}

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.exec(`INSERT INTO tenants (id, name, timezone) VALUES ('acme', 'Acme Mail Co', 'America/New_York')`);
  posthog = await startPosthogCaptureStandIn();
  twilio = await startTwilioStandIn();
  smtp = await startSmtpSink();
  slack = await startSlackStandIn({ channels: [SLACK_CHANNEL] });
  nora = (await addRecipient(t.db, { tenantId: 'acme', name: 'Nora Chen', email: 'nora@acme.test', phone: NORA, slackChannel: SLACK_CHANNEL, groups: ['oncall'] })).id;
  dir = await mkdtemp(path.join(tmpdir(), 'herald-events-'));
  configFile = path.join(dir, 'herald.yaml');
  await writeFile(configFile, YAML.stringify({
    archiveDir: path.join(dir, 'archive'),
    alerts: { pollEvery: '1s', publicUrl: PUBLIC, routes: { critical: ['sms', 'email'], high: ['email'], medium: [] } },
  }));
}, 60_000);
afterEach(async () => {
  for (const w of workers.splice(0)) {
    w.kill();
    await w.exited;
  }
});
afterAll(async () => {
  await posthog?.close();
  await twilio?.close();
  await smtp?.close();
  await slack?.close();
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await t.db.exec(`TRUNCATE herald.alerts, herald.alert_events, herald.alert_notifications, herald.sms_intents, herald.alert_poller, herald.alert_seen_events,
    herald.outbox, herald.messages, herald.operator_notices RESTART IDENTITY CASCADE; TRUNCATE posthog_events`);
  posthog.reset();
  twilio.reset();
  smtp.messages.length = 0;
  slack.reset();
});

/** Herald's events as the worker makes them, from its environment, pointed at the stand-in. */
const eventsFor = (logger: Logger = silentLogger, opts: { flushIntervalMs?: number } = {}) =>
  heraldEventsFromEnv({ POSTHOG_API_KEY: KEY, POSTHOG_HOST: posthog.url }, logger, opts);

function dispatcher(clock: Clock, events: HeraldEvents) {
  const metrics = new HeraldMetrics();
  return new OutboxDispatcher({
    db: t.db, clock, logger: silentLogger, metrics, notices: new OperatorNotices({ db: t.db, logger: silentLogger, metrics }), random: () => 0.5, concurrency: 4, events,
    channels: {
      sms: createSmsChannel({ accountSid: twilio.accountSid, authToken: twilio.authToken, from: '+12025550123', apiUrl: twilio.url }),
      email: createEmailChannel({ smtpUrl: smtp.url, from: 'Herald <herald@test>' }),
      slack: createSlackChannel({ token: 'xoxb-test-token', apiUrl: slack.url, retries: 0 }),
    },
  });
}
const drain = async (d: OutboxDispatcher) => { while ((await d.runOnce()) > 0) { /* everything due */ } };

/** A brief's deliveries, as produceBrief enqueues them: one stored message per channel, one row per recipient. */
async function enqueueBrief(clock: Clock): Promise<void> {
  const brief = (channel: 'email' | 'slack'): BatchDelivery => ({
    deliveryKey: `daily-exec:executive-summary:acme:2026-11-30:${channel}:${nora}`, message: channel, channel, recipientId: nora, tenantId: 'acme', kind: 'brief',
    scheduleId: 'daily-exec', report: 'executive-summary', periodLabel: '2026-11-30',
  });
  await enqueueMessages(t.db, {
    messages: {
      email: { message: { channel: 'email', subject: 'Weekly brief', html: '<p>Weekly brief for Nora</p>', text: 'Weekly brief for Nora' } },
      slack: { message: { channel: 'slack', text: 'Weekly brief', blocks: [] } },
    },
    deliveries: [brief('email'), brief('slack')],
  }, { dueAt: clock.now() });
}

/** No personal data anywhere in what PostHog received: not in the properties, not in the whole body. */
function expectIdsOnly(events: CapturedEvent[], bodies: string[]): void {
  for (const e of events) {
    for (const [k, v] of Object.entries(e.properties)) {
      if (k.startsWith('$')) continue;
      expect(['string', 'number', 'boolean'].includes(typeof v) || v === null, `${e.event}.${k}`).toBe(true);
      expect(String(v), `${e.event}.${k}`).not.toMatch(/@|\d{7,}/);
    }
    expect(e.distinct_id).toMatch(/^herald:(tenant:[a-z0-9_-]+|platform)$/);
  }
  for (const body of bodies) {
    // The project key travels as the body's api_key, and nowhere else.
    const rest = body.replace(`"api_key":"${KEY}"`, '');
    expect(rest).not.toBe(body);
    for (const bad of PERSONAL) expect(rest.includes(bad), `body contains ${JSON.stringify(bad)}`).toBe(false);
  }
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('herald events, in process', () => {
  it('a brief delivered by email and Slack, an alert texted, emailed and posted, acknowledged by SMS: exactly those events, ids only, sent when the process shuts down', async () => {
    const clock = movableClock('2026-12-01T14:00:00Z');
    const cfg = parseConfig({ timezone: 'UTC', alerts: { publicUrl: PUBLIC, pollEvery: '1s', lookBack: '2m' } });
    // A long interval: what arrives, arrives because of shutdown().
    const events = eventsFor(silentLogger, { flushIntervalMs: 600_000 });
    expect(events.enabled).toBe(true);
    const d = dispatcher(clock, events);

    await enqueueBrief(clock);
    await drain(d);
    expect(smtp.messages).toHaveLength(1);
    expect(slack.messages).toHaveLength(1);

    const ctx = reportContext(cfg, { herald: t.db, source: t.db }, clock);
    const metrics = new HeraldMetrics();
    const poller = new AlertPoller({ db: t.db, events: ctx.events, business: ctx.business, config: cfg, clock, logger: silentLogger, metrics, notices: new OperatorNotices({ db: t.db, logger: silentLogger, metrics }) });
    await t.db.query(`INSERT INTO posthog_events (uuid, event, distinct_id, properties, "timestamp") VALUES ($1, 'email_deliverability_event', 'acme', $2, $3)`,
      [randomUUID(), JSON.stringify({ tenant_id: 'acme', bounce_rate: 0.17, spam_rate: 0.001, email_count: 10_000 }), clock.now()]);
    await poller.tick();
    await drain(d);
    expect(twilio.messages).toHaveLength(1);
    expect(smtp.messages).toHaveLength(2);
    expect(slack.messages).toHaveLength(2);
    const code = /Reply ACK (\d{4})$/.exec(twilio.messages[0].body)![1];

    clock.advance(90_000);
    const params = inboundSmsParams({ from: NORA, to: '+12025550123', body: `ACK ${code}`, accountSid: twilio.accountSid });
    const answer = await handleInboundSms({ db: t.db, engine: poller.engine, clock, logger: silentLogger, authToken: twilio.authToken, publicUrl: PUBLIC, tiers: cfg.alerts.tiers.length, events },
      { path: '/twilio/inbound', body: new URLSearchParams(params).toString(), signature: signTwilioRequest(twilio.authToken, `${PUBLIC}/twilio/inbound`, params) });
    expect(answer.body).toContain(`Acknowledged ${code}`);
    await drain(d);
    expect(slack.messages).toHaveLength(3); // the acknowledgement posted in the alert's thread: a notice, not an alert dispatched

    expect(posthog.requests).toHaveLength(0); // queued, not yet sent
    await events.shutdown();
    expect(posthog.requests).toHaveLength(1);
    const [req] = posthog.requests;
    // posthog-node's wire format: POST /batch/, gzip JSON, the project key in the body.
    expect(req).toMatchObject({ method: 'POST', path: '/batch/', gzip: true, status: 200 });
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.body).toMatchObject({ api_key: KEY, sent_at: expect.any(String) });

    const outbox = Object.fromEntries((await t.db.query<{ id: number; key: string }>(`SELECT id::int AS id, delivery_key AS key FROM herald.outbox`)).rows.map((r) => [r.key, r.id]));
    const alertId = (await t.db.query<{ id: number }>(`SELECT id::int AS id FROM herald.alerts`)).rows[0].id;
    const brief = (channel: string) => ({
      tenant_id: 'acme', report: 'executive-summary', schedule_id: 'daily-exec', period_label: '2026-11-30', channel,
      outbox_id: outbox[`daily-exec:executive-summary:acme:2026-11-30:${channel}:${nora}`], run_id: null, attempt: 1, fallback: false,
    });
    const dispatched = (channel: string) => ({
      tenant_id: 'acme', alert_id: alertId, rule: 'deliverability', severity: 'critical', step: 'fire', channel,
      outbox_id: outbox[`alert:${alertId}:fire:${channel}:${nora}`], attempt: 1, fallback: false, test: false,
    });
    const got = posthog.events.map((e) => ({ event: e.event, distinct_id: e.distinct_id, props: Object.fromEntries(Object.entries(e.properties).filter(([k]) => !k.startsWith('$'))) }));
    const sorted = <T extends { event: string; props: Record<string, unknown> }>(xs: T[]) => [...xs].sort((a, b) => `${a.event}:${a.props.channel}`.localeCompare(`${b.event}:${b.props.channel}`));
    expect(sorted(got)).toEqual(sorted([
      { event: 'herald_report_delivered', distinct_id: 'herald:tenant:acme', props: brief('email') },
      { event: 'herald_report_delivered', distinct_id: 'herald:tenant:acme', props: brief('slack') },
      { event: 'herald_alert_dispatched', distinct_id: 'herald:tenant:acme', props: dispatched('sms') },
      { event: 'herald_alert_dispatched', distinct_id: 'herald:tenant:acme', props: dispatched('email') },
      { event: 'herald_alert_dispatched', distinct_id: 'herald:tenant:acme', props: dispatched('slack') },
      { event: 'herald_alert_acknowledged', distinct_id: 'herald:tenant:acme', props: {
        tenant_id: 'acme', alert_id: alertId, rule: 'deliverability', severity: 'critical', via: 'sms', escalation_level: 0, seconds_to_acknowledge: 90, test: false,
      } },
    ]));
    for (const e of posthog.events) {
      // No person profile for a tenant; the event's own time and a uuid derived from the fact.
      expect(e.properties).toMatchObject({ $process_person_profile: false, $lib: 'posthog-node' });
      expect(e.uuid).toMatch(UUID);
    }
    expect(posthog.events.find((e) => e.event === 'herald_alert_acknowledged')!.timestamp).toBe('2026-12-01T14:01:30.000Z');
    expect(posthog.events.find((e) => e.event === 'herald_report_delivered')!.timestamp).toBe('2026-12-01T14:00:00.000Z');
    expect(new Set(posthog.events.map((e) => e.uuid)).size).toBe(6);
    expectIdsOnly(posthog.events, posthog.requests.map((r) => r.text));

    // Shut down: a later capture sends nothing.
    events.capture('herald_alert_acknowledged', { tenant_id: 'acme', alert_id: 1, rule: 'x', severity: 'high', via: 'sms', escalation_level: 0, seconds_to_acknowledge: 1, test: false });
    await events.shutdown();
    expect(posthog.requests).toHaveLength(1);
  }, 60_000);

  it('PostHog answers 503 once: the batch is sent again and arrives; the delivery went out as usual', async () => {
    const clock = movableClock('2026-12-01T14:00:00Z');
    const log = recordingLogger();
    const events = eventsFor(log.logger, { flushIntervalMs: 600_000 });
    posthog.failNext(1, 503);
    await enqueueBrief(clock);
    await drain(dispatcher(clock, events));
    expect((await t.db.query(`SELECT status FROM herald.outbox`)).rows).toEqual([{ status: 'sent' }, { status: 'sent' }]);
    await events.shutdown();
    expect(posthog.requests.map((r) => r.status)).toEqual([503, 200]);
    expect(posthog.requests[0].text).toBe(posthog.requests[1].text.replace(/"sent_at":"[^"]+"/, posthog.requests[0].text.match(/"sent_at":"[^"]+"/)![0]));
    expect(posthog.events.map((e) => [e.event, e.properties.channel]).sort()).toEqual([['herald_report_delivered', 'email'], ['herald_report_delivered', 'slack']]);
    expect(log.lines().filter((l) => String(l.msg).startsWith('herald events'))).toEqual([]);
  }, 30_000);

  it('PostHog down (503 on every try, then nothing listening): deliveries are not affected, the events are dropped, one warning without the key', async () => {
    const clock = movableClock('2026-12-01T14:00:00Z');
    const log = recordingLogger();
    // Small batches: sends start while the fan-out is still delivering.
    const events = heraldEventsFromEnv({ POSTHOG_API_KEY: KEY, POSTHOG_HOST: posthog.url }, log.logger, { flushAt: 1 });
    posthog.failNext(100, 503);
    await enqueueBrief(clock);
    // No delivery waits for PostHog (it keeps failing while they are sent); how long is not asserted.
    await drain(dispatcher(clock, events));
    expect((await t.db.query(`SELECT status FROM herald.outbox`)).rows).toEqual([{ status: 'sent' }, { status: 'sent' }]);
    expect(smtp.messages).toHaveLength(1);
    await events.shutdown();
    expect(posthog.events).toEqual([]);
    expect(posthog.requests.length).toBeGreaterThanOrEqual(3); // tried, and tried again
    const warnings = log.lines().filter((l) => String(l.msg).startsWith('herald events'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, component: 'herald-events', err: expect.stringContaining('status=503') });
    expect(log.text()).not.toContain(KEY);

    // Nothing listening at all (a closed port): shutdown still returns within its bound.
    const dead = heraldEventsFromEnv({ POSTHOG_API_KEY: KEY, POSTHOG_HOST: 'http://127.0.0.1:9' }, log.logger);
    dead.capture('herald_alert_acknowledged', { tenant_id: 'acme', alert_id: 1, rule: 'deliverability', severity: 'critical', via: 'sms', escalation_level: 0, seconds_to_acknowledge: 1, test: false });
    await dead.shutdown(3_000);   // returns (bounded), or the test would time out
    expect(log.text()).not.toContain(KEY);
  }, 30_000);

  it('without POSTHOG_API_KEY: no client, and nothing reaches PostHog', async () => {
    const events = heraldEventsFromEnv({ POSTHOG_HOST: posthog.url, POSTHOG_API_KEY: '' }, silentLogger);
    expect(events).toBe(noHeraldEvents);
    expect(heraldEventsFromEnv({ POSTHOG_HOST: posthog.url }, silentLogger)).toBe(noHeraldEvents);
    const clock = movableClock('2026-12-01T14:00:00Z');
    await enqueueBrief(clock);
    await drain(dispatcher(clock, events));
    expect(smtp.messages).toHaveLength(1);
    await events.shutdown();
    expect(posthog.requests).toEqual([]);
  });
});

describe('herald events from real processes', () => {
  const env = (posthogEnv: Record<string, string>) => ({
    DATABASE_URL: t.url, SMTP_URL: smtp.url, HERALD_LOG_LEVEL: '',
    TWILIO_ACCOUNT_SID: twilio.accountSid, TWILIO_AUTH_TOKEN: twilio.authToken, TWILIO_FROM: '+12025550123', TWILIO_API_URL: twilio.url,
    POSTHOG_API_KEY: '', POSTHOG_HOST: posthog.url, ...posthogEnv,
  });

  it('herald alerts test and herald alerts ack send their events before they exit; without the key, nothing', async () => {
    const withKey = env({ POSTHOG_API_KEY: KEY });
    const test = await herald(['--config', configFile, 'alerts', 'test', 'deliverability', '--tenant', 'acme'], withKey);
    expect([test.code, test.stderr]).toEqual([0, '']);
    expect(posthog.events.map((e) => [e.event, e.properties.channel, e.properties.test, e.properties.step]).sort()).toEqual([
      ['herald_alert_dispatched', 'email', true, 'fire'],
      ['herald_alert_dispatched', 'sms', true, 'fire'],
    ]);
    const ack = await herald(['--config', configFile, 'alerts', 'ack', '1', '--by', 'Dana Ops'], withKey);
    expect([ack.code, ack.stderr]).toEqual([0, '']);
    expect(posthog.events.at(-1)).toMatchObject({
      event: 'herald_alert_acknowledged', distinct_id: 'herald:tenant:acme',
      properties: { alert_id: 1, rule: 'deliverability', severity: 'critical', via: 'command-line', test: true, tenant_id: 'acme' },
    });
    expect(posthog.events).toHaveLength(3);
    expectIdsOnly(posthog.events, posthog.requests.map((r) => r.text));
    expect(posthog.requests.every((r) => r.gzip && r.status === 200)).toBe(true);

    // The same commands without the key: delivered and acknowledged, nothing sent to PostHog.
    posthog.reset();
    await t.db.exec(`UPDATE herald.alerts SET state = 'resolved', resolved_at = now()`);
    const noKey = env({});
    const test2 = await herald(['--config', configFile, 'alerts', 'test', 'deliverability', '--tenant', 'acme'], noKey);
    expect([test2.code, test2.stderr]).toEqual([0, '']);
    const ack2 = await herald(['--config', configFile, 'alerts', 'ack', '2'], noKey);
    expect([ack2.code, ack2.stderr]).toEqual([0, '']);
    expect(twilio.messages).toHaveLength(2);
    expect(posthog.requests).toEqual([]);
  }, 120_000);

  it('herald run: a rendered brief delivered by email through the outbox, its event sent before the command exits', async () => {
    // Its own database: the fixture's business data (a brief worth reading) for tenant acme.
    const b = await createTestDatabase();
    try {
      await insertAcmeFixture(b.db);
      const ada = (await addRecipient(b.db, { tenantId: 'acme', name: 'Ada CEO', role: 'CEO', email: 'ada@acme.test', groups: ['c-suite'] })).id;
      const runConfig = path.join(dir, 'run.yaml');
      await writeFile(runConfig, YAML.stringify({
        timezone: 'UTC', archiveDir: path.join(dir, 'archive'), delivery: { from: 'Herald <herald@test>' },
        schedules: [{ id: 'monthly-exec', report: 'executive-summary', every: 'monthly', at: '08:00', deliver: [{ channel: 'email', to: ['c-suite'] }] }],
      }));
      const r = await herald(['--config', runConfig, 'run', 'monthly-exec', '--period', '2026-11'],
        { ...env({ POSTHOG_API_KEY: KEY }), DATABASE_URL: b.url, SOURCE_DATABASE_URL: '', SLACK_TOKEN: '' });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('[1/1] acme 2026-11: queued\n'); // its progress line, and nothing from PostHog
      expect(smtp.messages.map((m) => m.envelope.rcptTo)).toEqual([['ada@acme.test']]);
      const row = (await b.db.query<{ id: number; run_id: number }>(`SELECT id::int AS id, run_id::int AS run_id FROM herald.outbox`)).rows;
      expect(row).toHaveLength(1);
      expect(posthog.events).toHaveLength(1);
      expect(posthog.events[0]).toMatchObject({
        event: 'herald_report_delivered', distinct_id: 'herald:tenant:acme',
        properties: {
          tenant_id: 'acme', report: 'executive-summary', schedule_id: 'monthly-exec', period_label: '2026-11', channel: 'email',
          outbox_id: row[0].id, run_id: row[0].run_id, attempt: 1, fallback: false,
        },
      });
      expectIdsOnly(posthog.events, posthog.requests.map((q) => q.text));
      expect(posthog.requests[0].text).not.toContain('Ada');
    } finally {
      await b.drop();
    }
  }, 120_000);

  it('herald worker: an alert texted and emailed, acknowledged by SMS reply; SIGTERM drains and the events are sent before it exits 0', async () => {
    const w = startWorker(['--config', configFile], { ...env({ POSTHOG_API_KEY: KEY }), HERALD_LOG_LEVEL: 'info' });
    workers.push(w);
    const port = await w.port;
    await t.db.query(`INSERT INTO posthog_events (uuid, event, distinct_id, properties, "timestamp") VALUES ($1, 'email_deliverability_event', 'acme', $2, now())`,
      [randomUUID(), JSON.stringify({ tenant_id: 'acme', bounce_rate: 0.17, spam_rate: 0.001, email_count: 10_000 })]);
    for (const end = Date.now() + 30_000; !(twilio.messages.length >= 1 && smtp.messages.length >= 1);) {
      if (Date.now() > end) throw new Error(`no SMS and email from the worker:\n${w.log().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const code = /Reply ACK (\d{4})$/.exec(twilio.messages[0].body)![1];
    const params = inboundSmsParams({ from: NORA, to: '+12025550123', body: `ACK ${code}`, accountSid: twilio.accountSid });
    const reply = await fetch(`http://127.0.0.1:${port}/twilio/inbound`, {
      method: 'POST', body: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signTwilioRequest(twilio.authToken, `${PUBLIC}/twilio/inbound`, params) },
    });
    expect(await reply.text()).toContain(`Acknowledged ${code}`);
    w.term();
    expect(await w.exited).toBe(0);
    expect(posthog.events.map((e) => [e.event, e.properties.channel ?? e.properties.via]).sort()).toEqual([
      ['herald_alert_acknowledged', 'sms'],
      ['herald_alert_dispatched', 'email'],
      ['herald_alert_dispatched', 'sms'],
    ]);
    expectIdsOnly(posthog.events, posthog.requests.map((r) => r.text));
    expect(w.log()).not.toContain(KEY);
  }, 120_000);
});
