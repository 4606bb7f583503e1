/**
 * The cost-optimization report's data object, number by number (hand-computed): tenant scope
 * (costs, margins, the six-period trend across 30- and 31-day months, the breakdown, budget and
 * projection, recommendations) and portfolio scope (the ranking with ties, the losing tenants,
 * totals, the ten largest opportunities).
 */
import { describe, expect, it } from 'vitest';
import { buildPortfolioCostReport, buildTenantCostReport, budgetView, trendPeriods, type PeriodFacts, type TenantCostFacts } from '../../src/reports/cost-optimization/build.js';
import { defaultMetricSettings } from '../../src/metrics/settings.js';
import { parsePeriod } from '../../src/time/periods.js';
import type { OptimizationGroup } from '../../src/sources/types.js';

const s = defaultMetricSettings;
const now = new Date('2026-12-02T12:00:00Z');

function group(range: number, category: string, type: string, amounts: number[], o: Partial<OptimizationGroup> = {}): OptimizationGroup {
  return {
    tenant_id: 'acme', range, category, type, kept: amounts.length, savings: amounts.reduce((a, b) => a + b, 0),
    baseline: 0, roi_sum: 0, roi_count: 0, invalid_amount: 0, above_baseline: 0,
    identified_amounts: type === 'identified' ? [...amounts].sort((a, b) => a - b) : [], ...o,
  };
}
const noFacts = (): PeriodFacts => ({ cash: 0, payments: 0, sent: 0, delivered: 0, summary_days: 0, optimization: [] });

/** acme: two active VPS ($300 at 20% CPU, $600 at 70%) and a stopped one; $1,200 a month of active subscriptions. */
function acme(periods: number, last: Partial<PeriodFacts> = {}): TenantCostFacts {
  const p = Array.from({ length: periods }, noFacts);
  p[periods - 1] = { ...noFacts(), ...last };
  return {
    tenant: { id: 'acme', name: 'Acme <b>&</b> Co', timezone: 'UTC', monthly_budget: 800 },
    vps: [
      { id: 'v1', status: 'active', monthly_cost: 300, cpu_utilization: 20, memory_utilization: 40 },
      { id: 'v2', status: 'active', monthly_cost: 600, cpu_utilization: 70, memory_utilization: 65 },
      { id: 'v3', status: 'stopped', monthly_cost: 100, cpu_utilization: 0, memory_utilization: 0 },
    ],
    ips: [
      { id: 'ip1', vps_instance_id: 'v1', ip: '192.0.2.1', monthly_cost: 30, warmup_progress: 100, daily_capacity: 50_000 },
      { id: 'ip2', vps_instance_id: 'v1', ip: '192.0.2.2', monthly_cost: 10, warmup_progress: 40, daily_capacity: 10_000 },
      { id: 'ip3', vps_instance_id: 'v2', ip: '192.0.2.3', monthly_cost: 20, warmup_progress: 100, daily_capacity: 40_000 },
      { id: 'ip4', vps_instance_id: 'v3', ip: '192.0.2.4', monthly_cost: 50, warmup_progress: 100, daily_capacity: 40_000 },
    ],
    subscriptions: [
      { id: 's1', status: 'active', plan_name: 'Scale', price_monthly: 1200 },
      { id: 's2', status: 'canceled', plan_name: 'Growth', price_monthly: 500 },
    ],
    periods: p,
  };
}

describe('tenant scope, November 2026 (UTC)', () => {
  const periods = trendPeriods(parsePeriod('2026-11', 'UTC'));
  const data = buildTenantCostReport(acme(6, {
    cash: 1700, payments: 2, sent: 300_000, delivered: 288_000, summary_days: 30,
    optimization: [
      group(5, 'infrastructure', 'implemented', [120, 80], { baseline: 2000, roi_sum: 300, roi_count: 2 }),
      group(5, 'vendor_contracts', 'identified', [150, 250]),
      // Larger than the $960 a month acme spends: flagged, never a monthly saving.
      group(5, 'ip_pool', 'identified', [5000], { invalid_amount: 1, above_baseline: 2 }),
    ],
  }), { periods, now, settings: s, newestSummaryDate: '2026-11-30', newestEventAt: new Date('2026-11-30T20:00:00Z') });

  it('costs and margins: active instances and their IPs, prorated; recognized revenue from active subscriptions', () => {
    // 300 + 600 + IPs 30 + 10 + 20 (ip4 is on the stopped v3) = 960 a month; a calendar month gets exactly that.
    expect(data.cost).toMatchObject({ infrastructure_cost: 900, email_service_cost: 60, total_cost: 960, monthly_total_cost: 960, revenue: 1700, mrr: 1200, recognized_revenue: 1200 });
    expect(data.cost.gross_margin).toBeCloseTo(240 / 1200, 12);
    expect(data.cost.cost_per_email_delivered).toBeCloseTo(960 / 288_000, 12);
    expect(data.cost.efficiency_ratio).toBeCloseTo(1200 / 960, 12);
    expect(data.margin_status).toBe('warning'); // 20% is more than 10 pp under the 70% target
    expect(data.targets.gross_margin).toEqual({ target: '> 70%', met: false, polarity: 'higher_is_better' });
  });

  it('six months of trend, oldest first, each calendar month exactly its monthly rates whatever its length', () => {
    expect(data.trend.map((p) => p.label)).toEqual(['2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11']);
    expect(data.trend.map((p) => p.short)).toEqual(['Jun 2026', 'Jul 2026', 'Aug 2026', 'Sep 2026', 'Oct 2026', 'Nov 2026']);
    for (const p of data.trend) expect([p.total_cost, p.recognized_revenue, p.net]).toEqual([960, 1200, 240]);
    expect(data.trend.map((p) => p.has_activity)).toEqual([false, false, false, false, false, true]);
    // October has 31 days, November 30: the same rates compare stable (per local day, SPEC §3).
    const cost = data.changes.find((c) => c.key === 'total_cost')!;
    expect(cost.trend).toMatchObject({ previous: 960, change: 0, direction: 'stable' });
    expect(data.changes.find((c) => c.key === 'realized_savings')!.trend).toMatchObject({ previous: 0, kind: 'new', direction: 'improving' });
  });

  it('savings realized vs identified by category, the flagged one kept out of the monthly saving, exclusions noted', () => {
    expect(data.savings).toMatchObject({ realized_savings: 200, identified_savings: 5400, implemented_baseline_cost: 2000, savings_rate: 0.1, average_roi: 150 });
    expect(data.savings.identified_flagged).toEqual({ count: 1, total: 5000, amounts: [5000] });
    expect(data.savings.excluded_events).toEqual({ invalid_amount: 1, above_baseline: 2 });
    expect(data.data_notes.map((n) => [n.code, n.count])).toEqual([['optimization-invalid-amount', 1], ['optimization-above-baseline', 2], ['identified-above-monthly-cost', 1]]);
    expect(data.data_notes[2].text).toBe('An identified saving ($5,000) is larger than the monthly total cost of $960: flagged, not counted as a saving a month.');
  });

  it('breakdown: each VPS and IP named, utilization beside cost, the stopped one listed and not counted', () => {
    expect(data.breakdown.instances.map((v) => [v.id, v.counted, v.period_cost, v.ips_period_cost, v.cpu_utilization, v.underused])).toEqual([
      ['v2', true, 600, 20, 0.7, false],
      ['v1', true, 300, 40, 0.2, true],
      ['v3', false, 0, 0, 0, false],
    ]);
    expect(data.breakdown.instances[1].ips.map((ip) => [ip.id, ip.ip, ip.period_cost, ip.warmup_progress])).toEqual([['ip1', '192.0.2.1', 30, 1], ['ip2', '192.0.2.2', 10, 0.4]]);
    // 300,000 sent over 30 days = 10,000 a day, against 50,000 + 10,000 + 40,000 of daily capacity.
    expect(data.breakdown).toMatchObject({ active_instances: 2, ip_addresses: 3, daily_capacity: 100_000, mean_daily_sent: 10_000 });
    expect(data.breakdown.sending_capacity_used).toBeCloseTo(0.1, 12);
  });

  it('budget against actual: a month that is over projects its actual', () => {
    expect(data.budget).toMatchObject({
      monthly_budget: 800, month: '2026-11', days_in_month: 30, days_elapsed: 30, month_complete: true,
      actual_to_date: 960, budget_to_date: 800, projected_month_end: 960, projected_over_budget: 160, status: 'warning',
      projection_method: 'November 2026 is over: the projection is its actual cost.',
    });
    expect(data.budget.projected_vs_budget).toBeCloseTo(1.2, 12);
  });

  it('recommendations, largest saving first, each with its rule, basis and the resources it names', () => {
    expect(data.recommendations.map((r) => [r.rule, r.estimated_monthly_saving, r.resources])).toEqual([
      ['implement-identified-savings', 400, ['vendor_contracts']],
      ['right-size-vps', 150, ['v1']],               // 50% of v1's $300 (20% CPU)
      ['release-underused-ips', 10, ['ip2']],        // v1 keeps ip1, its dearest
      ['implement-identified-savings', null, ['ip_pool']],
    ]);
    expect(data.recommended_monthly_saving).toBe(560);
    expect(data.recommendations[1].title).toBe('Right-size VPS v1');
    expect(data.recommendations[3].detail).toContain('not counted as a monthly saving');
  });

  it('headline: over budget comes before the margin', () => {
    expect(data.headline).toBe('Costs came to $960 in November 2026, $160 (20.0%) over the $800 budget; the recommendations could save $560 a month.');
    expect(data.headline_level).toBe('warning');
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
  });
});

describe('a week across a 31- and a 30-day month, and a projection mid-month', () => {
  it('2026-W44 (26 Oct – 1 Nov) prorates 6 days of October and 1 of November; six weeks back to W39', () => {
    const periods = trendPeriods(parsePeriod('2026-W44', 'UTC'));
    expect(periods.map((p) => p.label)).toEqual(['2026-W39', '2026-W40', '2026-W41', '2026-W42', '2026-W43', '2026-W44']);
    const data = buildTenantCostReport(acme(6), { periods, now, settings: s, newestSummaryDate: null, newestEventAt: null });
    const w44 = data.trend[5];
    expect(w44.infrastructure_cost).toBeCloseTo(Math.round((900 * 6 / 31 + 900 / 30) * 100) / 100, 2);
    expect(w44.total_cost).toBeCloseTo(Math.round((900 * 6 / 31 + 900 / 30) * 100) / 100 + Math.round((60 * 6 / 31 + 60 / 30) * 100) / 100, 2);
    expect(w44.recognized_revenue).toBe(Math.round((1200 * 6 / 31 + 1200 / 30) * 100) / 100);
    // W43 is all October: 7/31 of each monthly rate.
    expect(data.trend[4].recognized_revenue).toBe(Math.round(1200 * 7 / 31 * 100) / 100);
    // Per local day the rates are the same: stable, not a 1% rise.
    expect(data.changes.find((c) => c.key === 'total_cost')!.trend.direction).toBe('stable');
    // W44 ends on 1 Nov: one day of November elapsed, $32 of $960 → the run-rate projects $960.
    expect(data.budget).toMatchObject({ month: '2026-11', days_elapsed: 1, month_complete: false, actual_to_date: 32, projected_month_end: 960 });
    expect(data.budget.projection_method).toBe('Run-rate of the day elapsed: $32.00 ÷ 1 day × 30 days.');
  });

  it('budgetView: run-rate of the days elapsed, in the month of the period\'s last day', () => {
    const b = budgetView(1000, 3100, parsePeriod('2026-W02', 'Europe/Berlin')); // 5–11 Jan 2026: 11 days of January elapsed
    expect(b).toMatchObject({ month: '2026-01', days_in_month: 31, days_elapsed: 11, actual_to_date: 1100, projected_month_end: 3100, projected_over_budget: 2100, status: 'critical' });
    expect(budgetView(null, 3100, parsePeriod('2026-01', 'UTC'))).toMatchObject({ monthly_budget: null, projected_vs_budget: null, budget_to_date: null, status: 'neutral' });
  });
});

describe('a tenant with zero revenue', () => {
  it('has a null margin (not −∞ or NaN), loses money and says so first', () => {
    const periods = trendPeriods(parsePeriod('2026-11', 'UTC'));
    const f = acme(6);
    f.subscriptions = [];
    const data = buildTenantCostReport(f, { periods, now, settings: s, newestSummaryDate: null, newestEventAt: null });
    expect(data.cost.recognized_revenue).toBe(0);
    expect(data.cost.gross_margin).toBeNull();
    expect(data.cost.efficiency_ratio).toBe(0);
    expect(data.trend.every((p) => p.gross_margin === null && p.net === -960)).toBe(true);
    expect(data.changes.find((c) => c.key === 'gross_margin')!.trend).toMatchObject({ change: null, direction: null });
    expect(data.margin_status).toBe('critical');
    expect(data.headline).toBe('Losing money: $960 in November 2026, $960 of cost and no recognized revenue; the recommendations could save $160 a month.');
    expect(data.headline_level).toBe('critical');
    expect(JSON.stringify(data)).not.toMatch(/NaN|Infinity/);
  });
});

describe('portfolio scope', () => {
  const periods = trendPeriods(parsePeriod('2026-11', 'UTC'));
  const tenant = (id: string, name: string, mrr: number, vpsCost: number, extra: Partial<TenantCostFacts> = {}): TenantCostFacts => ({
    tenant: { id, name, timezone: 'UTC', monthly_budget: null },
    vps: vpsCost > 0 ? [{ id: `${id}-v`, status: 'active', monthly_cost: vpsCost, cpu_utilization: 50, memory_utilization: 50 }] : [],
    ips: [],
    subscriptions: mrr > 0 ? [{ id: `${id}-s`, status: 'active', plan_name: 'P', price_monthly: mrr }] : [],
    periods: Array.from({ length: 6 }, noFacts),
    ...extra,
  });
  const tenants = [
    tenant('t-alpha', 'Alpha', 1000, 800),          // 20%
    tenant('t-idle', 'Idle', 0, 0),                // neither revenue nor cost: last
    tenant('t-beta2', 'beta', 500, 400),           // 20%: a tie with Alpha and with the other beta, by name then id
    tenant('t-beta1', 'beta', 2000, 1600),         // 20%
    tenant('t-zero', 'Zero Revenue', 0, 300),      // no revenue, costs: first
    tenant('t-loss', 'Loss', 1000, 1500),          // −50%
    tenant('t-good', 'Good', 1000, 100, {           // 90%, its $100 VPS under-used (10% CPU): $50 a month
      vps: [{ id: 't-good-v', status: 'active', monthly_cost: 100, cpu_utilization: 10, memory_utilization: 10 }],
    }),
  ];
  const data = buildPortfolioCostReport(tenants, { periods, now, settings: s, newestSummaryDate: null, newestEventAt: null });

  it('ranks every tenant by margin, the losing ones first and named; ties by name, then id', () => {
    expect(data.ranking.map((l) => [l.rank, l.tenant_id, l.gross_margin === null ? null : Math.round(l.gross_margin * 1000) / 1000, l.net])).toEqual([
      [1, 't-zero', null, -300],
      [2, 't-loss', -0.5, -500],
      [3, 't-alpha', 0.2, 200],
      [4, 't-beta1', 0.2, 400],
      [5, 't-beta2', 0.2, 100],
      [6, 't-good', 0.9, 900],
      [7, 't-idle', null, 0],
    ]);
    expect(data.losing_money.map((l) => l.name)).toEqual(['Zero Revenue', 'Loss']);
    expect(data.ranking_order).toContain('by name, then id');
  });

  it('totals and their trend', () => {
    // Cost 800 + 400 + 1600 + 300 + 1500 + 100 = 4,700; revenue 1000 + 500 + 2000 + 1000 + 1000 = 5,500.
    expect(data.totals).toMatchObject({ tenants: 7, tenants_losing_money: 2, total_cost: 4700, recognized_revenue: 5500, net: 800, mrr: 5500, monthly_total_cost: 4700 });
    expect(data.totals.gross_margin).toBeCloseTo(800 / 5500, 12);
    expect(data.trend).toHaveLength(6);
    expect(data.trend.every((p) => p.total_cost === 4700 && p.recognized_revenue === 5500)).toBe(true);
    expect(data.headline).toBe('2 of 7 tenants lost money in November 2026 ($800 in all): Zero Revenue and Loss; portfolio gross margin 14.5%.');
    expect(data.headline_level).toBe('warning'); // the portfolio as a whole still makes money
    expect(data.tenant).toBeNull();
  });

  it('the largest savings opportunities across tenants, largest first', () => {
    expect(data.opportunities.map((o) => [o.tenant_id, o.rule, o.estimated_monthly_saving, o.resources])).toEqual([['t-good', 'right-size-vps', 50, ['t-good-v']]]);
  });
});

describe('the page budget of the pre-send check', () => {
  it('is the configured one for a tenant; a portfolio adds its ranking\'s pages', async () => {
    const { costOptimization } = await import('../../src/reports/cost-optimization/index.js');
    const periods = trendPeriods(parsePeriod('2026-11', 'UTC'));
    const one = buildTenantCostReport(acme(6), { periods, now, settings: s, newestSummaryDate: null, newestEventAt: null });
    expect(costOptimization.pages!(one, { min: 2, max: 4 })).toEqual({ min: 2, max: 4 });
    const many = buildPortfolioCostReport(Array.from({ length: 1000 }, (_, i) => ({ ...acme(6), tenant: { id: `t${i}`, name: `T${i}`, timezone: 'UTC', monthly_budget: null } })),
      { periods, now, settings: s, newestSummaryDate: null, newestEventAt: null });
    // 1,000 tenants at 140 a page (two columns): 8 pages, and one for the list's start.
    expect(costOptimization.pages!(many, { min: 2, max: 4 })).toEqual({ min: 2, max: 13 });
  });
});
