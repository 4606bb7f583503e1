import type { BusinessHealth, EfficiencyComponent, OperationalEfficiency, RiskLevel, Status } from '../report/types.js';
import type { MetricSettings } from './settings.js';
import { clamp } from './trend.js';
import { worseLevel } from './revenueProtection.js';

const WEIGHTS = { deliverability: 0.3, cost_efficiency: 0.3, utilization: 0.2, response_time: 0.2 } as const;
const LABELS = { deliverability: 'Deliverability', cost_efficiency: 'Cost efficiency', utilization: 'Resource utilization', response_time: 'Alert response' } as const;

/**
 * clamp(gross_margin / target × 100). With no recognized revenue (no active subscription) but
 * real costs, gross_margin is null (its denominator is zero) yet the margin's limit is −∞, so
 * cost efficiency is 0, not missing: a tenant paying for servers and earning nothing must not
 * look healthy. Null with neither.
 */
export function costEfficiency(grossMargin: number | null, target: number, recognizedRevenue = 0, totalCost = 0): number | null {
  if (grossMargin === null) return recognizedRevenue === 0 && totalCost > 0 ? 0 : null;
  return clamp((grossMargin / target) * 100);
}

/** 100 inside the optimal band, falling linearly to 0 at 0% and at 100% utilization. */
export function utilizationScore(percent: number | null, band: { low: number; high: number }): number | null {
  if (percent === null) return null;
  if (percent < band.low) return clamp((percent / band.low) * 100);
  if (percent > band.high) return clamp(((100 - percent) / (100 - band.high)) * 100);
  return 100;
}

/**
 * efficiency_score = 0.3·deliverability + 0.3·cost_efficiency + 0.2·utilization + 0.2·response_time.
 * A missing component drops out and the others' weights are rescaled to sum to 1.
 */
export function computeEfficiency(
  input: {
    deliverability_rate: number | null; gross_margin: number | null; recognized_revenue?: number; total_cost?: number; utilization_percent: number | null;
    revenue_protection_rate: number | null;
    /** Critical/high deliverability alerts Herald recorded in the period; null when it recorded none for the period. */
    alerts_considered: number | null;
    /** Without records: critical/high deliverability alerts derived from the events (0: there was nothing to answer). */
    derived_deliverability_alerts?: number;
  },
  s: MetricSettings,
): OperationalEfficiency {
  const values: Record<keyof typeof WEIGHTS, number | null> = {
    deliverability: input.deliverability_rate === null ? null : input.deliverability_rate * 100,
    cost_efficiency: costEfficiency(input.gross_margin, s.grossMarginTarget, input.recognized_revenue, input.total_cost),
    utilization: utilizationScore(input.utilization_percent, s.utilizationBand),
    response_time: responseTime(input),
  };
  const names = Object.keys(WEIGHTS) as (keyof typeof WEIGHTS)[];
  const presentWeight = names.reduce((sum, n) => sum + (values[n] === null ? 0 : WEIGHTS[n]), 0);
  const components: EfficiencyComponent[] = names.map((name) => ({
    name,
    label: LABELS[name],
    value: values[name] === null ? null : round1(values[name]!),
    weight: WEIGHTS[name],
    effective_weight: values[name] === null || presentWeight === 0 ? 0 : round3(WEIGHTS[name] / presentWeight),
  }));
  const score = presentWeight === 0 ? null : names.reduce((sum, n) => sum + (values[n] ?? 0) * WEIGHTS[n], 0) / presentWeight;
  return {
    resource_utilization: input.utilization_percent === null ? null : input.utilization_percent / 100,
    efficiency_score: score === null ? null : round1(score),
    components,
    missing_components: components.filter((c) => c.value === null).map((c) => c.name),
  };
}

/**
 * response_time = revenue_protection_rate × 100, and 100 when there were no alerts to answer
 * (SPEC §4). Without Herald's records the events still tell whether there were any: none is 100;
 * some, answered nobody knows how fast, is missing (dropped from the score), never a perfect 100.
 */
function responseTime(input: { revenue_protection_rate: number | null; alerts_considered: number | null; derived_deliverability_alerts?: number }): number | null {
  if (input.alerts_considered === null) return input.derived_deliverability_alerts === 0 ? 100 : null;
  if (input.alerts_considered === 0) return 100;
  return input.revenue_protection_rate === null ? null : input.revenue_protection_rate * 100;
}

const REVENUE_HEALTH: Record<RiskLevel, number> = { ok: 100, monitor: 75, warning: 50, critical: 20 };

/**
 * business_health = 0.4·revenue_health + 0.3·cost_efficiency + 0.3·efficiency_score, rescaled
 * over present parts. revenue_health reads the worse of the period's risk level and the risk
 * now (SPEC §4), and the status is never better than either: a month whose last days are
 * critical is a critical month, whatever its score.
 */
export function computeBusinessHealth(risk: RiskLevel | null, riskNow: RiskLevel | null, costEff: number | null, efficiencyScore: number | null): BusinessHealth {
  const worst = worseLevel(risk, riskNow);
  const revenue_health = worst === null ? null : REVENUE_HEALTH[worst];
  const parts: [number | null, number][] = [[revenue_health, 0.4], [costEff, 0.3], [efficiencyScore, 0.3]];
  const present = parts.filter(([v]) => v !== null);
  const weight = present.reduce((s, [, w]) => s + w, 0);
  const business_health = weight === 0 ? null : round1(present.reduce((s, [v, w]) => s + v! * w, 0) / weight);
  const band = scoreStatus(business_health);
  return {
    business_health,
    revenue_health,
    cost_efficiency: costEff === null ? null : round1(costEff),
    efficiency_score: efficiencyScore,
    status: band === 'neutral' ? band : worseLevel(band, worst)!,
  };
}

/** A 0–100 score on the severity scale: ≥ 80 ok, ≥ 70 monitor, ≥ 60 warning, else critical. */
export function scoreStatus(score: number | null): Status {
  if (score === null) return 'neutral';
  if (score >= 80) return 'ok';
  if (score >= 70) return 'monitor';
  if (score >= 60) return 'warning';
  return 'critical';
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
