import type { DecisionsTracked } from '../report/types.js';
import type { DecisionEvent } from '../sources/types.js';

/** Decisions tracked in the period, by type, and decision velocity (requested_at → decision_date, hours). */
export function computeDecisionsTracked(decisions: DecisionEvent[]): DecisionsTracked {
  const byType = new Map<string, number>();
  for (const d of decisions) byType.set(d.decision_type, (byType.get(d.decision_type) ?? 0) + 1);
  const durations = decisions
    .filter((d) => d.requested_at !== null && d.requested_at.getTime() <= d.decision_date.getTime())
    .map((d) => (d.decision_date.getTime() - d.requested_at!.getTime()) / 3600_000);
  const velocity = durations.length === 0 ? null : durations.reduce((a, b) => a + b, 0) / durations.length;
  return {
    decisions_tracked: decisions.length,
    by_type: [...byType.entries()]
      .map(([decision_type, count]) => ({ decision_type, count }))
      .sort((a, b) => b.count - a.count || a.decision_type.localeCompare(b.decision_type)),
    decision_velocity_hours: velocity === null ? null : Math.round(velocity * 10) / 10,
    velocity_samples: durations.length,
    items: [...decisions]
      .sort((a, b) => a.decision_date.getTime() - b.decision_date.getTime())
      .map((d) => ({
        decision_id: d.decision_id,
        title: d.title,
        decision_type: d.decision_type,
        decision_date: d.decision_date.toISOString(),
        expected_revenue_impact: d.expected_revenue_impact,
        expected_cost_impact: d.expected_cost_impact,
      })),
  };
}
