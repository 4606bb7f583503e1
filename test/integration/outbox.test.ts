/**
 * The outbox as a carrier of rendered messages, whoever produced them: claim order by priority,
 * retry schedules by kind, a Slack reply that waits for the message it threads under, and a
 * producer-named fallback. Real PostgreSQL, a real SMTP server, the Slack stand-in.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { startSlackStandIn, type SlackStandIn } from '../helpers/slackStandIn.js';
import { addRecipient } from '../../src/recipients/recipientsRepo.js';
import { OutboxDispatcher } from '../../src/delivery/OutboxDispatcher.js';
import { createEmailChannel } from '../../src/delivery/email/emailChannel.js';
import { createSlackChannel } from '../../src/delivery/slack/slackChannel.js';
import { claimDue, enqueueMessages, PRIORITY, type BatchDelivery } from '../../src/delivery/outboxRepo.js';
import type { EmailMessage, SlackMessage } from '../../src/delivery/Channel.js';
import { HeraldMetrics } from '../../src/ops/metrics.js';
import { OperatorNotices } from '../../src/ops/operatorNotices.js';
import { silentLogger } from '../../src/ops/logger.js';
import type { Clock } from '../../src/time/clock.js';

let t: TestDatabase;
let smtp: SmtpSink;
let slack: SlackStandIn;
let ada: number;
let busy: number;
const CHANNEL = 'C0123ABCD';

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.exec(`INSERT INTO tenants (id, name) VALUES ('acme', 'Acme')`);
  smtp = await startSmtpSink({ rcptError: (a) => (a.startsWith('busy@') ? { code: 451, message: '4.3.0 Try later' } : undefined) });
  slack = await startSlackStandIn();
  ada = (await addRecipient(t.db, { tenantId: 'acme', name: 'Ada', email: 'ada@acme.test', slackChannel: CHANNEL, groups: ['oncall'] })).id;
  busy = (await addRecipient(t.db, { tenantId: 'acme', name: 'Busy', email: 'busy@acme.test', groups: ['oncall'] })).id;
});
afterAll(async () => {
  await smtp?.close();
  await slack?.close();
  await t?.drop();
});
beforeEach(async () => {
  await t.db.exec(`TRUNCATE herald.outbox, herald.messages, herald.operator_notices RESTART IDENTITY CASCADE`);
  smtp.messages.length = 0;
  slack.reset();
});

const email = (subject: string): EmailMessage => ({ channel: 'email', subject, html: `<p>${subject}</p>`, text: subject });
const row = (key: string, o: Partial<BatchDelivery> = {}): BatchDelivery => ({
  deliveryKey: key, message: 'email', channel: 'email', recipientId: ada, tenantId: 'acme', kind: 'brief', ...o,
});
function setup(clock: Clock, concurrency = 1) {
  const metrics = new HeraldMetrics();
  const notices = new OperatorNotices({ db: t.db, logger: silentLogger, metrics });
  const channels = {
    email: createEmailChannel({ smtpUrl: smtp.url, from: 'Herald <herald@test>' }),
    slack: createSlackChannel({ token: 'xoxb-test-token', apiUrl: slack.url, retries: 0 }),
  };
  return new OutboxDispatcher({ db: t.db, channels, clock, logger: silentLogger, metrics, notices, random: () => 0.5, concurrency });
}
const at = (iso: string): Clock => ({ now: () => new Date(iso) });
const rows = async () => (await t.db.query<{ delivery_key: string; status: string; attempts: number; next_attempt_at: Date; provider_id: string | null }>(
  `SELECT delivery_key, status, attempts, next_attempt_at, provider_id FROM herald.outbox ORDER BY id`)).rows;

describe('the outbox carries rendered messages', () => {
  it('claims the most urgent first: a critical alert queued after a fan-out goes out before any of its briefs', async () => {
    const now = new Date('2026-12-01T13:00:00Z');
    const briefs = Array.from({ length: 20 }, (_, i) => row(`brief:${i}`, { dueAt: new Date(now.getTime() - 60_000) }));
    await enqueueMessages(t.db, { messages: { email: { message: email('brief') } }, deliveries: briefs }, { dueAt: now });
    await enqueueMessages(t.db, {
      messages: { email: { message: email('CRITICAL') } },
      deliveries: [row('alert:1:fire:email', { kind: 'alert', priority: PRIORITY.critical, retryPolicy: 'alert' })],
    }, { dueAt: now });
    const claimed = await claimDue(t.db, now, 3, 60_000, ['email']);
    expect(claimed.map((r) => r.delivery_key)).toEqual(['alert:1:fire:email', 'brief:0', 'brief:1']);
    expect(claimed[0]).toMatchObject({ priority: 0, retry_policy: 'alert', kind: 'alert' });
  });

  it('sends one stored message to many recipients; a rerun with the same keys stores nothing new', async () => {
    const clock = at('2026-12-01T13:00:00Z');
    const batch = { messages: { email: { message: email('Weekly brief') } }, deliveries: [row('k:ada'), row('k:busy2', { recipientId: ada, deliveryKey: 'k:ada2' })] };
    expect(await enqueueMessages(t.db, batch, { dueAt: clock.now() })).toHaveLength(2);
    expect(await enqueueMessages(t.db, batch, { dueAt: clock.now() })).toHaveLength(0);
    const { rows: messages } = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM herald.messages`);
    expect(messages[0].n).toBe(1); // the rerun's copy was not kept
    await setup(clock, 4).runOnce();
    expect(smtp.messages.map((m) => m.subject)).toEqual(['Weekly brief', 'Weekly brief']);
  });

  it('retries by the row\'s policy: an alert within seconds, a brief after about a minute', async () => {
    const clock = at('2026-12-01T13:00:00Z');
    await enqueueMessages(t.db, {
      messages: { email: { message: email('x') } },
      deliveries: [
        row('brief:busy', { recipientId: busy }),
        row('alert:busy', { recipientId: busy, kind: 'alert', priority: PRIORITY.high, retryPolicy: 'alert' }),
      ],
    }, { dueAt: clock.now() });
    await setup(clock, 4).runOnce();
    const after = Object.fromEntries((await rows()).map((r) => [r.delivery_key, (r.next_attempt_at.getTime() - clock.now().getTime()) / 1000]));
    // random() = 0.5 → jitter 0: exactly the schedule's first step.
    expect(after).toEqual({ 'brief:busy': 60, 'alert:busy': 5 });
  });

  it('a Slack reply waits, without spending attempts, until the message it threads under is posted; then it posts in that thread', async () => {
    const clock = at('2026-12-01T13:00:00Z');
    const parent: SlackMessage = { channel: 'slack', text: 'CRITICAL: bounce 17%', blocks: [] };
    const reply: SlackMessage = { channel: 'slack', text: 'Acknowledged by Ada', blocks: [], threadOf: 'alert:1:fire:slack:1' };
    // The reply is due first and claimed first; its parent is still pending.
    await enqueueMessages(t.db, { messages: { reply: { message: reply } }, deliveries: [row('alert:1:ack:slack:1', { channel: 'slack', message: 'reply', kind: 'alert', priority: 0 })] }, { dueAt: clock.now() });
    await enqueueMessages(t.db, { messages: { parent: { message: parent } }, deliveries: [row('alert:1:fire:slack:1', { channel: 'slack', message: 'parent', kind: 'alert', priority: 5 })] }, { dueAt: clock.now() });
    const dispatcher = setup(clock, 1);
    await dispatcher.runOnce();
    expect(slack.messages).toHaveLength(0);
    expect((await rows())[0]).toMatchObject({ status: 'pending', attempts: 0 });
    await dispatcher.runOnce(); // the parent (the reply is not due for a few seconds)
    expect(slack.messages.map((m) => m.text)).toEqual(['CRITICAL: bounce 17%']);
    const later = at('2026-12-01T13:00:10Z');
    await setup(later, 1).runOnce();
    expect(slack.messages.map((m) => [m.text, m.threadTs])).toEqual([['CRITICAL: bounce 17%', undefined], ['Acknowledged by Ada', slack.messages[0].ts]]);
  });
});
