/**
 * Issue 9: a brief that tells the true story. Each case found by reading the demo briefs, on
 * hand-built facts through the pure builder (buildExecutiveSummary): current state first,
 * recognized revenue, honest trends, savings a reader can defend.
 */
import { describe, expect, it } from 'vitest';
import { buildExecutiveSummary, type ExecutiveSummaryInput, type PeriodFacts } from '../../src/report/buildExecutiveSummary.js';
import { defaultMetricSettings } from '../../src/metrics/settings.js';
import { defaultRuleSettings } from '../../src/alerts/settings.js';
import { parsePeriod, previousPeriod } from '../../src/time/periods.js';
import { formatTrendChange } from '../../src/report/format.js';
import type { AlertHistoryRow } from '../../src/alerts/alertHistory.js';
import type { DailySummaryRow, EventFacts, OptimizationEvent, PaymentRow, SubscriptionRow, VpsRow, IpRow } from '../../src/sources/types.js';
import type { ExecutiveSummaryData } from '../../src/report/types.js';

const ZONE = 'Europe/Berlin';
const TENANT = { id: 't1', name: 'Test Tenant', timezone: ZONE, monthly_budget: 3000 };
// $1,750 a month: 1,390 of instances, 360 of IPs (bluepeak's shape).
const VPS: VpsRow[] = [{ id: 'v1', status: 'active', monthly_cost: 1390, cpu_utilization: 65, memory_utilization: 60 }];
const IPS: IpRow[] = [{ id: 'ip1', vps_instance_id: 'v1', ip: '203.0.113.1', monthly_cost: 360, warmup_progress: 100, daily_capacity: 100000 }];
const SUBS: SubscriptionRow[] = [{ id: 's1', status: 'active', plan_name: 'Enterprise', price_monthly: 4999 }];

function row(date: string, sent: number, bounceRate: number, spamRate = 0.002): DailySummaryRow {
  const bounced = Math.round(sent * bounceRate), spam = Math.round(sent * spamRate);
  return { date, emails_sent: sent, emails_delivered: sent - bounced, emails_bounced: bounced, emails_spam: spam, ip_reputation: 'good', domain_reputation: 'good' };
}

function events(over: Partial<EventFacts> = {}): EventFacts {
  return {
    revenue_impact: { negative_total: 0, positive_total: 0, event_count: 0 },
    optimization: [],
    utilization: { mean_percent: 70, samples: 30 },
    decisions: [],
    alert_candidates: [],
    newest_event_at: null,
    excluded: { revenue_impact_invalid_amount: 0, utilization_out_of_range: 0 },
    ...over,
  };
}

function facts(over: { daily?: DailySummaryRow[]; payments?: PaymentRow[]; alerts?: AlertHistoryRow[] | null; events?: Partial<EventFacts> } = {}): PeriodFacts {
  const alerts = over.alerts === undefined ? [] : over.alerts;
  return {
    business: {
      daily: over.daily ?? [], vps: VPS, ips: IPS, payments: over.payments ?? [], subscriptions: SUBS,
      alerts: alerts === null ? null : alerts.map((a) => ({ rule: a.rule, severity: a.severity, fired_at: a.fired_at, acknowledged_at: a.acknowledged_at })),
    },
    events: events(over.events),
    alerts,
  };
}

function build(label: string, current: PeriodFacts, prior: PeriodFacts, extra: Partial<ExecutiveSummaryInput> = {}): ExecutiveSummaryData {
  const period = parsePeriod(label, ZONE);
  return buildExecutiveSummary({
    tenant: TENANT, period, previous: previousPeriod(period), current, prior,
    newestSummaryDate: null, alertRecordingStart: new Date('2026-01-01T00:00:00Z'), now: new Date('2026-12-02T06:00:00Z'),
    settings: defaultMetricSettings, alertRules: defaultRuleSettings, ...extra,
  });
}

const daysOf = (label: string) => parsePeriod(label, ZONE).days;
const kpi = (d: ExecutiveSummaryData, key: string) => d.kpis.find((k) => k.key === key)!;
const steadyMonth = (label: string, bounce = 0.02) => facts({ daily: daysOf(label).map((d) => row(d, 10_000, bounce)) });

describe('current state first: a month whose last 10 days are critical', () => {
  // November: 20 days at 2% bounce, then 21–30 Nov at 17%: the month's average (7%) is "monitor".
  const november = daysOf('2026-11').map((d) => row(d, 10_000, d >= '2026-11-21' ? 0.17 : 0.02, d >= '2026-11-21' ? 0.004 : 0.002));
  const data = build('2026-11', facts({ daily: november }), steadyMonth('2026-10'));

  it('is critical now whatever its average, since 21 Nov', () => {
    expect(data.revenue_protection.risk_level).toBe('monitor');
    expect(data.revenue_protection.risk_level_now).toBe('critical');
    expect(data.revenue_protection.risk_now).toMatchObject({
      days: ['2026-11-28', '2026-11-29', '2026-11-30'], days_level: 'critical', metric: 'bounce_rate', threshold: 0.15,
      on: '2026-11-30', since: '2026-11-21', ongoing: true, open_critical_alerts: 0,
    });
    expect(data.revenue_protection.risk_now.value).toBeCloseTo(0.17, 6);
  });

  it('business health reads the current state: revenue health 20 and a critical status, not "Good"', () => {
    expect(data.health.revenue_health).toBe(20);
    expect(data.health.status).toBe('critical');
    expect(kpi(data, 'bounce_rate').status).toBe('critical');
  });

  it('the headline names the critical state and the money at stake', () => {
    const atRisk = data.revenue_protection.revenue_at_risk;
    expect(atRisk).toBeCloseTo(0.05 * (20 * 200 + 10 * 1700) + 0.25 * (20 * 20 + 10 * 40), 6);
    expect(data.headline).toBe(`Bounce has been above the 15% critical line since 21 Nov; $${Math.round(atRisk).toLocaleString('en-US')} of revenue at risk.`);
    expect(data.headline_rule).toBe('critical-now');
    expect(data.headline_level).toBe('critical');
  });

  it('a daily brief of the crisis still says since when (the days before the period are read)', () => {
    const recent = daysOf('2026-11').map((d) => row(d, 10_000, d >= '2026-11-21' ? 0.17 : 0.02));
    const day = build('2026-11-30', facts({ daily: [recent[29]] }), facts({ daily: [recent[28]] }), { recentDaily: recent });
    expect(day.revenue_protection.risk_level).toBe('critical');
    expect(day.revenue_protection.risk_now.since).toBe('2026-11-21');
    expect(day.headline).toMatch(/^Bounce has been above the 15% critical line since 21 Nov; \$[\d,.]+ of revenue at risk\.$/);
  });

  it('a critical deliverability alert still open at the period\'s end makes it critical now, with calm days', () => {
    const open: AlertHistoryRow = {
      id: 1, rule: 'deliverability', severity: 'critical', state: 'acknowledged', code: '4821', summary: 'Bounce rate 17.0% is above the 15% critical threshold.',
      short: null, first_fired_at: new Date('2026-11-30T20:00:00Z'), fired_at: new Date('2026-11-30T20:00:00Z'),
      acknowledged_at: new Date('2026-11-30T20:10:00Z'), acknowledged_by: 'Lena Vogt (SMS)', resolved_at: null,
    };
    const resolvedInTime: AlertHistoryRow = { ...open, id: 2, resolved_at: new Date('2026-11-30T21:00:00Z') };
    const calm = steadyMonth('2026-11');
    const d = build('2026-11', { ...calm, alerts: [open] }, steadyMonth('2026-10'));
    expect(d.revenue_protection.risk_now).toMatchObject({ days_level: 'ok', open_critical_alerts: 1, open_critical_since: '2026-11-30T20:00:00.000Z' });
    expect(d.revenue_protection.risk_level_now).toBe('critical');
    expect(d.health.status).toBe('critical');
    expect(d.headline).toMatch(/^A critical deliverability alert opened on 30 Nov was still open at the end of November 2026; \$[\d,]+ of revenue at risk\.$/);
    // Resolved before the period ended: nothing open at its end.
    expect(build('2026-11', { ...calm, alerts: [resolvedInTime] }, steadyMonth('2026-10')).revenue_protection.risk_level_now).toBe('ok');
  });
});

describe('recognized revenue: margins never swing with payment dates', () => {
  const week = '2026-W47';
  const steadyWeek = (payments: PaymentRow[] = []) => facts({ daily: daysOf(week).map((d) => row(d, 10_000, 0.01)), payments });

  it('a week with no payment has a gross margin from recognized revenue, not n/a, and a sensible cost efficiency', () => {
    const d = build(week, steadyWeek(), steadyWeek());
    expect(d.cost.revenue).toBe(0);                                   // cash collected
    expect(d.cost.recognized_revenue).toBeCloseTo(4999 * 7 / 30, 2);  // seven November days of the MRR
    expect(d.cost.total_cost).toBeCloseTo(1750 * 7 / 30, 2);
    expect(d.cost.gross_margin).toBeCloseTo((4999 - 1750) / 4999, 3);
    expect(d.cost.efficiency_ratio).toBeCloseTo(4999 / 1750, 3);
    const costEfficiency = d.efficiency.components.find((c) => c.name === 'cost_efficiency')!.value!;
    expect(costEfficiency).toBeCloseTo(((4999 - 1750) / 4999 / 0.7) * 100, 0);
    expect(d.health.cost_efficiency).toBeGreaterThan(90);
    expect(kpi(d, 'gross_margin').status).toBe('monitor');            // 65% against > 70%: a miss, marked
    expect(kpi(d, 'gross_margin')).toMatchObject({ target: '> 70%', target_met: false });
  });

  it('a day with a $2,999 payment does not move the margin or the efficiency score', () => {
    const quiet = build('2026-11-18', facts({ daily: [row('2026-11-18', 10_000, 0.01)] }), facts({ daily: [row('2026-11-17', 10_000, 0.01)] }));
    const payday = build('2026-11-18', facts({ daily: [row('2026-11-18', 10_000, 0.01)], payments: [{ id: 'p', amount: 2999, paid_at: new Date('2026-11-18T09:05:00Z'), date: '2026-11-18' }] }),
      facts({ daily: [row('2026-11-17', 10_000, 0.01)] }));
    expect(payday.cost.revenue).toBe(2999);
    expect(payday.cost.gross_margin).toBe(quiet.cost.gross_margin);
    expect(payday.efficiency.efficiency_score).toBe(quiet.efficiency.efficiency_score);
    expect(payday.health.business_health).toBe(quiet.health.business_health);
    expect(kpi(payday, 'efficiency_score').trend.direction).toBe('stable');
  });
});

describe('honest trends (SPEC §3)', () => {
  it('30- vs 31-day months with the same monthly cost: cost and revenue stable; so is a day of each', () => {
    const month = build('2026-12', steadyMonth('2026-12'), steadyMonth('2026-11'));
    expect(kpi(month, 'total_cost').trend).toMatchObject({ unit: 'pct', change: 0, kind: 'change', direction: 'stable' });
    expect(kpi(month, 'recognized_revenue').trend.direction).toBe('stable');
    expect(month.trends).toMatchObject({ cost: 'stable', revenue: 'stable' });
    // 1 Dec (1/31 of the month) against 30 Nov (1/30): $56.45 against $58.33 is no 3.2% fall.
    const day = build('2026-12-01', facts({ daily: [row('2026-12-01', 10_000, 0.02)] }), facts({ daily: [row('2026-11-30', 10_000, 0.02)] }));
    expect(day.cost.total_cost).toBeCloseTo(1750 / 31, 2);
    expect(kpi(day, 'total_cost').trend).toMatchObject({ previous: 58.33, change: 0, direction: 'stable' });
    expect(formatTrendChange(kpi(day, 'total_cost').trend)).toBe('0.0%');
  });

  it('bounce 2.0% → 6.2% is +4.2 pp, declining; 1.00% → 1.02% is stable', () => {
    const up = build('2026-W48', facts({ daily: daysOf('2026-W48').map((d) => row(d, 10_000, 0.062)) }), facts({ daily: daysOf('2026-W47').map((d) => row(d, 10_000, 0.02)) }));
    const bounce = kpi(up, 'bounce_rate');
    expect(bounce.trend).toMatchObject({ unit: 'pp', change: 4.2, kind: 'change', direction: 'declining' });
    expect(formatTrendChange(bounce.trend)).toBe('+4.2\u00a0pp');
    expect(bounce).toMatchObject({ target: '< 5%', target_met: false });
    const flat = build('2026-W48', facts({ daily: daysOf('2026-W48').map((d) => row(d, 100_000, 0.0102)) }), facts({ daily: daysOf('2026-W47').map((d) => row(d, 100_000, 0.01)) }));
    expect(kpi(flat, 'bounce_rate').trend).toMatchObject({ unit: 'pp', direction: 'stable' });
    expect(kpi(flat, 'bounce_rate').trend.change).toBeCloseTo(0.02, 6);
    // Deliverability 98.99% → 98.97%: well under a point, stable.
    expect(kpi(flat, 'deliverability_rate').trend.direction).toBe('stable');
  });

  it('a change from zero is "new", not n/a; the efficiency score changes in points', () => {
    const implemented: OptimizationEvent = { category: 'infrastructure', type: 'implemented', savings: 1200, baseline: 5000, roi: 240 };
    const d = build('2026-W48', facts({ daily: daysOf('2026-W48').map((x) => row(x, 10_000, 0.02)), events: { optimization: [implemented] } }),
      facts({ daily: daysOf('2026-W47').map((x) => row(x, 10_000, 0.02)) }));
    const savings = kpi(d, 'realized_savings');
    expect(savings.trend).toMatchObject({ previous: 0, unit: 'pct', change: null, kind: 'new', direction: 'improving' });
    expect(formatTrendChange(savings.trend)).toBe('new');
    expect(kpi(d, 'efficiency_score').trend.unit).toBe('pts');
  });
});

describe('savings you can defend (SPEC §4 cost optimization)', () => {
  const opt = (o: Partial<OptimizationEvent>): OptimizationEvent => ({ category: 'infrastructure', type: 'identified', savings: 500, baseline: 2000, roi: 100, ...o });
  const week = '2026-W47';
  const data = build(week, facts({
    daily: daysOf(week).map((d) => row(d, 10_000, 0.01)),
    events: {
      optimization: [
        opt({ type: 'implemented', savings: 300, baseline: 3000 }),
        opt({ savings: 400 }),                                         // a plausible identified saving
        opt({ savings: -50 }),                                         // negative: left out
        opt({ savings: null }),                                        // not a number: left out
        opt({ type: 'implemented', savings: 6000, baseline: 5000 }),   // larger than its baseline: left out
        opt({ category: 'vendor_contracts', savings: 9930, baseline: 19860 }),   // each larger than the $1,750 monthly cost: flagged
        opt({ category: 'vendor_contracts', savings: 10105, baseline: 21500 }),
      ],
      excluded: { revenue_impact_invalid_amount: 2, utilization_out_of_range: 0 },
    },
  }), facts({ daily: daysOf('2026-W46').map((d) => row(d, 10_000, 0.01)) }));

  it('leaves out inconsistent events and counts them in the data notes', () => {
    const o = data.cost_optimization;
    expect(o.excluded_events).toEqual({ invalid_amount: 2, above_baseline: 1 });
    expect(o.realized_savings).toBe(300);
    expect(o.implemented_baseline_cost).toBe(3000);
    expect(o.savings_rate).toBeCloseTo(0.1, 12);
    expect(data.data_notes.map((n) => [n.code, n.count])).toEqual([
      ['optimization-invalid-amount', 2], ['optimization-above-baseline', 1], ['identified-above-monthly-cost', 2], ['revenue-impact-invalid-amount', 2],
    ]);
    expect(data.data_notes[0].text).toBe('2 cost optimization events left out: a savings amount that is negative or not a number.');
    expect(data.data_notes[2].text).toBe('2 identified savings ($9,930 and $10,105) are each larger than the monthly total cost of $1,750: flagged, not counted as a saving a month.');
  });

  it('flags identified savings larger than the monthly cost and never sums them into "a month"', () => {
    const o = data.cost_optimization;
    expect(o.identified_savings).toBe(400 + 9930 + 10105);
    expect(o.identified_flagged).toEqual({ count: 2, total: 20035, amounts: [9930, 10105] });
    expect(o.by_category.find((c) => c.category === 'vendor_contracts')).toMatchObject({ identified: 20035, identified_flagged: 20035 });
    const vendor = data.recommended_actions.find((r) => r.title.includes('vendor contracts'))!;
    expect(vendor.estimated_monthly_saving).toBeNull();
    expect(vendor.detail).toContain('larger than the monthly total cost of $1,750');
    const infra = data.recommended_actions.find((r) => r.title.includes('infrastructure'))!;
    expect(infra.estimated_monthly_saving).toBe(400);
    const monthly = data.recommended_actions.map((r) => r.estimated_monthly_saving ?? 0).reduce((a, b) => a + b, 0);
    expect(monthly).toBeLessThanOrEqual(data.cost.monthly_total_cost);
  });
});

describe('one severity scale, targets marked', () => {
  it('KPI and health statuses are ok, monitor, warning or critical; n/a is neutral', () => {
    const d = build('2026-W47', facts({ daily: daysOf('2026-W47').map((x) => row(x, 10_000, 0.01)) }), facts({ daily: daysOf('2026-W46').map((x) => row(x, 10_000, 0.01)) }));
    for (const k of d.kpis) expect(['ok', 'monitor', 'warning', 'critical', 'neutral']).toContain(k.status);
    expect(['ok', 'monitor', 'warning', 'critical']).toContain(d.health.status);
    expect(kpi(d, 'total_cost')).toMatchObject({ status: 'ok', target: '≤ $3,000 a month', target_met: true });
    expect(d.targets.revenue_protection_rate).toEqual({ target: '> 95%', met: null, polarity: 'higher_is_better' });
  });
});
