/**
 * Alerts in real `herald worker` processes: two workers on one database text once per step; a
 * reply signed as Twilio signs it reaches POST /twilio/inbound; /healthz shows the poller's
 * heartbeat; a worker SIGKILLed between Twilio's answer and the commit leaves no second SMS.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { inboundSmsParams, signTwilioRequest, startTwilioStandIn, type TwilioStandIn } from '../helpers/twilioStandIn.js';
import { startWorker, type WorkerProcess } from '../helpers/workerProcess.js';
import { herald } from '../helpers/cli.js';

let t: TestDatabase;
let twilio: TwilioStandIn;
let smtp: SmtpSink;
let dir: string;
let configFile: string;
const workers: WorkerProcess[] = [];
const PUBLIC = 'https://herald.example.com';
const NORA = '+12125550101';

beforeAll(async () => {
  t = await createTestDatabase();
  twilio = await startTwilioStandIn();
  smtp = await startSmtpSink();
  dir = await mkdtemp(path.join(tmpdir(), 'herald-alerts-worker-'));
  configFile = path.join(dir, 'herald.yaml');
  await writeFile(configFile, YAML.stringify({
    archiveDir: path.join(dir, 'archive'),
    delivery: { leaseSeconds: 3 },
    alerts: { pollEvery: '1s', publicUrl: PUBLIC, routes: { critical: ['sms', 'email'], high: ['email'], medium: [] } },
  }));
  await t.db.exec(`INSERT INTO tenants (id, name, timezone) VALUES ('acme', 'Acme Mail Co', 'America/New_York')`);
  for (const sql of [
    `INSERT INTO herald.recipients (tenant_id, name, email, phone) VALUES ('acme', 'Nora Chen', 'nora@acme.test', '${NORA}')`,
    `INSERT INTO herald.recipient_groups (name, tenant_id) VALUES ('oncall', 'acme')`,
    `INSERT INTO herald.group_members SELECT g.id, r.id FROM herald.recipient_groups g JOIN herald.recipients r USING (tenant_id)`,
  ]) await t.db.exec(sql);
}, 60_000);
afterEach(async () => {
  for (const w of workers.splice(0)) {
    w.kill();
    await w.exited;
  }
});
afterAll(async () => {
  await twilio?.close();
  await smtp?.close();
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await t.db.exec(`TRUNCATE herald.alerts, herald.alert_events, herald.alert_notifications, herald.sms_intents, herald.alert_poller, herald.alert_seen_events,
    herald.outbox, herald.messages, herald.operator_notices RESTART IDENTITY CASCADE; TRUNCATE posthog_events`);
  twilio.reset();
  smtp.messages.length = 0;
});

const env = () => ({
  DATABASE_URL: t.url, SMTP_URL: smtp.url, HERALD_LOG_LEVEL: 'info',
  TWILIO_ACCOUNT_SID: twilio.accountSid, TWILIO_AUTH_TOKEN: twilio.authToken, TWILIO_FROM: '+12025550123', TWILIO_API_URL: twilio.url,
});
async function until(what: () => boolean | Promise<boolean>, ms: number, why: string): Promise<void> {
  for (const end = Date.now() + ms; !(await what());) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${why}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const crisis = () => t.db.query(`INSERT INTO posthog_events (uuid, event, distinct_id, properties, "timestamp") VALUES ($1, 'email_deliverability_event', 'acme', $2, now())`,
  [randomUUID(), JSON.stringify({ tenant_id: 'acme', bounce_rate: 0.17, spam_rate: 0.001, email_count: 10_000 })]);
const start = (): WorkerProcess => {
  const w = startWorker(['--config', configFile], env());
  workers.push(w);
  return w;
};

describe('herald alerts test and ack', () => {
  it('a test alert goes through the real route, marked as such; a second one while it is open is refused; ack from the command line', async () => {
    const cli = { ...env(), HERALD_LOG_LEVEL: '' };
    const r = await herald(['--config', configFile, 'alerts', 'test', 'deliverability', '--tenant', 'acme'], cli);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const code = /code (\d{4})/.exec(r.stdout)?.[1];
    expect(r.stdout).toMatch(/^test alert 1 \(code \d{4}\) for Acme Mail Co: 2 notification\(s\) queued through the critical route$/m);
    expect(r.stdout).toMatch(/^ {2}sms +Nora Chen: sent \(SM[0-9a-f]{32}\)$/m);
    expect(twilio.messages.map((m) => m.body)).toEqual([`TEST CRITICAL Acme Mail Co: test of the deliverability alert route, nothing is wrong. Reply ACK ${code}`]);
    expect(smtp.messages.map((m) => m.subject)).toEqual([`TEST · CRITICAL · Deliverability · Acme Mail Co · alert ${code}`]);
    const again = await herald(['--config', configFile, 'alerts', 'test', 'deliverability', '--tenant', 'acme'], cli);
    expect([again.code, again.stderr]).toEqual([2, 'herald: rule: a test of deliverability for acme is already open (herald alerts list --state open)\n']);
    const bad = await herald(['--config', configFile, 'alerts', 'test', 'nope', '--tenant', 'acme'], cli);
    expect([bad.code, bad.stderr]).toEqual([2, 'herald: rule: "nope" (expected deliverability, revenue-impact, cost-overrun, efficiency, optimization)\n']);
    const ack = await herald(['--config', configFile, 'alerts', 'ack', '1', '--by', 'Dana Ops'], cli);
    expect([ack.code, ack.stdout]).toEqual([0, `alert 1 (code ${code}) acknowledged by Dana Ops; repeats and escalation stop\n`]);
    const twice = await herald(['--config', configFile, 'alerts', 'ack', '1'], cli);
    expect([twice.code, twice.stdout]).toEqual([1, 'alert 1: already acknowledged\n']);
    const none = await herald(['--config', configFile, 'alerts', 'ack', '999'], cli);
    expect([none.code, none.stderr]).toEqual([2, 'herald: alert-id: no alert 999\n']);
    const notId = await herald(['--config', configFile, 'alerts', 'show', '12abc'], cli);
    expect([notId.code, notId.stderr]).toEqual([2, 'herald: alert-id: "12abc" is not an alert id (a number, see herald alerts list)\n']);
  }, 120_000);
});

describe('alerts in herald worker processes', () => {
  it('two workers: one SMS and one email per step; /healthz shows the poller; a signed reply acknowledges; config check --live checks Twilio', async () => {
    const [a, b] = [start(), start()];
    const [portA] = await Promise.all([a.port, b.port]);
    await crisis();
    await until(() => twilio.messages.length >= 1 && smtp.messages.length >= 1, 30_000, 'the first SMS and email');
    const code = /Reply ACK (\d{4})$/.exec(twilio.messages[0].body)?.[1];
    expect(twilio.messages[0].body).toBe(`CRITICAL Acme Mail Co: bounce 17.0% > 15%, $88 at risk. Reply ACK ${code}`);
    // Both pollers keep ticking on the same data for a few seconds more: nothing new is sent.
    const ticks = async () => Number((await t.db.query<{ ticks: string }>(`SELECT ticks FROM herald.alert_poller`)).rows[0]?.ticks ?? 0);
    const seen = await ticks();
    await until(async () => (await ticks()) >= seen + 4, 30_000, 'four more ticks');
    expect(twilio.messages).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    const health = await (await fetch(`http://127.0.0.1:${portA}/healthz`)).json() as { checks: Record<string, { ok: boolean; detail: string }> };
    expect(health.checks.alerts).toMatchObject({ ok: true, detail: expect.stringMatching(/^last tick \d+ s ago \(limit 5 s\)$/) });

    const params = inboundSmsParams({ from: NORA, to: '+12025550123', body: `ACK ${code}`, accountSid: twilio.accountSid });
    const post = (signature: string) => fetch(`http://127.0.0.1:${portA}/twilio/inbound`, {
      method: 'POST', body: new URLSearchParams(params).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    });
    expect((await post(signTwilioRequest('wrong', `${PUBLIC}/twilio/inbound`, params))).status).toBe(403);
    const ok = await post(signTwilioRequest(twilio.authToken, `${PUBLIC}/twilio/inbound`, params));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(await ok.text()).toContain(`Acknowledged ${code}`);
    const { rows } = await t.db.query<{ state: string; acknowledged_by: string }>(`SELECT state, acknowledged_by FROM herald.alerts`);
    expect(rows).toEqual([{ state: 'acknowledged', acknowledged_by: 'Nora Chen (SMS)' }]);

    const show = await herald(['--config', configFile, 'alerts', 'show', '1'], { DATABASE_URL: t.url });
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`^fire +sms +Nora Chen +\\${NORA} +sent .* ${twilio.messages[0].sid}`, 'm'));
    expect(show.stdout).toMatch(/acknowledged .*"by":"Nora Chen \(SMS\)"/);
    const list = await herald(['--config', configFile, 'alerts', 'list', '--state', 'acknowledged'], { DATABASE_URL: t.url });
    expect(list.stdout).toMatch(new RegExp(`^1 +${code} +deliverability +acme +critical +acknowledged `, 'm'));

    const live = await herald(['config', 'check', configFile, '--live'], env());
    expect(live.stdout).toMatch(/^sms: ok$/m);
    expect(live.stdout + live.stderr).not.toContain(twilio.authToken);
  }, 120_000);

  it('a worker killed between Twilio\'s answer and its commit: the next one finds the SMS by listing and does not send it again', async () => {
    twilio.failNext(1, { afterHandling: true, hang: true }); // Twilio takes the message; its answer never comes
    const a = start();
    await a.port;
    await crisis();
    await until(() => twilio.messages.length === 1, 30_000, 'the SMS to reach Twilio');
    a.kill();
    await a.exited;
    const b = start();
    await b.port;
    await until(async () => (await t.db.query(`SELECT 1 FROM herald.outbox WHERE channel = 'sms' AND status = 'sent'`)).rows.length === 1, 60_000, 'the SMS row to be sent');
    expect(twilio.messages).toHaveLength(1);
    const row = (await t.db.query<{ provider_id: string; attempts: number }>(`SELECT provider_id, attempts FROM herald.outbox WHERE channel = 'sms'`)).rows[0];
    expect(row).toEqual({ provider_id: twilio.messages[0].sid, attempts: 2 });
    expect(twilio.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/Messages.json'))).toHaveLength(1); // the look before resending
  }, 120_000);
});
