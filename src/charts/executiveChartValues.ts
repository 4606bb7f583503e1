/**
 * Maps the executive summary's data object to the rows each chart spec reads (its named
 * dataset `values`). Pure: the decisions (what counts as data, which status colour) live here,
 * the specs in templates/charts/ only draw.
 */
import { humanize } from '../report/format.js';
import type { ExecutiveSummaryData } from '../report/types.js';
import type { ChartName } from './renderCharts.js';

/** An efficiency component at or above this is good: the efficiency alert fires below 70. */
export const EFFICIENCY_GOOD = 70;
/** Below this a component is critical; between the two, a warning. */
export const EFFICIENCY_WARNING = 50;

const isNum = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** 0.15 → "15%", 0.015 → "1.5%". */
function percentLabel(fraction: number): string {
  return `${Number((fraction * 100).toFixed(2))}%`;
}

/** The efficiency chart's own colour domain (templates/charts/efficiency-components.vl.json). */
type ComponentTone = 'good' | 'warning' | 'critical' | 'neutral';

function componentStatus(value: number | null): ComponentTone {
  if (!isNum(value)) return 'neutral';
  if (value >= EFFICIENCY_GOOD) return 'good';
  return value >= EFFICIENCY_WARNING ? 'warning' : 'critical';
}

function deliverabilityTrend(data: ExecutiveSummaryData): object[] {
  const series: object[] = [];
  for (const d of data.daily) {
    if (isNum(d.bounce_rate)) series.push({ kind: 'series', metric: 'Bounce rate', date: d.date, value: d.bounce_rate });
    if (isNum(d.spam_rate)) series.push({ kind: 'series', metric: 'Spam rate', date: d.date, value: d.spam_rate });
  }
  // Threshold rules alone are not a chart: without a rate there is nothing to compare them with.
  if (series.length === 0) return [];
  const rules: object[] = [];
  const metrics = [
    ['Bounce rate', 'Bounce', data.thresholds.bounce_rate],
    ['Spam rate', 'Spam', data.thresholds.spam_rate],
  ] as const;
  for (const [metric, short, t] of metrics) {
    for (const level of ['warning', 'critical'] as const) {
      const value = t[level];
      if (isNum(value)) rules.push({ kind: 'threshold', metric, level, value, label: `${short} ${level} ${percentLabel(value)}` });
    }
  }
  return [...series, ...rules];
}

function costBreakdown(data: ExecutiveSummaryData): object[] {
  const c = data.cost;
  return [
    { item: 'Infrastructure', group: 'cost', value: c.infrastructure_cost },
    { item: 'Email service', group: 'cost', value: c.email_service_cost },
    { item: 'Total cost', group: 'total', value: c.total_cost },
    // Recognized revenue, as the gross margin beside the chart reads it (not the payments of the period).
    { item: 'Revenue', group: 'revenue', value: c.recognized_revenue },
  ];
}

function savingsByCategory(data: ExecutiveSummaryData): object[] {
  return data.cost_optimization.by_category.flatMap((c) => [
    { category: humanize(c.category), type: 'Realized', value: c.realized },
    { category: humanize(c.category), type: 'Identified', value: c.identified },
  ]);
}

function efficiencyComponents(data: ExecutiveSummaryData): object[] {
  return data.efficiency.components.map((c) => ({
    name: c.name,
    label: c.label,
    value: isNum(c.value) ? c.value : null,
    status: componentStatus(c.value),
  }));
}

function kpiSparklines(data: ExecutiveSummaryData): object[] {
  const rows: object[] = [];
  for (const d of data.daily) {
    const points = [
      ['Deliverability rate', 'pct', d.deliverability_rate],
      ['Bounce rate', 'pct', d.bounce_rate],
      ['Daily cost', 'usd', d.total_cost],
      ['Revenue', 'usd', d.revenue],
    ] as const;
    for (const [series, unit, value] of points) {
      if (isNum(value)) rows.push({ series, unit, date: d.date, value });
    }
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
    'kpi-sparklines': kpiSparklines(data),
  };
}
