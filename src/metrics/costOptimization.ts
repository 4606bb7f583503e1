import type { CostOptimization } from '../report/types.js';
import type { OptimizationAggregate } from '../sources/types.js';
import { cents } from './cost.js';
import { ratio } from './trend.js';

/** Realized (implemented) and identified savings by category, average ROI and savings rate (SPEC §4). */
export function computeCostOptimization(rows: OptimizationAggregate[]): CostOptimization {
  const byCategory = new Map<string, { realized: number; identified: number }>();
  let realized = 0, identified = 0, baseline = 0, roiSum = 0, roiCount = 0;
  for (const r of rows) {
    const c = byCategory.get(r.category) ?? { realized: 0, identified: 0 };
    if (r.type === 'implemented') {
      c.realized += r.savings;
      realized += r.savings;
      baseline += r.baseline;
    } else if (r.type === 'identified') {
      c.identified += r.savings;
      identified += r.savings;
    }
    roiSum += r.roi_sum;
    roiCount += r.roi_count;
    byCategory.set(r.category, c);
  }
  const by_category = [...byCategory.entries()]
    .map(([category, v]) => ({ category, realized: cents(v.realized), identified: cents(v.identified) }))
    .sort((a, b) => b.realized + b.identified - (a.realized + a.identified) || a.category.localeCompare(b.category));
  return {
    realized_savings: cents(realized),
    identified_savings: cents(identified),
    by_category,
    average_roi: ratio(roiSum, roiCount),
    implemented_baseline_cost: cents(baseline),
    savings_rate: ratio(realized, baseline),
  };
}
