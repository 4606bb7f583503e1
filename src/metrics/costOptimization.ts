import type { CostOptimization, DataNote } from '../report/types.js';
import { formatList, formatUsd, pluralize } from '../report/format.js';
import type { OptimizationEvent, OptimizationGroup } from '../sources/types.js';
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
  return costOptimizationOf({ byCategory, realized, identified, baseline, roiSum, roiCount, excluded, flagged });
}

/**
 * computeCostOptimization from events an event store has already judged and summed by category
 * and type (OptimizationGroup, the cost-optimization report's set-based read): the same SPEC §4
 * rules, the same figures. The groups of one tenant and one range.
 */
export function costOptimizationFromGroups(groups: readonly OptimizationGroup[], monthlyTotalCost: number): CostOptimization {
  const byCategory = new Map<string, { realized: number; identified: number; flagged: number }>();
  let realized = 0, identified = 0, baseline = 0, roiSum = 0, roiCount = 0;
  const excluded = { invalid_amount: 0, above_baseline: 0 };
  const flagged: number[] = [];
  for (const g of groups) {
    excluded.invalid_amount += g.invalid_amount;
    excluded.above_baseline += g.above_baseline;
    if (g.kept === 0) continue;
    const c = byCategory.get(g.category) ?? { realized: 0, identified: 0, flagged: 0 };
    if (g.type === 'implemented') {
      c.realized += g.savings;
      realized += g.savings;
      baseline += g.baseline;
    } else if (g.type === 'identified') {
      c.identified += g.savings;
      identified += g.savings;
      for (const amount of g.identified_amounts) {
        if (amount > monthlyTotalCost) {
          c.flagged += amount;
          flagged.push(amount);
        }
      }
    }
    roiSum += g.roi_sum;
    roiCount += g.roi_count;
    byCategory.set(g.category, c);
  }
  return costOptimizationOf({ byCategory, realized, identified, baseline, roiSum, roiCount, excluded, flagged });
}

/** What both ways of counting savings (events one by one, or groups summed by a store) add up. */
interface SavingsTally {
  byCategory: Map<string, { realized: number; identified: number; flagged: number }>;
  realized: number;
  identified: number;
  baseline: number;
  roiSum: number;
  roiCount: number;
  excluded: { invalid_amount: number; above_baseline: number };
  flagged: number[];
}

function costOptimizationOf(t: SavingsTally): CostOptimization {
  const by_category = [...t.byCategory.entries()]
    .map(([category, v]) => ({ category, realized: cents(v.realized), identified: cents(v.identified), identified_flagged: cents(v.flagged) }))
    .sort((a, b) => b.realized + b.identified - (a.realized + a.identified) || a.category.localeCompare(b.category));
  return {
    realized_savings: cents(t.realized),
    identified_savings: cents(t.identified),
    identified_flagged: { count: t.flagged.length, total: cents(t.flagged.reduce((a, b) => a + b, 0)), amounts: t.flagged.map(cents).sort((a, b) => a - b) },
    by_category,
    average_roi: ratio(t.roiSum, t.roiCount),
    implemented_baseline_cost: cents(t.baseline),
    savings_rate: ratio(t.realized, t.baseline),
    excluded_events: t.excluded,
  };
}

/**
 * The data notes of the savings (SPEC §4, §5): events left out and identified savings flagged, one
 * line each, in the words of the executive summary's notes.
 */
export function savingsDataNotes(co: CostOptimization, monthlyTotalCost: number): DataNote[] {
  const notes: DataNote[] = [];
  const events = (n: number, what: string) => `${pluralize(n, what)} left out`;
  const x = co.excluded_events;
  if (x.invalid_amount > 0) {
    notes.push({ code: 'optimization-invalid-amount', count: x.invalid_amount, text: `${events(x.invalid_amount, 'cost optimization event')}: a savings amount that is negative or not a number.` });
  }
  if (x.above_baseline > 0) {
    notes.push({ code: 'optimization-above-baseline', count: x.above_baseline, text: `${events(x.above_baseline, 'cost optimization event')}: savings larger than the baseline cost they were measured against.` });
  }
  const f = co.identified_flagged;
  if (f.count > 0) {
    notes.push({
      code: 'identified-above-monthly-cost', count: f.count,
      text: `${f.count === 1 ? 'An identified saving' : `${f.count} identified savings`} (${formatList(f.amounts.map((a) => formatUsd(a)))}) ${f.count === 1 ? 'is' : 'are each'} larger than the monthly total cost of ${formatUsd(monthlyTotalCost)}: flagged, not counted as a saving a month.`,
    });
  }
  return notes;
}
