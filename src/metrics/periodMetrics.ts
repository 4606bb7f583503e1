import type { BusinessHealth, CostMetrics, CostOptimization, DecisionsTracked, OperationalEfficiency, RevenueImpact, RevenueProtection } from '../report/types.js';
import type { BusinessFacts, EventFacts } from '../sources/types.js';
import { computeCost } from './cost.js';
import { computeCostOptimization } from './costOptimization.js';
import { computeDecisionsTracked } from './decisions.js';
import { computeBusinessHealth, computeEfficiency, costEfficiency } from './efficiency.js';
import { computeRevenueImpact } from './revenueImpact.js';
import { computeRevenueProtection } from './revenueProtection.js';
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

/**
 * Every SPEC §4 metric of one tenant for one period: facts in, numbers out, no I/O.
 * `derivedDeliverabilityAlerts`: when Herald did not record the period's alerts (business.alerts
 * is null), the critical and high deliverability alerts derived from the events.
 */
export function computePeriodMetrics(business: BusinessFacts, events: EventFacts, days: string[], s: MetricSettings, derivedDeliverabilityAlerts?: number): PeriodMetrics {
  const inPeriod = new Set(days);
  const daily = business.daily.filter((d) => inPeriod.has(d.date));
  const revenue_protection = computeRevenueProtection(daily, business.alerts, s);
  const cost = computeCost({ ...business, delivered: revenue_protection.emails_delivered }, days);
  const efficiency = computeEfficiency(
    {
      deliverability_rate: revenue_protection.deliverability_rate,
      gross_margin: cost.gross_margin,
      revenue: cost.revenue,
      total_cost: cost.total_cost,
      utilization_percent: events.utilization.mean_percent,
      revenue_protection_rate: revenue_protection.revenue_protection_rate,
      alerts_considered: revenue_protection.alerts_considered,
      derived_deliverability_alerts: derivedDeliverabilityAlerts,
    },
    s,
  );
  return {
    revenue_protection,
    revenue_impact: computeRevenueImpact(events.revenue_impact),
    cost,
    cost_optimization: computeCostOptimization(events.optimization),
    efficiency,
    health: computeBusinessHealth(revenue_protection.risk_level, costEfficiency(cost.gross_margin, s.grossMarginTarget, cost.revenue, cost.total_cost), efficiency.efficiency_score),
    decisions: computeDecisionsTracked(events.decisions),
  };
}
