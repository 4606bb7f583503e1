import { describe, expect, it } from 'vitest';
import { computeRevenueProtection, riskLevel } from '../../src/metrics/revenueProtection.js';
import { computeRevenueImpact } from '../../src/metrics/revenueImpact.js';
import { computeCost, monthlyRateOf } from '../../src/metrics/cost.js';
import { computeCostOptimization } from '../../src/metrics/costOptimization.js';
import { computeBusinessHealth, computeEfficiency, utilizationScore } from '../../src/metrics/efficiency.js';
import { computeDecisionsTracked } from '../../src/metrics/decisions.js';
import { recommendActions } from '../../src/metrics/recommendations.js';
import { trend } from '../../src/metrics/trend.js';
import { defaultMetricSettings as s } from '../../src/metrics/settings.js';
import { classifyEvent, num } from '../../src/alerts/rules.js';
import { defaultRuleSettings as rules } from '../../src/alerts/settings.js';
import type { DailySummaryRow, IpRow, VpsRow } from '../../src/sources/types.js';

const day = (date: string, sent: number, delivered: number, bounced: number, spam: number, rep: string | null = 'good'): DailySummaryRow =>
  ({ date, emails_sent: sent, emails_delivered: delivered, emails_bounced: bounced, emails_spam: spam, ip_reputation: rep, domain_reputation: rep });

describe('revenue protection', () => {
  it('sums the period and derives rates, revenue at risk and risk level', () => {
    const rp = computeRevenueProtection([day('2026-11-20', 1000, 900, 80, 20, 'fair'), day('2026-11-21', 3000, 2900, 70, 30, 'poor')], [], s);
    expect(rp.emails_sent).toBe(4000);
    expect(rp.deliverability_rate).toBeCloseTo(3800 / 4000, 12);
    expect(rp.bounce_rate).toBeCloseTo(150 / 4000, 12);       // 3.75%
    expect(rp.spam_rate).toBeCloseTo(50 / 4000, 12);          // 1.25% > 1% → monitor
    expect(rp.revenue_at_risk).toBe(0.05 * 150 + 0.25 * 50);  // 20
    expect(rp.risk_level).toBe('monitor');
    expect(rp.ip_reputation).toBe('poor');                    // the latest day's
    expect(rp.revenue_protection_rate).toBeNull();            // no alerts
  });

  it('gives null, not zero or NaN, when nothing was sent', () => {
    const rp = computeRevenueProtection([day('2026-11-21', 0, 0, 0, 0)], [], s);
    expect(rp.deliverability_rate).toBeNull();
    expect(rp.bounce_rate).toBeNull();
    expect(rp.spam_rate).toBeNull();
    expect(rp.risk_level).toBeNull();
    expect(rp.revenue_at_risk).toBe(0);
  });

  it('classifies risk strictly above each threshold', () => {
    const t = s.riskThresholds;
    expect(riskLevel(0.15, 0, t)).toBe('warning');   // exactly 15% is not above 15%
    expect(riskLevel(0.1501, 0, t)).toBe('critical');
    expect(riskLevel(0.02, 0.0201, t)).toBe('critical');
    expect(riskLevel(0.051, 0, t)).toBe('monitor');
    expect(riskLevel(0.01, 0.005, t)).toBe('ok');
  });

  it('counts critical and high deliverability alerts acknowledged within 2 hours of firing', () => {
    const at = (h: number) => new Date(Date.UTC(2026, 10, 21, h));
    const rp = computeRevenueProtection([], [
      { rule: 'deliverability', severity: 'critical', fired_at: at(0), acknowledged_at: at(2) },   // exactly 2 h: protected
      { rule: 'deliverability', severity: 'high', fired_at: at(0), acknowledged_at: at(3) },       // late
      { rule: 'deliverability', severity: 'critical', fired_at: at(0), acknowledged_at: null },     // never
      { rule: 'deliverability', severity: 'medium', fired_at: at(0), acknowledged_at: null },       // not counted
      { rule: 'revenue-impact', severity: 'critical', fired_at: at(0), acknowledged_at: null },     // not deliverability
    ], s);
    expect(rp.alerts_considered).toBe(3);
    expect(rp.revenue_protection_rate).toBeCloseTo(1 / 3, 12);
  });

  it('knows no rate and counts no alert when Herald did not record the period\'s alerts', () => {
    const rp = computeRevenueProtection([day('2026-11-21', 1000, 900, 80, 20)], null, s);
    expect(rp.alerts_considered).toBeNull();
    expect(rp.revenue_protection_rate).toBeNull();
    // Recorded, and none fired: no alerts, so no rate either (SPEC §4), but zero considered.
    expect(computeRevenueProtection([], [], s)).toMatchObject({ alerts_considered: 0, revenue_protection_rate: null });
  });
});

describe('revenue impact', () => {
  it('scores (positive − negative) / (positive + negative) × 100, null with no impact', () => {
    expect(computeRevenueImpact({ negative_total: 2500, positive_total: 7500, event_count: 3 }).business_performance_score).toBe(50);
    expect(computeRevenueImpact({ negative_total: 0, positive_total: 0, event_count: 0 }).business_performance_score).toBeNull();
  });
});

describe('cost', () => {
  const vps: VpsRow[] = [
    { id: 'v1', status: 'active', monthly_cost: 100, cpu_utilization: 20, memory_utilization: 30 },
    { id: 'v2', status: 'active', monthly_cost: 200, cpu_utilization: 70, memory_utilization: 60 },
    { id: 'v3', status: 'stopped', monthly_cost: 999, cpu_utilization: 0, memory_utilization: 0 },
  ];
  const ips: IpRow[] = [
    ...['a', 'b', 'c', 'd'].map((x) => ({ id: `v1${x}`, vps_instance_id: 'v1', ip: '10.0.0.1', monthly_cost: 10, warmup_progress: 100, daily_capacity: 1000 })),
    ...['a', 'b', 'c', 'd'].map((x) => ({ id: `v2${x}`, vps_instance_id: 'v2', ip: '10.0.0.2', monthly_cost: 10, warmup_progress: 100, daily_capacity: 1000 })),
    { id: 'v3a', vps_instance_id: 'v3', ip: '10.0.0.3', monthly_cost: 50, warmup_progress: 0, daily_capacity: 0 },
  ];
  const november = Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`);
  const payments = [1, 2, 3].map((i) => ({ id: `p${i}`, amount: 500, paid_at: new Date(), date: '2026-11-10' }));
  const subscriptions = [
    { id: 's1', status: 'active', plan_name: 'Pro', price_monthly: 500 },
    { id: 's2', status: 'canceled', plan_name: 'Pro', price_monthly: 500 },
  ];

  it('a calendar month gets exactly the monthly cost of active instances and their IPs, once each, and exactly the MRR', () => {
    const c = computeCost({ vps, ips, payments, subscriptions, delivered: 38_000 }, november);
    expect(c.infrastructure_cost).toBe(300);
    expect(c.email_service_cost).toBe(80);
    expect(c.total_cost).toBe(380);
    expect(c.monthly_total_cost).toBe(380);
    expect(c.revenue).toBe(1500);                 // cash collected: three payments landed this month
    expect(c.mrr).toBe(500);
    expect(c.recognized_revenue).toBe(500);
    // Margins read recognized revenue, never the payments' dates.
    expect(c.gross_margin).toBeCloseTo((500 - 380) / 500, 12);
    expect(c.cost_per_email_delivered).toBeCloseTo(0.01, 12);
    expect(c.efficiency_ratio).toBeCloseTo(500 / 380, 12);
  });

  it('prorates by the days of each month a period covers', () => {
    // 2026-W05: Mon 26 Jan – Sun 1 Feb: 6 January days (/31) and 1 February day (/28).
    const days = ['2026-01-26', '2026-01-27', '2026-01-28', '2026-01-29', '2026-01-30', '2026-01-31', '2026-02-01'];
    const c = computeCost({ vps, ips, payments: [], subscriptions, delivered: 0 }, days);
    expect(c.infrastructure_cost).toBeCloseTo(300 * 6 / 31 + 300 / 28, 2);
    expect(c.recognized_revenue).toBeCloseTo(500 * 6 / 31 + 500 / 28, 2);
    expect(c.revenue).toBe(0);                    // no payment this week: the margin does not care
    expect(c.gross_margin).toBeCloseTo((500 - 380) / 500, 3);
    expect(c.cost_per_email_delivered).toBeNull();
    expect(c.efficiency_ratio).toBeCloseTo(500 / 380, 3);
    expect(monthlyRateOf(c.total_cost, days)).toBeCloseTo(380, 1);
    // No active subscription: no recognized revenue, so no margin (zero denominator).
    const none = computeCost({ vps, ips, payments, subscriptions: [subscriptions[1]], delivered: 0 }, days);
    expect(none.recognized_revenue).toBe(0);
    expect(none.gross_margin).toBeNull();
    expect(none.efficiency_ratio).toBe(0);
  });
});

describe('cost optimization', () => {
  it('splits realized and identified by category, averages ROI, computes savings rate', () => {
    const o = computeCostOptimization([
      { category: 'infrastructure', type: 'implemented', savings: 1200, baseline: 5000, roi: 240 },
      { category: 'infrastructure', type: 'identified', savings: 800, baseline: 2000, roi: 100 },
      { category: 'ip_pool', type: 'implemented', savings: 100, baseline: 4000, roi: null },
      { category: 'ip_pool', type: 'implemented', savings: 200, baseline: 6000, roi: null },
    ], 10_000);
    expect(o.realized_savings).toBe(1500);
    expect(o.identified_savings).toBe(800);
    expect(o.by_category).toEqual([
      { category: 'infrastructure', realized: 1200, identified: 800, identified_flagged: 0 },
      { category: 'ip_pool', realized: 300, identified: 0, identified_flagged: 0 },
    ]);
    expect(o.average_roi).toBe(170);
    expect(o.savings_rate).toBeCloseTo(1500 / 15000, 12);
    expect(o.excluded_events).toEqual({ invalid_amount: 0, above_baseline: 0 });
    expect(o.identified_flagged).toEqual({ count: 0, total: 0, amounts: [] });
    expect(computeCostOptimization([], 0).savings_rate).toBeNull();
  });

  it('leaves out negative, non-numeric and larger-than-baseline savings; flags identified savings above the monthly cost', () => {
    const o = computeCostOptimization([
      { category: 'a', type: 'implemented', savings: -10, baseline: 100, roi: 5 },
      { category: 'a', type: 'identified', savings: null, baseline: 100, roi: 5 },
      { category: 'a', type: 'implemented', savings: 101, baseline: 100, roi: 5 },
      { category: 'a', type: 'implemented', savings: 100, baseline: 100, roi: 5 },    // equal to its baseline: fine
      { category: 'b', type: 'identified', savings: 4000, baseline: null, roi: null }, // no baseline to compare: counted
      { category: 'b', type: 'identified', savings: 2000, baseline: 8000, roi: null }, // above the $3,000 monthly cost: flagged
    ], 3000);
    expect(o.excluded_events).toEqual({ invalid_amount: 2, above_baseline: 1 });
    expect(o.realized_savings).toBe(100);
    expect(o.average_roi).toBe(5);
    expect(o.identified_savings).toBe(6000);
    expect(o.identified_flagged).toEqual({ count: 1, total: 4000, amounts: [4000] });
    expect(o.by_category.find((c) => c.category === 'b')).toEqual({ category: 'b', realized: 0, identified: 6000, identified_flagged: 4000 });
  });
});

describe('operational efficiency and health', () => {
  it('utilization is 100 in the 60–85% band and falls linearly to 0 at 0% and 100%', () => {
    const band = s.utilizationBand;
    expect(utilizationScore(70, band)).toBe(100);
    expect(utilizationScore(30, band)).toBe(50);
    expect(utilizationScore(0, band)).toBe(0);
    expect(utilizationScore(92.5, band)).toBe(50);
    expect(utilizationScore(100, band)).toBe(0);
    expect(utilizationScore(null, band)).toBeNull();
  });

  it('weights 0.3/0.3/0.2/0.2 and rescales when a component is missing', () => {
    const full = computeEfficiency({ deliverability_rate: 0.9, gross_margin: 0.35, utilization_percent: 70, revenue_protection_rate: 0.5, alerts_considered: 4 }, s);
    expect(full.efficiency_score).toBeCloseTo(0.3 * 90 + 0.3 * 50 + 0.2 * 100 + 0.2 * 50, 1);
    const missing = computeEfficiency({ deliverability_rate: 0.9, gross_margin: null, utilization_percent: null, revenue_protection_rate: null, alerts_considered: 0 }, s);
    // cost_efficiency and utilization drop out; response_time is 100 with no alerts
    expect(missing.missing_components).toEqual(['cost_efficiency', 'utilization']);
    expect(missing.efficiency_score).toBeCloseTo((0.3 * 90 + 0.2 * 100) / 0.5, 1);
    expect(missing.components.find((c) => c.name === 'deliverability')!.effective_weight).toBeCloseTo(0.6, 3);
  });

  it('response time follows revenue_protection_rate; without records, 100 only when the events show nothing to answer', () => {
    const base = { deliverability_rate: 0.9, gross_margin: null, utilization_percent: null };
    const rt = (e: ReturnType<typeof computeEfficiency>) => e.components.find((c) => c.name === 'response_time')!.value;
    expect(rt(computeEfficiency({ ...base, revenue_protection_rate: 0.75, alerts_considered: 4 }, s))).toBe(75);
    expect(rt(computeEfficiency({ ...base, revenue_protection_rate: null, alerts_considered: 0 }, s))).toBe(100);
    // Not recorded: no deliverability alert derived from the events is "no alerts"; some, of unknown answer, is missing.
    expect(rt(computeEfficiency({ ...base, revenue_protection_rate: null, alerts_considered: null, derived_deliverability_alerts: 0 }, s))).toBe(100);
    const unknown = computeEfficiency({ ...base, revenue_protection_rate: null, alerts_considered: null, derived_deliverability_alerts: 3 }, s);
    expect(rt(unknown)).toBeNull();
    expect(unknown.missing_components).toContain('response_time');
    expect(unknown.efficiency_score).toBeCloseTo(90, 1);
  });

  it('clamps cost efficiency and combines business health 0.4/0.3/0.3', () => {
    const h = computeBusinessHealth('warning', null, 100, 80);
    expect(h.business_health).toBeCloseTo(0.4 * 50 + 0.3 * 100 + 0.3 * 80, 1);
    expect(h.status).toBe('warning');                  // 74 (monitor), and never better than the warning risk
    // The worse of the period's risk level and the risk now makes revenue health and caps the status.
    const now = computeBusinessHealth('monitor', 'critical', 100, 100);
    expect(now.revenue_health).toBe(20);
    expect(now.business_health).toBeCloseTo(0.4 * 20 + 30 + 30, 1);
    expect(now.status).toBe('critical');
    expect(computeBusinessHealth('ok', 'ok', 100, 85).status).toBe('ok');
    const neg = computeEfficiency({ deliverability_rate: null, gross_margin: -0.5, utilization_percent: null, revenue_protection_rate: null, alerts_considered: 1 }, s);
    expect(neg.components.find((c) => c.name === 'cost_efficiency')!.value).toBe(0);
    // No revenue but real costs: margin is null (zero denominator) yet cost efficiency is 0, not missing.
    const noRevenue = computeEfficiency({ deliverability_rate: null, gross_margin: null, recognized_revenue: 0, total_cost: 900, utilization_percent: null, revenue_protection_rate: null, alerts_considered: 0 }, s);
    expect(noRevenue.components.find((c) => c.name === 'cost_efficiency')!.value).toBe(0);
    expect(computeEfficiency({ deliverability_rate: null, gross_margin: null, recognized_revenue: 0, total_cost: 0, utilization_percent: null, revenue_protection_rate: null, alerts_considered: 0 }, s).missing_components).toContain('cost_efficiency');
    expect(computeBusinessHealth(null, null, null, null).business_health).toBeNull();
  });
});

describe('trends (SPEC §3)', () => {
  const amount = { unit: 'pct', stableBelow: 0.02 } as const;
  const pp = (stableBelow: number) => ({ unit: 'pp', stableBelow }) as const;
  it('amounts change in percent, with polarity and the 2% stable band; from zero is new', () => {
    expect(trend(101, 100, 'higher_is_better', amount).direction).toBe('stable');
    expect(trend(110, 100, 'higher_is_better', amount)).toEqual({ previous: 100, unit: 'pct', change: 10, kind: 'change', direction: 'improving' });
    expect(trend(110, 100, 'lower_is_better', amount).direction).toBe('declining');
    expect(trend(null, 100, 'higher_is_better', amount)).toEqual({ previous: 100, unit: 'pct', change: null, kind: null, direction: null });
    expect(trend(5, 0, 'higher_is_better', amount)).toEqual({ previous: 0, unit: 'pct', change: null, kind: 'new', direction: 'improving' });
    expect(trend(5, 0, 'lower_is_better', amount)).toEqual({ previous: 0, unit: 'pct', change: null, kind: 'new', direction: 'declining' });
    expect(trend(0, 0, 'higher_is_better', amount)).toEqual({ previous: 0, unit: 'pct', change: 0, kind: 'change', direction: 'stable' });
  });

  it('rates change in percentage points: 2.0% → 6.2% is +4.2 pp; stable under 0.1 pp for bounce and spam, 1 pp for the others', () => {
    expect(trend(0.062, 0.02, 'lower_is_better', pp(0.1))).toEqual({ previous: 0.02, unit: 'pp', change: 4.2, kind: 'change', direction: 'declining' });
    expect(trend(0.05, 0.08, 'lower_is_better', pp(0.1)).direction).toBe('improving');
    expect(trend(0.0102, 0.01, 'lower_is_better', pp(0.1)).direction).toBe('stable');
    expect(trend(0.011, 0.01, 'lower_is_better', pp(0.1)).direction).toBe('declining');   // exactly 0.1 pp is not under it
    expect(trend(0.985, 0.978, 'higher_is_better', pp(1)).direction).toBe('stable');
    expect(trend(0.75, 0.70, 'higher_is_better', pp(1))).toMatchObject({ change: 5, direction: 'improving' });
    expect(trend(0.02, 0, 'lower_is_better', pp(0.1))).toMatchObject({ change: 2, kind: 'change', direction: 'declining' });   // a rate from 0% is a change in points
  });

  it('scores change in points', () => {
    expect(trend(89, 97, 'higher_is_better', { unit: 'pts', stableBelow: 1 })).toEqual({ previous: 97, unit: 'pts', change: -8, kind: 'change', direction: 'declining' });
    expect(trend(85.4, 85, 'higher_is_better', { unit: 'pts', stableBelow: 1 }).direction).toBe('stable');
  });

  it('costs and revenue compare as a rate per local day weighted by its month: 30- and 31-day months are equal', () => {
    const nov = Array.from({ length: 30 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`);
    const dec = Array.from({ length: 31 }, (_, i) => `2026-12-${String(i + 1).padStart(2, '0')}`);
    const share = (current: string[], previous: string[]) => ({ unit: 'pct', stableBelow: 0.02, perMonthShare: { current, previous } }) as const;
    expect(trend(1750, 1750, 'lower_is_better', share(dec, nov))).toMatchObject({ change: 0, direction: 'stable' });
    // One day of each: $56.45 (1/31 of $1,750) against $58.33 (1/30) is not a 3.2% fall.
    expect(trend(56.45, 58.33, 'lower_is_better', share(['2026-12-01'], ['2026-11-30']))).toMatchObject({ change: 0, direction: 'stable' });
    expect(trend(56.45, 58.33, 'lower_is_better', amount).direction).toBe('improving');   // what a plain percent would say
    expect(trend(1890, 1750, 'lower_is_better', share(dec, nov))).toMatchObject({ change: 8, direction: 'declining' });
  });
});

describe('decisions', () => {
  it('counts by type and averages requested_at → decision_date hours', () => {
    const d = (id: string, type: string, requested: string | null, decided: string) => ({
      decision_id: id, title: id, decision_type: type, decision_date: new Date(decided), requested_at: requested ? new Date(requested) : null,
      expected_revenue_impact: null, expected_cost_impact: null, outcome_timeframe: null,
    });
    const r = computeDecisionsTracked([
      d('a', 'budget_allocation', '2026-11-16T09:00:00Z', '2026-11-17T09:00:00Z'),    // 24 h
      d('b', 'budget_allocation', '2026-11-16T00:00:00Z', '2026-11-19T00:00:00Z'),    // 72 h
      d('c', 'vendor', null, '2026-11-18T00:00:00Z'),
    ]);
    expect(r.decisions_tracked).toBe(3);
    expect(r.by_type).toEqual([{ decision_type: 'budget_allocation', count: 2 }, { decision_type: 'vendor', count: 1 }]);
    expect(r.decision_velocity_hours).toBe(48);
    expect(r.velocity_samples).toBe(2);
    expect(computeDecisionsTracked([]).decision_velocity_hours).toBeNull();
  });
});

describe('recommendations', () => {
  it('right-sizes idle active VPS, releases extra IPs and lists identified savings, each with its rule', () => {
    const recs = recommendActions({
      vps: [
        { id: 'idle', status: 'active', monthly_cost: 400, cpu_utilization: 12, memory_utilization: 20 },
        { id: 'busy', status: 'active', monthly_cost: 400, cpu_utilization: 75, memory_utilization: 70 },
        { id: 'off', status: 'stopped', monthly_cost: 400, cpu_utilization: 1, memory_utilization: 1 },
      ],
      ips: [1, 2, 3].map((i) => ({ id: `ip${i}`, vps_instance_id: 'idle', ip: '10.0.0.1', monthly_cost: 15, warmup_progress: 100, daily_capacity: 1 })),
      optimization: computeCostOptimization([{ category: 'vendor_contracts', type: 'identified', savings: 6000, baseline: null, roi: null }], 10_000),
      revenue: computeRevenueProtection([day('2026-11-21', 1000, 800, 180, 20)], [], s),
    }, s);
    expect(recs.map((r) => r.rule)).toEqual(['deliverability-risk', 'implement-identified-savings', 'right-size-vps', 'release-underused-ips']);
    expect(recs.find((r) => r.rule === 'right-size-vps')).toMatchObject({ title: 'Right-size VPS idle', estimated_monthly_saving: 200, priority: 'medium' });
    expect(recs.find((r) => r.rule === 'release-underused-ips')!.estimated_monthly_saving).toBe(30);
    expect(recs.some((r) => r.title.includes('off') || r.detail.includes('off'))).toBe(false);
  });

  it('a crisis inside an average-looking period still recommends containment', () => {
    const calm = computeRevenueProtection([day('2026-11-21', 1000, 970, 20, 1)], [], s);
    expect(calm.risk_level).toBe('ok');
    const none = recommendActions({ vps: [], ips: [], optimization: computeCostOptimization([], 0), revenue: calm }, s);
    expect(none).toEqual([]);
    const recs = recommendActions({ vps: [], ips: [], optimization: computeCostOptimization([], 0), revenue: calm, deliverabilityAlerts: 3 }, s);
    expect(recs.map((r) => r.rule)).toEqual(['deliverability-risk']);
    expect(recs[0].detail).toContain('3 critical or high deliverability alerts');
  });

  it('folds several idle instances into one right-size action naming them', () => {
    const vps = [1, 2, 3, 4, 5].map((i) => ({ id: `v${i}`, status: 'active', monthly_cost: 100 * i, cpu_utilization: 10, memory_utilization: 10 }));
    const recs = recommendActions({ vps, ips: [], optimization: computeCostOptimization([], 0), revenue: computeRevenueProtection([], [], s) }, s);
    expect(recs).toHaveLength(1);
    expect(recs[0]).toMatchObject({ rule: 'right-size-vps', title: 'Right-size 5 under-used VPS instances', estimated_monthly_saving: 750, priority: 'high' });
    expect(recs[0].detail).toContain('v5 (10% CPU, $500/month), v4');
    expect(recs[0].detail).toContain('and 1 more');
  });
});

describe('alert rules', () => {
  const ev = (event: string, properties: Record<string, unknown>) => ({ uuid: 'u', event, timestamp: new Date(), properties });
  it('classifies deliverability, revenue impact, efficiency and optimization events (SPEC §8)', () => {
    expect(classifyEvent(ev('email_deliverability_event', { bounce_rate: 0.16, spam_rate: 0 }), rules, s)?.severity).toBe('critical');
    expect(classifyEvent(ev('email_deliverability_event', { bounce_rate: 0.02, spam_rate: 0.016 }), rules, s)?.severity).toBe('high');
    expect(classifyEvent(ev('email_deliverability_event', { bounce_rate: 0.06, spam_rate: 0 }), rules, s)?.severity).toBe('medium');
    expect(classifyEvent(ev('email_deliverability_event', { bounce_rate: 0.01, spam_rate: 0.001 }), rules, s)).toBeNull();
    expect(classifyEvent(ev('revenue_impact_event', { impact_type: 'negative', impact_amount: 10_001 }), rules, s)?.severity).toBe('critical');
    expect(classifyEvent(ev('revenue_impact_event', { impact_type: 'positive', impact_amount: 50_000 }), rules, s)).toBeNull();
    expect(classifyEvent(ev('revenue_impact_event', { impact_type: 'negative', impact_amount: 'NaN' }), rules, s)).toBeNull();
    expect(classifyEvent(ev('operational_efficiency_event', { efficiency_score: 69 }), rules, s)?.severity).toBe('high');
    expect(classifyEvent(ev('cost_optimization_event', { optimization_type: 'identified', savings_amount: 5001 }), rules, s)?.rule).toBe('optimization');
  });
  it('reads untrusted numbers defensively', () => {
    expect(num('12.5')).toBe(12.5);
    expect(num('abc')).toBeNull();
    expect(num(Infinity)).toBeNull();
    expect(num({})).toBeNull();
  });
});
