/**
 * Maps the executive summary's data object to the rows each chart spec reads (its named
 * dataset `values`). Pure: the decisions (what counts as data, which rows say nothing, where an
 * axis starts, which status colour) live here, the specs in templates/charts/ only draw.
 */
import { scoreStatus } from '../metrics/efficiency.js';
import { formatUsdCompact, humanize, statusColor } from '../report/format.js';
import type { ExecutiveSummaryData, TrendDay } from '../report/types.js';
import type { ChartName } from './renderCharts.js';
import { measureText } from './textMetrics.js';

const isNum = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** 0.15 → "15%", 0.015 → "1.5%". */
function percentLabel(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))}%`;
}

const DAY_MS = 86_400_000;

/** A local calendar date as the charts' time axis reads it: its UTC midnight (the axes are UTC, so no zone moves a day). */
function dayStart(date: string): number {
  return Date.parse(`${date}T00:00:00Z`);
}

/**
 * The period's span in the trend window, half a day either side of its first and last points
 * (each day is drawn at its start), or nothing when the window is the period itself (there is
 * nothing to set it apart from).
 */
function periodBand(data: ExecutiveSummaryData): { start: number; end: number } | null {
  const w = data.trend_window;
  if (!w.extends_period) return null;
  const days = w.days.filter((d) => d.in_period);
  if (days.length === 0) return null;
  return { start: dayStart(days[0].date) - DAY_MS / 2, end: dayStart(days[days.length - 1].date) + DAY_MS / 2 };
}

/**
 * The time axis' span: the window's days, half a day either side of the first and last (each day
 * is drawn at its start). Set as data, not scale padding, so that no tick falls outside the window.
 */
function windowExtent(data: ExecutiveSummaryData): { start: number; end: number } {
  const w = data.trend_window;
  return { start: dayStart(w.first) - DAY_MS / 2, end: dayStart(w.last) + DAY_MS / 2 };
}

/**
 * Deliverability by day over the trend window: bounce and spam rate, one panel each, with the
 * warning and critical lines. Threshold labels are drawn outside the plot, right of it, so no
 * data line can run through them.
 */
function deliverabilityTrend(data: ExecutiveSummaryData): object[] {
  const series: object[] = [];
  // The period's points are drawn larger when the window holds days before it.
  const highlight = (d: TrendDay) => d.in_period && data.trend_window.extends_period;
  for (const d of data.trend_window.days) {
    if (isNum(d.bounce_rate)) series.push({ kind: 'series', metric: 'Bounce rate', date: d.date, value: d.bounce_rate, highlight: highlight(d) });
    if (isNum(d.spam_rate)) series.push({ kind: 'series', metric: 'Spam rate', date: d.date, value: d.spam_rate, highlight: highlight(d) });
  }
  // Threshold rules alone are not a chart: without a rate there is nothing to compare them with.
  if (series.length === 0) return [];
  const rules: object[] = [];
  const metrics = [
    ['Bounce rate', data.thresholds.bounce_rate],
    ['Spam rate', data.thresholds.spam_rate],
  ] as const;
  for (const [metric, t] of metrics) {
    for (const level of ['warning', 'critical'] as const) {
      const value = t[level];
      // The panel names the rate; the label names the line: "Critical 15%".
      if (isNum(value)) rules.push({ kind: 'threshold', metric, level, value, label: `${level === 'critical' ? 'Critical' : 'Warning'} ${percentLabel(value)}`, color: statusColor(level) });
    }
  }
  const band = periodBand(data);
  const extent = windowExtent(data);
  const spans = metrics.flatMap(([metric]) => [{ kind: 'extent', metric, ...extent }, ...(band ? [{ kind: 'band', metric, ...band }] : [])]);
  return [...spans, ...series, ...rules];
}

function costBreakdown(data: ExecutiveSummaryData): object[] {
  const c = data.cost;
  return [
    { item: 'Infrastructure', group: 'cost', value: c.infrastructure_cost },
    { item: 'Email service', group: 'cost', value: c.email_service_cost },
    { item: 'Total cost', group: 'total', value: c.total_cost },
    // Recognized revenue, as the gross margin beside the chart reads it (not the payments of the period).
    { item: 'Recognized revenue', group: 'revenue', value: c.recognized_revenue },
  ];
}

/** The widest a savings category label may be (px): two fifths of the chart (templates/charts/savings-by-category.vl.json, 330 px). */
export const SAVINGS_LABEL_WIDTH = 132;
/** Axis labels' font size (templates/charts/theme.json). */
const AXIS_LABEL_SIZE = 10;

/**
 * A label broken at spaces into lines ("\n") each at most `width` px wide as Liberation Sans
 * measures it; a single word wider than that stays whole on its line.
 */
export function wrapLabel(text: string, width: number, fontSize = AXIS_LABEL_SIZE): string {
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines.length - 1;
    if (last >= 0 && measureText(`${lines[last]} ${word}`, fontSize) <= width) lines[last] = `${lines[last]} ${word}`;
    else lines.push(word);
  }
  return lines.join('\n');
}

function savingsByCategory(data: ExecutiveSummaryData): object[] {
  return data.cost_optimization.by_category.flatMap((c) => {
    const category = wrapLabel(humanize(c.category), SAVINGS_LABEL_WIDTH);
    return [
      { category, type: 'Realized', value: c.realized },
      { category, type: 'Identified', value: c.identified },
    ];
  });
}

/** Components are rated as the efficiency score is (≥ 80 ok, ≥ 70 monitor, ≥ 60 warning, else critical), in the brief's one set of colours. */
function efficiencyComponents(data: ExecutiveSummaryData): object[] {
  return data.efficiency.components.map((c) => {
    const value = isNum(c.value) ? c.value : null;
    const status = scoreStatus(value);
    return { name: c.name, label: c.label, value, status, color: statusColor(value === null ? 'muted' : status) };
  });
}

// ---- day by day ---------------------------------------------------------------------------

/** A measure of the day-by-day chart: one row, one labelled scale. */
interface DailyMeasure {
  measure: string;
  mark: 'bar' | 'line';
  value: (d: TrendDay) => number | null;
  /** The row's ticks, lowest first: its scale runs from the first to the last. */
  ticks: (values: number[]) => number[];
  label: (v: number) => string;
  /** Drawn only when known on every day of the window (a day not read would look like a day without). */
  everyDay?: boolean;
}

/** 1, 2, 2.5 or 5 × 10^k: the smallest such step with `intervals` steps reaching `max`. */
function niceStep(max: number, intervals: number): number {
  if (!(max > 0)) return 1;
  const raw = max / intervals;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

/** 0, half and full of a nice maximum at or above the largest value. */
function zeroBasedTicks(values: number[]): number[] {
  const step = niceStep(Math.max(...values), 2);
  return [0, step, 2 * step];
}

/** 850000 → "850K", 1200000 → "1.2M", 40 → "40". */
function countLabel(n: number): string {
  return formatUsdCompact(n).replace('$', '');
}

/**
 * Deliverability runs from 100% down to 80%, or lower when a day was lower (to the 5 points
 * below it): a 0.6-point wobble of a healthy tenant stays a wobble, and a fall to 80% is a fall.
 */
function deliverabilityTicks(values: number[]): number[] {
  const low = Math.min(0.8, Math.floor(Math.min(...values) * 20) / 20);
  return [low, (low + 1) / 2, 1];
}

const DAILY_MEASURES: DailyMeasure[] = [
  { measure: 'Emails sent', mark: 'bar', value: (d) => d.emails_sent, ticks: zeroBasedTicks, label: countLabel },
  { measure: 'Deliverability', mark: 'line', value: (d) => d.deliverability_rate, ticks: deliverabilityTicks, label: (v) => `${Number((v * 100).toFixed(1))}%` },
  // The payments of each day: cash, not revenue (recognized revenue is a monthly rate, the same every day).
  { measure: 'Cash collected', mark: 'bar', value: (d) => d.cash_collected, ticks: zeroBasedTicks, label: (v) => formatUsdCompact(v), everyDay: true },
];

/**
 * The day-by-day rows over the trend window: emails sent, deliverability and cash collected, each
 * on its own labelled scale (tick rows carry the labels), the period shaded. A row that carries no
 * information is left out: one that is the same every day (costs are monthly rates spread evenly
 * over the days, so daily cost never varies and is not a row), or one not known for every day.
 */
function dailyIndicators(data: ExecutiveSummaryData): object[] {
  const days = data.trend_window.days;
  const band = periodBand(data);
  const rows: object[] = [];
  for (const m of DAILY_MEASURES) {
    const points = days.map((d) => ({ d, value: m.value(d) }));
    const values = points.map((p) => p.value).filter(isNum);
    if (values.length < 2 || (m.everyDay && values.length < days.length)) continue;
    if (Math.max(...values) - Math.min(...values) <= 1e-9 * Math.max(1, Math.abs(values[0]))) continue;
    for (const p of points) {
      if (isNum(p.value)) rows.push({ kind: 'series', measure: m.measure, mark: m.mark, date: p.d.date, value: p.value, in_period: p.d.in_period });
    }
    for (const v of m.ticks(values)) rows.push({ kind: 'tick', measure: m.measure, value: v, label: m.label(v) });
    rows.push({ kind: 'extent', measure: m.measure, ...windowExtent(data) });
    if (band) rows.push({ kind: 'band', measure: m.measure, ...band });
  }
  return rows;
}

/** The rows of every chart; a period without data gives every chart none (its "no data" view). */
export function executiveChartValues(data: ExecutiveSummaryData): Record<ChartName, object[]> {
  if (!data.has_data) {
    return {
      'deliverability-trend': [],
      'cost-breakdown': [],
      'savings-by-category': [],
      'efficiency-components': [],
      'kpi-sparklines': [],
    };
  }
  return {
    'deliverability-trend': deliverabilityTrend(data),
    'cost-breakdown': costBreakdown(data),
    'savings-by-category': savingsByCategory(data),
    'efficiency-components': efficiencyComponents(data),
    'kpi-sparklines': dailyIndicators(data),
  };
}
