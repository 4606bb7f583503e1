/**
 * The one chart an executive summary's email shows (SPEC §7: the HTML email carries the key chart
 * as a picture): the chart that tells the headline's story, and the words that say what it shows
 * (its alt text, read aloud by a screen reader and shown by a client that blocks pictures).
 * Pure: the data object in, a choice out.
 *
 * - Deliverability leads (critical or warning now, or the headline's figure is a deliverability
 *   rate or the revenue at risk): the deliverability trend.
 * - Money leads (losing money, or the headline's figure is revenue, cost or margin): the cost
 *   breakdown. The efficiency score: its components. Savings: savings by category.
 * - Otherwise (steady, nothing to compare): the deliverability trend while there were sends,
 *   else the cost breakdown. A period without data shows no chart.
 */
import { formatDate, formatPercent, formatUsd, humanize, isFiniteNumber } from './format.js';
import type { DailyPoint, ExecutiveSummaryData, Kpi } from './types.js';

export type KeyChartName = 'deliverability-trend' | 'cost-breakdown' | 'efficiency-components' | 'savings-by-category';

export interface KeyChart {
  chart: KeyChartName;
  /** Shown above the picture: "Bounce and spam rate by day". */
  title: string;
  /** What the picture shows, in words, with its figures. */
  alt: string;
  /** What the picture does not label itself: "Shaded: Week 48, 23–29 Nov 2026."; "" when nothing. */
  caption: string;
}

/** The days a deliverability chart draws, and whether the period is shaded among them. */
export interface DrawnDays {
  days: Pick<DailyPoint, 'date' | 'bounce_rate' | 'spam_rate'>[];
  /** The chart shades the period (its days are a part of those drawn). */
  shaded: boolean;
}

const BY_KPI: Record<string, KeyChartName> = {
  bounce_rate: 'deliverability-trend',
  spam_rate: 'deliverability-trend',
  deliverability_rate: 'deliverability-trend',
  revenue_at_risk: 'deliverability-trend',
  recognized_revenue: 'cost-breakdown',
  total_cost: 'cost-breakdown',
  gross_margin: 'cost-breakdown',
  cost_per_email_delivered: 'cost-breakdown',
  efficiency_ratio: 'cost-breakdown',
  efficiency_score: 'efficiency-components',
  realized_savings: 'savings-by-category',
  identified_savings: 'savings-by-category',
  savings_rate: 'savings-by-category',
};

/** The KPI a headline names ("Bounce rate rose from…", "…the largest move, bounce rate +0.3 pp, is small."). */
export function headlineKpi(data: Pick<ExecutiveSummaryData, 'headline' | 'kpis'>): Kpi | null {
  const text = data.headline ?? '';
  const starts = data.kpis.find((k) => text.startsWith(`${k.label} `));
  if (starts) return starts;
  const lower = text.toLowerCase();
  return data.kpis.find((k) => lower.includes(`the largest move, ${k.label.toLowerCase()} `)) ?? null;
}

/**
 * The key chart of a brief, or null for a period without data. `drawn`: the days the
 * deliverability chart draws (a daily brief draws the trailing days too); default the period's.
 */
export function keyChart(data: ExecutiveSummaryData, drawn?: DrawnDays): KeyChart | null {
  if (!data.has_data) return null;
  const chart = chooseChart(data);
  switch (chart) {
    case 'deliverability-trend': {
      const d = drawn ?? { days: data.daily, shaded: false };
      return { chart, title: 'Bounce and spam rate by day', alt: deliverabilityAlt(data, d), caption: d.shaded ? `Shaded: ${data.period.words}.` : '' };
    }
    case 'cost-breakdown': return { chart, title: 'Cost against recognized revenue', alt: costAlt(data), caption: '' };
    case 'efficiency-components': return { chart, title: 'Efficiency score components', alt: efficiencyAlt(data), caption: '' };
    case 'savings-by-category': return { chart, title: 'Savings by category', alt: savingsAlt(data), caption: '' };
  }
}

function chooseChart(data: ExecutiveSummaryData): KeyChartName {
  switch (data.headline_rule) {
    case 'critical-now':
    case 'warning-now':
      return 'deliverability-trend';
    case 'losing-money':
      return 'cost-breakdown';
    default: {
      const named = headlineKpi(data);
      if (named && BY_KPI[named.key]) return BY_KPI[named.key];
      return data.revenue_protection.emails_sent > 0 ? 'deliverability-trend' : 'cost-breakdown';
    }
  }
}

/** "19 Nov" from a calendar date. */
function dayMonth(date: string): string {
  return formatDate(date).replace(/ \d{4}$/, '');
}

/** The highest point of a daily rate: "peaked at 16.8% on 19 Nov", or its one value for one day. */
function peak(daily: DrawnDays['days'], field: 'bounce_rate' | 'spam_rate'): string | null {
  const points = daily.filter((d) => isFiniteNumber(d[field]));
  if (points.length === 0) return null;
  const top = points.reduce((a, b) => ((b[field] as number) > (a[field] as number) ? b : a));
  const value = formatPercent(top[field], (top[field] as number) < 0.01 ? 2 : 1);
  return points.length === 1 ? `${value} on ${dayMonth(top.date)}` : `peaked at ${value} on ${dayMonth(top.date)}`;
}

/** "15%", "1.5%": a threshold as the chart labels it. */
function line(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))}%`;
}

function deliverabilityAlt(data: ExecutiveSummaryData, drawn: DrawnDays): string {
  const t = data.thresholds;
  const daily = drawn.days;
  const bounce = peak(daily, 'bounce_rate');
  const spam = peak(daily, 'spam_rate');
  const figures = [
    bounce ? `bounce ${bounce} (warning line ${line(t.bounce_rate.warning)}, critical ${line(t.bounce_rate.critical)})` : null,
    spam ? `spam ${spam} (warning line ${line(t.spam_rate.warning)}, critical ${line(t.spam_rate.critical)})` : null,
  ].filter((s): s is string => s !== null);
  const days = daily.length > 1 ? `, ${dayMonth(daily[0].date)} to ${dayMonth(daily[daily.length - 1].date)}` : '';
  const shaded = drawn.shaded ? ` (${data.period.words} shaded)` : '';
  return `Chart of the daily bounce and spam rates${days}${shaded}, against their warning and critical lines${figures.length ? `: ${figures.join('; ')}` : ''}.`;
}

function costAlt(data: ExecutiveSummaryData): string {
  const c = data.cost;
  return `Chart of the cost in ${data.period.words}: infrastructure ${formatUsd(c.infrastructure_cost)} and email service ${formatUsd(c.email_service_cost)}, `
    + `total ${formatUsd(c.total_cost)}, against recognized revenue of ${formatUsd(c.recognized_revenue)} (gross margin ${formatPercent(c.gross_margin, 1)}).`;
}

function savingsAlt(data: ExecutiveSummaryData): string {
  const rows = data.cost_optimization.by_category.map((c) => `${humanize(c.category)} ${formatUsd(c.realized)} realized, ${formatUsd(c.identified)} identified`);
  return `Chart of the savings by category in ${data.period.words}${rows.length ? `: ${rows.join('; ')}` : ''}.`;
}

function efficiencyAlt(data: ExecutiveSummaryData): string {
  const parts = data.efficiency.components.map((c) => `${c.label} ${isFiniteNumber(c.value) ? Math.round(c.value) : 'n/a'}`);
  return `Chart of the efficiency score's components out of 100: ${parts.join(', ')}.`;
}
