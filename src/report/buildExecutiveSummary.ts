import type { AlertItem, AlertsSource, DailyPoint, DataNote, ExecutiveSummaryData, Kpi, Polarity, RiskLevel, Status, TargetCheck, TrendWindow } from './types.js';
import type { BusinessFacts, DailySummaryRow, EventFacts, TenantRow } from '../sources/types.js';
import { computePeriodMetrics, type PeriodMetrics } from '../metrics/periodMetrics.js';
import { recommendActions } from '../metrics/recommendations.js';
import type { MetricSettings } from '../metrics/settings.js';
import { scoreStatus } from '../metrics/efficiency.js';
import { worseLevel } from '../metrics/revenueProtection.js';
import { trend, ratio, type TrendBasis } from '../metrics/trend.js';
import { cents, monthlyRateOf } from '../metrics/cost.js';
import { savingsDataNotes } from '../metrics/costOptimization.js';
import { bySeverity, classifyEvent, worse, type Classified } from '../alerts/rules.js';
import type { RuleSettings } from '../alerts/settings.js';
import type { AlertHistoryRow } from '../alerts/alertHistory.js';
import { addDays, daysInMonth, periodToInfo, type Period } from '../time/periods.js';
import { formatDate, formatList, formatUsd, pluralize } from './format.js';
import { makeHeadline } from './headline.js';

/** A period's facts. `alerts`: Herald's alert records of the period, or null when they are derived from the events. */
export interface PeriodFacts { business: BusinessFacts; events: EventFacts; alerts: AlertHistoryRow[] | null }

export interface ExecutiveSummaryInput {
  tenant: TenantRow;
  period: Period;
  previous: Period;
  current: PeriodFacts;
  prior: PeriodFacts;
  /**
   * Daily summaries of up to RISK_SINCE_LOOKBACK_DAYS local days ending with the period's last
   * day (for when the current risk state began); default: the previous and current periods'.
   */
  recentDaily?: DailySummaryRow[];
  newestSummaryDate: string | null;
  /** When Herald began recording alerts (herald.alert_poller.started_at); null: never. */
  alertRecordingStart: Date | null;
  now: Date;
  settings: MetricSettings;
  alertRules: RuleSettings;
}

/** The executive summary's data object (SPEC §5): pure, so the tests can check it number by number. */
export function buildExecutiveSummary(input: ExecutiveSummaryInput): ExecutiveSummaryData {
  const { tenant, period, previous, settings: s } = input;
  // Without records, the events tell whether there were deliverability alerts to answer.
  const derived = [input.current, input.prior].map((f) => (f.alerts === null ? alertsFromEvents(f.events, input) : null));
  const recent = input.recentDaily ?? [...input.prior.business.daily, ...input.current.business.daily];
  const cur = computePeriodMetrics(input.current.business, input.current.events, period.days, s, {
    derivedDeliverabilityAlerts: deliverabilityAlerts(derived[0]), recentDaily: recent, openCriticalAlerts: openCriticalAt(input.current.alerts, period.end.toJSDate()),
  });
  const prev = computePeriodMetrics(input.prior.business, input.prior.events, previous.days, s, {
    derivedDeliverabilityAlerts: deliverabilityAlerts(derived[1]), recentDaily: recent, openCriticalAlerts: openCriticalAt(input.prior.alerts, previous.end.toJSDate()),
  });
  const alerts = input.current.alerts !== null
    ? input.current.alerts.map(recordedAlert).sort(bySeverityThenTime)
    : [...derived[0]!, ...costOverrunAlert(input, cur)].sort(bySeverityThenTime);
  const medium = alerts.filter((a) => a.severity === 'medium');
  const ev = input.current.events;
  const has_data =
    cur.revenue_protection.emails_sent > 0 ||
    input.current.business.payments.length > 0 ||
    ev.revenue_impact.event_count > 0 ||
    ev.optimization.length > 0 ||
    ev.decisions.length > 0 ||
    ev.utilization.samples > 0;

  const critical_alerts = alerts.filter((a) => a.severity !== 'medium');
  const kpiList = kpis(cur, prev, s, { current: period.days, previous: previous.days }, tenant.monthly_budget);
  const thresholds = {
    bounce_rate: { ...s.riskThresholds.bounceRate },
    spam_rate: { ...s.riskThresholds.spamRate },
    trend_stable: {
      amount_pct: s.trendStableBelow * 100, bounce_spam_pp: s.trendStableBelowPp.bounceAndSpam,
      other_rates_pp: s.trendStableBelowPp.otherRates, score_points: s.trendStableBelowPoints,
    },
  };
  const headline = makeHeadline({
    has_data, period: periodToInfo(period), previous_period: periodToInfo(previous), tenant: { id: tenant.id, name: tenant.name, timezone: period.timezone },
    revenue_protection: cur.revenue_protection, cost: cur.cost, kpis: kpiList, critical_alerts, thresholds,
  });
  const days = { current: period.days, previous: previous.days };
  return {
    report: 'executive-summary',
    schema_version: 1,
    tenant: { id: tenant.id, name: tenant.name, timezone: period.timezone },
    period: periodToInfo(period),
    previous_period: periodToInfo(previous),
    generated_at: input.now.toISOString(),
    has_data,
    data_freshness: {
      newest_summary_date: input.newestSummaryDate,
      newest_event_at: ev.newest_event_at ? ev.newest_event_at.toISOString() : null,
    },
    headline: headline.text,
    headline_rule: headline.rule,
    headline_level: headline.level,
    health: cur.health,
    kpis: kpiList,
    trends: {
      revenue: trend(cur.cost.recognized_revenue, prev.cost.recognized_revenue, 'higher_is_better', amountBasis(s, days)).direction,
      cost: trend(cur.cost.total_cost, prev.cost.total_cost, 'lower_is_better', amountBasis(s, days)).direction,
      efficiency: trend(cur.efficiency.efficiency_score, prev.efficiency.efficiency_score, 'higher_is_better', { unit: 'pts', stableBelow: s.trendStableBelowPoints }).direction,
    },
    targets: targets(cur, s),
    revenue_protection: cur.revenue_protection,
    revenue_impact: cur.revenue_impact,
    cost: cur.cost,
    cost_optimization: cur.cost_optimization,
    efficiency: cur.efficiency,
    decisions: cur.decisions,
    critical_alerts,
    medium_alerts: medium,
    medium_alert_count: medium.reduce((n, a) => n + (a.count ?? 1), 0),
    alerts_source: alertsSource(input),
    recommended_actions: recommendActions(
      {
        vps: input.current.business.vps, ips: input.current.business.ips, optimization: cur.cost_optimization, revenue: cur.revenue_protection,
        deliverabilityAlerts: deliverabilityAlerts(alerts), monthlyTotalCost: cur.cost.monthly_total_cost,
      },
      s,
    ),
    data_notes: dataNotes(cur, ev),
    daily: dailySeries(input, cur),
    trend_window: trendWindow(input, recent),
    thresholds,
  };
}

function kpi(key: string, label: string, value: number | null, previous: number | null, unit: Kpi['unit'], polarity: Polarity, basis: TrendBasis, status: Status, target?: { text: string; met: boolean | null }): Kpi {
  return {
    key, label, value, unit, polarity,
    status: value === null ? 'neutral' : status,
    trend: trend(value, previous, polarity, basis),
    target: target?.text ?? null,
    target_met: value === null ? null : target?.met ?? null,
  };
}

/** Costs and revenue: percent of the rate per local day, each day weighted as its share of its month (SPEC §3). */
function amountBasis(s: MetricSettings, days: { current: string[]; previous: string[] }): TrendBasis {
  return { unit: 'pct', stableBelow: s.trendStableBelow, perMonthShare: days };
}

/** How far under a target a margin may fall before it is more than "monitor": 10 percentage points. */
const MARGIN_MONITOR_BAND = 0.1;

function kpis(cur: PeriodMetrics, prev: PeriodMetrics, s: MetricSettings, days: { current: string[]; previous: string[] }, monthlyBudget: number | null): Kpi[] {
  const rp = cur.revenue_protection, prp = prev.revenue_protection;
  // Deliverability cards show the period's figures, rated by the worse of the period and now: a
  // month whose last days are critical does not get a calm card beside a critical headline.
  const risk = worseLevel(rp.risk_level, rp.risk_level_now);
  const riskStatus: Status = risk ?? 'neutral';
  const margin = cur.cost.gross_margin;
  const marginStatus: Status = margin === null ? 'neutral'
    : margin >= s.grossMarginTarget ? 'ok' : margin >= s.grossMarginTarget - MARGIN_MONITOR_BAND ? 'monitor' : margin >= 0 ? 'warning' : 'critical';
  const rate = cur.cost_optimization.savings_rate;
  const savingsStatus: Status = rate === null ? 'neutral' : rate >= s.savingsRateTarget.min ? 'ok' : 'monitor';
  // The tenant's budget is the cost's target; the cost-overrun alert's line (120%) is critical.
  const budgetRatio = monthlyBudget !== null && monthlyBudget > 0 ? cur.cost.monthly_total_cost / monthlyBudget : null;
  const costStatus: Status = budgetRatio === null ? 'neutral' : budgetRatio > 1.2 ? 'critical' : budgetRatio > 1 ? 'warning' : 'ok';
  const bounceLimit = s.riskThresholds.bounceRate.monitor;
  const pp = (stableBelow: number): TrendBasis => ({ unit: 'pp', stableBelow });
  const amount: TrendBasis = { unit: 'pct', stableBelow: s.trendStableBelow };
  return [
    kpi('deliverability_rate', 'Deliverability', rp.deliverability_rate, prp.deliverability_rate, 'ratio', 'higher_is_better', pp(s.trendStableBelowPp.otherRates), riskStatus),
    kpi('bounce_rate', 'Bounce rate', rp.bounce_rate, prp.bounce_rate, 'ratio', 'lower_is_better', pp(s.trendStableBelowPp.bounceAndSpam), riskStatus,
      { text: `< ${pct(bounceLimit)}`, met: rp.bounce_rate === null ? null : rp.bounce_rate <= bounceLimit }),
    kpi('revenue_at_risk', 'Revenue at risk', rp.revenue_at_risk, prp.revenue_at_risk, 'usd', 'lower_is_better', amount, riskStatus),
    kpi('recognized_revenue', 'Recognized revenue', cur.cost.recognized_revenue, prev.cost.recognized_revenue, 'usd', 'higher_is_better', amountBasis(s, days), 'neutral'),
    kpi('total_cost', 'Total cost', cur.cost.total_cost, prev.cost.total_cost, 'usd', 'lower_is_better', amountBasis(s, days), costStatus,
      budgetRatio === null ? undefined : { text: `≤ ${formatUsd(monthlyBudget)} a month`, met: budgetRatio <= 1 }),
    kpi('gross_margin', 'Gross margin', margin, prev.cost.gross_margin, 'ratio', 'higher_is_better', pp(s.trendStableBelowPp.otherRates), marginStatus,
      { text: `> ${pct(s.grossMarginTarget)}`, met: margin === null ? null : margin > s.grossMarginTarget }),
    kpi('realized_savings', 'Realized savings', cur.cost_optimization.realized_savings, prev.cost_optimization.realized_savings, 'usd', 'higher_is_better', amount, savingsStatus),
    kpi('efficiency_score', 'Efficiency score', cur.efficiency.efficiency_score, prev.efficiency.efficiency_score, 'score', 'higher_is_better',
      { unit: 'pts', stableBelow: s.trendStableBelowPoints }, scoreStatus(cur.efficiency.efficiency_score)),
  ];
}

/** Targets of figures shown outside the KPI cards (SPEC §4), and whether the period met them. */
function targets(cur: PeriodMetrics, s: MetricSettings): ExecutiveSummaryData['targets'] {
  const check = (target: string, value: number | null, met: (v: number) => boolean, polarity: Polarity = 'higher_is_better'): TargetCheck =>
    ({ target, met: value === null ? null : met(value), polarity });
  const { min, max } = s.savingsRateTarget;
  return {
    revenue_protection_rate: check('> 95%', cur.revenue_protection.revenue_protection_rate, (v) => v > 0.95),
    gross_margin: check(`> ${pct(s.grossMarginTarget)}`, cur.cost.gross_margin, (v) => v > s.grossMarginTarget),
    savings_rate: check(`${+(min * 100).toFixed(1)}–${pct(max)} a month`, cur.cost_optimization.savings_rate, (v) => v >= min),
    decision_velocity_hours: check(`< ${s.decisionVelocityTargetHours} h`, cur.decisions.decision_velocity_hours, (v) => v < s.decisionVelocityTargetHours, 'lower_is_better'),
  };
}

function pct(x: number): string {
  return `${+(x * 100).toFixed(1)}%`;
}

/**
 * Critical deliverability alerts still open at `end` (SPEC §4 risk_level_now), from Herald's
 * records of the period: fired before the end, not resolved by then. Null without records.
 */
function openCriticalAt(records: AlertHistoryRow[] | null, end: Date): { count: number; since: string | null } | null {
  if (records === null) return null;
  const open = records.filter((a) => a.rule === 'deliverability' && a.severity === 'critical' && a.first_fired_at < end && (a.resolved_at === null || a.resolved_at >= end));
  const since = open.reduce<Date | null>((m, a) => (m === null || a.first_fired_at < m ? a.first_fired_at : m), null);
  return { count: open.length, since: since === null ? null : since.toISOString() };
}

/** The brief's data notes (SPEC §5): events left out of the figures, and figures flagged, one line each. */
function dataNotes(cur: PeriodMetrics, ev: EventFacts): DataNote[] {
  // The savings' notes are the cost-optimization report's too (src/metrics/costOptimization.ts).
  const notes = savingsDataNotes(cur.cost_optimization, cur.cost.monthly_total_cost);
  const events = (n: number, what: string) => `${pluralize(n, what)} left out`;
  const r = ev.excluded?.revenue_impact_invalid_amount ?? 0;
  if (r > 0) notes.push({ code: 'revenue-impact-invalid-amount', count: r, text: `${events(r, 'revenue impact event')}: an impact amount that is negative or not a number.` });
  const u = ev.excluded?.utilization_out_of_range ?? 0;
  if (u > 0) notes.push({ code: 'utilization-out-of-range', count: u, text: `${events(u, 'resource usage event')}: a utilization that is not a percentage from 0 to 100.` });
  return notes;
}

const NOT_RECORDED = { state: null, code: null, fired_at: null, acknowledged_at: null, acknowledged_by: null, resolved_at: null } as const;

function bySeverityThenTime(a: AlertItem, b: AlertItem): number {
  return bySeverity(a.severity, b.severity) || a.occurred_at.localeCompare(b.occurred_at);
}

/** Critical and high deliverability alerts among items (a derived line counts its events). */
function deliverabilityAlerts(items: AlertItem[]): number;
function deliverabilityAlerts(items: AlertItem[] | null): number | undefined;
function deliverabilityAlerts(items: AlertItem[] | null): number | undefined {
  return items?.filter((a) => a.rule === 'deliverability' && a.severity !== 'medium').reduce((n, a) => n + (a.count ?? 1), 0);
}

/** One line per recorded alert, as recorded when the brief is made. */
function recordedAlert(r: AlertHistoryRow): AlertItem {
  const iso = (d: Date | null) => (d === null ? null : d.toISOString());
  return {
    rule: r.rule,
    severity: r.severity,
    occurred_at: r.first_fired_at.toISOString(),
    summary: r.summary,
    source: 'alert',
    state: r.state,
    code: r.code,
    fired_at: r.first_fired_at.toISOString(),
    acknowledged_at: iso(r.acknowledged_at),
    acknowledged_by: r.acknowledged_at === null ? null : r.acknowledged_by,
    resolved_at: iso(r.resolved_at),
  };
}

/** Alerts of a period without records, derived from its events after the fact, grouped by rule and severity. */
function alertsFromEvents(events: EventFacts, input: ExecutiveSummaryInput): AlertItem[] {
  const groups = new Map<string, { c: Classified; first: Date; last: Date; count: number; worst: Classified }>();
  for (const e of events.alert_candidates) {
    const c = classifyEvent(e, input.alertRules, input.settings);
    if (!c) continue;
    const key = `${c.rule}:${c.severity}`;
    const g = groups.get(key);
    if (!g) groups.set(key, { c, first: e.timestamp, last: e.timestamp, count: 1, worst: c });
    else {
      g.count += 1;
      if (e.timestamp < g.first) g.first = e.timestamp;
      if (e.timestamp > g.last) g.last = e.timestamp;
      if (worse(c.rule, c.value, g.worst.value)) g.worst = c;
    }
  }
  return [...groups.values()].map((g) => ({
    rule: g.c.rule,
    severity: g.c.severity,
    occurred_at: g.first.toISOString(),
    ...(g.count > 1 ? { last_at: g.last.toISOString(), count: g.count } : { count: 1 }),
    summary: g.worst.summary,                 // the worst of `count` (views say so from count)
    source: 'event' as const,
    ...NOT_RECORDED,
  }));
}

/** Without records: a cost overrun over the period, measured from its costs. */
function costOverrunAlert(input: ExecutiveSummaryInput, cur: PeriodMetrics): AlertItem[] {
  // Costs are monthly rates, so month-to-date cost / prorated budget is the same ratio on every day.
  const budget = input.tenant.monthly_budget;
  const monthlyRate = monthlyRateOf(cur.cost.total_cost, input.period.days);
  const overrun = ratio(monthlyRate, budget);
  if (overrun === null || budget === null || !(overrun > input.alertRules['cost-overrun'].levels.critical)) return [];
  return [{
    rule: 'cost-overrun',
    severity: 'critical',
    occurred_at: input.period.start.toUTC().toISO()!,
    count: 1,
    summary: `Running cost $${Math.round(monthlyRate).toLocaleString('en-US')}/month is ${Math.round(overrun * 100)}% of the $${Math.round(budget).toLocaleString('en-US')} budget`,
    source: 'event',
    ...NOT_RECORDED,
  }];
}

/**
 * Records when Herald recorded alerts from the period's start on; otherwise derived, with a
 * note that says why (recording began during or after the period, or never).
 */
function alertsSource(input: ExecutiveSummaryInput): AlertsSource {
  const from = input.alertRecordingStart;
  const recorded_from = from === null ? null : from.toISOString();
  if (input.current.alerts !== null) return { kind: 'records', recorded_from, note: null };
  const zone = input.period.timezone;
  let note: string;
  if (from === null) note = 'Herald has not recorded alerts for this period; they are derived from the events.';
  else if (from < input.period.end.toJSDate()) {
    note = `Herald began recording alerts on ${formatDate(recorded_from, zone)}, during this period; the alerts of the whole period are derived from the events.`;
  } else note = `Alerts before ${formatDate(recorded_from, zone)} are derived from the events: Herald recorded alerts from then on.`;
  return { kind: 'derived', recorded_from, note };
}

/** One point per local day of the period, for the charts. */
function dailySeries(input: ExecutiveSummaryInput, cur: PeriodMetrics): DailyPoint[] {
  const byDate = new Map(input.current.business.daily.map((d) => [d.date, d]));
  const revenueByDate = new Map<string, number>();
  for (const p of input.current.business.payments) revenueByDate.set(p.date, (revenueByDate.get(p.date) ?? 0) + p.amount);
  // Daily cost is the monthly rate over that day's month, the same proration as the totals.
  const monthlyRate = monthlyRateOf(cur.cost.total_cost, input.period.days);
  return input.period.days.map((date) => {
    const d = byDate.get(date);
    const sent = d?.emails_sent ?? 0;
    return {
      date,
      emails_sent: sent,
      deliverability_rate: d ? ratio(d.emails_delivered, sent) : null,
      bounce_rate: d ? ratio(d.emails_bounced, sent) : null,
      spam_rate: d ? ratio(d.emails_spam, sent) : null,
      total_cost: cents(monthlyRate / daysInMonth(date)),
      revenue: cents(revenueByDate.get(date) ?? 0),
    };
  });
}

/** The fewest local days the charts draw (SPEC §5): a daily brief shows its day with the 13 before it. */
export const TREND_WINDOW_DAYS = 14;

/**
 * The charts' days: the trailing TREND_WINDOW_DAYS local days ending with the period's last, or
 * the period's own days when it has more. Rates come from the daily summaries read back from the
 * period's end (`recent`); cash collected is known on the days of the period and the previous one.
 */
function trendWindow(input: ExecutiveSummaryInput, recent: DailySummaryRow[]): TrendWindow {
  const days = input.period.days;
  const last = days[days.length - 1];
  const inPeriod = new Set(days);
  const count = Math.max(TREND_WINDOW_DAYS, days.length);
  const dates = days.length >= count ? days : Array.from({ length: count }, (_, i) => addDays(last, i - count + 1));
  const rows = new Map<string, DailySummaryRow>();
  for (const d of [...recent, ...input.prior.business.daily, ...input.current.business.daily]) rows.set(d.date, d);
  const paymentsRead = new Set([...input.previous.days, ...days]);
  const cash = new Map<string, number>();
  for (const p of [...input.prior.business.payments, ...input.current.business.payments]) cash.set(p.date, (cash.get(p.date) ?? 0) + p.amount);
  const extends_period = dates.some((d) => !inPeriod.has(d));
  return {
    first: dates[0],
    last,
    words: extends_period ? dateRangeWords(dates[0], last) : periodToInfo(input.period).words,
    extends_period,
    days: dates.map((date) => {
      const d = rows.get(date);
      const sent = d ? d.emails_sent : null;
      return {
        date,
        in_period: inPeriod.has(date),
        emails_sent: sent,
        deliverability_rate: d ? ratio(d.emails_delivered, d.emails_sent) : null,
        bounce_rate: d ? ratio(d.emails_bounced, d.emails_sent) : null,
        spam_rate: d ? ratio(d.emails_spam, d.emails_sent) : null,
        cash_collected: paymentsRead.has(date) ? cents(cash.get(date) ?? 0) : null,
      };
    }),
  };
}

/** "18–30 Nov 2026", "18 Nov – 1 Dec 2026", "22 Dec 2026 – 4 Jan 2027". */
function dateRangeWords(first: string, last: string): string {
  const a = formatDate(first), b = formatDate(last);
  if (first.slice(0, 4) !== last.slice(0, 4)) return `${a} – ${b}`;
  if (first.slice(0, 7) !== last.slice(0, 7)) return `${a.replace(/ \d{4}$/, '')} – ${b}`;
  return `${a.replace(/ [A-Za-z]+ \d{4}$/, '')}–${b}`;
}
