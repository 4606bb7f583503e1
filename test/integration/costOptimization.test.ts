/**
 * The cost-optimization report end to end on real PostgreSQL and real Chromium: a hand-made
 * portfolio of four tenants (one with no revenue, three whose margins tie at 20%), read through
 * the set-based sources and the export event store, checked number by number (hand-computed),
 * through `herald preview` (JSON), and printed: the PDF's text is read back against the numbers,
 * a hostile tenant name stays text, and no page before the last is mostly empty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { insertEvent } from '../helpers/fixture.js';
import { herald } from '../helpers/cli.js';
import { pdfText } from '../helpers/pdfText.js';
import { pdfLayout } from '../helpers/pdfLayout.js';
import { reportContext } from '../../src/cli/context.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { fixedClock } from '../../src/time/clock.js';
import { parsePeriod } from '../../src/time/periods.js';
import { BrowserPool } from '../../src/render/BrowserPool.js';
import { loadCostOptimization } from '../../src/reports/cost-optimization/load.js';
import { renderCostOptimization } from '../../src/reports/cost-optimization/render.js';
import { costOptimizationMessages } from '../../src/reports/cost-optimization/messages.js';
import type { CostOptimizationPortfolioData, CostOptimizationTenantData } from '../../src/reports/cost-optimization/types.js';
import type { Db } from '../../src/db/Db.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startSmtpSink } from '../helpers/smtpSink.js';
import { startSlackStandIn } from '../helpers/slackStandIn.js';
import { addRecipient } from '../../src/recipients/recipientsRepo.js';
import { runCommand } from '../../src/cli/commands/run.js';

const HOSTILE = 'Acme <script>alert(1)</script> & Co';
let t: TestDatabase;
const pool = new BrowserPool({ size: 1 });
const ctx = () => reportContext(parseConfig({}), { herald: t.db, source: t.db }, fixedClock('2026-12-02T12:00:00Z'));
const nov = () => parsePeriod('2026-11', 'UTC');

async function fixture(db: Db): Promise<void> {
  await db.exec(`
    INSERT INTO plans (id, name, price_monthly) VALUES ('scale', 'Scale', 1200), ('growth', 'Growth', 500), ('p1000', 'P1000', 1000);
    INSERT INTO tenants (id, name, timezone, monthly_budget) VALUES
      ('acme', '${HOSTILE.replace(/'/g, "''")}', 'UTC', 800), ('zero', 'Zero Revenue Ltd', 'UTC', NULL),
      ('alpha', 'Alpha', 'UTC', NULL), ('beta', 'beta', 'UTC', NULL);
    INSERT INTO subscriptions (id, tenant_id, plan_id, status) VALUES
      ('s1', 'acme', 'scale', 'active'), ('s2', 'acme', 'growth', 'canceled'), ('s3', 'alpha', 'p1000', 'active'), ('s4', 'beta', 'growth', 'active');
    INSERT INTO payments (id, subscription_id, amount, paid_at) VALUES
      ('p1', 's1', 1200, '2026-11-05T10:00:00Z'), ('p2', 's2', 500, '2026-11-30T23:59:59Z'), ('p3', 's1', 999, '2026-12-01T00:00:00Z'),
      ('p4', 's1', 1200, '2026-10-05T10:00:00Z');
    INSERT INTO vps_instances (id, tenant_id, status, approximate_cost, cpu_utilization, memory_utilization) VALUES
      ('v1', 'acme', 'active', 300, 20, 40), ('v2', 'acme', 'active', 600, 70, 65), ('v3', 'acme', 'stopped', 100, 0, 0),
      ('z1', 'zero', 'active', 100, 50, 50), ('a1', 'alpha', 'active', 800, 50, 50), ('b1', 'beta', 'active', 400, 50, 50);
    INSERT INTO smtp_ip_addresses (id, vps_instance_id, ip, approximate_cost, warmup_progress, daily_capacity) VALUES
      ('ip1', 'v1', '192.0.2.1', 30, 100, 50000), ('ip2', 'v1', '192.0.2.2', 10, 40, 10000),
      ('ip3', 'v2', '192.0.2.3', 20, 100, 40000), ('ip4', 'v3', '192.0.2.4', 50, 100, 40000);
    INSERT INTO deliverability_daily_summary (tenant_id, tracking_date, emails_sent, emails_delivered, emails_bounced, emails_spam)
      SELECT 'acme', d::date, 10000, 9600, 300, 10 FROM generate_series('2026-11-01'::date, '2026-11-30'::date, interval '1 day') d;
  `);
  const co = (uuid: string, ts: string, p: Record<string, unknown>, tenant = 'acme') =>
    insertEvent(db, uuid, 'cost_optimization_event', ts, { tenant_id: tenant, ...p });
  await co('e1', '2026-11-03T10:00:00Z', { optimization_category: 'infrastructure', optimization_type: 'implemented', savings_amount: 120, baseline_cost: 1000, roi: 100 });
  await co('e2', '2026-11-04T10:00:00Z', { optimization_category: 'infrastructure', optimization_type: 'implemented', savings_amount: '80', baseline_cost: 1000, roi: 200 });
  await co('e2', '2026-11-04T10:00:00Z', { optimization_category: 'infrastructure', optimization_type: 'implemented', savings_amount: '80', baseline_cost: 1000, roi: 200 }); // exported twice
  await co('e3', '2026-11-10T10:00:00Z', { optimization_category: 'vendor_contracts', optimization_type: 'identified', savings_amount: 150 });
  await co('e4', '2026-11-11T10:00:00Z', { optimization_category: 'vendor_contracts', optimization_type: 'identified', savings_amount: 250 });
  await co('e5', '2026-11-12T10:00:00Z', { optimization_category: 'ip_pool', optimization_type: 'identified', savings_amount: 5000 });
  await co('e6', '2026-11-13T10:00:00Z', { optimization_category: 'ip_pool', optimization_type: 'identified', savings_amount: 'NaN' });
  await co('e7', '2026-11-14T10:00:00Z', { optimization_category: 'infrastructure', optimization_type: 'implemented', savings_amount: 2000, baseline_cost: 1000 });
  await co('e8', '2026-10-20T10:00:00Z', { optimization_category: 'infrastructure', optimization_type: 'implemented', savings_amount: 50, baseline_cost: 500 });
  await co('e9', '2026-12-01T00:00:00Z', { optimization_category: 'infrastructure', optimization_type: 'implemented', savings_amount: 70, baseline_cost: 500 });
  await co('e10', '2026-11-15T10:00:00Z', { optimization_category: 'infrastructure', optimization_type: 'identified', savings_amount: 300 }, 'alpha');
}

beforeAll(async () => {
  t = await createTestDatabase();
  await fixture(t.db);
});
afterAll(async () => {
  await pool.close();
  await t?.drop();
});

describe('tenant scope, November 2026', () => {
  let data: CostOptimizationTenantData;
  beforeAll(async () => {
    data = await loadCostOptimization(ctx(), { kind: 'tenant', tenantId: 'acme' }, nov()) as CostOptimizationTenantData;
  });

  it('costs, margins and the trend from the business database, each table once', () => {
    // 300 + 600 + IPs 30 + 10 + 20 (the stopped v3 and its IP left out) = 960; the active subscription's 1,200.
    expect(data.cost).toMatchObject({ infrastructure_cost: 900, email_service_cost: 60, total_cost: 960, revenue: 1700, mrr: 1200, recognized_revenue: 1200 });
    expect(data.cost.gross_margin).toBeCloseTo(0.2, 12);
    expect(data.cost.cost_per_email_delivered).toBeCloseTo(960 / 288_000, 12);
    expect(data.trend.map((p) => [p.label, p.cash_collected, p.realized_savings])).toEqual([
      ['2026-06', 0, 0], ['2026-07', 0, 0], ['2026-08', 0, 0], ['2026-09', 0, 0], ['2026-10', 1200, 50], ['2026-11', 1700, 200],
    ]);
  });

  it('savings from the export store: one per uuid, the left-out and the flagged counted', () => {
    expect(data.savings).toMatchObject({ realized_savings: 200, identified_savings: 5400, implemented_baseline_cost: 2000, savings_rate: 0.1, average_roi: 150 });
    expect(data.savings.by_category).toEqual([
      { category: 'ip_pool', realized: 0, identified: 5000, identified_flagged: 5000 },
      { category: 'vendor_contracts', realized: 0, identified: 400, identified_flagged: 0 },
      { category: 'infrastructure', realized: 200, identified: 0, identified_flagged: 0 },
    ]);
    expect(data.savings.excluded_events).toEqual({ invalid_amount: 1, above_baseline: 1 });
    expect(data.data_notes.map((n) => n.code)).toEqual(['optimization-invalid-amount', 'optimization-above-baseline', 'identified-above-monthly-cost']);
    expect(data.data_freshness).toEqual({ newest_summary_date: '2026-11-30', newest_event_at: '2026-12-01T00:00:00.000Z' });
  });

  it('budget, projection and recommendations', () => {
    expect(data.budget).toMatchObject({ monthly_budget: 800, projected_month_end: 960, projected_over_budget: 160, month_complete: true, status: 'warning' });
    expect(data.recommendations.map((r) => [r.rule, r.estimated_monthly_saving, r.resources])).toEqual([
      ['implement-identified-savings', 400, ['vendor_contracts']],
      ['right-size-vps', 150, ['v1']],
      ['release-underused-ips', 10, ['ip2']],
      ['implement-identified-savings', null, ['ip_pool']],
    ]);
    expect(data.headline).toBe('Costs came to $960 in November 2026, $160 (20.0%) over the $800 budget; the recommendations could save $560 a month.');
  });

  it('prints a PDF whose text carries the numbers, the resources and the name as text', async () => {
    const brief = await renderCostOptimization(data, { pool });
    const { text, pages } = await pdfText(brief.pdf);
    expect(pages).toBe(brief.pageCount);
    expect(text).toContain(HOSTILE);
    expect(brief.html).not.toContain('<script>alert(1)');
    for (const s of ['Costs came to $960 in November 2026', '$960', '$1,200', '20.0%', 'VPS v1', 'IP 192.0.2.2', '(ip2)', 'Right-size VPS v1', '$150', 'Names: v1',
      'Release 1 sending IP on under-used instances', 'Names: ip2', '$5,000', 'Budget against actual', '120% of budget', 'November 2026 is over: the projection is its actual cost.',
      '1 cost optimization event left out: a savings amount that is negative or not a number.', 'Herald · Cost optimization', 'Page 1 of']) {
      expect(text).toContain(s);
    }
    // Six months of trend, each named.
    for (const m of ['June 2026', 'July 2026', 'August 2026', 'September 2026', 'October 2026', 'November 2026']) expect(text).toContain(m);
    const layout = await pdfLayout(brief.pdf);
    layout.slice(0, -1).forEach((p, i) => expect(p.fill, `page ${i + 1} fill`).toBeGreaterThan(0.5));
  });

  it('email and Slack lead with the state and the headline, the name escaped', () => {
    const m = costOptimizationMessages(data, 'brief');
    expect(m.email.subject).toBe(`Warning · ${HOSTILE} · Cost optimization · November 2026`);
    expect(m.email.html).toContain('Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(m.email.html).not.toContain('<script>');
    expect(m.email.text).toContain('Costs came to $960 in November 2026');
    expect(m.email.text).toContain('Right-size VPS v1: $150/mo');
    expect(m.slack.text.startsWith('Warning · Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co · Cost optimization · November 2026: Costs came to $960')).toBe(true);
    expect(JSON.stringify(m.slack.blocks)).not.toContain('<script>');
    const delayed = costOptimizationMessages(data, 'delayed-notice');
    expect(delayed.email.subject).toBe(`Delayed: cost optimization · ${HOSTILE} · November 2026`);
  });
});

describe('a tenant with zero revenue', () => {
  it('has a null margin and loses money', async () => {
    const data = await loadCostOptimization(ctx(), { kind: 'tenant', tenantId: 'zero' }, nov()) as CostOptimizationTenantData;
    expect(data.cost).toMatchObject({ total_cost: 100, recognized_revenue: 0, gross_margin: null });
    expect(data.headline).toBe('Losing money: $100 in November 2026, $100 of cost and no recognized revenue.');
    expect(JSON.stringify(data)).not.toMatch(/NaN|Infinity/);
  });
});

describe('portfolio scope, November 2026', () => {
  let data: CostOptimizationPortfolioData;
  beforeAll(async () => {
    data = await loadCostOptimization(ctx(), { kind: 'portfolio' }, nov()) as CostOptimizationPortfolioData;
  });

  it('ranks every tenant by margin: the one without revenue first, the 20% ties by name', () => {
    expect(data.ranking.map((l) => [l.rank, l.tenant_id, l.net])).toEqual([[1, 'zero', -100], [2, 'acme', 240], [3, 'alpha', 200], [4, 'beta', 100]]);
    expect(data.losing_money.map((l) => l.tenant_id)).toEqual(['zero']);
    // 960 + 100 + 800 + 400 = 2,260 of cost against 1,200 + 1,000 + 500 = 2,700.
    expect(data.totals).toMatchObject({ tenants: 4, tenants_losing_money: 1, total_cost: 2260, recognized_revenue: 2700, net: 440, realized_savings: 200, identified_savings: 5700 });
    expect(data.opportunities.map((o) => [o.tenant_id, o.rule, o.estimated_monthly_saving])).toEqual([
      ['acme', 'implement-identified-savings', 400],
      ['alpha', 'implement-identified-savings', 300],
      ['acme', 'right-size-vps', 150],
      ['acme', 'release-underused-ips', 10],
    ]);
    expect(data.headline).toBe('1 of 4 tenants lost money in November 2026 ($100 in all): Zero Revenue Ltd; portfolio gross margin 16.3%.');
  });

  it('herald preview cost-optimization --portfolio prints the same data object', async () => {
    const r = await herald(['preview', 'cost-optimization', '--portfolio', '--period', '2026-11', '--format', 'json'], { DATABASE_URL: t.url });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as CostOptimizationPortfolioData;
    expect(json.ranking.map((l) => l.tenant_id)).toEqual(['zero', 'acme', 'alpha', 'beta']);
    expect(json.totals.total_cost).toBe(2260);
  });

  it('prints a PDF with the losing tenant first, the ranking in order and the opportunities', async () => {
    const brief = await renderCostOptimization(data, { pool });
    const { text } = await pdfText(brief.pdf);
    for (const s of ['All tenants', '1 of 4 tenants lost money in November 2026', 'Losing money', 'Zero Revenue Ltd', 'no revenue', '$2,260', '$2,700', '16.3%',
      'The largest savings opportunities', 'Implement identified vendor contracts savings', 'Every tenant, ranked by gross margin', "Confidential — prepared for the platform's leadership"]) {
      expect(text).toContain(s);
    }
    const ranked = text.slice(text.indexOf('Every tenant, ranked by gross margin'));
    const at = ['Zero Revenue Ltd', HOSTILE, 'Alpha', 'beta'].map((n) => ranked.indexOf(n));
    expect(at.every((x) => x >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const m = costOptimizationMessages(data, 'brief');
    expect(m.email.subject).toBe('Warning · All tenants · Cost optimization (portfolio) · November 2026');
    expect(m.email.text).toContain('Losing money (1)');
  });
});

describe('delivered by schedules', () => {
  it('a tenant\'s month reaches its people by email (PDF attached) and Slack (PDF in the thread); the portfolio\'s reaches the platform only', async () => {
    const smtp = await startSmtpSink();
    const slack = await startSlackStandIn({ channels: ['C0ACMEFIN1'] });
    const archiveDir = await mkdtemp(path.join(tmpdir(), 'herald-co-archive-'));
    try {
      // Fresh data for the pre-send check: the daily summaries reach 30 Nov; an event at the period's end.
      await insertEvent(t.db, 'fresh', 'resource_usage_event', '2026-11-30T23:00:00Z', { tenant_id: 'acme', utilization_percentage: 50 });
      await addRecipient(t.db, { tenantId: 'acme', name: 'Ada Finch', email: 'ada@acme.test', slackChannel: 'C0ACMEFIN1', groups: ['finance'] });
      await addRecipient(t.db, { tenantId: 'alpha', name: 'Al Pha', email: 'al@alpha.test', groups: ['finance'] });
      await addRecipient(t.db, { tenantId: null, name: 'Pia Platform', email: 'pia@platform.test', groups: ['finance'] });
      const config = parseConfig({
        timezone: 'UTC', archiveDir, delivery: { from: 'Herald <herald@test>' },
        schedules: [
          { id: 'monthly-costs', report: 'cost-optimization', every: 'monthly', at: '08:00', scope: { tenants: ['acme'] }, deliver: [{ channel: 'email', to: ['finance'] }, { channel: 'slack', to: ['finance'] }] },
          { id: 'monthly-costs-portfolio', report: 'cost-optimization', every: 'monthly', at: '08:00', scope: 'portfolio', deliver: [{ channel: 'email', to: ['finance'] }] },
        ],
      });
      const env = { DATABASE_URL: t.url, SMTP_URL: smtp.url, SLACK_TOKEN: 'xoxb-test-token', SLACK_API_URL: slack.url };
      let out = '';
      const sink = new Writable({ write(chunk, _enc, done) { out += String(chunk); done(); } });
      const err = new Writable({ write(_c, _e, done) { done(); } }) as unknown as NodeJS.WriteStream;

      expect(await runCommand('monthly-costs', { period: '2026-11' }, config, sink, env, err), out).toBe(0);
      expect(out).toMatch(/1 brief\(s\): 1 queued, 0 held; deliveries: 2 sent/);
      expect(smtp.messages.map((m) => m.envelope.rcptTo)).toEqual([['ada@acme.test']]);
      const mail = smtp.messages[0];
      expect(mail.subject).toBe(`Warning · ${HOSTILE} · Cost optimization · November 2026`);
      expect(mail.text).toContain('Costs came to $960 in November 2026');
      // The key chart inline (by cid:, drawn for a phone's column), then the PDF attached.
      expect(mail.attachments.map((a) => [a.contentType, a.contentDisposition])).toEqual([['image/png', 'inline'], ['application/pdf', 'attachment']]);
      const png = mail.attachments[0];
      expect(png.contentId).toMatch(/^<cost-margin-trend\.[0-9a-f]{16}@herald>$/);
      // (the mail parser shows a cid: image as the data: URI of its part)
      expect(mail.html).toContain(`<img src="data:image/png;base64,${png.content.toString('base64')}"`);
      expect(mail.html).toContain('alt="Total cost $');
      expect(png.content.readUInt32BE(16)).toBe(680);   // IHDR width: 340 CSS px at 2×
      if (process.env.HERALD_KEEP_KEY_CHARTS) await writeFile(path.join(process.env.HERALD_KEEP_KEY_CHARTS, 'cost-tenant.png'), png.content);
      const pdf = mail.attachments[1];
      const { text } = await pdfText(pdf!.content);
      expect(text).toContain('Cost optimization');
      expect(text).toContain('Right-size VPS v1');
      expect(slack.messages.map((m) => m.channel)).toEqual(['C0ACMEFIN1']);
      expect(String(slack.messages[0].text).startsWith('Warning · Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co · Cost optimization · November 2026')).toBe(true);
      expect(slack.callsOf('files.completeUploadExternal').map((c) => c.params.channel_id)).toEqual(['C0ACMEFIN1']);

      // A rerun sends nothing again (the outbox keys).
      out = '';
      expect(await runCommand('monthly-costs', { period: '2026-11' }, config, sink, env, err), out).toBe(0);
      expect(smtp.messages).toHaveLength(1);

      out = '';
      expect(await runCommand('monthly-costs-portfolio', { period: '2026-11' }, config, sink, env, err), out).toBe(0);
      expect(smtp.messages.map((m) => m.envelope.rcptTo)).toEqual([['ada@acme.test'], ['pia@platform.test']]);
      expect(smtp.messages[1].subject).toBe('Warning · All tenants · Cost optimization (portfolio) · November 2026');
      const portfolioPng = smtp.messages[1].attachments.find((a) => a.contentType === 'image/png');
      expect(portfolioPng?.contentId).toMatch(/^<portfolio-margin-ranking\.[0-9a-f]{16}@herald>$/);
      // drawn: the three tenants with a margin, lowest first; the one without revenue is listed, not drawn
      expect(smtp.messages[1].html).toMatch(/alt="Gross margin by tenant, lowest first: Acme &lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; Co 20\.0%; Alpha 20\.0%; beta 20\.0%\."/);
      if (process.env.HERALD_KEEP_KEY_CHARTS) await writeFile(path.join(process.env.HERALD_KEEP_KEY_CHARTS, 'cost-portfolio.png'), portfolioPng!.content);
    } finally {
      await smtp.close();
      await slack.close();
      await rm(archiveDir, { recursive: true, force: true });
    }
  }, 180_000);
});
