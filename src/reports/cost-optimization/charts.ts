/**
 * The cost-optimization report's charts: its data object mapped to the rows each Vega-Lite spec
 * in templates/charts/ reads, and rendered to SVG. Pure mapping (what is drawn, in which colour
 * of the severity scale), the specs only draw.
 */
import { renderChart, type AnyChartName } from '../../charts/renderCharts.js';
import { SAVINGS_LABEL_WIDTH, wrapLabel } from '../../charts/executiveChartValues.js';
import { installTextMetrics } from '../../charts/textMetrics.js';
import { formatPercent, formatUsd, humanize, statusColor } from '../../report/format.js';
import type { CostOptimization } from '../../report/types.js';
import type { CostOptimizationData, CostOptimizationPortfolioData, CostOptimizationTenantData, CostTrendPoint } from './types.js';

/** How many tenants the portfolio's ranking chart draws (the table lists them all). */
export const RANKING_CHART_TENANTS = 20;

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function trendRows(trend: CostTrendPoint[], marginTarget: number): object[] {
  // Nothing but zeros is no chart (and no rows: the pre-send check wants marks for rows).
  if (!trend.some((p) => p.total_cost !== 0 || p.recognized_revenue !== 0)) return [];
  const rows: object[] = [];
  trend.forEach((p, order) => {
    rows.push({ kind: 'cost', period: p.short, order, component: 'Infrastructure', stackOrder: 0, value: p.infrastructure_cost });
    rows.push({ kind: 'cost', period: p.short, order, component: 'Email service', stackOrder: 1, value: p.email_service_cost });
    rows.push({ kind: 'revenue', period: p.short, order, value: p.recognized_revenue });
    if (isNum(p.gross_margin)) rows.push({ kind: 'margin', period: p.short, order, value: p.gross_margin, label: formatPercent(p.gross_margin, 1) });
  });
  if (rows.some((r) => (r as { kind: string }).kind === 'margin')) {
    rows.push({ kind: 'rule', value: marginTarget, label: `Target ${+(marginTarget * 100).toFixed(1)}%`, color: statusColor('ok') });
    rows.push({ kind: 'rule', value: 0, label: 'Break-even', color: statusColor('critical') });
  }
  return rows;
}

function savingsRows(co: CostOptimization): object[] {
  return co.by_category.flatMap((c) => {
    const category = wrapLabel(humanize(c.category), SAVINGS_LABEL_WIDTH);
    return [
      { category, type: 'Realized', value: c.realized },
      { category, type: 'Identified', value: c.identified },
    ];
  });
}

function resourceRows(data: CostOptimizationTenantData): object[] {
  const pct = (x: number | null) => (x === null ? 'n/a' : `${Math.round(x * 100)}%`);
  return data.breakdown.instances.filter((v) => v.counted).flatMap((v, order) => {
    const total = v.period_cost + v.ips_period_cost;
    const utilization = `CPU ${pct(v.cpu_utilization)} · mem ${pct(v.memory_utilization)}`;
    return [
      { resource: v.id, part: 'Instance', partOrder: 0, value: v.period_cost, order, total, utilization, underused: v.underused },
      { resource: v.id, part: 'Its IPs', partOrder: 1, value: v.ips_period_cost, order, total, utilization, underused: v.underused },
    ];
  });
}

function budgetRows(data: CostOptimizationTenantData): object[] {
  const b = data.budget;
  const rows: object[] = [
    { item: `Cost to date (${b.days_elapsed} d)`, value: b.actual_to_date, color: '#1e3a8a', display: formatUsd(b.actual_to_date) },
  ];
  if (!b.month_complete) rows.push({ item: 'Projected month end', value: b.projected_month_end, color: statusColor(b.status === 'neutral' ? 'neutral' : b.status), display: formatUsd(b.projected_month_end) });
  else rows[0] = { ...rows[0], color: statusColor(b.status === 'neutral' ? 'neutral' : b.status) };
  if (b.monthly_budget !== null) rows.push({ item: 'Monthly budget', value: b.monthly_budget, color: '#94a3b8', display: formatUsd(b.monthly_budget) });
  return rows;
}

function rankingRows(data: CostOptimizationPortfolioData): object[] {
  // Those without recognized revenue have no margin to draw: they lead the ranking and the table says so.
  const rows: object[] = data.ranking.filter((l) => l.gross_margin !== null).slice(0, RANKING_CHART_TENANTS).map((l) => ({
    kind: 'tenant',
    // Unique even when two tenants share a name: the rank leads.
    tenant: `${l.rank}. ${l.name}`,
    order: l.rank,
    value: l.gross_margin,
    color: statusColor(l.margin_status === 'neutral' ? 'muted' : l.margin_status),
    display: l.gross_margin === null ? (l.net < 0 ? 'no revenue' : 'n/a') : formatPercent(l.gross_margin, 1),
  }));
  if (rows.length > 0) {
    rows.push({ kind: 'rule', value: 0, color: statusColor('critical') });
    rows.push({ kind: 'rule', value: data.margin_target, color: statusColor('ok') });
  }
  return rows;
}

/** The rows of each of the report's charts, by chart name (a report without data draws none). */
export function costChartValues(data: CostOptimizationData): Partial<Record<AnyChartName, object[]>> {
  const trend = data.has_data ? trendRows(data.trend, data.margin_target) : [];
  if (data.scope === 'portfolio') return { 'cost-margin-trend': trend, 'portfolio-margin-ranking': rankingRows(data) };
  return {
    'cost-margin-trend': trend,
    'cost-resources': resourceRows(data),
    'budget-projection': data.budget.monthly_budget === null && data.budget.actual_to_date === 0 ? [] : budgetRows(data),
    'savings-by-category': savingsRows(data.savings),
  };
}

/** Every chart of the report as SVG, by chart name. */
export async function renderCostCharts(data: CostOptimizationData): Promise<Record<string, string>> {
  installTextMetrics();
  const values = Object.entries(costChartValues(data)) as [AnyChartName, object[]][];
  const svgs = await Promise.all(values.map(([name, rows]) => renderChart(name, rows)));
  return Object.fromEntries(values.map(([name], i) => [name, svgs[i]]));
}
