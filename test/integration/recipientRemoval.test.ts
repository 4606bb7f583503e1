import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { insertAcmeFixture } from '../helpers/fixture.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { herald } from '../helpers/cli.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import type { ScheduleConfig } from '../../src/config/schema.js';
import { reportContext } from '../../src/cli/context.js';
import { addRecipient } from '../../src/recipients/recipientsRepo.js';
import { produceBrief, type BriefDeps } from '../../src/delivery/produceBrief.js';
import monthlyJob from '../../jobs/executive-summary-monthly.js';
import { OutboxDispatcher } from '../../src/delivery/OutboxDispatcher.js';
import { createEmailChannel } from '../../src/delivery/email/emailChannel.js';
import { HeraldMetrics } from '../../src/ops/metrics.js';
import { OperatorNotices } from '../../src/ops/operatorNotices.js';
import { silentLogger } from '../../src/ops/logger.js';
import { BrowserPool } from '../../src/render/BrowserPool.js';
import { fixedClock } from '../../src/time/clock.js';

/**
 * Someone who received briefs leaves: `herald recipients remove` must stop every further send to
 * them (queued ones included) while the audit of what they received stays readable.
 */

let t: TestDatabase;
let smtp: SmtpSink;
let archiveDir: string;
let pool: BrowserPool;
let deps: BriefDeps;
let dispatcher: OutboxDispatcher;

const schedule = {
  id: 'monthly-exec', report: 'executive-summary', every: 'monthly', at: '08:00', scope: 'all', catchUp: 'latest', onStale: 'hold',
  deliver: [{ channel: 'email', to: ['c-suite'] }],
} as ScheduleConfig;
const job = (periodLabel: string, force = false) => ({ scheduleId: 'monthly-exec', scope: 'acme', periodLabel, timezone: 'America/New_York', slotAt: '2026-12-01T13:00:00Z', force });
const env = () => ({ DATABASE_URL: t.url, SOURCE_DATABASE_URL: '' });
const outbox = async () => (await t.db.query<{ delivery_key: string; status: string; run_id: string; last_error: string | null }>(
  `SELECT delivery_key, status, run_id, last_error FROM herald.outbox ORDER BY id`)).rows;
const rcpt = () => smtp.messages.map((m) => `${m.envelope.rcptTo[0]} ${m.subject?.match(/\w+ 2026/)?.[0]}`);

beforeAll(async () => {
  t = await createTestDatabase();
  await insertAcmeFixture(t.db);
  smtp = await startSmtpSink();
  archiveDir = await mkdtemp(path.join(tmpdir(), 'herald-removal-'));
  pool = new BrowserPool({ size: 1 });
  const config = parseConfig({ archiveDir });
  const clock = fixedClock('2026-12-01T13:00:00Z');
  const metrics = new HeraldMetrics();
  const notices = new OperatorNotices({ db: t.db, logger: silentLogger, metrics });
  deps = { db: t.db, ctx: reportContext(config, { herald: t.db, source: t.db }, clock), config, pool, logger: silentLogger, metrics, notices };
  dispatcher = new OutboxDispatcher({
    db: t.db, channels: { email: createEmailChannel({ smtpUrl: smtp.url, from: 'Herald <herald@test>' }) }, clock, logger: silentLogger, metrics, notices, random: () => 0.5,
  });
  await addRecipient(t.db, { tenantId: 'acme', name: 'Ada CEO', email: 'ada@acme.test', groups: ['c-suite'] });   // id 1
  await addRecipient(t.db, { tenantId: 'acme', name: 'Fin CFO', email: 'fin@acme.test', groups: ['c-suite'] });   // id 2
});
afterAll(async () => {
  await pool?.close();
  await smtp?.close();
  await t?.drop();
  if (archiveDir) await rm(archiveDir, { recursive: true, force: true });
});

describe('removing a recipient who already received briefs', () => {
  let novemberRun: string;

  it('a removed recipient receives nothing more, queued deliveries included; the audit stays', async () => {
    // November is sent to both.
    expect((await produceBrief(deps, monthlyJob, schedule, job('2026-11'))).status).toBe('queued');
    await dispatcher.runOnce();
    expect(rcpt().sort()).toEqual(['ada@acme.test November 2026', 'fin@acme.test November 2026']);
    novemberRun = (await outbox())[0].run_id;

    // October is queued for both, and Fin leaves before it goes out.
    expect((await produceBrief(deps, monthlyJob, schedule, job('2026-10'))).status).toBe('queued');
    const removed = await herald(['recipients', 'remove', 'fin@acme.test', '--tenant', 'acme'], env());
    expect(removed.stderr).toBe('');
    expect(removed.code).toBe(0);
    expect(removed.stdout).toBe('removed recipient fin@acme.test: nothing more is sent to it (1 unsent delivery superseded); '
      + 'its deliveries (1 pending, 1 sent) stay for the audit (herald runs show; herald recipients list --removed)\n');
    await dispatcher.runOnce();
    expect(rcpt().slice(2)).toEqual(['ada@acme.test October 2026']);

    // A later brief, and a forced resend of November, reach Ada only.
    expect((await produceBrief(deps, monthlyJob, schedule, job('2026-09'))).status).toBe('queued');
    expect((await produceBrief(deps, monthlyJob, schedule, job('2026-11', true))).status).toBe('queued');
    await dispatcher.runOnce();
    expect(rcpt().slice(3).sort()).toEqual(['ada@acme.test November 2026', 'ada@acme.test September 2026']);
    expect(smtp.messages.filter((m) => m.envelope.rcptTo.includes('fin@acme.test'))).toHaveLength(1);   // November, before the removal

    // Every row Fin ever had is still there, as it was: the sent one keeps its run; the queued one is superseded.
    const rows = (await outbox()).filter((o) => o.delivery_key.endsWith(':email:2'));
    expect(rows.map((o) => [o.delivery_key, o.status, o.last_error])).toEqual([
      ['monthly-exec:executive-summary:acme:2026-11:email:2', 'sent', null],
      ['monthly-exec:executive-summary:acme:2026-10:email:2', 'superseded', 'recipient removed'],
    ]);
    expect(rows[0].run_id).toBe(novemberRun);
  });

  it('herald runs show still names who received the brief, marked removed; list --removed shows them', async () => {
    const shown = await herald(['runs', 'show', novemberRun], env());
    expect(shown.stderr).toBe('');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Fin CFO \(removed\)\s+email\s+fin@acme\.test\s+brief\s+sent\s+1\s+\d{4}-\d\d-\d\dT\S+Z\s+\S+/m);
    // Ada's November key was resent by the forced run, so it now belongs to that run.
    expect(shown.stdout).not.toMatch(/^Ada CEO/m);

    const listed = await herald(['recipients', 'list', '--tenant', 'acme', '--removed', '--format', 'json'], env());
    expect(JSON.parse(listed.stdout).map((r: { name: string; removedAt?: string }) => [r.name, typeof r.removedAt])).toEqual([
      ['Ada CEO', 'undefined'], ['Fin CFO', 'string'],
    ]);
  });

  it('the person can be added again and then receives the next brief, under a new recipient id', async () => {
    const back = await addRecipient(t.db, { tenantId: 'acme', name: 'Fin CFO', email: 'fin@acme.test', groups: ['c-suite'] });
    expect(back.id).toBe(3);
    expect((await produceBrief(deps, monthlyJob, schedule, job('2026-08'))).status).toBe('queued');
    await dispatcher.runOnce();
    expect(rcpt().slice(5).sort()).toEqual(['ada@acme.test August 2026', 'fin@acme.test August 2026']);
    expect((await outbox()).filter((o) => o.delivery_key.includes(':2026-08:')).map((o) => o.delivery_key)).toEqual([
      'monthly-exec:executive-summary:acme:2026-08:email:1',
      'monthly-exec:executive-summary:acme:2026-08:email:3',
    ]);
  });
});
