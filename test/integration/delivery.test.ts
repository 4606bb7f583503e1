import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { insertAcmeFixture } from '../helpers/fixture.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { startSlackStandIn, type SlackStandIn } from '../helpers/slackStandIn.js';
import { herald } from '../helpers/cli.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import type { HeraldConfig, ScheduleConfig } from '../../src/config/schema.js';
import { reportContext } from '../../src/cli/context.js';
import { addRecipient } from '../../src/recipients/recipientsRepo.js';
import { produceBrief, type BriefDeps } from '../../src/delivery/produceBrief.js';
import monthlyJob from '../../jobs/executive-summary-monthly.js';
import { CREDENTIALS_PAUSE_MS, OutboxDispatcher } from '../../src/delivery/OutboxDispatcher.js';
import { createEmailChannel, messageIdFor } from '../../src/delivery/email/emailChannel.js';
import { createSlackChannel } from '../../src/delivery/slack/slackChannel.js';
import { HeraldMetrics } from '../../src/ops/metrics.js';
import { OperatorNotices } from '../../src/ops/operatorNotices.js';
import { silentLogger } from '../../src/ops/logger.js';
import { BrowserPool } from '../../src/render/BrowserPool.js';
import type { Clock } from '../../src/time/clock.js';
import type { Db } from '../../src/db/Db.js';

let t: TestDatabase;
let smtp: SmtpSink;
let slack: SlackStandIn;
let archiveDir: string;
let pool: BrowserPool;
const SLACK_CHANNEL = 'C0123ABCD';

function movableClock(iso: string): Clock & { set(iso: string): void; advance(ms: number): void } {
  let now = new Date(iso);
  return { now: () => now, set: (x) => { now = new Date(x); }, advance: (ms) => { now = new Date(now.getTime() + ms); } };
}

beforeAll(async () => {
  t = await createTestDatabase();
  await insertAcmeFixture(t.db);
  await t.db.exec(`INSERT INTO tenants (id, name, timezone) VALUES ('bluepeak', 'Bluepeak', 'Europe/Berlin')`);
  smtp = await startSmtpSink({ rcptError: (a) => (a.startsWith('gone@') ? { code: 550, message: '5.1.1 No such user' } : a.startsWith('busy@') ? { code: 451, message: '4.3.0 Try later' } : undefined) });
  slack = await startSlackStandIn();
  archiveDir = await mkdtemp(path.join(tmpdir(), 'herald-archive-'));
  pool = new BrowserPool({ size: 1 });
  await addRecipient(t.db, { tenantId: 'acme', name: 'Ada CEO', role: 'CEO', email: 'ada@acme.test', slackChannel: SLACK_CHANNEL, groups: ['c-suite'] });
  await addRecipient(t.db, { tenantId: 'acme', name: 'Fin CFO', role: 'CFO', email: 'fin@acme.test', groups: ['c-suite', 'finance'] });
  await addRecipient(t.db, { tenantId: 'bluepeak', name: 'Other Tenant CEO', email: 'ceo@bluepeak.test', groups: ['c-suite'] });
});
afterAll(async () => {
  await pool?.close();
  await smtp?.close();
  await slack?.close();
  await t?.drop();
  if (archiveDir) await rm(archiveDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await t.db.exec(`TRUNCATE herald.outbox, herald.messages, herald.operator_notices RESTART IDENTITY CASCADE; DELETE FROM herald.runs;`);
  smtp.messages.length = 0;
  slack.reset();
});

const schedule = (over: Partial<ScheduleConfig> = {}): ScheduleConfig => ({
  id: 'monthly-exec', report: 'executive-summary', every: 'monthly', at: '08:00', scope: 'all', catchUp: 'latest', onStale: 'hold',
  deliver: [{ channel: 'email', to: ['c-suite'] }, { channel: 'slack', to: ['c-suite'] }], ...over,
} as ScheduleConfig);

function setup(clock: Clock, config: HeraldConfig = parseConfig({ archiveDir }), o: { smtpUrl?: string; concurrency?: number; dispatcherDb?: Db } = {}) {
  const metrics = new HeraldMetrics();
  const notices = new OperatorNotices({ db: t.db, logger: silentLogger, metrics });
  const deps: BriefDeps = { db: t.db, ctx: reportContext(config, { herald: t.db, source: t.db }, clock), config, pool, logger: silentLogger, metrics, notices };
  const channels = {
    email: createEmailChannel({ smtpUrl: o.smtpUrl ?? smtp.url, from: 'Herald <herald@test>' }),
    slack: createSlackChannel({ token: 'xoxb-test-token', apiUrl: slack.url, retries: 0 }),
  };
  const dispatcher = new OutboxDispatcher({ db: o.dispatcherDb ?? t.db, channels, clock, logger: silentLogger, metrics, notices, random: () => 0.5, concurrency: o.concurrency });
  return { deps, metrics, dispatcher };
}

/** t.db, counting the statements that contain `marker` (default: the dispatcher's claims, its looks at the outbox). */
function countingStatements(marker = 'UPDATE herald.outbox o SET status'): Db & { count: number } {
  const db = {
    count: 0,
    query: ((text: string, values?: readonly unknown[]) => {
      if (text.includes(marker)) db.count++;
      return t.db.query(text, values);
    }) as Db['query'],
    exec: (sql: string) => t.db.exec(sql),
    transaction: <T>(fn: (tx: Db) => Promise<T>) => t.db.transaction(fn),
    close: async () => undefined,
  };
  return db;
}

const until = async (what: () => Promise<boolean>, ms = 10_000) => {
  for (const end = Date.now() + ms; !(await what());) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

const job = { scheduleId: 'monthly-exec', scope: 'acme', periodLabel: '2026-11', timezone: 'America/New_York', slotAt: '2026-12-01T13:00:00Z' };
const outbox = async () => (await t.db.query<{ delivery_key: string; channel: string; status: string; attempts: number; provider_id: string | null; error_reason: string | null }>(
  `SELECT delivery_key, channel, status, attempts, provider_id, error_reason FROM herald.outbox ORDER BY id`)).rows;

describe('a scheduled brief, end to end', () => {
  it('a dispatcher that polls every minute sends at once when woken by the brief it just queued', async () => {
    const clock = movableClock('2026-12-01T13:00:00Z');
    const { deps, dispatcher } = setup(clock);
    dispatcher.start(60_000);
    try {
      await new Promise((r) => setTimeout(r, 200)); // its first look found nothing: asleep for a minute
      expect((await produceBrief(deps, monthlyJob, schedule({ deliver: [{ channel: 'email', to: ['c-suite'] }] }), job)).status).toBe('queued');
      dispatcher.wake();
      await smtp.waitFor(2, 10_000);
    } finally {
      await dispatcher.stop(); // waits for the sends in flight to be recorded
    }
    expect((await outbox()).map((o) => o.status)).toEqual(['sent', 'sent']);
  });

  it('a full claim looks again as sends finish; a partial one sleeps until the next poll; a brief queued mid-batch is not left for the next poll', async () => {
    const clock = movableClock('2026-12-01T13:00:00Z');
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const held = await startSmtpSink({ beforeAccept: () => gate });
    const db = countingStatements();
    const { deps, dispatcher } = setup(clock, undefined, { smtpUrl: held.url, concurrency: 3, dispatcherDb: db });
    dispatcher.start(60_000);
    try {
      await until(async () => db.count === 1); // its first look found nothing: asleep for a minute
      await produceBrief(deps, monthlyJob, schedule({ deliver: [{ channel: 'email', to: ['c-suite'] }] }), job);
      dispatcher.wake();
      await until(async () => (await outbox()).filter((o) => o.status === 'sending').length === 2); // 2 of 3: a partial batch, held at the server
      const october = { ...job, periodLabel: '2026-10', slotAt: '2026-11-01T12:00:00Z' };
      expect((await produceBrief(deps, monthlyJob, schedule({ deliver: [{ channel: 'email', to: ['finance'] }] }), october)).status).toBe('queued');
      dispatcher.wake(); // mid-batch
      release();
      await held.waitFor(3, 10_000);
      await until(async () => (await outbox()).every((o) => o.status === 'sent'));
      await new Promise((r) => setTimeout(r, 300));
      // Start, the c-suite claim (2 of 3 slots: partial, so it sleeps), the October one when woken
      // mid-batch (it took the last free slot: full, so it looks once more when a send finishes,
      // finds nothing and sleeps). No look after the partial claim.
      expect(db.count).toBe(4);
    } finally {
      await dispatcher.stop();
      await held.close();
    }

    const one = setup(clock, undefined, { concurrency: 1, dispatcherDb: countingStatements() });
    await t.db.exec(`TRUNCATE herald.outbox, herald.messages RESTART IDENTITY CASCADE`);
    one.dispatcher.start(60_000);
    try {
      await produceBrief(one.deps, monthlyJob, schedule({ deliver: [{ channel: 'email', to: ['c-suite'] }] }), { ...job, periodLabel: '2026-09', slotAt: '2026-10-01T12:00:00Z' });
      one.dispatcher.wake();
      await smtp.waitFor(2, 10_000); // the second only because a full batch (1 of 1) looks again at once
    } finally {
      await one.dispatcher.stop();
    }
  });

  it('renders, archives, and delivers once by email (PDF attached) and Slack (digest + PDF in thread) to the tenant’s people only', async () => {
    const clock = movableClock('2026-12-01T13:00:00Z');
    const runReads = countingStatements('FROM herald.runs WHERE id');
    const { deps, dispatcher } = setup(clock, undefined, { dispatcherDb: runReads });
    const outcome = await produceBrief(deps, monthlyJob, schedule(), job);
    expect(outcome.status).toBe('queued');
    expect((await outbox()).map((o) => o.delivery_key)).toEqual([
      'monthly-exec:executive-summary:acme:2026-11:email:1',
      'monthly-exec:executive-summary:acme:2026-11:email:2',
      'monthly-exec:executive-summary:acme:2026-11:slack:1',
    ]);
    await dispatcher.runOnce();
    expect((await outbox()).map((o) => o.status)).toEqual(['sent', 'sent', 'sent']);
    expect(runReads.count).toBe(1); // the run's data and PDF were read once for its three deliveries

    await smtp.waitFor(2);
    expect(smtp.messages.map((m) => m.envelope.rcptTo[0]).sort()).toEqual(['ada@acme.test', 'fin@acme.test']);
    const mail = smtp.messages.find((m) => m.envelope.rcptTo[0] === 'ada@acme.test')!;
    expect(mail.subject).toContain('November 2026');
    expect(mail.messageId).toBe(messageIdFor('monthly-exec:executive-summary:acme:2026-11:email:1').replace(/^<?/, '<').replace(/>?$/, '>'));
    const run = (await t.db.query<{ artifact_sha256: string; artifact_path: string }>(`SELECT artifact_sha256, artifact_path FROM herald.runs`)).rows[0];
    expect(run.artifact_path.startsWith(archiveDir)).toBe(true);
    const pdf = mail.attachments.find((a) => a.contentType === 'application/pdf')!;
    expect(createHash('sha256').update(pdf.content).digest('hex')).toBe(run.artifact_sha256);

    expect(slack.messages).toHaveLength(1);
    expect(slack.uploads).toHaveLength(1);
    expect(slack.uploads[0].threadTs).toBe(slack.messages[0].ts);
    expect(createHash('sha256').update(slack.uploads[0].bytes!).digest('hex')).toBe(run.artifact_sha256);

    // Rerun the job and the dispatcher: nothing new is enqueued or sent.
    await produceBrief(deps, monthlyJob, schedule(), job);
    await dispatcher.runOnce();
    expect(await outbox()).toHaveLength(3);
    expect(smtp.messages).toHaveLength(2);
    expect(slack.messages).toHaveLength(1);

    // --force resends on purpose, with the same delivery keys (the same Message-ID).
    await produceBrief(deps, monthlyJob, schedule(), { ...job, force: true });
    await dispatcher.runOnce();
    await smtp.waitFor(4);
    expect(new Set(smtp.messages.map((m) => m.messageId)).size).toBe(2);
  });

  it('SMTP down, then up: the delivery retries after about a minute and arrives once', async () => {
    const clock = movableClock('2026-12-01T13:00:00Z');
    const { deps, dispatcher } = setup(clock);
    await produceBrief(deps, monthlyJob, schedule({ deliver: [{ channel: 'email', to: ['finance'] }] }), job);
    await smtp.stop();
    try {
      await dispatcher.runOnce();
      const [row] = await outbox();
      expect(row).toMatchObject({ status: 'pending', attempts: 1, error_reason: 'network' });
      clock.advance(30_000);
      expect(await dispatcher.runOnce()).toBe(0);            // not yet due
    } finally {
      await smtp.restart();
    }
    clock.advance(60_000);
    expect(await dispatcher.runOnce()).toBe(1);
    await smtp.waitFor(1);
    expect((await outbox())[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('a permanent 5xx is dead at once; a 4xx that never clears is dead after the last attempt; both show in runs and /metrics', async () => {
    const clock = movableClock('2026-12-01T13:00:00Z');
    const { deps, dispatcher, metrics } = setup(clock);
    await addRecipient(t.db, { tenantId: 'acme', name: 'Gone', email: 'gone@acme.test', groups: ['leavers'] });
    await addRecipient(t.db, { tenantId: 'acme', name: 'Busy', email: 'busy@acme.test', groups: ['leavers'] });
    await produceBrief(deps, monthlyJob, schedule({ deliver: [{ channel: 'email', to: ['leavers'] }] }), job);
    await dispatcher.runOnce();
    let rows = await outbox();
    expect(rows.find((r) => r.delivery_key.endsWith(':email:4'))).toMatchObject({ status: 'dead', attempts: 1, error_reason: 'invalid_recipient' });
    for (let i = 0; i < 6; i++) {
      clock.advance(3 * 3600_000);
      await dispatcher.runOnce();
    }
    rows = await outbox();
    expect(rows.find((r) => r.delivery_key.endsWith(':email:5'))).toMatchObject({ status: 'dead', attempts: 5 });
    expect(await metrics.registry.getSingleMetricAsString('herald_dead_deliveries_total')).toMatch(/channel="email"} 2/);
    const notices = await t.db.query(`SELECT * FROM herald.operator_notices WHERE kind = 'delivery-dead'`);
    expect(notices.rows).toHaveLength(2);

    const runId = (await t.db.query<{ id: string }>(`SELECT id FROM herald.runs`)).rows[0].id;
    const shown = await herald(['runs', 'show', runId], { DATABASE_URL: t.url });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/Gone\s+email\s+gone@acme\.test\s+brief\s+dead\s+1/);
    expect(shown.stdout).toMatch(/Busy\s+email\s+busy@acme\.test\s+brief\s+dead\s+5/);
    const listed = await herald(['runs', 'list'], { DATABASE_URL: t.url });
    expect(listed.stdout).toMatch(new RegExp(`^${runId}\\s+executive-summary\\s+acme\\s+2026-11\\s+schedule\\s+monthly-exec\\s+rendered.*\\s0\\s+0\\s+2\\s`, 'm'));
  });

  it('a Slack post whose answer was lost: the retry finds it and uploads into its thread; one message', async () => {
    const clock = movableClock('2026-12-01T13:00:00Z');
    const { deps, dispatcher } = setup(clock);
    slack.failNext('chat.postMessage', { status: 500, afterHandling: true });
    await produceBrief(deps, monthlyJob, schedule({ deliver: [{ channel: 'slack', to: ['c-suite'] }] }), job);
    await dispatcher.runOnce();
    expect((await outbox())[0]).toMatchObject({ status: 'pending', attempts: 1, error_reason: 'unavailable' });
    expect(slack.messages).toHaveLength(1);
    clock.advance(2 * 60_000);
    expect(await dispatcher.runOnce()).toBe(1);
    const [row] = await outbox();
    expect(row).toMatchObject({ status: 'sent', attempts: 2, provider_id: `${SLACK_CHANNEL}/${slack.messages[0].ts}` });
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
    expect(slack.uploads.filter((u) => u.completed).map((u) => u.threadTs)).toEqual([slack.messages[0].ts]);
  });

  it('refused SMTP credentials pause the channel: its deliveries wait, uncounted, and go out once a worker has the right ones', async () => {
    const clock = movableClock('2026-12-01T13:00:00Z');
    const locked = await startSmtpSink({ credentials: { user: 'herald', pass: 'right' } });
    const wrong = setup(clock, undefined, { smtpUrl: locked.url.replace('smtp://', 'smtp://herald:wrong@') });
    try {
      await produceBrief(wrong.deps, monthlyJob, schedule({ deliver: [{ channel: 'email', to: ['c-suite'] }] }), job);
      expect(await wrong.dispatcher.runOnce()).toBe(2);
      const rows = () => t.db.query<{ status: string; attempts: number; error_reason: string; next_attempt_at: Date }>(
        `SELECT status, attempts, error_reason, next_attempt_at FROM herald.outbox ORDER BY id`).then((r) => r.rows);
      for (const r of await rows()) {
        expect(r).toMatchObject({ status: 'pending', attempts: 0, error_reason: 'auth' });
        expect(new Date(r.next_attempt_at).getTime()).toBe(clock.now().getTime() + CREDENTIALS_PAUSE_MS);
      }
      // The worker says so on /healthz (Worker.health reads this): paused, until when, and why.
      expect(wrong.dispatcher.pausedChannels()).toEqual([{ channel: 'email', until: new Date(clock.now().getTime() + CREDENTIALS_PAUSE_MS), reason: expect.stringMatching(/credentials|authentication/i) }]);
      clock.advance(60_000);
      expect(await wrong.dispatcher.runOnce()).toBe(0);               // paused: no more failed logins
      clock.advance(CREDENTIALS_PAUSE_MS);
      expect(await wrong.dispatcher.runOnce()).toBe(2);               // tried again after the pause, still refused
      expect((await rows()).map((r) => [r.status, r.attempts])).toEqual([['pending', 0], ['pending', 0]]);
      const notices = await t.db.query<{ message: string }>(`SELECT message FROM herald.operator_notices WHERE kind = 'channel-unhealthy'`);
      expect(notices.rows.map((n) => n.message)).toEqual([expect.stringMatching(/^email: credentials refused .*fix them and restart the workers$/)]);
      expect(notices.rows[0].message).not.toContain('wrong');

      const right = setup(clock, undefined, { smtpUrl: locked.url.replace('smtp://', 'smtp://herald:right@') }); // the restart
      clock.advance(CREDENTIALS_PAUSE_MS);
      expect(await right.dispatcher.runOnce()).toBe(2);
      expect((await rows()).map((r) => [r.status, r.attempts])).toEqual([['sent', 1], ['sent', 1]]);
      expect(locked.messages).toHaveLength(2);
    } finally {
      await locked.close();
    }
  });

  it('a worker without Slack credentials sends the email and leaves the Slack delivery to a worker that has them', async () => {
    const clock = movableClock('2026-12-01T13:00:00Z');
    const { deps, dispatcher, metrics } = setup(clock);
    await produceBrief(deps, monthlyJob, schedule({ deliver: [{ channel: 'email', to: ['finance'] }, { channel: 'slack', to: ['c-suite'] }] }), job);
    const email = createEmailChannel({ smtpUrl: smtp.url, from: 'Herald <herald@test>' });
    const emailOnly = new OutboxDispatcher({
      db: t.db, clock, logger: silentLogger, metrics, notices: new OperatorNotices({ db: t.db, logger: silentLogger, metrics }), channels: { email },
    });
    try {
      expect(await emailOnly.runOnce()).toBe(1);
      expect(await emailOnly.runOnce()).toBe(0);
    } finally {
      email.close();
    }
    expect((await outbox()).map((o) => [o.channel, o.status, o.attempts])).toEqual([['email', 'sent', 1], ['slack', 'pending', 0]]);
    expect(await dispatcher.runOnce()).toBe(1);
    expect((await outbox()).map((o) => [o.channel, o.status])).toEqual([['email', 'sent'], ['slack', 'sent']]);
  });

  it('an archived PDF this worker cannot see (archiveDir not shared) is left to a retry, which sends it once it is there', async () => {
    const clock = movableClock('2026-12-01T13:00:00Z');
    const { deps, dispatcher } = setup(clock);
    await produceBrief(deps, monthlyJob, schedule({ deliver: [{ channel: 'email', to: ['finance'] }] }), job);
    const file = (await t.db.query<{ artifact_path: string }>(`SELECT artifact_path FROM herald.runs`)).rows[0].artifact_path;
    await rename(file, `${file}.elsewhere`);
    try {
      await dispatcher.runOnce();
      const row = (await t.db.query<{ status: string; attempts: number; last_error: string }>(`SELECT status, attempts, last_error FROM herald.outbox`)).rows[0];
      expect(row).toMatchObject({ status: 'pending', attempts: 1 });
      expect(row.last_error).toMatch(/is not on this worker \(archiveDir must be shared by all workers\)$/);
    } finally {
      await rename(`${file}.elsewhere`, file);
    }
    clock.advance(2 * 60_000);
    expect(await dispatcher.runOnce()).toBe(1);
    await smtp.waitFor(1);
    expect((await outbox())[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('Slack answering channel_not_found falls back to email and tells the operator', async () => {
    const clock = movableClock('2026-12-01T13:00:00Z');
    const { deps, dispatcher } = setup(clock);
    slack.failNext('chat.postMessage', { error: 'channel_not_found' });
    await produceBrief(deps, monthlyJob, schedule({ deliver: [{ channel: 'slack', to: ['c-suite'] }] }), job);
    await dispatcher.runOnce();
    await dispatcher.runOnce();
    const rows = await outbox();
    expect(rows.map((r) => [r.channel, r.status])).toEqual([['slack', 'dead'], ['email', 'sent']]);
    expect(rows[1].delivery_key).toBe('monthly-exec:executive-summary:acme:2026-11:slack:1:fallback-email');
    await smtp.waitFor(1);
    expect(smtp.messages[0].envelope.rcptTo).toEqual(['ada@acme.test']);
    expect((await t.db.query(`SELECT * FROM herald.operator_notices WHERE kind = 'channel-fallback'`)).rows).toHaveLength(1);
  });

  it('a brief that fails its pre-send check is held and not sent', async () => {
    const clock = movableClock('2026-12-01T13:00:00Z');
    const config = parseConfig({ archiveDir, delivery: { pages: { min: 7, max: 9 } } });
    const { deps, dispatcher } = setup(clock, config);
    const outcome = await produceBrief(deps, monthlyJob, schedule(), job);
    expect(outcome.status).toBe('held');
    await dispatcher.runOnce();
    expect(await outbox()).toEqual([]);
    expect(smtp.messages).toHaveLength(0);
    const run = (await t.db.query<{ status: string; checks: { problems: { check: string }[] } }>(`SELECT status, checks FROM herald.runs`)).rows[0];
    expect(run.status).toBe('held');
    expect(run.checks.problems.map((p) => p.check)).toEqual(['pages']);
    expect((await t.db.query(`SELECT * FROM herald.operator_notices WHERE kind = 'brief-held'`)).rows).toHaveLength(1);
  });

  it('stale data: held and retried later; with onStale send-delayed-notice the recipients get a short notice, no PDF', async () => {
    const clock = movableClock('2027-01-01T13:00:00Z');
    const { deps, dispatcher } = setup(clock);
    // The fixture's daily summaries stop on 30 November and its events on 1 December: December is stale.
    const december = { ...job, periodLabel: '2026-12', slotAt: '2027-01-01T13:00:00Z' };
    const held = await produceBrief(deps, monthlyJob, schedule({ onStale: 'send-delayed-notice', deliver: [{ channel: 'email', to: ['finance'] }] }), december);
    expect(held.status).toBe('held');
    if (held.status !== 'held') return;
    expect(held.check.stale).toBe(true);
    expect(held.retryAt?.toISOString()).toBe('2027-01-01T13:30:00.000Z');
    await dispatcher.runOnce();
    await smtp.waitFor(1);
    expect(smtp.messages[0].subject).toMatch(/^Delayed/);
    expect(smtp.messages[0].attachments).toHaveLength(0);
    expect((await outbox()).map((o) => o.delivery_key)).toEqual(['monthly-exec:executive-summary:acme:2026-12:email:2:delayed']);
    // Past the give-up time the brief is no longer retried, and the operator is told it is final.
    clock.advance(25 * 3600_000);
    const final = await produceBrief(deps, monthlyJob, schedule({ onStale: 'send-delayed-notice', deliver: [{ channel: 'email', to: ['finance'] }] }), december);
    expect(final.status === 'held' && final.retryAt).toBe(null);
    expect(smtp.messages).toHaveLength(1);   // the notice is not sent twice
  });
});
