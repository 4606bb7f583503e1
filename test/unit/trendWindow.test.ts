/**
 * Issue 9.5: the charts' days (`trend_window`). A daily brief's chart was one dot; it now draws the
 * trailing 14 local days with its own day set apart; a week draws the week before it too; a
 * month draws itself. Pure builder, hand-built facts.
 */
import { describe, expect, it } from 'vitest';
import { buildExecutiveSummary, type PeriodFacts } from '../../src/report/buildExecutiveSummary.js';
import { defaultMetricSettings } from '../../src/metrics/settings.js';
import { defaultRuleSettings } from '../../src/alerts/settings.js';
import { addDays, parsePeriod, previousPeriod } from '../../src/time/periods.js';
import type { DailySummaryRow, PaymentRow } from '../../src/sources/types.js';
import type { ExecutiveSummaryData } from '../../src/report/types.js';

const ZONE = 'America/New_York';
const TENANT = { id: 't1', name: 'Test Tenant', timezone: ZONE, monthly_budget: null };

function row(date: string, sent: number, bounceRate: number): DailySummaryRow {
  const bounced = Math.round(sent * bounceRate);
  return { date, emails_sent: sent, emails_delivered: sent - bounced, emails_bounced: bounced, emails_spam: 10, ip_reputation: 'good', domain_reputation: 'good' };
}

const payment = (date: string, amount: number): PaymentRow => ({ id: `p-${date}`, amount, paid_at: new Date(`${date}T17:00:00Z`), date });

function facts(daily: DailySummaryRow[], payments: PaymentRow[] = []): PeriodFacts {
  return {
    business: { daily, vps: [], ips: [], payments, subscriptions: [{ id: 's', status: 'active', plan_name: 'Pro', price_monthly: 900 }], alerts: [] },
    events: {
      revenue_impact: { negative_total: 0, positive_total: 0, event_count: 0 }, optimization: [], utilization: { mean_percent: null, samples: 0 },
      decisions: [], alert_candidates: [], newest_event_at: null, excluded: { revenue_impact_invalid_amount: 0, utilization_out_of_range: 0 },
    },
    alerts: [],
  };
}

/** A brief of `label` with one daily summary for each of the 31 days up to its end (as the loader reads them), bounce i/1000 on the i-th. */
function build(label: string, payments: PaymentRow[] = []): ExecutiveSummaryData {
  const period = parsePeriod(label, ZONE);
  const previous = previousPeriod(period);
  const last = period.days[period.days.length - 1];
  const recent = Array.from({ length: 31 }, (_, i) => row(addDays(last, i - 30), 1000 + i, (i + 1) / 1000));
  const of = (days: string[]) => recent.filter((r) => days.includes(r.date));
  const pay = (days: string[]) => payments.filter((p) => days.includes(p.date));
  return buildExecutiveSummary({
    tenant: TENANT, period, previous,
    current: facts(of(period.days), pay(period.days)), prior: facts(of(previous.days), pay(previous.days)), recentDaily: recent,
    newestSummaryDate: last, alertRecordingStart: null, now: new Date('2026-12-02T12:00:00Z'),
    settings: defaultMetricSettings, alertRules: defaultRuleSettings,
  });
}

describe('trend_window', () => {
  it('a daily brief: the 14 local days ending with its day, its day the only one in the period', () => {
    const data = build('2026-12-01', [payment('2026-11-30', 4999), payment('2026-11-25', 100)]);
    const w = data.trend_window;
    expect(w.days.map((d) => d.date)).toEqual(Array.from({ length: 14 }, (_, i) => addDays('2026-11-18', i)));
    expect(w).toMatchObject({ first: '2026-11-18', last: '2026-12-01', words: '18 Nov – 1 Dec 2026', extends_period: true });
    expect(w.days.filter((d) => d.in_period).map((d) => d.date)).toEqual(['2026-12-01']);
    // the rates of the daily summaries read back from the period's end
    const dec1 = w.days[13];
    expect(dec1.emails_sent).toBe(1030);
    expect(dec1.bounce_rate).toBeCloseTo(Math.round(1030 * 0.031) / 1030, 9);
    expect(w.days[0].bounce_rate).toBeCloseTo(Math.round(1017 * 0.018) / 1017, 9);
    // cash is known on the days whose payments were read: the period and the one before it
    expect(w.days.map((d) => d.cash_collected)).toEqual([...Array(12).fill(null), 4999, 0]);
  });

  it('a week: the week before it too, the week set apart', () => {
    const data = build('2026-W48', [payment('2026-11-20', 500), payment('2026-11-27', 700)]);
    const w = data.trend_window;
    expect(w.days).toHaveLength(14);
    expect(w).toMatchObject({ first: '2026-11-16', last: '2026-11-29', words: '16–29 Nov 2026', extends_period: true });
    expect(w.days.filter((d) => d.in_period).map((d) => d.date)).toEqual(parsePeriod('2026-W48', ZONE).days);
    expect(w.days.find((d) => d.date === '2026-11-20')!.cash_collected).toBe(500);
    expect(w.days.every((d) => d.cash_collected !== null)).toBe(true);
  });

  it('a month: its own days, nothing to set apart', () => {
    const w = build('2026-11').trend_window;
    expect(w.days).toHaveLength(30);
    expect(w).toMatchObject({ first: '2026-11-01', last: '2026-11-30', words: 'November 2026', extends_period: false });
    expect(w.days.every((d) => d.in_period)).toBe(true);
  });

  it('a day without a daily summary has no rates, not zero', () => {
    const period = parsePeriod('2026-12-01', ZONE);
    const data = buildExecutiveSummary({
      tenant: TENANT, period, previous: previousPeriod(period), current: facts([row('2026-12-01', 500, 0.02)]), prior: facts([]),
      newestSummaryDate: '2026-12-01', alertRecordingStart: null, now: new Date('2026-12-02T12:00:00Z'),
      settings: defaultMetricSettings, alertRules: defaultRuleSettings,
    });
    expect(data.trend_window.days).toHaveLength(14);
    expect(data.trend_window.days.slice(0, 13).every((d) => d.emails_sent === null && d.bounce_rate === null)).toBe(true);
    expect(data.trend_window.days[13]).toMatchObject({ date: '2026-12-01', emails_sent: 500, in_period: true });
  });
});
