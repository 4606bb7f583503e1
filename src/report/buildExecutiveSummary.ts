import type { AlertItem, AlertsSource, DailyPoint, ExecutiveSummaryData, Kpi, Polarity, Status } from './types.js';
import type { BusinessFacts, EventFacts, TenantRow } from '../sources/types.js';
import { computePeriodMetrics, type PeriodMetrics } from '../metrics/periodMetrics.js';
import { recommendActions } from '../metrics/recommendations.js';
import type { MetricSettings } from '../metrics/settings.js';
import { scoreStatus } from '../metrics/efficiency.js';
import { trend, ratio } from '../metrics/trend.js';
import { cents, monthlyRateOf } from '../metrics/cost.js';
import { bySeverity, classifyEvent, worse, type Classified } from '../alerts/rules.js';
import type { RuleSettings } from '../alerts/settings.js';
import type { AlertHistoryRow } from '../alerts/alertHistory.js';
import { daysInMonth, periodToInfo, type Period } from '../time/periods.js';
import { formatDate } from './format.js';

/** A period's facts. `alerts`: Herald's alert records of the period, or null when they are derived from the events. */
export interface PeriodFacts { business: BusinessFacts; events: EventFacts; alerts: AlertHistoryRow[] | null }

export interface ExecutiveSummaryInput {
  tenant: TenantRow;
  period: Period;
  previous: Period;
  current: PeriodFacts;
  prior: PeriodFacts;
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
  const cur = computePeriodMetrics(input.current.business, input.current.events, period.days, s, deliverabilityAlerts(derived[0]));
  const prev = computePeriodMetrics(input.prior.business, input.prior.events, previous.days, s, deliverabilityAlerts(derived[1]));
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
    health: cur.health,
    kpis: kpis(cur, prev, s),
    trends: {
      revenue: trend(cur.cost.revenue, prev.cost.revenue, 'higher_is_better', s.trendStableBelow).direction,
      cost: trend(cur.cost.total_cost, prev.cost.total_cost, 'lower_is_better', s.trendStableBelow).direction,
      efficiency: trend(cur.efficiency.efficiency_score, prev.efficiency.efficiency_score, 'higher_is_better', s.trendStableBelow).direction,
    },
    revenue_protection: cur.revenue_protection,
    revenue_impact: cur.revenue_impact,
    cost: cur.cost,
    cost_optimization: cur.cost_optimization,
    efficiency: cur.efficiency,
    decisions: cur.decisions,
    critical_alerts: alerts.filter((a) => a.severity !== 'medium'),
    medium_alerts: medium,
    medium_alert_count: medium.reduce((n, a) => n + (a.count ?? 1), 0),
    alerts_source: alertsSource(input),
    recommended_actions: recommendActions(
      {
        vps: input.current.business.vps, ips: input.current.business.ips, optimization: cur.cost_optimization, revenue: cur.revenue_protection,
        deliverabilityAlerts: deliverabilityAlerts(alerts),
      },
      s,
    ),
    daily: dailySeries(input, cur),
    thresholds: {
      bounce_rate: { ...s.riskThresholds.bounceRate },
      spam_rate: { ...s.riskThresholds.spamRate },
    },
  };
}

function kpi(key: string, label: string, value: number | null, previous: number | null, unit: Kpi['unit'], polarity: Polarity, s: MetricSettings, status: Status, target?: string): Kpi {
  return { key, label, value, unit, polarity, status, trend: trend(value, previous, polarity, s.trendStableBelow), ...(target ? { target } : {}) };
}

function kpis(cur: PeriodMetrics, prev: PeriodMetrics, s: MetricSettings): Kpi[] {
  const rp = cur.revenue_protection, prp = prev.revenue_protection;
  const riskStatus: Status = rp.risk_level === null ? 'neutral' : rp.risk_level === 'ok' ? 'good' : rp.risk_level === 'critical' ? 'critical' : 'warning';
  const margin = cur.cost.gross_margin;
  const marginStatus: Status = margin === null ? 'neutral' : margin >= s.grossMarginTarget ? 'good' : margin >= 0 ? 'warning' : 'critical';
  const rate = cur.cost_optimization.savings_rate;
  const savingsStatus: Status = rate === null ? 'neutral' : rate >= s.savingsRateTarget.min ? 'good' : 'warning';
  return [
    kpi('deliverability_rate', 'Deliverability', rp.deliverability_rate, prp.deliverability_rate, 'ratio', 'higher_is_better', s, riskStatus),
    kpi('bounce_rate', 'Bounce rate', rp.bounce_rate, prp.bounce_rate, 'ratio', 'lower_is_better', s, riskStatus, `< ${pct(s.riskThresholds.bounceRate.monitor)}`),
    kpi('revenue_at_risk', 'Revenue at risk', rp.revenue_at_risk, prp.revenue_at_risk, 'usd', 'lower_is_better', s, riskStatus),
    kpi('revenue', 'Revenue', cur.cost.revenue, prev.cost.revenue, 'usd', 'higher_is_better', s, 'neutral'),
    kpi('total_cost', 'Total cost', cur.cost.total_cost, prev.cost.total_cost, 'usd', 'lower_is_better', s, 'neutral'),
    kpi('gross_margin', 'Gross margin', margin, prev.cost.gross_margin, 'ratio', 'higher_is_better', s, marginStatus, `> ${pct(s.grossMarginTarget)}`),
    kpi('realized_savings', 'Realized savings', cur.cost_optimization.realized_savings, prev.cost_optimization.realized_savings, 'usd', 'higher_is_better', s, savingsStatus),
    kpi('efficiency_score', 'Efficiency score', cur.efficiency.efficiency_score, prev.efficiency.efficiency_score, 'score', 'higher_is_better', s, scoreStatus(cur.efficiency.efficiency_score)),
  ];
}

function pct(x: number): string {
  return `${+(x * 100).toFixed(1)}%`;
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

