/**
 * The decision review end to end on real PostgreSQL and real Chromium: decisions and outcome
 * events in the export table, outcomes recorded in herald's audit table, the loader and the data
 * object, the printed PDF read back as text against numbers worked out by hand (the same
 * scenario as test/unit/decisionReview.test.ts), tenant (Europe/Berlin) and portfolio (UTC).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { pdfText } from '../helpers/pdfText.js';
import { pdfLayout } from '../helpers/pdfLayout.js';
import { BrowserPool } from '../../src/render/BrowserPool.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { reportContext } from '../../src/cli/context.js';
import { fixedClock } from '../../src/time/clock.js';
import { parsePeriod } from '../../src/time/periods.js';
import { loadDecisionReview } from '../../src/reports/decision-review/load.js';
import { renderDecisionReview } from '../../src/reports/decision-review/render.js';
import { recordOutcome } from '../../src/reports/decision-review/outcomes.js';
import type { DecisionReviewData } from '../../src/reports/decision-review/types.js';
import type { ReportContext } from '../../src/report/ReportContext.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { herald } from '../helpers/cli.js';
import { Writable } from 'node:stream';
import { startSmtpSink } from '../helpers/smtpSink.js';
import { addRecipient } from '../../src/recipients/recipientsRepo.js';
import { runCommand } from '../../src/cli/commands/run.js';

const pool = new BrowserPool({ size: 1 });
let t: TestDatabase;
let ctx: ReportContext;
const HOSTILE = 'Berliner <b>Versand</b> & Söhne';

let n = 0;
async function event(name: string, at: string, properties: Record<string, unknown>): Promise<void> {
  await t.db.query(`INSERT INTO posthog_events (uuid, event, distinct_id, properties, "timestamp") VALUES ($1, $2, 'x', $3, $4)`, [`ev-${++n}`, name, properties, at]);
}
async function decision(id: string, tenant: string, date: string, timeframe: string, rev: number, cost: number, title: string, type: string,
  o: { trackedAt?: string; requestedAt?: string } = {}): Promise<void> {
  await event('strategic_decision_event', o.trackedAt ?? new Date(Date.parse(date) + 600_000).toISOString(), {
    tenant_id: tenant, decision_id: id, decision_title: title, decision_type: type, decision_date: date, expected_revenue_impact: rev,
    expected_cost_impact: cost, outcome_timeframe: timeframe, ...(o.requestedAt ? { requested_at: o.requestedAt } : {}),
  });
}
async function outcomeEvent(id: string, tenant: string, at: string, rev: unknown, cost: unknown, notes?: string): Promise<void> {
  await event('decision_outcome_event', at, { tenant_id: tenant, decision_id: id, actual_revenue_impact: rev, actual_cost_impact: cost, outcome_status: 'partial', ...(notes ? { notes } : {}) });
}
async function command(id: string, at: string, rev: number, cost: number, note: string | null = null): Promise<void> {
  await recordOutcome(t.db, { tenant_id: 't-b', decision_id: id, actual_revenue: rev, actual_cost: cost, note, recorded_by: 'Ada Finch (CFO)' }, new Date(at));
}

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.query(`INSERT INTO tenants (id, name, timezone) VALUES ('t-b', $1, 'Europe/Berlin'), ('t-u', 'Ural Mail', 'UTC')`, [HOSTILE]);
  await decision('d1', 't-b', '2026-08-31T22:00:00Z', '3 months', 10000, 2000, 'Boundary out', 'infrastructure');
  await decision('d2', 't-b', '2026-09-30T21:30:00Z', '2 months', 99999, 0, 'Boundary in (first)', 'infrastructure', { trackedAt: '2026-09-30T21:35:00Z' });
  await decision('d2', 't-b', '2026-09-30T21:30:00Z', '2 months', 20000, 4000, 'Boundary in', 'infrastructure', { trackedAt: '2026-10-02T09:00:00Z' });
  await decision('d3', 't-b', '2026-08-15T10:00:00Z', '3 months', 10000, 0, 'Twice', 'pricing');
  await decision('d4', 't-b', '2026-10-01T08:00:00Z', '6 weeks', 6000, 1000, 'Twice reversed', 'pricing');
  await decision('d5', 't-b', '2026-10-20T09:00:00Z', '4 weeks', 5000, 5000, 'Zero net', 'hiring');
  await decision('d6', 't-b', '2026-08-05T08:00:00Z', '3 months', 30000, 10000, 'Awaiting', 'budget_allocation');
  await decision('d7', 't-b', '2026-05-01T08:00:00Z', '2 months', 4000, 1000, 'Old awaiting', 'budget_allocation');
  await decision('d8', 't-b', '2026-07-01T08:00:00Z', 'Q3 sometime', 8000, 2000, 'Unparseable', 'vendor_selection');
  await decision('d9', 't-b', '2026-11-02T12:00:00Z', '6 months', 1000, 100, 'Made in Nov', 'hiring', { requestedAt: '2026-11-01T06:00:00Z' });
  await decision('d10', 't-b', '2026-11-20T12:00:00Z', '12 weeks', 1000, 100, 'Made later in Nov', 'infrastructure', { requestedAt: '2026-11-18T10:00:00Z' });
  await decision('u1', 't-u', '2026-10-15T00:00:00Z', '1 month', 1000, 0, 'Ural pricing', 'pricing');
  await outcomeEvent('d2', 't-b', '2026-11-15T10:00:00Z', 18000, 4400);
  await outcomeEvent('d3', 't-b', '2026-11-20T12:00:00Z', '5000', 1000, '<script>alert("x")</script> fell short');
  await outcomeEvent('d4', 't-b', '2026-11-20T12:00:00Z', 1000, 1000);
  await outcomeEvent('ghost', 't-b', '2026-11-08T12:00:00Z', 1, 1);
  await outcomeEvent('d6', 't-b', '2026-11-09T12:00:00Z', 'NaN', 100);
  await outcomeEvent('u1', 't-u', '2026-11-20T12:00:00Z', 500, 0);
  await command('d3', '2026-11-10T09:00:00Z', 9000, 0);
  await command('d3', '2026-12-03T09:00:00Z', 20000, 0);
  await command('d4', '2026-11-25T09:00:00Z', 6000, 2000);
  await command('d5', '2026-11-28T09:00:00Z', 3000, 5000);
  await command('d8', '2026-11-03T09:00:00Z', 9000, 1500, 'Renewed early');
  ctx = reportContext(parseConfig({ timezone: 'UTC' }), { herald: t.db, source: t.db }, fixedClock('2026-12-02T07:00:00Z'));
});
afterAll(async () => {
  await pool.close();
  await t?.drop();
});

const flat = (s: string) => s.replace(/\u00a0/g, ' ').replace(/\s+/g, ' ');

describe('tenant scope: Berlin, November 2026', () => {
  let data: DecisionReviewData;
  let text: string;
  let pages: number;

  beforeAll(async () => {
    data = await loadDecisionReview(ctx, { kind: 'tenant', tenantId: 't-b' }, parsePeriod('2026-11', 'Europe/Berlin'));
    const brief = await renderDecisionReview(data, { pool });
    if (process.env.DR_OUT) (await import('node:fs')).writeFileSync(`${process.env.DR_OUT}/tenant.pdf`, brief.pdf);
    const read = await pdfText(brief.pdf);
    text = flat(read.text);
    pages = read.pages;
    expect(brief.pageCount).toBe(pages);
  }, 120_000);

  it('reads the events and the audit table into the hand-computed review', () => {
    expect(data.summary).toEqual({
      due_for_review: 6, with_outcome: 5, rated: 4, met: 3, success_rate: 0.75, expected_net_total: 37000, actual_net_total: 27100,
      roi_achievement_total: 73.2, awaiting_outcome: 2, max_days_overdue: 153, coming_up: 1,
    });
    expect(data.reviewed.map((d) => [d.decision_id, d.roi_achievement, d.state])).toEqual([
      ['d8', 125, 'met'], ['d4', 80, 'met'], ['d3', 40, 'missed'], ['d5', null, 'not_rated'], ['d2', 85, 'met'],
    ]);
    // d3's "5000" (a numeric string) counts as the export reads numbers; d6's "NaN" does not.
    expect(data.reviewed.find((d) => d.decision_id === 'd3')!.outcome).toMatchObject({ actual_revenue: 5000, source: 'event', records: 2 });
    expect(data.coming_up.map((d) => d.decision_id)).toEqual(['d1']);
    expect(data.awaiting.map((d) => [d.decision_id, d.days_overdue])).toEqual([['d7', 153], ['d6', 26]]);
    expect(data.decisions_made).toMatchObject({ decisions_tracked: 2, decision_velocity_hours: 40 });
    expect(data.data_freshness.newest_event_at).toBe('2026-11-20T12:10:00.000Z');
    expect(JSON.stringify(data)).not.toMatch(/Infinity|NaN"?:/);
  });

  it('prints them: the headline, the figures, each decision\'s result, what awaits and what comes up', () => {
    expect(text).toContain(`Herald · Decision review`);
    expect(text).toContain(HOSTILE);            // escaped, printed as written
    expect(text).toContain('November 2026');
    expect(text).toContain('“Zero net” lost $2,000 net against $0 expected; 3 of 4 decisions reviewed met 80% of the expected return (75%); 2 decisions await an outcome, the oldest 153 days overdue.');
    expect(text).toMatch(/DUE FOR REVIEW 6 5 with an outcome · 1 due in December 2026/);
    expect(text).toMatch(/SUCCESS RATE 75% 3 of 4 decisions rated met 80% of the expected net/);
    expect(text).toMatch(/ACTUAL NET RETURN \$27,100 of \$37,000 expected · 73\.2% achieved/);
    expect(text).toMatch(/AWAITING AN OUTCOME 2 the oldest 153 days overdue/);
    // The table: expected net, actual net, ROI achieved, result.
    expect(text).toMatch(/Boundary in .*30 Nov 2026 \$16,000 \$13,600 85\.0% Met/);
    expect(text).toMatch(/Twice .*\$10,000 \$4,000 40\.0% Missed/);
    expect(text).toMatch(/Twice reversed .*\$5,000 \$4,000 80\.0% Met/);
    expect(text).toMatch(/Zero net .*\$0 −\$2,000 n\/a Not rated expected net is zero/);
    expect(text).toMatch(/Unparseable .*unknown \(“Q3 sometime”\) \$6,000 \$7,500 125\.0% Met/);
    expect(text).toContain('“<script>alert("x")</script> fell short”');
    expect(text).toContain('outcome 20 Nov 2026, by event (latest of 2)');
    expect(text).toContain('by Ada Finch (CFO)');
    // Awaiting, most overdue first.
    expect(text).toMatch(/Old awaiting .*1 Jul 2026 153 days overdue \$3,000 d7/);
    expect(text).toMatch(/Awaiting .*5 Nov 2026 26 days overdue \$20,000 d6/);
    // By type.
    expect(text).toMatch(/Pricing 2 2 1 50% \$8,000/);
    expect(text).toMatch(/DECISION VELOCITY 40 h target < 48 h/);
    expect(text).toMatch(/Coming up for review in December 2026 1 Dec 2026 · Boundary out/);
    expect(text).toContain('1 decision has an outcome_timeframe that could not be read');
    expect(text).toContain('1 decision_outcome_event names no decision tracked by the period\'s end');
    expect(text).toMatch(/Page 1 of \d/);
    expect(text).not.toMatch(/Infinity|NaN|undefined|\[object/);
    expect(pages).toBeLessThanOrEqual(3);
  });
});

describe('portfolio scope (UTC), November 2026', () => {
  let data: DecisionReviewData;
  let text: string;
  let pdf: Buffer;

  beforeAll(async () => {
    data = await loadDecisionReview(ctx, { kind: 'portfolio' }, parsePeriod('2026-11', 'UTC'));
    const brief = await renderDecisionReview(data, { pool });
    pdf = brief.pdf;
    if (process.env.DR_OUT) (await import('node:fs')).writeFileSync(`${process.env.DR_OUT}/portfolio.pdf`, brief.pdf);
    text = flat((await pdfText(brief.pdf)).text);
  }, 120_000);

  it('covers every tenant, names each decision\'s tenant and ranks nothing it cannot rate', () => {
    expect(data.tenant).toBeNull();
    expect(data.scope_name).toBe('Portfolio');
    expect(data.by_tenant.map((r) => [r.tenant_name, r.due, r.rated, r.met, r.success_rate, r.awaiting_outcome])).toEqual([
      [HOSTILE, 7, 4, 3, 0.75, 3], ['Ural Mail', 1, 1, 0, 0, 0],
    ]);
    expect(data.summary).toMatchObject({ due_for_review: 8, rated: 5, met: 3, success_rate: 0.6, awaiting_outcome: 3 });
    expect(text).toContain('Herald · Decision review · Portfolio');
    expect(text).toMatch(/By tenant .*Berliner <b>Versand<\/b> & Söhne 7 4 3 75% 3 .*Ural Mail 1 1 0 0% 0/);
    expect(text).toMatch(/Ural Mail · Ural pricing/);
    expect(text).toMatch(/SUCCESS RATE 60% 3 of 5 decisions rated/);
  });

  it('keeps every section whole on a page and leaves no page before the last mostly empty', async () => {
    const layout = await pdfLayout(pdf);
    layout.slice(0, -1).forEach((p, i) => expect(p.fill, `page ${i + 1}`).toBeGreaterThan(0.33));
  });
});

describe('herald preview decision-review', () => {
  it('prints the data object as JSON, renders the portfolio PDF, and refuses a day (exit 2, naming --period)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'herald-dr-'));
    try {
      const env = { DATABASE_URL: t.url, SOURCE_DATABASE_URL: '' };
      const out = path.join(dir, 'portfolio.pdf');
      const [json, pdf, day, executive] = await Promise.all([
        herald(['preview', 'decision-review', '--tenant', 't-b', '--period', '2026-11', '--format', 'json'], env),
        herald(['preview', 'decision-review', '--portfolio', '--period', '2026-11', '--out', out], env),
        herald(['preview', 'decision-review', '--tenant', 't-b', '--period', '2026-11-05', '--format', 'json'], env),
        herald(['preview', 'executive-summary', '--portfolio', '--period', '2026-11', '--format', 'json'], env),
      ]);
      expect(json.code, json.stderr).toBe(0);
      const data = JSON.parse(json.stdout) as DecisionReviewData;
      expect(data.report).toBe('decision-review');
      expect(data.period).toMatchObject({ start: '2026-11-01T00:00:00+01:00', end: '2026-12-01T00:00:00+01:00', timezone: 'Europe/Berlin' });
      expect(data.summary).toMatchObject({ due_for_review: 6, success_rate: 0.75, roi_achievement_total: 73.2, awaiting_outcome: 2 });
      expect(pdf.code, pdf.stderr).toBe(0);
      expect(flat((await pdfText(await readFile(out))).text)).toContain('Herald · Decision review · Portfolio');
      expect(day.code).toBe(2);
      expect(day.stderr).toMatch(/^herald: --period: decision-review covers a week, a month, not a day\n$/);
      expect(executive.code).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('delivered by a schedule', () => {
  it('a tenant\'s monthly review reaches its c-suite with the state in the subject and the PDF attached; the portfolio\'s goes to the platform only', async () => {
    const smtp = await startSmtpSink();
    const archiveDir = await mkdtemp(path.join(tmpdir(), 'herald-dr-archive-'));
    try {
      // Fresh data for the pre-send check: a daily summary and an event at November's end.
      await t.db.query(`INSERT INTO deliverability_daily_summary (tenant_id, tracking_date, emails_sent, emails_delivered, emails_bounced, emails_spam) VALUES ('t-b', '2026-11-30', 10, 10, 0, 0), ('t-u', '2026-11-30', 10, 10, 0, 0)`);
      await event('resource_usage_event', '2026-11-30T22:50:00Z', { tenant_id: 't-b', utilization_percentage: 50 });
      await addRecipient(t.db, { tenantId: 't-b', name: 'Ada Finch', email: 'ada@berlin.test', groups: ['c-suite'] });
      await addRecipient(t.db, { tenantId: 't-u', name: 'Ivan Ural', email: 'ivan@ural.test', groups: ['c-suite'] });
      await addRecipient(t.db, { tenantId: null, name: 'Pia Platform', email: 'pia@platform.test', groups: ['c-suite'] });
      const config = parseConfig({
        timezone: 'UTC', archiveDir, delivery: { from: 'Herald <herald@test>' },
        schedules: [
          { id: 'monthly-decisions', report: 'decision-review', every: 'monthly', at: '08:00', scope: 'all', deliver: [{ channel: 'email', to: ['c-suite'] }] },
          { id: 'monthly-decisions-portfolio', report: 'decision-review', every: 'monthly', at: '08:00', scope: 'portfolio', deliver: [{ channel: 'email', to: ['c-suite'] }] },
        ],
      });
      const env = { DATABASE_URL: t.url, SMTP_URL: smtp.url };
      let out = '';
      const sink = new Writable({ write(chunk, _enc, done) { out += String(chunk); done(); } });
      const err = new Writable({ write(_c, _e, done) { done(); } }) as unknown as NodeJS.WriteStream;
      expect(await runCommand('monthly-decisions', { period: '2026-11', tenant: 't-b' }, config, sink, env, err), out).toBe(0);
      expect(out).toMatch(/1 brief\(s\): 1 queued, 0 held; deliveries: 1 sent/);
      expect(smtp.messages.map((m) => m.envelope.rcptTo)).toEqual([['ada@berlin.test']]);
      const mail = smtp.messages[0];
      expect(mail.subject).toBe(`Warning · ${HOSTILE} · Decision review · November 2026`);
      expect(mail.text).toContain('“Zero net” lost $2,000 net against $0 expected');
      // The key chart inline (by cid:, drawn for a phone), the PDF attached.
      expect(mail.attachments.map((a) => [a.contentType, a.contentDisposition])).toEqual([['image/png', 'inline'], ['application/pdf', 'attachment']]);
      expect(mail.attachments[0].contentId).toMatch(/^<decision-net-impact\.[0-9a-f]{16}@herald>$/);
      expect(mail.html).toMatch(/<img src="data:image\/png;base64,[^"]+"[^>]* alt="Net impact, expected and actual, of 5 decisions reviewed: Unparseable: expected \$6,000, actual \$7,500; /);
      expect(flat((await pdfText(mail.attachments[1].content)).text)).toContain('Decision review');
      out = '';
      expect(await runCommand('monthly-decisions-portfolio', { period: '2026-11' }, config, sink, env, err), out).toBe(0);
      expect(smtp.messages.map((m) => m.envelope.rcptTo)).toEqual([['ada@berlin.test'], ['pia@platform.test']]);
      expect(smtp.messages[1].subject).toMatch(/^Warning · Portfolio · Decision review · November 2026$/);
    } finally {
      await smtp.close();
      await rm(archiveDir, { recursive: true, force: true });
    }
  }, 180_000);
});
