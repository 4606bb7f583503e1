import type { BusinessHealth, CostMetrics, CostOptimization, DecisionsTracked, OperationalEfficiency, RevenueImpact, RevenueProtection } from '../report/types.js';
import type { BusinessFacts, DailySummaryRow, EventFacts } from '../sources/types.js';
import { computeCost } from './cost.js';
import { computeCostOptimization } from './costOptimization.js';
import { computeDecisionsTracked } from './decisions.js';
import { computeBusinessHealth, computeEfficiency, costEfficiency } from './efficiency.js';
import { computeRevenueImpact } from './revenueImpact.js';
import { computeRevenueProtection, computeRiskNow } from './revenueProtection.js';
import type { MetricSettings } from './settings.js';

export interface PeriodMetrics {
  revenue_protection: RevenueProtection;
  revenue_impact: RevenueImpact;
  cost: CostMetrics;
  cost_optimization: CostOptimization;
  efficiency: OperationalEfficiency;
  health: BusinessHealth;
  decisions: DecisionsTracked;
}

export interface PeriodMetricsOptions {
  /**
   * When Herald did not record the period's alerts (business.alerts is null), the critical and
   * high deliverability alerts derived from the events.
   */
  derivedDeliverabilityAlerts?: number;
  /** Daily summaries of the period and the days before it, for risk_level_now's `since` (default: the period's). */
  recentDaily?: DailySummaryRow[];
  /** Critical deliverability alerts open at the period's end (Herald's records); null or absent: unknown. */
  openCriticalAlerts?: { count: number; since: string | null } | null;
}

/** Every SPEC §4 metric of one tenant for one period: facts in, numbers out, no I/O. */
export function computePeriodMetrics(business: BusinessFacts, events: EventFacts, days: string[], s: MetricSettings, opts: PeriodMetricsOptions = {}): PeriodMetrics {
  const inPeriod = new Set(days);
  const daily = business.daily.filter((d) => inPeriod.has(d.date));
  const now = computeRiskNow(days, opts.recentDaily ?? daily, opts.openCriticalAlerts ?? null, s.riskThresholds);
  const revenue_protection = computeRevenueProtection(daily, business.alerts, s, now);
  const cost = computeCost({ ...business, delivered: revenue_protection.emails_delivered }, days);
  const efficiency = computeEfficiency(
    {
      deliverability_rate: revenue_protection.deliverability_rate,
      gross_margin: cost.gross_margin,
      recognized_revenue: cost.recognized_revenue,
      total_cost: cost.total_cost,
      utilization_percent: events.utilization.mean_percent,
      revenue_protection_rate: revenue_protection.revenue_protection_rate,
      alerts_considered: revenue_protection.alerts_considered,
      derived_deliverability_alerts: opts.derivedDeliverabilityAlerts,
    },
    s,
  );
  return {
    revenue_protection,
    revenue_impact: computeRevenueImpact(events.revenue_impact),
    cost,
    cost_optimization: computeCostOptimization(events.optimization, cost.monthly_total_cost),
    efficiency,
    health: computeBusinessHealth(
      revenue_protection.risk_level,
      revenue_protection.risk_level_now,
      costEfficiency(cost.gross_margin, s.grossMarginTarget, cost.recognized_revenue, cost.total_cost),
      efficiency.efficiency_score,
    ),
    decisions: computeDecisionsTracked(events.decisions),
  };
}
