/**
 * Issue 9.6: the printed brief's pages, measured in the PDF Chromium prints (real Chromium, the
 * brief's own templates): no section, action item or chart with its table split across pages; no
 * page before the last under a third full; a quiet daily brief on 2 pages; every demo brief
 * within the configured 2–4 pages. Text per page from pdf-parse; how full a page is from
 * poppler's word boxes (test/helpers/pdfLayout.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fixtureJson from '../fixtures/executive-summary.sample.json' with { type: 'json' };
import { BrowserPool } from '../../src/render/BrowserPool.js';
import { renderExecutiveBrief } from '../../src/render/renderBrief.js';
import { formatUsd, humanize } from '../../src/report/format.js';
import type { ExecutiveSummaryData, Recommendation } from '../../src/report/types.js';
import { loadSampleData } from '../../src/demo/sampleData.js';
import { reportContext } from '../../src/cli/context.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { fixedClock } from '../../src/time/clock.js';
import { lastCompletePeriod } from '../../src/time/periods.js';
import { loadExecutiveSummary } from '../../src/report/loadExecutiveSummary.js';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { pdfText } from '../helpers/pdfText.js';
import { pdfLayout } from '../helpers/pdfLayout.js';

const pool = new BrowserPool({ size: 2 });
afterAll(() => pool.close());

const sample = (): ExecutiveSummaryData => structuredClone(fixtureJson) as unknown as ExecutiveSummaryData;

interface Printed { pages: number; pageTexts: string[]; fills: number[] }

async function print(data: ExecutiveSummaryData): Promise<Printed> {
  const brief = await renderExecutiveBrief(data, { pool });
  const [{ pageTexts, pages }, layout] = await Promise.all([pdfText(brief.pdf), pdfLayout(brief.pdf)]);
  expect(brief.pageCount).toBe(pages);
  return { pages, pageTexts: pageTexts.map((t) => t.replace(/\u00a0/g, ' ')), fills: layout.map((p) => p.fill) };
}

/** The pages (1-based) whose text holds `text` whole. */
function pagesWith(p: Printed, text: string): number[] {
  return p.pageTexts.flatMap((t, i) => (t.includes(text) ? [i + 1] : []));
}

/** `texts` are all printed whole, on one and the same page; that page. */
function onOnePage(p: Printed, texts: string[], what: string): number {
  const pages = texts.map((t) => pagesWith(p, t));
  for (const [i, found] of pages.entries()) expect(found.length, `${what}: "${texts[i]}" printed whole`).toBeGreaterThan(0);
  const common = pages.reduce((a, b) => a.filter((n) => b.includes(n)));
  expect(common, `${what}: ${texts.map((t, i) => `"${t.slice(0, 40)}" on ${pages[i].join(',')}`).join('; ')}`).not.toEqual([]);
  return common[0];
}

/** What the brief must keep whole, read back from the PDF's pages. */
function expectNothingSplit(data: ExecutiveSummaryData, p: Printed): void {
  // Each recommended action: its title, detail and saving on one page, the section's title with the first.
  for (const [i, a] of data.recommended_actions.entries()) {
    const texts = [a.title, a.detail, a.estimated_monthly_saving === null ? 'Saving not estimated' : formatUsd(a.estimated_monthly_saving)];
    onOnePage(p, i === 0 ? ['Recommended actions', ...texts] : texts, `action ${i + 1}`);
  }
  // The critical and high alerts printed (at most 8): each summary whole, the first with the section's title.
  for (const [i, a] of data.critical_alerts.slice(0, 8).entries()) {
    onOnePage(p, i === 0 ? ['Critical and high alerts', a.summary] : [a.summary], `alert ${i + 1}`);
  }
  // Savings: the chart's title and every row of its table on one page, with the section's figures.
  if (data.cost_optimization.by_category.length > 0) {
    const rows = data.cost_optimization.by_category.map((c) => `${humanize(c.category)} ${formatUsd(c.realized)} ${formatUsd(c.identified)}`);
    const total = `Total ${formatUsd(data.cost_optimization.realized_savings)} ${formatUsd(data.cost_optimization.identified_savings)}`;
    onOnePage(p, ['Savings by category', 'SAVINGS RATE', ...rows, total], 'savings chart and table');
  }
  // Each chart with its table.
  onOnePage(p, ['Deliverability by day', 'Spam complaints', 'Revenue protection rate'], 'deliverability chart and tables');
  onOnePage(p, ['Cost breakdown', 'Infrastructure cost', 'Efficiency ratio'], 'cost chart and table');
  onOnePage(p, ['Efficiency components', 'EFFICIENCY SCORE', 'APPLIED'], 'efficiency chart and table');
  if (data.decisions.decisions_tracked > 0) onOnePage(p, ['Decisions tracked', 'DECISION VELOCITY', ...data.decisions.items.map((d) => d.title)], 'decisions and their table');
  if (data.revenue_impact.event_count > 0) onOnePage(p, ['Revenue impact', 'NEGATIVE IMPACT', 'BUSINESS PERFORMANCE SCORE'], 'revenue impact');
  onOnePage(p, ['About this brief', ...data.data_notes.map((n) => n.text)], 'about and data notes');
}

/** No page before the last is under a third full. */
function expectPagesFilled(p: Printed, what: string): void {
  for (const [i, fill] of p.fills.slice(0, -1).entries()) expect(fill, `${what}: page ${i + 1} of ${p.pages} is ${(fill * 100).toFixed(0)}% full`).toBeGreaterThanOrEqual(1 / 3);
}

/** A quiet day of the fixture's tenant: nothing to list, nothing saved, nothing decided, rates steady over the 14 days. */
function quietDay(): ExecutiveSummaryData {
  const data = sample();
  const day = data.trend_window.days[data.trend_window.days.length - 1];
  data.period = { kind: 'day', label: day.date, start: `${day.date}T00:00:00.000-05:00`, end: '2026-11-23T00:00:00.000-05:00', timezone: 'America/New_York', words: 'Sunday 22 Nov 2026' };
  data.previous_period = { kind: 'day', label: '2026-11-21', start: '2026-11-21T00:00:00.000-05:00', end: day.date + 'T00:00:00.000-05:00', timezone: 'America/New_York', words: 'Saturday 21 Nov 2026' };
  data.daily = data.daily.slice(-1);
  data.trend_window = { ...data.trend_window, words: '9–22 Nov 2026', days: data.trend_window.days.map((d) => ({ ...d, in_period: d.date === day.date })) };
  data.headline = 'Steady against Saturday 21 Nov 2026: the largest move, bounce rate −0.1 pp, is small.';
  data.headline_rule = 'largest-change';
  data.headline_level = 'ok';
  data.critical_alerts = [];
  data.medium_alerts = [];
  data.medium_alert_count = 0;
  data.recommended_actions = [];
  data.data_notes = [];
  data.revenue_impact = { negative_total: 0, positive_total: 0, business_performance_score: null, event_count: 0 };
  data.decisions = { decisions_tracked: 0, by_type: [], decision_velocity_hours: null, velocity_samples: 0, items: [] };
  data.cost_optimization = { ...data.cost_optimization, realized_savings: 0, identified_savings: 0, by_category: [], savings_rate: null, average_roi: null, implemented_baseline_cost: 0 };
  return data;
}

describe('the printed brief\'s pages', () => {
  it('a quiet day fits 2 pages, nothing split', async () => {
    const data = quietDay();
    const p = await print(data);
    expect(p.pages).toBe(2);
    expectNothingSplit(data, p);
    expectPagesFilled(p, 'quiet day');
  });

  it('a long action list and a long savings table: every action whole, the savings chart with all its table', async () => {
    const data = sample();
    const actions: Recommendation[] = Array.from({ length: 10 }, (_, i) => ({
      rule: i % 2 ? 'right-size-vps' : 'implement-identified-savings',
      title: `Action ${i + 1}: ${i % 3 === 0 ? 'Right-size four under-used VPS instances in the Frankfurt pool' : 'Implement identified savings'}`,
      detail: `Detail of action ${i + 1}. ${'Average CPU under 30% on the instances named in the usage report; move their IPs to the remaining pool and stop them. '.repeat(1 + (i % 3))}End of action ${i + 1}.`,
      estimated_monthly_saving: i % 4 === 3 ? null : 100 + 37 * i,
      priority: i < 2 ? 'high' : i < 5 ? 'medium' : 'low',
    }));
    data.recommended_actions = actions;
    const categories = ['infrastructure', 'email_service', 'ip_management', 'third_party_tools', 'vendor_contracts', 'ip_pool', 'monitoring', 'storage_tiering', 'support_plans', 'data_transfer'];
    data.cost_optimization.by_category = categories.map((category, i) => ({ category, realized: 50 * i, identified: 900 - 60 * i, identified_flagged: 0 }));
    data.cost_optimization.realized_savings = data.cost_optimization.by_category.reduce((n, c) => n + c.realized, 0);
    data.cost_optimization.identified_savings = data.cost_optimization.by_category.reduce((n, c) => n + c.identified, 0);
    const p = await print(data);
    expectNothingSplit(data, p);
    expectPagesFilled(p, 'long lists');
  });
});

describe('the nine demo briefs', () => {
  const NOW = new Date('2026-12-02T07:00:00Z');
  let t: TestDatabase;
  const briefs: { name: string; data: ExecutiveSummaryData; printed: Printed }[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    const sample = await loadSampleData(t.db, { now: NOW });
    const config = parseConfig({});
    const ctx = reportContext(config, { herald: t.db, source: t.db }, fixedClock(NOW));
    for (const tenant of sample.tenants) {
      for (const kind of ['day', 'week', 'month'] as const) {
        const data = await loadExecutiveSummary(ctx, tenant.id, lastCompletePeriod(kind, NOW, tenant.timezone));
        briefs.push({ name: `${tenant.id} ${kind}`, data, printed: await print(data) });
      }
    }
  }, 120_000);
  afterAll(async () => {
    await t?.drop();
  });

  it('are each 2–4 pages (delivery.pages), no page before the last under a third full, nothing split', () => {
    const { min, max } = parseConfig({}).delivery.pages;
    expect(briefs).toHaveLength(9);
    for (const b of briefs) {
      expect(b.printed.pages, b.name).toBeGreaterThanOrEqual(min);
      expect(b.printed.pages, b.name).toBeLessThanOrEqual(max);
      expectPagesFilled(b.printed, b.name);
      expectNothingSplit(b.data, b.printed);
    }
  });

  it('Northwind\'s quiet day is 2 pages', () => {
    const northwind = briefs.find((b) => b.name === 'northwind day')!;
    expect(northwind.data.recommended_actions).toEqual([]);
    expect(northwind.data.critical_alerts).toEqual([]);
    expect(northwind.printed.pages).toBe(2);
  });
});
