import { describe, expect, it } from 'vitest';
import { makeHeadline, type HeadlineInput } from '../../src/report/headline.js';
import type { Kpi, RiskNow, Trend } from '../../src/report/types.js';

const calmNow: RiskNow = {
  days: ['2026-11-28', '2026-11-29', '2026-11-30'], days_level: 'ok', metric: null, value: null, threshold: null,
  on: null, since: null, ongoing: false, open_critical_alerts: 0, open_critical_since: null,
};

const trend = (t: Partial<Trend>): Trend => ({ previous: 1, unit: 'pct', change: 0, kind: 'change', direction: 'stable', ...t });
const kpi = (key: string, label: string, value: number, unit: Kpi['unit'], t: Partial<Trend>, polarity: Kpi['polarity'] = 'higher_is_better'): Kpi =>
  ({ key, label, value, unit, polarity, status: 'neutral', trend: trend(t), target: null, target_met: null });

function input(over: { now?: Partial<RiskNow>; level?: HeadlineInput['revenue_protection']['risk_level_now']; kpis?: Kpi[]; margin?: number; has_data?: boolean } = {}): HeadlineInput {
  return {
    has_data: over.has_data ?? true,
    tenant: { id: 't', name: 'T', timezone: 'Europe/Berlin' },
    period: { kind: 'month', label: '2026-11', start: '', end: '', timezone: 'Europe/Berlin', words: 'November 2026' },
    previous_period: { kind: 'month', label: '2026-10', start: '', end: '', timezone: 'Europe/Berlin', words: 'October 2026' },
    revenue_protection: {
      emails_sent: 1, emails_delivered: 1, emails_bounced: 0, emails_spam: 0, deliverability_rate: 1, bounce_rate: 0, spam_rate: 0,
      revenue_at_risk: 18_850.4, risk_level: 'monitor', risk_level_now: over.level ?? 'ok', risk_now: { ...calmNow, ...over.now },
      ip_reputation: null, domain_reputation: null, revenue_protection_rate: null, alerts_considered: 0,
    },
    cost: {
      infrastructure_cost: 1390, email_service_cost: 360, total_cost: 1750, monthly_total_cost: 1750, revenue: 4999, mrr: 4999,
      recognized_revenue: 4999, gross_margin: over.margin ?? 0.65, cost_per_email_delivered: 0.0005, efficiency_ratio: 2.86,
    },
    kpis: over.kpis ?? [kpi('total_cost', 'Total cost', 1750, 'usd', {}, 'lower_is_better')],
    critical_alerts: [],
    thresholds: {
      bounce_rate: { monitor: 0.05, warning: 0.1, critical: 0.15 }, spam_rate: { monitor: 0.01, warning: 0.015, critical: 0.02 },
      trend_stable: { amount_pct: 2, bounce_spam_pp: 0.1, other_rates_pp: 1, score_points: 1 },
    },
  };
}

describe('headline rules', () => {
  it('critical now: the rate, the line, since when, and the money at risk', () => {
    const h = makeHeadline(input({ level: 'critical', now: { days_level: 'critical', metric: 'bounce_rate', value: 0.178, threshold: 0.15, on: '2026-11-30', since: '2026-11-21', ongoing: true } }));
    expect(h).toEqual({ rule: 'critical-now', level: 'critical', text: 'Bounce has been above the 15% critical line since 21 Nov; $18,850 of revenue at risk.' });
    // Crossed on the last day; spam at its 2% line.
    expect(makeHeadline(input({ level: 'critical', now: { days_level: 'critical', metric: 'spam_rate', value: 0.0234, threshold: 0.02, on: '2026-11-30', since: '2026-11-30', ongoing: true } })).text)
      .toBe('Spam rose above the 2% critical line on 30 Nov (2.3%); $18,850 of revenue at risk.');
    // Critical two days ago, not on the latest day: over, but within the last three days.
    expect(makeHeadline(input({ level: 'critical', now: { days_level: 'critical', metric: 'bounce_rate', value: 0.16, threshold: 0.15, on: '2026-11-28', since: '2026-11-25', ongoing: false } })).text)
      .toBe('Bounce was above the 15% critical line from 25 Nov to 28 Nov; $18,850 of revenue at risk.');
  });

  it('critical now outranks losing money and any change; losing money outranks a warning', () => {
    const big = [kpi('bounce_rate', 'Bounce rate', 0.062, 'ratio', { previous: 0.02, unit: 'pp', change: 4.2, direction: 'declining' }, 'lower_is_better')];
    expect(makeHeadline(input({ level: 'critical', margin: -0.3, kpis: big, now: { days_level: 'critical', metric: 'bounce_rate', value: 0.17, threshold: 0.15, on: '2026-11-30', since: '2026-11-21', ongoing: true } })).rule).toBe('critical-now');
    const losing = makeHeadline({ ...input({ level: 'warning', margin: -0.328 }), cost: { ...input().cost, total_cost: 3982, monthly_total_cost: 3982, mrr: 2999, recognized_revenue: 2999, gross_margin: -0.328 } });
    expect(losing).toEqual({ rule: 'losing-money', level: 'critical', text: 'Costs exceed recognized revenue by $983 in November 2026 (gross margin \u221232.8%): $3,982 a month against $2,999 of monthly recurring revenue.' });
    const day = { ...input({ margin: -0.328 }), period: { kind: 'day' as const, label: '2026-12-01', start: '', end: '', timezone: 'Europe/Berlin', words: 'Tuesday 1 Dec 2026' } };
    expect(makeHeadline(day).text).toMatch(/^Costs exceed recognized revenue by .* on Tuesday 1 Dec 2026 /);
    const warning = makeHeadline(input({ level: 'warning', kpis: big, now: { days_level: 'warning', metric: 'bounce_rate', value: 0.12, threshold: 0.1, on: '2026-11-30', since: '2026-11-27', ongoing: true } }));
    expect(warning).toEqual({ rule: 'warning-now', level: 'warning', text: 'Bounce has been above the 10% warning line since 27 Nov; $18,850 of revenue at risk.' });
  });

  it('else the largest change, measured against where each KPI was', () => {
    const kpis = [
      kpi('total_cost', 'Total cost', 1890, 'usd', { previous: 1750, unit: 'pct', change: 8, direction: 'declining' }, 'lower_is_better'),
      kpi('bounce_rate', 'Bounce rate', 0.062, 'ratio', { previous: 0.02, unit: 'pp', change: 4.2, direction: 'declining' }, 'lower_is_better'),
      kpi('deliverability_rate', 'Deliverability', 0.93, 'ratio', { previous: 0.97, unit: 'pp', change: -4, direction: 'declining' }),
      kpi('gross_margin', 'Gross margin', 0.7, 'ratio', { previous: 0.7, unit: 'pp', change: 0, direction: 'stable' }),
    ];
    expect(makeHeadline(input({ kpis }))).toEqual({ rule: 'largest-change', level: 'monitor', text: 'Bounce rate rose from 2.0% to 6.2% (+4.2\u00a0pp) against October 2026.' });
    const better = [kpi('efficiency_score', 'Efficiency score', 88, 'score', { previous: 80, unit: 'pts', change: 8, direction: 'improving' })];
    expect(makeHeadline(input({ kpis: better }))).toEqual({ rule: 'largest-change', level: 'ok', text: 'Efficiency score rose from 80 to 88 (+8\u00a0pts) against October 2026.' });
    const fromZero = [kpi('realized_savings', 'Realized savings', 1200, 'usd', { previous: 0, change: null, kind: 'new', direction: 'improving' })];
    expect(makeHeadline(input({ kpis: fromZero })).text).toBe('Realized savings of $1,200, from none in October 2026.');
  });

  it('else steady, naming the largest move when it is beyond its band but small; and says so when there is nothing to compare with, or no data', () => {
    expect(makeHeadline(input())).toEqual({ rule: 'steady', level: 'ok', text: 'Steady: no indicator moved beyond its stable band against October 2026.' });
    const small = [
      kpi('realized_savings', 'Realized savings', 325, 'usd', { previous: 313, change: 3.8, direction: 'improving' }),
      kpi('bounce_rate', 'Bounce rate', 0.0092, 'ratio', { previous: 0.011, unit: 'pp', change: -0.18, direction: 'improving' }, 'lower_is_better'),
    ];
    expect(makeHeadline(input({ kpis: small }))).toEqual({ rule: 'steady', level: 'ok', text: 'Steady against October 2026: the largest move, bounce rate \u22120.18\u00a0pp, is small.' });
    const none = [kpi('total_cost', 'Total cost', 1750, 'usd', { previous: null, change: null, kind: null, direction: null })];
    expect(makeHeadline(input({ kpis: none })).rule).toBe('no-comparison');
    expect(makeHeadline(input({ has_data: false }))).toEqual({ rule: 'no-data', level: 'monitor', text: 'No activity was recorded in November 2026.' });
  });
});
