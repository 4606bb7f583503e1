/**
 * The cost-optimization report's data object, tenant and portfolio scope (SPEC §4, §5): pure, so
 * the tests check it number by number. Facts in (rows and sums as the sources give them), the
 * data object out; the metrics are the executive summary's (src/metrics/cost.ts,
 * costOptimization.ts, recommendations.ts) and the proration is SPEC §3's (src/time/periods.ts).
 */
import type { CostMetrics, CostOptimization, DataNote, Polarity, RiskLevel, Status } from '../../report/types.js';
import type { IpRow, OptimizationGroup, SubscriptionRow, TenantRow, VpsRow } from '../../sources/types.js';
import type { MetricSettings } from '../../metrics/settings.js';
import { activeInstances, cents, computeCost } from '../../metrics/cost.js';
import { costOptimizationFromGroups, savingsDataNotes } from '../../metrics/costOptimization.js';
import { costRules } from '../../metrics/recommendations.js';
import { ratio, trend, type TrendBasis } from '../../metrics/trend.js';
import { daysInMonth, describePeriod, parsePeriod, periodToInfo, previousPeriod, prorateMonthly, type Period } from '../../time/periods.js';
import { formatList, formatPercent, formatUsd } from '../../report/format.js';
import type {
  BudgetView, CostBreakdown, CostChange, CostOptimizationPortfolioData, CostOptimizationTenantData, CostRecommendation, CostTrendPoint,
  InstanceCostLine, PortfolioOpportunity, PortfolioTenantLine, PortfolioTotals,
} from './types.js';

/** How many periods of the kind the trend shows (the report's period is the last). */
export const TREND_PERIODS = 6;
/** How many savings opportunities the portfolio lists. */
export const PORTFOLIO_OPPORTUNITIES = 10;
/** How far under the margin target a margin may fall before it is more than "monitor" (as the executive summary). */
const MARGIN_MONITOR_BAND = 0.1;

/** One tenant's facts for each period of the trend (oldest first), as the sources give them. */
export interface TenantCostFacts {
  tenant: TenantRow;
  vps: VpsRow[];
  ips: IpRow[];
  subscriptions: SubscriptionRow[];
  periods: PeriodFacts[];
}

export interface PeriodFacts {
  /** Payments collected in the period, summed, and how many. */
  cash: number;
  payments: number;
  /** Daily summaries of the period's days, summed, and how many days had one. */
  sent: number;
  delivered: number;
  summary_days: number;
  /** The period's cost optimization events, judged and summed by the event store. */
  optimization: OptimizationGroup[];
}

export interface BuildOptions {
  /** The trend's periods, oldest first; the report's period is the last, the one before it the previous. */
  periods: Period[];
  now: Date;
  settings: MetricSettings;
  newestSummaryDate: string | null;
  newestEventAt: Date | null;
}

/** The last `count` periods of the kind ending with `period`, oldest first. */
export function trendPeriods(period: Period, count = TREND_PERIODS): Period[] {
  const out: Period[] = [period];
  while (out.length < count) out.unshift(previousPeriod(out[0]));
  return out;
}

// ---- one tenant, one period -------------------------------------------------------------------

/**
 * A period's words, instants and short label, worked out once per period (luxon's formatting costs
 * tens of µs, and a portfolio asks for the same six periods for every tenant).
 */
const periodInfos = new WeakMap<Period, { info: ReturnType<typeof periodToInfo>; short: string }>();
function infoOf(p: Period): { info: ReturnType<typeof periodToInfo>; short: string } {
  let x = periodInfos.get(p);
  if (!x) periodInfos.set(p, (x = { info: periodToInfo(p), short: shortLabel(p) }));
  return x;
}

/** "November 2026" of a month label in a zone, remembered. */
const monthWordsMemo = new Map<string, string>();
function monthWords(month: string, zone: string): string {
  const key = `${month} ${zone}`;
  let w = monthWordsMemo.get(key);
  if (w === undefined) {
    w = describePeriod(parsePeriod(month, zone));
    if (monthWordsMemo.size > 1000) monthWordsMemo.clear();
    monthWordsMemo.set(key, w);
  }
  return w;
}

interface TenantPeriod {
  cost: CostMetrics;
  savings: CostOptimization;
  point: CostTrendPoint;
}

function shortLabel(p: Period): string {
  if (p.kind === 'week') return `W${p.label.slice(-2)}`;
  const words = describePeriod(p); // "November 2026"
  return `${words.slice(0, 3)} ${words.slice(-4)}`;
}

function tenantPeriod(f: TenantCostFacts, i: number, period: Period, monthlyTotalCost: number): TenantPeriod {
  const facts = f.periods[i] ?? { cash: 0, payments: 0, sent: 0, delivered: 0, summary_days: 0, optimization: [] };
  const cost = { ...computeCost({ vps: f.vps, ips: f.ips, payments: [], subscriptions: f.subscriptions, delivered: facts.delivered }, period.days), revenue: cents(facts.cash) };
  const savings = costOptimizationFromGroups(facts.optimization, monthlyTotalCost);
  const { info, short } = infoOf(period);
  const net = cents(cost.recognized_revenue - cost.total_cost);
  return {
    cost,
    savings,
    point: {
      label: info.label,
      words: info.words,
      short,
      start: info.start,
      end: info.end,
      infrastructure_cost: cost.infrastructure_cost,
      email_service_cost: cost.email_service_cost,
      total_cost: cost.total_cost,
      recognized_revenue: cost.recognized_revenue,
      cash_collected: cost.revenue,
      gross_margin: cost.gross_margin,
      net: net === 0 ? 0 : net,
      realized_savings: savings.realized_savings,
      identified_savings: savings.identified_savings,
      emails_delivered: facts.delivered,
      cost_per_email_delivered: cost.cost_per_email_delivered,
      has_activity: facts.payments > 0 || facts.summary_days > 0 || facts.optimization.length > 0,
    },
  };
}

/** The running monthly cost of what is active now (active instances and the IPs on them). */
function monthlyTotalCostOf(vps: VpsRow[], ips: IpRow[]): number {
  const active = activeInstances(vps);
  const ids = new Set(active.map((v) => v.id));
  return cents(active.reduce((s, v) => s + (v.monthly_cost ?? 0), 0) + ips.filter((ip) => ids.has(ip.vps_instance_id)).reduce((s, ip) => s + (ip.monthly_cost ?? 0), 0));
}

export function marginStatus(margin: number | null, net: number, s: MetricSettings): Status {
  if (margin === null) return net < 0 ? 'critical' : 'neutral';
  return margin >= s.grossMarginTarget ? 'ok' : margin >= s.grossMarginTarget - MARGIN_MONITOR_BAND ? 'monitor' : margin >= 0 ? 'warning' : 'critical';
}

/**
 * Budget against actual for the month the period ends in (a week across two months is measured
 * in the month of its last day). Costs are today's monthly rates prorated by day (SPEC §3), so the
 * month-to-date cost is the rate over the days elapsed, and its run-rate projection is the month's.
 */
export function budgetView(monthlyBudget: number | null, monthlyTotalCost: number, period: Period): BudgetView {
  const last = period.days[period.days.length - 1];
  const month = last.slice(0, 7);
  const length = daysInMonth(last);
  const elapsed = Number(last.slice(8, 10));
  const elapsedDays = Array.from({ length: elapsed }, (_, k) => `${month}-${String(k + 1).padStart(2, '0')}`);
  const complete = elapsed === length;
  const actual = prorateMonthly(monthlyTotalCost, elapsedDays);
  const projected = complete ? actual : cents((actual / elapsed) * length);
  const budget = monthlyBudget !== null && Number.isFinite(monthlyBudget) && monthlyBudget > 0 ? monthlyBudget : null;
  const vs = ratio(projected, budget);
  const words = monthWords(month, period.timezone);
  return {
    monthly_budget: budget,
    month,
    month_words: words,
    days_in_month: length,
    days_elapsed: elapsed,
    month_complete: complete,
    actual_to_date: actual,
    budget_to_date: budget === null ? null : prorateMonthly(budget, elapsedDays),
    projected_month_end: projected,
    projection_method: complete
      ? `${words} is over: the projection is its actual cost.`
      : `Run-rate of the ${elapsed === 1 ? 'day' : `${elapsed} days`} elapsed: ${formatUsd(actual)} ÷ ${elapsed === 1 ? '1 day' : `${elapsed} days`} × ${length} days.`,
    projected_vs_budget: vs,
    projected_over_budget: budget === null ? null : cents(projected - budget),
    status: vs === null ? 'neutral' : vs > 1.2 ? 'critical' : vs > 1 ? 'warning' : 'ok',
  };
}

function amountBasis(s: MetricSettings, current: Period, previous: Period): TrendBasis {
  return { unit: 'pct', stableBelow: s.trendStableBelow, perMonthShare: { current: current.days, previous: previous.days } };
}

function changes(cur: CostTrendPoint, prev: CostTrendPoint, current: Period, previous: Period, s: MetricSettings, status: { cost: Status; margin: Status }): CostChange[] {
  const c = (key: CostChange['key'], label: string, unit: CostChange['unit'], polarity: Polarity, basis: TrendBasis, st: Status, target?: { text: string; met: boolean | null }): CostChange => ({
    key, label, value: cur[key], unit, polarity, status: cur[key] === null ? 'neutral' : st,
    trend: trend(cur[key], prev[key], polarity, basis), target: target?.text ?? null, target_met: cur[key] === null ? null : target?.met ?? null,
  });
  const m = cur.gross_margin;
  return [
    c('total_cost', 'Total cost', 'usd', 'lower_is_better', amountBasis(s, current, previous), status.cost),
    c('recognized_revenue', 'Recognized revenue', 'usd', 'higher_is_better', amountBasis(s, current, previous), 'neutral'),
    c('gross_margin', 'Gross margin', 'ratio', 'higher_is_better', { unit: 'pp', stableBelow: s.trendStableBelowPp.otherRates }, status.margin,
      { text: `> ${pct(s.grossMarginTarget)}`, met: m === null ? null : m > s.grossMarginTarget }),
    c('realized_savings', 'Realized savings', 'usd', 'higher_is_better', { unit: 'pct', stableBelow: s.trendStableBelow }, 'neutral'),
  ];
}

function breakdown(f: TenantCostFacts, period: Period, facts: PeriodFacts | undefined, s: MetricSettings): CostBreakdown {
  const share = (monthly: number | null) => prorateMonthly(monthly ?? 0, period.days);
  const frac = (pct: number | null) => (pct === null ? null : pct / 100);
  const instances: InstanceCostLine[] = f.vps.map((v) => {
    const counted = v.status === 'active';
    const ips = f.ips.filter((ip) => ip.vps_instance_id === v.id).map((ip) => ({
      id: ip.id, ip: ip.ip, monthly_cost: ip.monthly_cost, period_cost: counted ? share(ip.monthly_cost) : 0,
      warmup_progress: frac(ip.warmup_progress), daily_capacity: ip.daily_capacity, counted,
    }));
    return {
      id: v.id,
      status: v.status,
      counted,
      monthly_cost: v.monthly_cost,
      period_cost: counted ? share(v.monthly_cost) : 0,
      ips_period_cost: cents(ips.reduce((sum, ip) => sum + ip.period_cost, 0)),
      cpu_utilization: frac(v.cpu_utilization),
      memory_utilization: frac(v.memory_utilization),
      underused: counted && v.cpu_utilization !== null && v.cpu_utilization < s.rightSize.cpuBelowPercent && (v.monthly_cost ?? 0) > 0,
      ips,
    };
  });
  // Active first, dearest first; then the others by id.
  instances.sort((a, b) => Number(b.counted) - Number(a.counted) || (b.monthly_cost ?? 0) - (a.monthly_cost ?? 0) || a.id.localeCompare(b.id));
  const countedIps = instances.filter((v) => v.counted).flatMap((v) => v.ips);
  const capacity = countedIps.reduce((sum, ip) => sum + (ip.daily_capacity ?? 0), 0);
  const meanSent = facts && facts.summary_days > 0 ? facts.sent / facts.summary_days : null;
  return {
    instances,
    active_instances: instances.filter((v) => v.counted).length,
    ip_addresses: countedIps.length,
    sending_capacity_used: meanSent === null ? null : ratio(meanSent, capacity),
    daily_capacity: capacity,
    mean_daily_sent: meanSent === null ? null : Math.round(meanSent),
  };
}

function recommendationsOf(f: TenantCostFacts, savings: CostOptimization, monthlyTotalCost: number, s: MetricSettings): CostRecommendation[] {
  const rank = { high: 0, medium: 1, low: 2 } as const;
  return costRules({ vps: f.vps, ips: f.ips, optimization: savings, monthlyTotalCost }, s)
    .sort((a, b) => (b.estimated_monthly_saving ?? -1) - (a.estimated_monthly_saving ?? -1) || rank[a.priority] - rank[b.priority] || a.rule.localeCompare(b.rule));
}

const pct = (x: number) => `${+(x * 100).toFixed(1)}%`;

// ---- tenant scope -----------------------------------------------------------------------------

/** The cost-optimization report of one tenant. */
export function buildTenantCostReport(f: TenantCostFacts, o: BuildOptions): CostOptimizationTenantData {
  const s = o.settings;
  const periods = o.periods;
  const period = periods[periods.length - 1];
  const previous = periods[periods.length - 2];
  const monthly = monthlyTotalCostOf(f.vps, f.ips);
  const figures = periods.map((p, i) => tenantPeriod(f, i, p, monthly));
  const cur = figures[figures.length - 1];
  const prev = figures[figures.length - 2];
  const facts = f.periods[periods.length - 1];
  const recommendations = recommendationsOf(f, cur.savings, monthly, s);
  const recommended = cents(recommendations.reduce((sum, r) => sum + (r.estimated_monthly_saving ?? 0), 0));
  const budget = budgetView(f.tenant.monthly_budget, monthly, period);
  const has_data = cur.point.has_activity || cur.cost.total_cost > 0 || cur.cost.recognized_revenue > 0;
  const margin = cur.cost.gross_margin;
  const status = marginStatus(margin, cur.point.net, s);
  const headline = tenantHeadline({ has_data, point: cur.point, budget, margin_status: status, recommended, period: periodToInfo(period).words }, s);
  return {
    report: 'cost-optimization',
    schema_version: 1,
    scope: 'tenant',
    tenant: { id: f.tenant.id, name: f.tenant.name, timezone: period.timezone },
    period: periodToInfo(period),
    previous_period: periodToInfo(previous),
    generated_at: o.now.toISOString(),
    has_data,
    data_freshness: { newest_summary_date: o.newestSummaryDate, newest_event_at: o.newestEventAt ? o.newestEventAt.toISOString() : null },
    headline: headline.text,
    headline_level: headline.level,
    cost: cur.cost,
    margin_status: status,
    margin_target: s.grossMarginTarget,
    targets: {
      gross_margin: { target: `> ${pct(s.grossMarginTarget)}`, met: margin === null ? null : margin > s.grossMarginTarget, polarity: 'higher_is_better' },
      savings_rate: { target: `${+(s.savingsRateTarget.min * 100).toFixed(1)}–${pct(s.savingsRateTarget.max)} a month`, met: cur.savings.savings_rate === null ? null : cur.savings.savings_rate >= s.savingsRateTarget.min, polarity: 'higher_is_better' },
    },
    changes: changes(cur.point, prev.point, period, previous, s, { cost: budget.status, margin: status }),
    trend: figures.map((x) => x.point),
    trend_basis: TREND_BASIS,
    breakdown: breakdown(f, period, facts, s),
    savings: cur.savings,
    budget,
    recommendations: recommendations.map((r) => ({ ...r })),
    recommended_monthly_saving: recommended,
    data_notes: savingsDataNotes(cur.savings, monthly),
  };
}

const TREND_BASIS = 'Costs and recognized revenue are the instances, IPs and subscriptions active now, prorated over each period\'s days (the business database keeps no history of them); cash collected and savings are each period\'s own.';

function tenantHeadline(
  d: { has_data: boolean; point: CostTrendPoint; budget: BudgetView; margin_status: Status; recommended: number; period: string },
  s: MetricSettings,
): { text: string; level: RiskLevel } {
  if (!d.has_data) return { text: `No costs, revenue or savings were recorded in ${d.period}.`, level: 'monitor' };
  const p = d.point;
  const save = d.recommended > 0 ? `; the recommendations could save ${formatUsd(d.recommended)} a month` : '';
  if (p.net < 0) {
    const against = p.recognized_revenue > 0
      ? `${formatUsd(p.total_cost)} of cost against ${formatUsd(p.recognized_revenue)} of recognized revenue (gross margin ${formatPercent(p.gross_margin)})`
      : `${formatUsd(p.total_cost)} of cost and no recognized revenue`;
    return { text: `Losing money: ${formatUsd(-p.net)} in ${d.period}, ${against}${save}.`, level: 'critical' };
  }
  const b = d.budget;
  if (b.projected_vs_budget !== null && b.projected_vs_budget > 1) {
    const verb = b.month_complete ? 'came to' : 'are on course for';
    return {
      text: `Costs ${verb} ${formatUsd(b.projected_month_end)} in ${b.month_words}, ${formatUsd(b.projected_over_budget)} (${formatPercent(b.projected_vs_budget - 1)}) over the ${formatUsd(b.monthly_budget)} budget${save}.`,
      level: b.status === 'critical' ? 'critical' : 'warning',
    };
  }
  const m = p.gross_margin;
  if (m !== null && m < s.grossMarginTarget) {
    return { text: `Gross margin ${formatPercent(m)}, below the ${pct(s.grossMarginTarget)} target${save}.`, level: d.margin_status === 'monitor' ? 'monitor' : 'warning' };
  }
  return { text: `Gross margin ${formatPercent(m)}, above the ${pct(s.grossMarginTarget)} target${save}.`, level: m === null ? 'monitor' : 'ok' };
}

// ---- portfolio scope --------------------------------------------------------------------------

export const RANKING_ORDER = 'Lowest gross margin first. A tenant with costs and no recognized revenue (gross margin n/a) loses money and comes first; one with neither comes last. Equal margins (to 0.0001 pp) are ordered by name, then id.';

/** A margin's place in the ranking: no revenue with costs is the worst, neither is last. */
function rankKey(l: { gross_margin: number | null; net: number }): number {
  if (l.gross_margin === null) return l.net < 0 ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  return Math.round(l.gross_margin * 1e6);
}

export function compareRanking(a: PortfolioTenantLine, b: PortfolioTenantLine): number {
  const ka = rankKey(a), kb = rankKey(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  const an = a.name.toLocaleLowerCase('en'), bn = b.name.toLocaleLowerCase('en');
  if (an !== bn) return an < bn ? -1 : 1;
  return a.tenant_id < b.tenant_id ? -1 : a.tenant_id > b.tenant_id ? 1 : 0;
}

/** The cost-optimization report of the portfolio: every tenant, in the portfolio's zone. */
export function buildPortfolioCostReport(tenants: TenantCostFacts[], o: BuildOptions & { name?: string }): CostOptimizationPortfolioData {
  const s = o.settings;
  const periods = o.periods;
  const n = periods.length;
  const period = periods[n - 1];
  const previous = periods[n - 2];
  const lines: PortfolioTenantLine[] = [];
  const opportunities: PortfolioOpportunity[] = [];
  const sums = periods.map(() => emptyPoint());
  const notes = { invalid: 0, above: 0, flagged: 0, flaggedTenants: 0, flaggedTotal: 0 };
  let mrr = 0, monthlyTotal = 0, overBudget = 0, hasData = false;
  for (const f of tenants) {
    const monthly = monthlyTotalCostOf(f.vps, f.ips);
    const figures = periods.map((p, i) => tenantPeriod(f, i, p, monthly));
    figures.forEach((x, i) => addPoint(sums[i], x.point));
    const cur = figures[n - 1];
    const recs = recommendationsOf(f, cur.savings, monthly, s);
    const recommended = cents(recs.reduce((sum, r) => sum + (r.estimated_monthly_saving ?? 0), 0));
    const budget = budgetView(f.tenant.monthly_budget, monthly, period);
    if (budget.projected_vs_budget !== null && budget.projected_vs_budget > 1) overBudget += 1;
    mrr += cur.cost.mrr;
    monthlyTotal += monthly;
    hasData ||= cur.point.has_activity || cur.cost.total_cost > 0 || cur.cost.recognized_revenue > 0;
    const x = cur.savings.excluded_events;
    notes.invalid += x.invalid_amount;
    notes.above += x.above_baseline;
    if (cur.savings.identified_flagged.count > 0) {
      notes.flagged += cur.savings.identified_flagged.count;
      notes.flaggedTenants += 1;
      notes.flaggedTotal += cur.savings.identified_flagged.total;
    }
    lines.push({
      rank: 0,
      tenant_id: f.tenant.id,
      name: f.tenant.name,
      total_cost: cur.cost.total_cost,
      recognized_revenue: cur.cost.recognized_revenue,
      cash_collected: cur.cost.revenue,
      gross_margin: cur.cost.gross_margin,
      net: cur.point.net,
      losing_money: cur.point.net < 0,
      monthly_total_cost: monthly,
      monthly_budget: budget.monthly_budget,
      projected_vs_budget: budget.projected_vs_budget,
      realized_savings: cur.savings.realized_savings,
      identified_savings: cur.savings.identified_savings,
      recommended_monthly_saving: recommended,
      margin_status: marginStatus(cur.cost.gross_margin, cur.point.net, s),
    });
    for (const r of recs) {
      if (r.estimated_monthly_saving === null || !(r.estimated_monthly_saving > 0)) continue;
      opportunities.push({
        tenant_id: f.tenant.id, tenant_name: f.tenant.name, rule: r.rule, title: r.title, detail: r.detail,
        resources: r.resources, estimated_monthly_saving: r.estimated_monthly_saving, priority: r.priority,
      });
    }
  }
  lines.sort(compareRanking);
  lines.forEach((l, i) => { l.rank = i + 1; });
  opportunities.sort((a, b) => b.estimated_monthly_saving - a.estimated_monthly_saving
    || (a.tenant_name.toLocaleLowerCase('en') < b.tenant_name.toLocaleLowerCase('en') ? -1 : a.tenant_name.toLocaleLowerCase('en') > b.tenant_name.toLocaleLowerCase('en') ? 1 : 0)
    || (a.tenant_id < b.tenant_id ? -1 : a.tenant_id > b.tenant_id ? 1 : 0)
    || a.rule.localeCompare(b.rule));
  const trendPoints = sums.map((sum, i) => finishPoint(sum, periods[i]));
  const cur = trendPoints[n - 1];
  const losing = lines.filter((l) => l.losing_money);
  const totals: PortfolioTotals = {
    tenants: lines.length,
    tenants_losing_money: losing.length,
    tenants_over_budget: overBudget,
    infrastructure_cost: cur.infrastructure_cost,
    email_service_cost: cur.email_service_cost,
    total_cost: cur.total_cost,
    monthly_total_cost: cents(monthlyTotal),
    recognized_revenue: cur.recognized_revenue,
    mrr: cents(mrr),
    cash_collected: cur.cash_collected,
    gross_margin: cur.gross_margin,
    net: cur.net,
    realized_savings: cur.realized_savings,
    identified_savings: cur.identified_savings,
    recommended_monthly_saving: cents(lines.reduce((sum, l) => sum + l.recommended_monthly_saving, 0)),
  };
  const words = periodToInfo(period).words;
  const headline = portfolioHeadline(totals, losing, hasData, words, s);
  return {
    report: 'cost-optimization',
    schema_version: 1,
    scope: 'portfolio',
    tenant: null,
    portfolio: { name: o.name ?? 'All tenants', timezone: period.timezone },
    period: periodToInfo(period),
    previous_period: periodToInfo(previous),
    generated_at: o.now.toISOString(),
    has_data: hasData,
    data_freshness: { newest_summary_date: o.newestSummaryDate, newest_event_at: o.newestEventAt ? o.newestEventAt.toISOString() : null },
    headline: headline.text,
    headline_level: headline.level,
    totals,
    margin_status: marginStatus(totals.gross_margin, totals.net, s),
    margin_target: s.grossMarginTarget,
    changes: changes(cur, trendPoints[n - 2], period, previous, s, { cost: 'neutral', margin: marginStatus(totals.gross_margin, totals.net, s) }),
    trend: trendPoints,
    trend_basis: TREND_BASIS,
    ranking: lines,
    ranking_order: RANKING_ORDER,
    losing_money: losing,
    opportunities: opportunities.slice(0, PORTFOLIO_OPPORTUNITIES),
    data_notes: portfolioNotes(notes),
  };
}

type Sum = Omit<CostTrendPoint, 'label' | 'words' | 'short' | 'start' | 'end' | 'gross_margin' | 'cost_per_email_delivered' | 'net'>;

function emptyPoint(): Sum {
  return { infrastructure_cost: 0, email_service_cost: 0, total_cost: 0, recognized_revenue: 0, cash_collected: 0, realized_savings: 0, identified_savings: 0, emails_delivered: 0, has_activity: false };
}

function addPoint(sum: Sum, p: CostTrendPoint): void {
  sum.infrastructure_cost += p.infrastructure_cost;
  sum.email_service_cost += p.email_service_cost;
  sum.total_cost += p.total_cost;
  sum.recognized_revenue += p.recognized_revenue;
  sum.cash_collected += p.cash_collected;
  sum.realized_savings += p.realized_savings;
  sum.identified_savings += p.identified_savings;
  sum.emails_delivered += p.emails_delivered;
  sum.has_activity ||= p.has_activity;
}

function finishPoint(sum: Sum, period: Period): CostTrendPoint {
  const { info } = infoOf(period);
  const total = cents(sum.total_cost), revenue = cents(sum.recognized_revenue);
  const net = cents(revenue - total);
  return {
    label: info.label, words: info.words, short: infoOf(period).short, start: info.start, end: info.end,
    infrastructure_cost: cents(sum.infrastructure_cost),
    email_service_cost: cents(sum.email_service_cost),
    total_cost: total,
    recognized_revenue: revenue,
    cash_collected: cents(sum.cash_collected),
    gross_margin: ratio(revenue - total, revenue),
    net: net === 0 ? 0 : net,
    realized_savings: cents(sum.realized_savings),
    identified_savings: cents(sum.identified_savings),
    emails_delivered: sum.emails_delivered,
    cost_per_email_delivered: ratio(total, sum.emails_delivered),
    has_activity: sum.has_activity,
  };
}

function portfolioHeadline(t: PortfolioTotals, losing: PortfolioTenantLine[], hasData: boolean, period: string, s: MetricSettings): { text: string; level: RiskLevel } {
  if (t.tenants === 0) return { text: `No tenants in ${period}.`, level: 'monitor' };
  if (!hasData) return { text: `No costs, revenue or savings were recorded across the portfolio in ${period}.`, level: 'monitor' };
  const margin = `portfolio gross margin ${formatPercent(t.gross_margin)}`;
  if (losing.length > 0) {
    const names = losing.slice(0, 3).map((l) => l.name);
    const more = losing.length > 3 ? [`${losing.length - 3} more`] : [];
    const lost = cents(losing.reduce((sum, l) => sum - l.net, 0));
    return {
      text: `${losing.length} of ${t.tenants} tenants lost money in ${period} (${formatUsd(lost)} in all): ${formatList([...names, ...more])}; ${margin}.`,
      level: t.net < 0 ? 'critical' : 'warning',
    };
  }
  const status = marginStatus(t.gross_margin, t.net, s);
  const save = t.recommended_monthly_saving > 0 ? `; the recommendations could save ${formatUsd(t.recommended_monthly_saving)} a month` : '';
  return {
    text: `${t.tenants === 1 ? 'The tenant' : `All ${t.tenants} tenants`} made money in ${period}; ${margin}${save}.`,
    level: status === 'ok' ? 'ok' : status === 'neutral' ? 'monitor' : status === 'critical' ? 'warning' : status,
  };
}

function portfolioNotes(n: { invalid: number; above: number; flagged: number; flaggedTenants: number; flaggedTotal: number }): DataNote[] {
  const notes: DataNote[] = [];
  const events = (k: number) => `${k === 1 ? '1 cost optimization event' : `${k.toLocaleString('en-US')} cost optimization events`} left out`;
  if (n.invalid > 0) notes.push({ code: 'optimization-invalid-amount', count: n.invalid, text: `${events(n.invalid)}: a savings amount that is negative or not a number.` });
  if (n.above > 0) notes.push({ code: 'optimization-above-baseline', count: n.above, text: `${events(n.above)}: savings larger than the baseline cost they were measured against.` });
  if (n.flagged > 0) {
    notes.push({
      code: 'identified-above-monthly-cost', count: n.flagged,
      text: `${n.flagged === 1 ? 'An identified saving' : `${n.flagged.toLocaleString('en-US')} identified savings`} (${formatUsd(n.flaggedTotal)} in all, ${n.flaggedTenants === 1 ? '1 tenant' : `${n.flaggedTenants} tenants`}) ${n.flagged === 1 ? 'is' : 'are each'} larger than the tenant's monthly total cost: flagged, not counted as a saving a month.`,
    });
  }
  return notes;
}
