import type { CostOptimization } from '../report/types.js';
import type { OptimizationEvent } from '../sources/types.js';
import { cents } from './cost.js';
import { ratio } from './trend.js';

/**
 * Realized (implemented) and identified savings by category, average ROI and savings rate
 * (SPEC §4), from savings a reader can defend:
 * - an event whose savings_amount is negative or not a number, or larger than its baseline_cost
 *   (a saving cannot exceed what was being spent), is left out and counted (`excluded_events`);
 * - an identified saving larger than the tenant's monthly total cost cannot be a monthly saving
 *   (a yearly or multi-year figure, most likely): it stays identified but is flagged
 *   (`identified_flagged`), and the recommendations do not present it as a saving a month.
 * A missing baseline cannot be compared: the event counts, with no baseline for the savings rate.
 */
export function computeCostOptimization(events: OptimizationEvent[], monthlyTotalCost: number): CostOptimization {
  const byCategory = new Map<string, { realized: number; identified: number; flagged: number }>();
  let realized = 0, identified = 0, baseline = 0, roiSum = 0, roiCount = 0;
  const excluded = { invalid_amount: 0, above_baseline: 0 };
  const flagged: number[] = [];
  for (const e of events) {
    const savings = e.savings;
    if (savings === null || !Number.isFinite(savings) || savings < 0) {
      excluded.invalid_amount += 1;
      continue;
    }
    if (e.baseline !== null && Number.isFinite(e.baseline) && savings > e.baseline) {
      excluded.above_baseline += 1;
      continue;
    }
    const c = byCategory.get(e.category) ?? { realized: 0, identified: 0, flagged: 0 };
    if (e.type === 'implemented') {
      c.realized += savings;
      realized += savings;
      if (e.baseline !== null && e.baseline >= 0) baseline += e.baseline;
    } else if (e.type === 'identified') {
      c.identified += savings;
      identified += savings;
      if (savings > monthlyTotalCost) {
        c.flagged += savings;
        flagged.push(savings);
      }
    }
    if (e.roi !== null && Number.isFinite(e.roi)) {
      roiSum += e.roi;
      roiCount += 1;
    }
    byCategory.set(e.category, c);
  }
  const by_category = [...byCategory.entries()]
    .map(([category, v]) => ({ category, realized: cents(v.realized), identified: cents(v.identified), identified_flagged: cents(v.flagged) }))
    .sort((a, b) => b.realized + b.identified - (a.realized + a.identified) || a.category.localeCompare(b.category));
  return {
    realized_savings: cents(realized),
    identified_savings: cents(identified),
    identified_flagged: { count: flagged.length, total: cents(flagged.reduce((a, b) => a + b, 0)), amounts: flagged.map(cents).sort((a, b) => a - b) },
    by_category,
    average_roi: ratio(roiSum, roiCount),
    implemented_baseline_cost: cents(baseline),
    savings_rate: ratio(realized, baseline),
    excluded_events: excluded,
  };
}
