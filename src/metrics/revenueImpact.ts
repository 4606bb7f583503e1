import type { RevenueImpact } from '../report/types.js';
import { ratio } from './trend.js';

/** business_performance_score = (positive − negative) / (positive + negative) × 100, null with no impact. */
export function computeRevenueImpact(f: { negative_total: number; positive_total: number; event_count: number }): RevenueImpact {
  const score = ratio(f.positive_total - f.negative_total, f.positive_total + f.negative_total);
  return {
    negative_total: f.negative_total,
    positive_total: f.positive_total,
    business_performance_score: score === null ? null : score * 100,
    event_count: f.event_count,
  };
}
