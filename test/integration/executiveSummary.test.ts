import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { insertAcmeFixture, insertBerlinFixture, insertEvent, ACME_NAME } from '../helpers/fixture.js';
import { herald } from '../helpers/cli.js';
import { pdfText } from '../helpers/pdfText.js';
import { loadExecutiveSummary } from '../../src/report/loadExecutiveSummary.js';
import { reportContext } from '../../src/cli/context.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { fixedClock } from '../../src/time/clock.js';
import type { ExecutiveSummaryData } from '../../src/report/types.js';
import type { Db } from '../../src/db/Db.js';

let t: TestDatabase;
let dir: string;
const ctx = () => reportContext(parseConfig({}), { herald: t.db, source: t.db }, fixedClock('2026-12-02T12:00:00Z'));

beforeAll(async () => {
  t = await createTestDatabase();
  await insertAcmeFixture(t.db);
  await insertBerlinFixture(t.db);
  dir = await mkdtemp(path.join(tmpdir(), 'herald-preview-'));
});
afterAll(async () => {
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('herald preview executive-summary --format json (November 2026, America/New_York)', () => {
  let data: ExecutiveSummaryData;
  beforeAll(async () => {
    const r = await herald(['preview', 'executive-summary', '--tenant', 'acme', '--period', '2026-11', '--format', 'json'], { DATABASE_URL: t.url });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    data = JSON.parse(r.stdout);
  });

  it('resolves the period as a half-open local month', () => {
    expect(data.period).toMatchObject({ kind: 'month', label: '2026-11', start: '2026-11-01T00:00:00-04:00', end: '2026-12-01T00:00:00-05:00', timezone: 'America/New_York', words: 'November 2026' });
    expect(data.previous_period.label).toBe('2026-10');
    expect(data.tenant).toEqual({ id: 'acme', name: ACME_NAME, timezone: 'America/New_York' });
    expect(data.has_data).toBe(true);
  });

  it('revenue protection, number by number', () => {
    expect(data.revenue_protection).toMatchObject({
      emails_sent: 30_000, emails_delivered: 28_500, emails_bounced: 900, emails_spam: 150,
      revenue_at_risk: 82.5, risk_level: 'ok', ip_reputation: 'fair', domain_reputation: 'good', revenue_protection_rate: null,
    });
    expect(data.revenue_protection.deliverability_rate).toBeCloseTo(0.95, 12);
    expect(data.revenue_protection.bounce_rate).toBeCloseTo(0.03, 12);
    expect(data.revenue_protection.spam_rate).toBeCloseTo(0.005, 12);
  });

  it('cost counts each VPS, IP and payment once; the stopped VPS and its IPs are excluded', () => {
    // Cash collected: 500 + 500 (23:59:59 on the 30th) + 250 (canceled subscription, still paid) + 100 + 100; not the 1 Dec 00:00 one
    expect(data.cost).toMatchObject({ infrastructure_cost: 300, email_service_cost: 80, total_cost: 380, monthly_total_cost: 380, revenue: 1450, mrr: 500, recognized_revenue: 500 });
    // Margins read recognized revenue (the active subscription's $500 a month), not the payments' dates.
    expect(data.cost.gross_margin).toBeCloseTo(120 / 500, 12);
    expect(data.cost.cost_per_email_delivered).toBeCloseTo(380 / 28_500, 12);
    expect(data.cost.efficiency_ratio).toBeCloseTo(500 / 380, 12);
  });

  it('events: deduplicated by uuid, scoped to the tenant and the local month, junk values ignored', () => {
    expect(data.revenue_impact).toEqual({ negative_total: 12_000, positive_total: 3000, business_performance_score: -60, event_count: 2 });
    expect(data.cost_optimization).toMatchObject({ realized_savings: 1200, identified_savings: 6000, average_roi: 170, implemented_baseline_cost: 5000, savings_rate: 0.24 });
    // The $6,000 identified is more than acme's whole monthly cost ($380): flagged, not a saving a month.
    expect(data.cost_optimization.identified_flagged).toEqual({ count: 1, total: 6000, amounts: [6000] });
    expect(data.cost_optimization.by_category).toEqual([
      { category: 'ip_pool', realized: 0, identified: 6000, identified_flagged: 6000 },
      { category: 'infrastructure', realized: 1200, identified: 0, identified_flagged: 0 },
    ]);
    expect(data.recommended_actions.find((r) => r.rule === 'implement-identified-savings')!.estimated_monthly_saving).toBeNull();
    // The "NaN" revenue impact is left out, and said so.
    expect(data.data_notes.map((n) => [n.code, n.count])).toEqual([['identified-above-monthly-cost', 1], ['revenue-impact-invalid-amount', 1]]);
    expect(data.decisions).toMatchObject({ decisions_tracked: 1, decision_velocity_hours: 24, by_type: [{ decision_type: 'budget_allocation', count: 1 }] });
  });

  it('efficiency, health and trends', () => {
    expect(data.efficiency.resource_utilization).toBeCloseTo(0.6, 12);
    // Herald recorded no alerts here, and the events show a critical deliverability alert: how fast
    // it was answered is unknown, so response time is missing, not a perfect 100.
    expect(data.efficiency.missing_components).toEqual(['response_time']);
    const costEfficiency = (0.24 / 0.7) * 100;
    expect(data.efficiency.efficiency_score).toBeCloseTo((0.3 * 95 + 0.3 * costEfficiency + 0.2 * 100) / 0.8, 1);
    expect(Math.abs(data.health.business_health! - (0.4 * 100 + 0.3 * costEfficiency + 0.3 * data.efficiency.efficiency_score!))).toBeLessThanOrEqual(0.051);
    expect(data.health.status).toBe('monitor');
    expect(data.revenue_protection).toMatchObject({ risk_level: 'ok', risk_level_now: 'ok' });
    const bounce = data.kpis.find((k) => k.key === 'bounce_rate')!;
    // October had one day: 500 sent, 90 bounced (18%) → 3% now is a falling bounce rate: −15 pp, improving.
    expect(bounce.trend.previous).toBeCloseTo(0.18, 12);
    expect(bounce.trend).toMatchObject({ unit: 'pp', change: -15, direction: 'improving' });
    // Same subscription both months: recognized revenue and cost stable (30 against 31 days).
    expect(data.kpis.find((k) => k.key === 'recognized_revenue')!.trend).toMatchObject({ previous: 500, change: 0, direction: 'stable' });
    expect(data.trends).toMatchObject({ revenue: 'stable', cost: 'stable' });
    expect(data.kpis.find((k) => k.key === 'realized_savings')!.trend).toMatchObject({ previous: 0, kind: 'new', direction: 'improving' });
  });

  it('lists the critical and high alerts of the period, grouped, derived from the events (Herald recorded none)', () => {
    expect(data.critical_alerts.map((a) => `${a.rule}:${a.severity}`)).toEqual(['deliverability:critical', 'revenue-impact:critical', 'optimization:high']);
    expect(data.critical_alerts[0].summary).toContain('18.0%');
    expect(data.critical_alerts[0]).toMatchObject({ source: 'event', state: null, code: null, fired_at: null, acknowledged_at: null, acknowledged_by: null, resolved_at: null });
    expect(data.medium_alerts).toEqual([]);
    expect(data.medium_alert_count).toBe(0);
    expect(data.alerts_source).toEqual({ kind: 'derived', recorded_from: null, note: 'Herald has not recorded alerts for this period; they are derived from the events.' });
    expect(data.revenue_protection.alerts_considered).toBeNull();
  });
});

describe('periods across DST changes (America/New_York)', () => {
  it('2026-W44 contains the 25-hour 1 November: whole days, boundary payments, prorated cost', async () => {
    const d = await loadExecutiveSummary(ctx(), 'acme', '2026-W44');
    expect(d.period).toMatchObject({ start: '2026-10-26T00:00:00-04:00', end: '2026-11-02T00:00:00-05:00', words: 'Week 44, 26 Oct – 1 Nov 2026' });
    expect(d.daily.map((p) => p.date)).toEqual(['2026-10-26', '2026-10-27', '2026-10-28', '2026-10-29', '2026-10-30', '2026-10-31', '2026-11-01']);
    expect(d.revenue_protection.emails_sent).toBe(1500);
    expect(d.cost.revenue).toBe(100); // 23:59:59 on 1 Nov counts; 00:00 on 2 Nov does not
    expect(d.cost.infrastructure_cost).toBeCloseTo(300 * 6 / 31 + 300 / 30, 2);
    expect(d.cost.email_service_cost).toBeCloseTo(80 * 6 / 31 + 80 / 30, 2);
  });

  it('the 23-hour 8 March is one whole day', async () => {
    const d = await loadExecutiveSummary(ctx(), 'acme', '2026-03-08');
    expect(d.period).toMatchObject({ start: '2026-03-08T00:00:00-05:00', end: '2026-03-09T00:00:00-04:00' });
    expect(d.revenue_protection.emails_sent).toBe(2000);
    expect(d.cost.revenue).toBe(70);
    expect(d.cost.infrastructure_cost).toBeCloseTo(300 / 31, 2);
  });

  it('Europe/Berlin: the 23-hour 29 March and the 25-hour 25 October, as days and as weeks', async () => {
    const spring = await loadExecutiveSummary(ctx(), 'berlin', '2026-03-29');
    expect(spring.period).toMatchObject({ start: '2026-03-29T00:00:00+01:00', end: '2026-03-30T00:00:00+02:00' });
    expect(spring.revenue_protection.emails_sent).toBe(100);
    expect(spring.cost.revenue).toBe(11);
    expect(spring.cost.infrastructure_cost).toBeCloseTo(310 / 31, 2);

    const fall = await loadExecutiveSummary(ctx(), 'berlin', '2026-10-25');
    expect(fall.period).toMatchObject({ start: '2026-10-25T00:00:00+02:00', end: '2026-10-26T00:00:00+01:00' });
    expect(fall.revenue_protection.emails_sent).toBe(200);
    expect(fall.cost.revenue).toBe(17 + 23);

    const w13 = await loadExecutiveSummary(ctx(), 'berlin', '2026-W13');
    expect(w13.period).toMatchObject({ start: '2026-03-23T00:00:00+01:00', end: '2026-03-30T00:00:00+02:00' });
    expect(w13.daily).toHaveLength(7);
    expect(w13.revenue_protection.emails_sent).toBe(100);
    expect(w13.cost.revenue).toBe(11);
    expect(w13.cost.infrastructure_cost).toBeCloseTo(310 * 7 / 31, 2);

    const w43 = await loadExecutiveSummary(ctx(), 'berlin', '2026-W43');
    expect(w43.period).toMatchObject({ start: '2026-10-19T00:00:00+02:00', end: '2026-10-26T00:00:00+01:00' });
    expect(w43.revenue_protection.emails_sent).toBe(200);
    expect(w43.cost.revenue).toBe(17 + 23);
    // The same instants read in another zone fall into other days: the tenant's zone decides.
    const utcDay = await loadExecutiveSummary(ctx(), 'berlin', '2026-10-24', 'UTC');
    expect(utcDay.cost.revenue).toBe(23);
  });

  it('an empty period gives zeros and nulls, never NaN', async () => {
    const d = await loadExecutiveSummary(ctx(), 'acme', '2025-06');
    expect(d.has_data).toBe(false);
    expect(d.revenue_protection.deliverability_rate).toBeNull();
    expect(d.revenue_protection.risk_level_now).toBeNull();
    // Costs and subscriptions are shown as recorded: the margin is the MRR's, not n/a.
    expect(d.cost.gross_margin).toBeCloseTo(0.24, 12);
    expect(d.headline).toBe('No activity was recorded in June 2025.');
    expect(JSON.stringify(d)).not.toMatch(/NaN|Infinity/);
  });
});

describe('herald preview --format pdf and html', () => {
  it('renders a PDF whose text carries the tenant, the period and the key figures', async () => {
    const out = path.join(dir, 'acme.pdf');
    const r = await herald(['preview', 'executive-summary', '--tenant', 'acme', '--period', '2026-11', '--out', out], { DATABASE_URL: t.url });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const pdf = await readFile(out);
    const { text, pages } = await pdfText(pdf);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(pages).toBeLessThanOrEqual(4);
    expect(text).toContain(ACME_NAME);           // hostile name printed as text
    expect(text).toContain('November 2026');
    expect(text).toContain('$1,450');             // cash collected
    expect(text).toContain('24.0%');              // gross margin (500 − 380) / 500
    expect(text).toContain('$82.50');             // revenue at risk
    expect(text).toContain('Critical and high alerts');
    expect(text.match(/Generated/g)).toHaveLength(1);
    expect(text).toContain('(America/New_York)');
    expect(text).not.toMatch(/\b(EST|EDT|GMT[+-]\d)\b/);
    expect(text).toContain('Data notes');
    expect(text).toContain('1 revenue impact event left out: an impact amount that is negative or not a number.');
    expect(text).toMatch(/Page 1 of \d/);
    const runs = await t.db.query<{ status: string; artifact_sha256: string; page_count: number }>(`SELECT status, artifact_sha256, page_count FROM herald.runs WHERE trigger = 'preview'`);
    expect(runs.rows).toHaveLength(1);
    expect(runs.rows[0]).toMatchObject({ status: 'rendered', page_count: pages });
    expect(runs.rows[0].artifact_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('escapes hostile tenant names and event properties in the HTML', async () => {
    const r = await herald(['preview', 'executive-summary', '--tenant', 'acme', '--period', '2026-11', '--format', 'html'], { DATABASE_URL: t.url });
    expect(r.code).toBe(0);
    // Handlebars also escapes `=` (as &#x3D;), which is just as inert.
    expect(r.stdout).toContain('Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src&#x3D;x onerror&#x3D;alert(2)&gt; Co');
    expect(r.stdout).not.toMatch(/<script|<img|onerror=alert\(2\)>/i);
    expect(r.stdout).toContain('Scale infra &lt;script&gt;');
  });
});

describe('bad input: one line naming the problem, exit 2, no stack trace', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown tenant', ['--tenant', 'nope', '--period', '2026-11'], /^herald: tenant: unknown tenant "nope"$/],
    ['week 54', ['--tenant', 'acme', '--period', '2026-W54'], /2026-W54.*53/],
    ['month 13', ['--tenant', 'acme', '--period', '2026-13'], /2026-13.*month/],
    ['bad zone', ['--tenant', 'acme', '--period', '2026-11', '--timezone', 'Mars/Olympus'], /Mars\/Olympus/],
    ['bad format', ['--tenant', 'acme', '--period', '2026-11', '--format', 'docx'], /--format/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const r = await herald(['preview', 'executive-summary', ...args], { DATABASE_URL: t.url });
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
      expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    });
  }

  it('unknown report', async () => {
    const r = await herald(['preview', 'weekly-gossip', '--tenant', 'acme', '--period', '2026-11'], { DATABASE_URL: t.url });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^herald: report: unknown report "weekly-gossip"/);
  });

  it('no DATABASE_URL', async () => {
    const r = await herald(['preview', 'executive-summary', '--tenant', 'acme', '--period', '2026-11'], { DATABASE_URL: '' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^herald: DATABASE_URL: not set/);
  });

  it('a bad config file: config check lists every error with its path', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, [
      'timezone: Mars/Olympus',
      'metrics:',
      '  riskThresholds:',
      '    bounceRate: { critical: 0.05, warning: 0.10, monitor: 0.01 }',
      '    spamRate: { critical: 0.02, warning: 0.015, monitor: 0.01 }',
      'schedules:',
      '  - id: weekly',
      '    report: executive-summary',
      '    every: fortnightly',
      '    at: "25:00"',
      '    deliver: [{ channel: email, to: [c-suite] }]',
      'typo_key: 1',
    ].join('\n'));
    const r = await herald(['config', 'check', file]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(/bad\.yaml: timezone: not an IANA time zone$/),
      expect.stringMatching(/metrics\.riskThresholds\.bounceRate: must satisfy critical ≥ warning ≥ monitor$/),
      expect.stringMatching(/schedules\[0\]\.every: /),
      expect.stringMatching(/schedules\[0\]\.at: expected HH:MM/),
      expect.stringMatching(/typo_key/),
    ]));
    const preview = await herald(['--config', file, 'preview', 'executive-summary', '--tenant', 'acme', '--period', '2026-11'], { DATABASE_URL: t.url });
    expect(preview.code).toBe(2);
    expect(preview.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('the shipped example config is valid', async () => {
    const r = await herald(['config', 'check', 'config/herald.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ok \(3 schedules\)/);
  });
});

/** A herald.alerts row as the poller writes it; `firstFired`: a re-alert moved fired_at, the timeline keeps the first. */
async function insertAlert(db: Db, a: {
  tenant?: string; rule?: string; severity: 'critical' | 'high' | 'medium'; state: string; summary: string; fired: string | null;
  ack?: string; by?: string; resolved?: string; test?: boolean; code?: string; firstFired?: string;
}): Promise<void> {
  const tenant = a.tenant ?? 'acme';
  const rule = a.rule ?? 'deliverability';
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO herald.alerts (rule, tenant_id, fingerprint, code, severity, current_severity, state, summary, short, raised_at, fired_at,
                                acknowledged_at, acknowledged_by, resolved_at, test, tenant_name)
     VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $7, coalesce($11::timestamptz, $8::timestamptz, '2026-11-01T00:00:00Z'), $8, $9, $10, $12, $13, 'Acme')
     RETURNING id::int AS id`,
    [rule, tenant, `${rule}:${tenant}${a.test ? ':test' : ''}`, a.code ?? null, a.severity, a.state, a.summary, a.fired, a.ack ?? null, a.by ?? null,
      a.firstFired ?? null, a.resolved ?? null, a.test ?? false]);
  if (a.firstFired) await db.query(`INSERT INTO herald.alert_events (alert_id, at, kind) VALUES ($1, $2, 'fired'), ($1, $3, 'realerted')`, [rows[0].id, a.firstFired, a.fired]);
}

describe('alerts of the period from Herald\'s records (America/New_York, recording since Monday 9 Nov 2026)', () => {
  let r: TestDatabase;
  let week: ExecutiveSummaryData;
  const rctx = () => reportContext(parseConfig({}), { herald: r.db, source: r.db }, fixedClock('2026-12-02T12:00:00Z'));

  beforeAll(async () => {
    r = await createTestDatabase();
    await insertAcmeFixture(r.db);
    await r.db.query(`INSERT INTO herald.alert_poller (id, started_at) VALUES (1, '2026-11-09T05:00:00Z')`); // 00:00 local
    // A deliverability breach before recording began (Wednesday of 2026-W45): derived for that week.
    await insertEvent(r.db, 'e-w45', 'email_deliverability_event', '2026-11-04T15:00:00Z', { tenant_id: 'acme', bounce_rate: 0.12, spam_rate: 0.001, email_count: 1000 });
    const alerts: Parameters<typeof insertAlert>[1][] = [
      // Fired the week before (Fri 13 Nov), acknowledged at once, resolved inside 2026-W47: listed there, counted in W46's rate.
      { severity: 'critical', state: 'resolved', code: '1001', summary: 'E: bounce 16.2% since Friday', fired: '2026-11-13T14:00:00Z', ack: '2026-11-13T14:20:00Z', by: 'Nora Chen (SMS)', resolved: '2026-11-16T15:00:00Z' },
      // Critical, acknowledged after 90 minutes by a named person: protected.
      { severity: 'critical', state: 'resolved', code: '1002', summary: 'A: bounce 17.1% above the 15% critical threshold', fired: '2026-11-17T14:00:00Z', ack: '2026-11-17T15:30:00Z', by: 'Nora Chen (SMS)', resolved: '2026-11-17T18:00:00Z' },
      // High, acknowledged after 3 hours: late.
      { severity: 'high', state: 'resolved', code: '1003', summary: 'B: spam 1.7% above the 1.5% high threshold', fired: '2026-11-18T14:00:00Z', ack: '2026-11-18T17:00:00Z', by: 'Omar Diaz (SMS)', resolved: '2026-11-19T01:30:00Z' },
      // Medium: no message was sent, nobody acknowledged it; listed.
      { severity: 'medium', state: 'resolved', code: '1004', summary: 'C: bounce 5.6% above the 5% medium threshold', fired: '2026-11-19T16:00:00Z', resolved: '2026-11-19T20:00:00Z' },
      // Critical revenue impact, never acknowledged, still open: listed, not in the (deliverability) rate.
      { rule: 'revenue-impact', severity: 'critical', state: 'firing', code: '1005', summary: 'D: negative revenue impact of $12,000', fired: '2026-11-20T15:00:00Z' },
      // Critical, acknowledged within the hour, still open.
      { severity: 'critical', state: 'acknowledged', code: '1006', summary: 'I: bounce 18.0% above the 15% critical threshold', fired: '2026-11-21T14:00:00Z', ack: '2026-11-21T14:45:00Z', by: 'Nora Chen (SMS)' },
      // Efficiency, first fired on Sunday; re-alerted after the week ended (fired_at moved): still this week's.
      { rule: 'efficiency', severity: 'high', state: 'firing', code: '1007', summary: 'K: operational efficiency score 64 is below 70', fired: '2026-11-23T15:00:00Z', firstFired: '2026-11-22T14:00:00Z' },
      // Not this week's: resolved before it began.
      { severity: 'high', state: 'resolved', code: '1008', summary: 'J: resolved last week', fired: '2026-11-10T14:00:00Z', resolved: '2026-11-11T14:00:00Z' },
      // Not this week's: a test alert, another tenant's, one that never fired.
      { severity: 'critical', state: 'resolved', summary: 'TEST ALERT', fired: '2026-11-18T10:00:00Z', resolved: '2026-11-18T11:00:00Z', test: true },
      { tenant: 'other', severity: 'critical', state: 'firing', summary: 'OTHER TENANT', fired: '2026-11-18T12:00:00Z' },
      { rule: 'cost-overrun', severity: 'critical', state: 'pending', summary: 'NEVER FIRED', fired: null },
    ];
    for (const a of alerts) await insertAlert(r.db, a);

    const res = await herald(['preview', 'executive-summary', '--tenant', 'acme', '--period', '2026-W47', '--format', 'json'], { DATABASE_URL: r.url });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    week = JSON.parse(res.stdout);
  });
  afterAll(async () => {
    await r?.drop();
  });

  it('lists each alert record open in the week, with who acknowledged it and when, and whether it resolved', () => {
    expect(week.alerts_source).toEqual({ kind: 'records', recorded_from: '2026-11-09T05:00:00.000Z', note: null });
    const line = (a: ExecutiveSummaryData['critical_alerts'][number]) => [a.summary.slice(0, 2), a.rule, a.severity, a.state, a.code, a.fired_at, a.acknowledged_at, a.acknowledged_by, a.resolved_at];
    // Critical first, then high; by the time each first fired.
    expect(week.critical_alerts.map(line)).toEqual([
      ['E:', 'deliverability', 'critical', 'resolved', '1001', '2026-11-13T14:00:00.000Z', '2026-11-13T14:20:00.000Z', 'Nora Chen (SMS)', '2026-11-16T15:00:00.000Z'],
      ['A:', 'deliverability', 'critical', 'resolved', '1002', '2026-11-17T14:00:00.000Z', '2026-11-17T15:30:00.000Z', 'Nora Chen (SMS)', '2026-11-17T18:00:00.000Z'],
      ['D:', 'revenue-impact', 'critical', 'firing', '1005', '2026-11-20T15:00:00.000Z', null, null, null],
      ['I:', 'deliverability', 'critical', 'acknowledged', '1006', '2026-11-21T14:00:00.000Z', '2026-11-21T14:45:00.000Z', 'Nora Chen (SMS)', null],
      ['B:', 'deliverability', 'high', 'resolved', '1003', '2026-11-18T14:00:00.000Z', '2026-11-18T17:00:00.000Z', 'Omar Diaz (SMS)', '2026-11-19T01:30:00.000Z'],
      ['K:', 'efficiency', 'high', 'firing', '1007', '2026-11-22T14:00:00.000Z', null, null, null],
    ]);
    for (const a of week.critical_alerts) {
      expect(a.source).toBe('alert');
      expect(a.occurred_at).toBe(a.fired_at);
    }
    // The deliverability event of 21 Nov (18% bounce) is not derived into a line: the records are the alerts.
    expect(week.critical_alerts.some((a) => a.source === 'event')).toBe(false);
    const all = JSON.stringify(week);
    for (const absent of ['TEST ALERT', 'OTHER TENANT', 'NEVER FIRED', 'J: resolved last week']) expect(all).not.toContain(absent);
  });

  it('lists the medium ones', () => {
    expect(week.medium_alerts.map((a) => [a.summary, a.state, a.fired_at, a.acknowledged_by, a.resolved_at])).toEqual([
      ['C: bounce 5.6% above the 5% medium threshold', 'resolved', '2026-11-19T16:00:00.000Z', null, '2026-11-19T20:00:00.000Z'],
    ]);
    expect(week.medium_alert_count).toBe(1);
  });

  it('revenue_protection_rate: critical and high deliverability alerts that fired in the week, acknowledged within 2 hours', () => {
    // Fired in the week: A (90 min, protected), B (3 h, late), I (45 min, protected). E fired the week before; D is not deliverability.
    expect(week.revenue_protection.alerts_considered).toBe(3);
    expect(week.revenue_protection.revenue_protection_rate).toBeCloseTo(2 / 3, 12);
    const rt = week.efficiency.components.find((c) => c.name === 'response_time')!;
    expect(rt.value).toBeCloseTo(66.7, 1);
    expect(week.efficiency.missing_components).not.toContain('response_time');
    // The recommendation counts the critical and high deliverability alerts listed for the week: E, A, I and B.
    expect(week.recommended_actions[0]).toMatchObject({ rule: 'deliverability-risk' });
    expect(week.recommended_actions[0].detail).toContain('4 critical or high deliverability alerts');
  });

  it('a period that starts when recording began reads records too; one before it derives them, and says so', async () => {
    const w46 = await loadExecutiveSummary(rctx(), 'acme', '2026-W46');
    expect(w46.alerts_source.kind).toBe('records');
    // E (20 min) and J (never acknowledged) fired in 2026-W46.
    expect(w46.revenue_protection).toMatchObject({ alerts_considered: 2, revenue_protection_rate: 0.5 });

    const w45 = await loadExecutiveSummary(rctx(), 'acme', '2026-W45');
    expect(w45.alerts_source).toEqual({
      kind: 'derived', recorded_from: '2026-11-09T05:00:00.000Z',
      note: 'Alerts before 9 Nov 2026 are derived from the events: Herald recorded alerts from then on.',
    });
    expect(w45.critical_alerts).toEqual([{
      rule: 'deliverability', severity: 'high', occurred_at: '2026-11-04T15:00:00.000Z', count: 1, source: 'event',
      summary: 'Bounce rate 12.0% is above the 10% high threshold; $6 of revenue at risk.',
      state: null, code: null, fired_at: null, acknowledged_at: null, acknowledged_by: null, resolved_at: null,
    }]);
    // No acknowledgement is known before recording: no rate, and response time drops out of the score.
    expect(w45.revenue_protection).toMatchObject({ alerts_considered: null, revenue_protection_rate: null });
    expect(w45.efficiency.missing_components).toContain('response_time');

    // A month in which recording began is derived as a whole (no mix of records and derivations).
    const month = await loadExecutiveSummary(rctx(), 'acme', '2026-11');
    expect(month.alerts_source.kind).toBe('derived');
    expect(month.alerts_source.note).toBe('Herald began recording alerts on 9 Nov 2026, during this period; the alerts of the whole period are derived from the events.');
    expect(month.critical_alerts.every((a) => a.source === 'event')).toBe(true);
  });

  it('the PDF shows the acknowledgement lines and the medium list', async () => {
    const out = path.join(dir, 'acme-w47.pdf');
    const res = await herald(['preview', 'executive-summary', '--tenant', 'acme', '--period', '2026-W47', '--out', out], { DATABASE_URL: r.url });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const { text, pages } = await pdfText(await readFile(out));
    expect(pages).toBeLessThanOrEqual(4);
    // Times in America/New_York.
    expect(text).toContain('acknowledged by Nora Chen (SMS) at 10:30 · resolved 13:00');
    expect(text).toContain('acknowledged by Omar Diaz (SMS) at 12:00 · resolved 20:30');
    expect(text).toContain('acknowledged by Nora Chen (SMS) at 09:20 · resolved Mon 16 Nov, 10:00');
    expect(text).toContain('acknowledged by Nora Chen (SMS) at 09:45 · open');
    expect(text.match(/not acknowledged · open/g)).toHaveLength(2); // D and K
    expect(text).toContain('Medium alerts · 1');
    expect(text).toContain('C: bounce 5.6% above the 5% medium threshold Thu 19 Nov, 11:00 · resolved 15:00');
    expect(text).not.toContain('medium-severity alert');
    expect(text).not.toContain('derived from the events');
  });
});

describe('issue 9 through the loader (real PostgreSQL): the current state, recognized revenue, defensible savings', () => {
  let r: TestDatabase;
  const rctx = () => reportContext(parseConfig({}), { herald: r.db, source: r.db }, fixedClock('2026-12-02T06:00:00Z'));

  beforeAll(async () => {
    r = await createTestDatabase();
    // Europe/Berlin, $1,750 a month of instances and IPs, $4,999 of MRR; one payment, on 3 Nov.
    await r.db.exec(`
      INSERT INTO plans (id, name, price_monthly) VALUES ('ent', 'Enterprise', 4999);
      INSERT INTO tenants (id, name, timezone, monthly_budget) VALUES ('crisis', 'Crisis GmbH', 'Europe/Berlin', 2500);
      INSERT INTO subscriptions (id, tenant_id, plan_id, status) VALUES ('cs', 'crisis', 'ent', 'active');
      INSERT INTO payments (id, subscription_id, amount, paid_at) VALUES ('cp', 'cs', 4999, '2026-11-03T10:05:00+01:00');
      INSERT INTO vps_instances (id, tenant_id, status, approximate_cost, cpu_utilization, memory_utilization) VALUES ('cv', 'crisis', 'active', 1390, 65, 60);
      INSERT INTO smtp_ip_addresses (id, vps_instance_id, ip, approximate_cost, warmup_progress, daily_capacity) VALUES ('ci', 'cv', '203.0.113.9', 360, 100, 100000);
      -- October and 1–20 November at 2% bounce; 21–30 November at 17%: the month averages 7% (monitor).
      INSERT INTO deliverability_daily_summary (tenant_id, tracking_date, emails_sent, emails_delivered, emails_bounced, emails_spam, ip_reputation, domain_reputation)
        SELECT 'crisis', d::date, 10000, 10000 - CASE WHEN d::date >= '2026-11-21' THEN 1700 ELSE 200 END,
               CASE WHEN d::date >= '2026-11-21' THEN 1700 ELSE 200 END, 20, 'good', 'good'
          FROM generate_series('2026-10-01'::date, '2026-12-01'::date, '1 day') d;
    `);
    await r.db.query(`INSERT INTO herald.alert_poller (id, started_at) VALUES (1, '2026-09-01T00:00:00Z')`);
    const t = 'crisis';
    const opt = (uuid: string, at: string, p: Record<string, unknown>) => insertEvent(r.db, uuid, 'cost_optimization_event', at, { tenant_id: t, optimization_category: 'infrastructure', ...p });
    await opt('o-ok', '2026-11-05T10:00:00Z', { optimization_type: 'implemented', savings_amount: 300, baseline_cost: 3000, roi: 120 });
    await opt('o-neg', '2026-11-06T10:00:00Z', { optimization_type: 'implemented', savings_amount: -200, baseline_cost: 3000 });
    await opt('o-nan', '2026-11-07T10:00:00Z', { optimization_type: 'identified', savings_amount: 'lots' });
    await opt('o-big', '2026-11-08T10:00:00Z', { optimization_type: 'implemented', savings_amount: 6000, baseline_cost: 5000 });
    await opt('o-f1', '2026-11-09T10:00:00Z', { optimization_category: 'vendor_contracts', optimization_type: 'identified', savings_amount: 9930, baseline_cost: 19860 });
    await opt('o-f2', '2026-11-10T10:00:00Z', { optimization_category: 'vendor_contracts', optimization_type: 'identified', savings_amount: '10105', baseline_cost: 21500 });
    await insertEvent(r.db, 'u-1', 'resource_usage_event', '2026-11-05T10:00:00Z', { tenant_id: t, utilization_percentage: 70 });
    await insertEvent(r.db, 'u-2', 'resource_usage_event', '2026-11-06T10:00:00Z', { tenant_id: t, utilization_percentage: 170 });
    // A critical deliverability alert that fired on the last evening of November, acknowledged, still open.
    await insertAlert(r.db, { tenant: t, severity: 'critical', state: 'acknowledged', code: '4821', summary: 'Bounce rate 17.2% is above the 15% critical threshold.', fired: '2026-11-30T20:00:00Z', ack: '2026-11-30T20:10:00Z', by: 'Lena Vogt (SMS)' });
  });
  afterAll(async () => {
    await r?.drop();
  });

  it('a month whose last 10 days are critical is critical now; its health says so and its headline names the state and the money', async () => {
    const d = await loadExecutiveSummary(rctx(), 'crisis', '2026-11');
    expect(d.revenue_protection.risk_level).toBe('monitor');
    expect(d.revenue_protection.risk_level_now).toBe('critical');
    expect(d.revenue_protection.risk_now).toMatchObject({ since: '2026-11-21', on: '2026-11-30', metric: 'bounce_rate', threshold: 0.15, open_critical_alerts: 1, open_critical_since: '2026-11-30T20:00:00.000Z' });
    expect(d.health).toMatchObject({ revenue_health: 20, status: 'critical' });
    expect(d.headline).toBe(`Bounce has been above the 15% critical line since 21 Nov; $${Math.round(d.revenue_protection.revenue_at_risk).toLocaleString('en-US')} of revenue at risk.`);
    // The daily brief of 1 Dec (the days before it read for "since") and the week say the same.
    const day = await loadExecutiveSummary(rctx(), 'crisis', '2026-12-01');
    expect(day.revenue_protection.risk_now.since).toBe('2026-11-21');
    expect(day.headline).toMatch(/^Bounce has been above the 15% critical line since 21 Nov; /);
    const week = await loadExecutiveSummary(rctx(), 'crisis', '2026-W48');
    expect(week.headline).toMatch(/^Bounce has been above the 15% critical line since 21 Nov; /);
  });

  it('margins come from recognized revenue: the week without a payment and the week with one score alike', async () => {
    const paid = await loadExecutiveSummary(rctx(), 'crisis', '2026-W45');     // 2–8 Nov: the $4,999 payment
    const unpaid = await loadExecutiveSummary(rctx(), 'crisis', '2026-W46');   // 9–15 Nov: none
    expect([paid.cost.revenue, unpaid.cost.revenue]).toEqual([4999, 0]);
    expect(unpaid.cost.gross_margin).toBeCloseTo((4999 - 1750) / 4999, 3);
    expect(paid.cost.gross_margin).toBe(unpaid.cost.gross_margin);
    expect(paid.health.cost_efficiency).toBe(unpaid.health.cost_efficiency);
    expect(unpaid.kpis.find((k) => k.key === 'recognized_revenue')!.trend.direction).toBe('stable');
  });

  it('savings events that cannot be right are left out and counted; identified savings above the monthly cost are flagged', async () => {
    const d = await loadExecutiveSummary(rctx(), 'crisis', '2026-11');
    expect(d.cost_optimization).toMatchObject({
      realized_savings: 300, implemented_baseline_cost: 3000, identified_savings: 20035,
      excluded_events: { invalid_amount: 2, above_baseline: 1 },
      identified_flagged: { count: 2, total: 20035, amounts: [9930, 10105] },
    });
    expect(d.efficiency.resource_utilization).toBeCloseTo(0.7, 12);
    expect(d.data_notes.map((n) => n.text)).toEqual([
      '2 cost optimization events left out: a savings amount that is negative or not a number.',
      '1 cost optimization event left out: savings larger than the baseline cost they were measured against.',
      '2 identified savings ($9,930 and $10,105) are each larger than the monthly total cost of $1,750: flagged, not counted as a saving a month.',
      '1 resource usage event left out: a utilization that is not a percentage from 0 to 100.',
    ]);
    expect(d.recommended_actions.filter((a) => a.rule === 'implement-identified-savings').map((a) => a.estimated_monthly_saving)).toEqual([null]);
  });

  it('the PDF leads with the headline and the critical state on page 1', async () => {
    const out = path.join(dir, 'crisis-2026-11.pdf');
    const res = await herald(['preview', 'executive-summary', '--tenant', 'crisis', '--period', '2026-11', '--out', out], { DATABASE_URL: r.url });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const { text } = await pdfText(await readFile(out));
    const page1 = text.slice(0, text.indexOf('Page 1 of'));
    expect(page1).toContain('Bounce has been above the 15% critical line since 21 Nov');
    expect(page1).toMatch(/BUSINESS HEALTH \d+\s*\/ 100 Critical/);
    expect(page1).toMatch(/BOUNCE RATE 7\.0% ▲ \+5\.0.pp from 2\.0% above target < 5%/);   // in percentage points, against October
    expect(text).toContain('Data notes');
  });
});
