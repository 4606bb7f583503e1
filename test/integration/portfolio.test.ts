/**
 * Portfolio scope through the generic plumbing (issue 11): a `scope: portfolio` schedule fans out
 * into ONE job with no tenant, its period read in config `timezone`; its run has tenant NULL and
 * scope 'portfolio'; its deliveries go to the platform's own recipients only (tenant NULL), with
 * delivery keys of scope 'portfolio'; `herald run` of a portfolio schedule sends it. Real
 * PostgreSQL, real Chromium, a real SMTP server; the report is test/helpers/tenantListReport.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { insertAcmeFixture } from '../helpers/fixture.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { pdfText } from '../helpers/pdfText.js';
import { tenantListReport, tenantListWeekly, useTenantListJob } from '../helpers/tenantListReport.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import type { HeraldConfig } from '../../src/config/schema.js';
import { reportContext } from '../../src/cli/context.js';
import { addRecipient } from '../../src/recipients/recipientsRepo.js';
import { produceBrief, type BriefDeps, type BriefJobData } from '../../src/delivery/produceBrief.js';
import { OutboxDispatcher } from '../../src/delivery/OutboxDispatcher.js';
import { createEmailChannel } from '../../src/delivery/email/emailChannel.js';
import { syncSchedules, tick, checkDeadlines } from '../../src/scheduler/Scheduler.js';
import { jobForSchedule } from '../../src/scheduler/jobRegistry.js';
import { BusinessSource } from '../../src/sources/BusinessSource.js';
import { HeraldMetrics } from '../../src/ops/metrics.js';
import { OperatorNotices } from '../../src/ops/operatorNotices.js';
import { silentLogger } from '../../src/ops/logger.js';
import { BrowserPool } from '../../src/render/BrowserPool.js';
import { loadReport } from '../../src/reports/loadReport.js';
import { PORTFOLIO } from '../../src/reports/Report.js';
import { executiveSummary } from '../../src/reports/executive-summary/index.js';
import { runCommand } from '../../src/cli/commands/run.js';
import { InputError } from '../../src/report/ReportContext.js';
import { fixedClock, type Clock } from '../../src/time/clock.js';

let t: TestDatabase;
let smtp: SmtpSink;
let archiveDir: string;
let pool: BrowserPool;
const ids: Record<string, number> = {};

useTenantListJob();

const portfolioSchedule = { id: 'weekly-portfolio', report: 'cost-optimization', every: 'weekly', at: '08:00', scope: 'portfolio', deliver: [{ channel: 'email', to: ['board'] }] };
const tenantSchedule = { id: 'weekly-exec', report: 'executive-summary', every: 'weekly', at: '08:00', scope: 'all', deliver: [{ channel: 'email', to: ['board'] }] };
const configWith = (schedules: object[]): HeraldConfig => parseConfig({ timezone: 'Europe/Berlin', archiveDir, schedules, delivery: { from: 'Herald <herald@test>' } });

beforeAll(async () => {
  t = await createTestDatabase();
  await insertAcmeFixture(t.db);   // acme: America/New_York, daily summaries through 30 Nov 2026, events into December
  await t.db.exec(`
    INSERT INTO tenants (id, name, timezone) VALUES ('kobe', 'Kobe KK', 'Asia/Tokyo');
    INSERT INTO deliverability_daily_summary (tenant_id, tracking_date, emails_sent, emails_delivered, emails_bounced, emails_spam, ip_reputation, domain_reputation)
      SELECT 'kobe', d::date, 100, 99, 1, 0, 'good', 'good' FROM generate_series('2026-11-01'::date, '2026-11-30'::date, '1 day') d;`);
  smtp = await startSmtpSink();
  archiveDir = await mkdtemp(path.join(tmpdir(), 'herald-portfolio-'));
  pool = new BrowserPool({ size: 1 });
  // Same group name on both sides: the platform's board and acme's board.
  ids.pia = (await addRecipient(t.db, { tenantId: null, name: 'Pia Platform', email: 'pia@platform.test', groups: ['board'] })).id;
  ids.ann = (await addRecipient(t.db, { tenantId: 'acme', name: 'Ann Acme', email: 'ann@acme.test', groups: ['board'] })).id;
});
afterAll(async () => {
  await pool?.close();
  await smtp?.close();
  await t?.drop();
  if (archiveDir) await rm(archiveDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await t.db.exec(`TRUNCATE herald.outbox, herald.messages, herald.operator_notices, herald.schedule_cursors, herald.schedule_slots RESTART IDENTITY CASCADE; DELETE FROM herald.runs;`);
  smtp.messages.length = 0;
});

function movableClock(iso: string): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return { now: () => now, set: (x) => { now = new Date(x); } };
}

describe('portfolio scope', () => {
  it('reads the period in config `timezone`, whatever the tenants\' zones (SPEC §9); a per-tenant report refuses it, naming itself', async () => {
    const ctx = reportContext(configWith([]), { herald: t.db, source: t.db }, fixedClock('2026-12-02T08:00:00Z'));
    const data = await loadReport(ctx, tenantListReport, PORTFOLIO, '2026-W47', { complete: true });
    expect(data.period).toMatchObject({ label: '2026-W47', timezone: 'Europe/Berlin', start: '2026-11-16T00:00:00+01:00', end: '2026-11-23T00:00:00+01:00' });
    expect(data.tenant).toBeNull();
    expect(data.tenants.map((x) => x.id)).toEqual(['acme', 'kobe']);
    const other = await loadReport(ctx, tenantListReport, PORTFOLIO, '2026-W47', { timezone: 'Asia/Tokyo' });
    expect(other.period.start).toBe('2026-11-16T00:00:00+09:00');
    const refused = await loadReport(ctx, executiveSummary, PORTFOLIO, '2026-W47').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InputError);
    expect((refused as Error).message).toBe('--portfolio: executive-summary is a per-tenant report; use --tenant ID');
    const wrongKind = await loadReport(ctx, tenantListReport, PORTFOLIO, '2026-11').catch((e: unknown) => e);
    expect((wrongKind as Error).message).toBe('--period: cost-optimization covers a week, not a month');
  });

  it('a portfolio schedule finds its job; the scheduler fans it out into ONE job with no tenant, in config `timezone`', async () => {
    expect(jobForSchedule(portfolioSchedule as never)).toBe(tenantListWeekly);
    const clock = movableClock('2026-11-22T12:00:00Z');
    const config = configWith([portfolioSchedule, tenantSchedule]);
    const fired: BriefJobData[] = [];
    const metrics = new HeraldMetrics();
    const deps = { db: t.db, config, business: new BusinessSource(t.db), clock, logger: silentLogger, metrics,
      notices: new OperatorNotices({ db: t.db, logger: silentLogger, metrics }), enqueueBrief: async (job: BriefJobData) => { fired.push(job); } };
    await syncSchedules(deps);
    clock.set('2026-11-23T13:30:00Z');   // Monday: 08:00 has passed in Berlin, New York (08:30) and Tokyo
    await tick(deps);
    const portfolio = fired.filter((j) => j.scheduleId === 'weekly-portfolio');
    expect(portfolio).toEqual([{ scheduleId: 'weekly-portfolio', scope: 'portfolio', periodLabel: '2026-W47', timezone: 'Europe/Berlin', slotAt: '2026-11-23T07:00:00.000Z' }]);
    expect(fired.filter((j) => j.scheduleId === 'weekly-exec').map((j) => j.scope).sort()).toEqual(['acme', 'kobe']);
    const slots = await t.db.query(`SELECT schedule_id, scope FROM herald.schedule_slots ORDER BY 1, 2`);
    expect(slots.rows).toEqual([{ schedule_id: 'weekly-exec', scope: 'acme' }, { schedule_id: 'weekly-exec', scope: 'kobe' }, { schedule_id: 'weekly-portfolio', scope: 'portfolio' }]);
  });

  it('its brief is a run of tenant NULL, delivered to the platform\'s recipients only, under keys of scope portfolio; the slot is then delivered', async () => {
    const clock = movableClock('2026-11-23T07:00:00Z');
    const config = configWith([portfolioSchedule]);
    const metrics = new HeraldMetrics();
    const notices = new OperatorNotices({ db: t.db, logger: silentLogger, metrics });
    const deps: BriefDeps = { db: t.db, ctx: reportContext(config, { herald: t.db, source: t.db }, clock), config, pool, logger: silentLogger, metrics, notices };
    const job: BriefJobData = { scheduleId: 'weekly-portfolio', scope: 'portfolio', periodLabel: '2026-W47', timezone: 'Europe/Berlin', slotAt: '2026-11-23T07:00:00Z' };
    await t.db.query(`INSERT INTO herald.schedule_slots (schedule_id, scope, slot_at, period_label, timezone, deadline_at) VALUES ('weekly-portfolio', 'portfolio', $1, '2026-W47', 'Europe/Berlin', $2)`,
      [job.slotAt, '2026-11-23T09:00:00Z']);
    const outcome = await produceBrief(deps, tenantListWeekly, config.schedules[0], job);
    expect(outcome).toMatchObject({ status: 'queued', deliveries: 1 });

    const run = (await t.db.query(`SELECT report, scope, tenant_id, period_label, status, page_count, artifact_path FROM herald.runs`)).rows;
    expect(run).toEqual([expect.objectContaining({ report: 'cost-optimization', scope: 'portfolio', tenant_id: null, period_label: '2026-W47', status: 'rendered', page_count: 2 })]);
    expect(run[0].artifact_path).toContain(`${path.sep}portfolio${path.sep}cost-optimization${path.sep}2026-W47${path.sep}`);
    const rows = (await t.db.query(`SELECT delivery_key, tenant_id, recipient_id::int AS recipient_id FROM herald.outbox`)).rows;
    expect(rows).toEqual([{ delivery_key: `weekly-portfolio:cost-optimization:portfolio:2026-W47:email:${ids.pia}`, tenant_id: null, recipient_id: ids.pia }]);

    const dispatcher = new OutboxDispatcher({ db: t.db, channels: { email: createEmailChannel({ smtpUrl: smtp.url, from: 'Herald <herald@test>' }) }, clock, logger: silentLogger, metrics, notices });
    while ((await dispatcher.runOnce()) > 0) { /* the one delivery */ }
    expect(smtp.messages.map((m) => m.envelope.rcptTo)).toEqual([['pia@platform.test']]);
    const mail = smtp.messages[0];
    expect(mail.subject).toBe('Portfolio · Tenant list · Week 47, 16–22 Nov 2026');
    const pdf = mail.attachments.find((a) => a.contentType === 'application/pdf');
    const { text, pages } = await pdfText(pdf!.content);
    expect(pages).toBe(2);
    expect(text).toMatch(/Tenant list · Week 47, 16–22 Nov 2026/);
    expect(text).toMatch(/kobe\s+Kobe KK\s+2026-11-30/);

    await checkDeadlines({ db: t.db, notices, metrics }, new Date('2026-11-23T10:00:00Z'));
    const slot = (await t.db.query(`SELECT status, deadline_alerted FROM herald.schedule_slots WHERE scope = 'portfolio'`)).rows[0];
    expect(slot).toEqual({ status: 'delivered', deadline_alerted: false });
  });

  it('a platform without the schedule\'s group is told to the operator as the platform, not a tenant', async () => {
    const config = configWith([{ ...portfolioSchedule, deliver: [{ channel: 'email', to: ['board', 'investors'] }] }]);
    const metrics = new HeraldMetrics();
    const notices = new OperatorNotices({ db: t.db, logger: silentLogger, metrics });
    const deps: BriefDeps = { db: t.db, ctx: reportContext(config, { herald: t.db, source: t.db }, fixedClock('2026-11-23T07:00:00Z')), config, pool, logger: silentLogger, metrics, notices };
    await produceBrief(deps, tenantListWeekly, config.schedules[0], { scheduleId: 'weekly-portfolio', scope: 'portfolio', periodLabel: '2026-W47', timezone: 'Europe/Berlin', slotAt: '2026-11-23T07:00:00Z' }, { dryRun: true });
    const n = (await t.db.query<{ message: string }>(`SELECT message FROM herald.operator_notices WHERE kind = 'missing-recipients'`)).rows;
    expect(n.map((r) => r.message)).toEqual(['schedule weekly-portfolio: the platform has no recipient group investors']);
  });

  it('herald run of a portfolio schedule sends its one brief to the platform; --tenant is refused for it', async () => {
    const config = configWith([portfolioSchedule]);
    const env = { DATABASE_URL: t.url, SMTP_URL: smtp.url };
    let out = '';
    const sink = new Writable({ write(chunk, _enc, done) { out += String(chunk); done(); } });
    const err = new Writable({ write(_c, _e, done) { done(); } }) as unknown as NodeJS.WriteStream;
    const code = await runCommand('weekly-portfolio', { period: '2026-W47' }, config, sink, env, err);
    expect(out).toBe('1 brief(s): 1 queued, 0 held; deliveries: 1 sent, 0 already sent before (not resent without --force), 0 waiting to retry, 0 dead (attempted now: 1)\n');
    expect(code).toBe(0);
    expect(smtp.messages.map((m) => m.envelope.rcptTo)).toEqual([['pia@platform.test']]);
    // Run again: the key of scope portfolio was sent, and is not sent twice.
    out = '';
    expect(await runCommand('weekly-portfolio', { period: '2026-W47' }, config, sink, env, err)).toBe(0);
    expect(out).toMatch(/deliveries: 0 sent, 1 already sent before/);
    expect(smtp.messages).toHaveLength(1);
    const refused = await runCommand('weekly-portfolio', { period: '2026-W47', tenant: 'acme' }, config, sink, env, err).catch((e: unknown) => e);
    expect((refused as Error).message).toBe('--tenant: schedule weekly-portfolio is a portfolio schedule: one brief for every tenant, no --tenant');
  });
});
