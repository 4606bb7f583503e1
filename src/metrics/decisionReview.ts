/**
 * The decision review's metrics (SPEC §4 "Strategic decisions"), pure: the decision log of the
 * events, the outcomes recorded with `herald decisions outcome`, the tenants and the period in;
 * the review's figures out.
 *
 * - A decision (tenant, decision_id) is its latest strategic_decision_event tracked by the
 *   period's end (a re-tracked decision is updated, not doubled; the data notes count repeats).
 * - Its outcome is the latest recorded before the period's end, across decision_outcome_event
 *   (recorded at the event's time) and the command's audit rows; at the same instant the
 *   command's record wins. An outcome event without plain numbers is left out (and counted).
 * - It is due for review in the period when decision_date + outcome_timeframe (in the tenant's
 *   zone) is in [start, end), or when an outcome of it was recorded in [start, end).
 * - roi_achievement = (actual net) / (expected net) × 100, to 0.1; null when the expected net is
 *   zero, negative or unknown; success when ≥ the threshold (default 80%).
 * - Awaiting: past due (due_at < end) with no outcome by the end, however old; days overdue are
 *   local calendar days from the due date to the period's end.
 */
import type { DecisionLog, LoggedDecision, TenantRow } from '../sources/types.js';
import type { MetricSettings } from './settings.js';
import { addTimeframe, localDaysBetween, parseTimeframe } from '../time/periods.js';
import { computeDecisionsTracked } from './decisions.js';
import type {
  DecisionReviewNote, DecisionReviewSummary, DecisionsMade, ReviewDecision, ReviewOutcome, TenantDecisionRow, TypeSuccess,
} from '../reports/decision-review/types.js';

/** An outcome recorded with `herald decisions outcome` (a row of herald.decision_outcomes). */
export interface RecordedOutcome {
  id: number;
  tenant_id: string;
  decision_id: string;
  actual_revenue: number;
  actual_cost: number;
  note: string | null;
  recorded_by: string;
  recorded_at: Date;
}

export interface DecisionReviewInput {
  /** The review period, half-open. */
  period: { start: Date; end: Date };
  /** The next period of the same kind (what comes up for review next). */
  next: { start: Date; end: Date };
  /** The tenants reviewed, with their zones; events of other tenants are not read. */
  tenants: Pick<TenantRow, 'id' | 'name' | 'timezone'>[];
  /** Decisions and outcome events tracked before the period's end. */
  log: DecisionLog;
  /** Outcomes recorded with the command (any time: those after the period's end are ignored). */
  recorded: RecordedOutcome[];
  settings: Pick<MetricSettings, 'decisionSuccessAtPercent' | 'decisionVelocityTargetHours'>;
  /** Zone of a tenant without one. */
  defaultTimezone: string;
  /** The zone the period is read in: days overdue are counted on its calendar (default: each tenant's). */
  timezone?: string;
}

export interface DecisionReviewMetrics {
  /** Every decision of the tenants tracked by the period's end, as of its end (the decisions list; not in the data object). */
  all: ReviewDecision[];
  summary: DecisionReviewSummary;
  reviewed: ReviewDecision[];
  awaiting: ReviewDecision[];
  coming_up: ReviewDecision[];
  by_type: TypeSuccess[];
  by_tenant: TenantDecisionRow[];
  decisions_made: DecisionsMade;
  data_notes: DecisionReviewNote[];
}

interface Candidate {
  at: Date;
  source: 'command' | 'event';
  order: number;               // tie-break at the same instant: the command's row, then the later id
  outcome: Omit<ReviewOutcome, 'records'>;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const cents = (n: number) => Math.round(n * 100) / 100;
const key = (tenantId: string, decisionId: string) => `${tenantId}\u0000${decisionId}`;
const inRange = (d: Date, r: { start: Date; end: Date }) => d >= r.start && d < r.end;

/** (actual net / expected net) × 100 to 0.1, or why there is none. */
export function roiAchievement(expectedNet: number | null, actualNet: number): { roi: number | null; notRated: ReviewDecision['not_rated'] } {
  if (expectedNet === null) return { roi: null, notRated: 'expected_missing' };
  if (expectedNet === 0) return { roi: null, notRated: 'expected_net_zero' };
  if (expectedNet < 0) return { roi: null, notRated: 'expected_net_negative' };
  const roi = round1((actualNet / expectedNet) * 100);
  return Number.isFinite(roi) ? { roi: Object.is(roi, -0) ? 0 : roi, notRated: null } : { roi: null, notRated: 'expected_net_zero' };
}

export function computeDecisionReview(input: DecisionReviewInput): DecisionReviewMetrics {
  const { period, next, settings } = input;
  const tenants = new Map(input.tenants.map((t) => [t.id, t]));
  const zoneOf = (tenantId: string) => tenants.get(tenantId)?.timezone || input.defaultTimezone;
  const notes = new Map<DecisionReviewNote['code'], { count: number; text: (n: number) => string }>();
  const note = (code: DecisionReviewNote['code'], text: (n: number) => string) => {
    const n = notes.get(code);
    if (n) n.count++;
    else notes.set(code, { count: 1, text });
  };

  // Decisions: the latest event of each (tenant, id) tracked before the end.
  const decisions = new Map<string, LoggedDecision>();
  for (const d of input.log.decisions) {
    if (!tenants.has(d.tenant_id) || !(d.tracked_at < period.end)) continue;
    const k = key(d.tenant_id, d.decision_id);
    const seen = decisions.get(k);
    if (seen) note('decision-repeated', (n) => `${n} decision ${n === 1 ? 'event repeats' : 'events repeat'} an earlier decision id; the latest of each is used`);
    if (!seen || d.tracked_at >= seen.tracked_at) decisions.set(k, d);
  }

  // Outcomes recorded before the end, by decision.
  const candidates = new Map<string, Candidate[]>();
  const add = (k: string, c: Candidate) => {
    const list = candidates.get(k);
    if (list) list.push(c);
    else candidates.set(k, [c]);
  };
  for (const o of input.log.outcomes) {
    if (!tenants.has(o.tenant_id) || !(o.recorded_at < period.end)) continue;
    const k = o.decision_id === null ? null : key(o.tenant_id, o.decision_id);
    if (k === null || !decisions.has(k)) {
      note('outcome-unknown-decision', (n) => `${n} decision_outcome_event ${n === 1 ? 'names' : 'name'} no decision tracked by the period's end; left out`);
      continue;
    }
    if (o.actual_revenue === null || o.actual_cost === null) {
      note('outcome-invalid-amount', (n) => `${n} decision_outcome_event ${n === 1 ? 'has' : 'have'} an actual impact that is missing, not a number, or a trillion or more; left out`);
      continue;
    }
    add(k, {
      at: o.recorded_at, source: 'event', order: 0,
      outcome: { actual_revenue: o.actual_revenue, actual_cost: o.actual_cost, actual_net: cents(o.actual_revenue - o.actual_cost), recorded_at: o.recorded_at.toISOString(), recorded_by: null, source: 'event', outcome_status: o.outcome_status, note: o.notes },
    });
  }
  for (const r of input.recorded) {
    if (!(r.recorded_at < period.end)) continue;
    const k = key(r.tenant_id, r.decision_id);
    if (!decisions.has(k)) continue; // recorded for a decision this review does not cover
    add(k, {
      at: r.recorded_at, source: 'command', order: 1 + r.id,
      outcome: { actual_revenue: r.actual_revenue, actual_cost: r.actual_cost, actual_net: cents(r.actual_revenue - r.actual_cost), recorded_at: r.recorded_at.toISOString(), recorded_by: r.recorded_by, source: 'command', outcome_status: null, note: r.note },
    });
  }

  const reviewed: ReviewDecision[] = [];
  const awaiting: ReviewDecision[] = [];
  const comingUp: ReviewDecision[] = [];
  const due: ReviewDecision[] = [];
  const everyDecision: ReviewDecision[] = [];
  for (const [k, d] of decisions) {
    const zone = zoneOf(d.tenant_id);
    const tf = parseTimeframe(d.outcome_timeframe);
    if (!tf) note('timeframe-unparseable', (n) => `${n} ${n === 1 ? 'decision has an outcome_timeframe' : 'decisions have outcome_timeframes'} that could not be read (expected e.g. "3 months", "6 weeks"): ${n === 1 ? 'its' : 'their'} due date is unknown`);
    const dueAt = tf ? addTimeframe(d.decision_date, tf, zone) : null;
    const list = candidates.get(k) ?? [];
    list.sort((a, b) => a.at.getTime() - b.at.getTime() || a.order - b.order);
    const latest = list[list.length - 1];
    const outcomeInPeriod = list.some((c) => inRange(c.at, period));
    const expectedNet = d.expected_revenue_impact === null || d.expected_cost_impact === null ? null : cents(d.expected_revenue_impact - d.expected_cost_impact);
    const item: ReviewDecision = {
      decision_id: d.decision_id,
      tenant_id: d.tenant_id,
      tenant_name: tenants.get(d.tenant_id)!.name,
      title: d.title,
      decision_type: d.decision_type,
      decision_date: d.decision_date.toISOString(),
      outcome_timeframe: d.outcome_timeframe,
      due_at: dueAt ? dueAt.toISOString() : null,
      due_in_period: dueAt !== null && inRange(dueAt, period),
      expected_revenue: d.expected_revenue_impact,
      expected_cost: d.expected_cost_impact,
      expected_net: expectedNet,
      outcome: latest ? { ...latest.outcome, records: list.length } : null,
      roi_achievement: null,
      not_rated: null,
      success: null,
      state: 'awaiting',
      days_overdue: null,
    };
    if (item.outcome) {
      const { roi, notRated } = roiAchievement(expectedNet, item.outcome.actual_net);
      item.roi_achievement = roi;
      item.not_rated = notRated;
      item.success = roi === null ? null : roi >= settings.decisionSuccessAtPercent;
      item.state = roi === null ? 'not_rated' : item.success ? 'met' : 'missed';
    } else if (dueAt !== null && dueAt < period.end) {
      item.days_overdue = localDaysBetween(dueAt, period.end, input.timezone ?? zone);
    }
    everyDecision.push(item);
    const inReview = item.due_in_period || outcomeInPeriod;
    if (inReview) {
      due.push(item);
      if (item.outcome) reviewed.push(item);
    }
    if (!item.outcome && dueAt !== null && dueAt < period.end) awaiting.push(item);
    if (!item.outcome && dueAt !== null && inRange(dueAt, next)) comingUp.push(item);
    if (item.outcome && item.not_rated === 'expected_missing' && inReview) {
      note('expected-missing', (n) => `${n} reviewed ${n === 1 ? 'decision has' : 'decisions have'} no expected revenue or cost impact: no ROI achievement`);
    }
  }

  const byDue = (a: ReviewDecision, b: ReviewDecision) =>
    (a.due_at ?? a.outcome?.recorded_at ?? '').localeCompare(b.due_at ?? b.outcome?.recorded_at ?? '')
    || a.tenant_name.localeCompare(b.tenant_name) || a.decision_id.localeCompare(b.decision_id);
  reviewed.sort(byDue);
  comingUp.sort(byDue);
  awaiting.sort((a, b) => (b.days_overdue ?? 0) - (a.days_overdue ?? 0) || byDue(a, b));

  const tally = (items: ReviewDecision[]) => {
    const withOutcome = items.filter((i) => i.outcome);
    const rated = withOutcome.filter((i) => i.roi_achievement !== null);
    const met = rated.filter((i) => i.success).length;
    const netted = withOutcome.filter((i) => i.expected_net !== null);
    return {
      due: items.length,
      with_outcome: withOutcome.length,
      rated: rated.length,
      met,
      success_rate: rated.length === 0 ? null : met / rated.length,
      expected_net: cents(netted.reduce((s, i) => s + i.expected_net!, 0)),
      actual_net: cents(netted.reduce((s, i) => s + i.outcome!.actual_net, 0)),
    };
  };

  const types = new Map<string, ReviewDecision[]>();
  for (const i of due) types.set(i.decision_type, [...(types.get(i.decision_type) ?? []), i]);
  const byType: TypeSuccess[] = [...types.entries()]
    .map(([decision_type, items]) => ({ decision_type, ...tally(items) }))
    .sort((a, b) => b.due - a.due || a.decision_type.localeCompare(b.decision_type));

  const made = [...decisions.values()].filter((d) => inRange(d.tracked_at, period));
  const tracked = computeDecisionsTracked(made);
  const decisionsMade: DecisionsMade = {
    decisions_tracked: tracked.decisions_tracked,
    by_type: tracked.by_type,
    decision_velocity_hours: tracked.decision_velocity_hours,
    velocity_samples: tracked.velocity_samples,
    velocity_target_hours: settings.decisionVelocityTargetHours,
    velocity_target_met: tracked.decision_velocity_hours === null ? null : tracked.decision_velocity_hours < settings.decisionVelocityTargetHours,
  };

  const byTenant: TenantDecisionRow[] = input.tenants
    .map((t) => {
      const tl = tally(due.filter((i) => i.tenant_id === t.id));
      return {
        tenant_id: t.id, tenant_name: t.name,
        due: tl.due, with_outcome: tl.with_outcome, rated: tl.rated, met: tl.met, success_rate: tl.success_rate,
        awaiting_outcome: awaiting.filter((i) => i.tenant_id === t.id).length,
        expected_net: tl.expected_net, actual_net: tl.actual_net,
        decisions_tracked: made.filter((d) => d.tenant_id === t.id).length,
      };
    })
    .sort((a, b) => a.tenant_name.localeCompare(b.tenant_name) || a.tenant_id.localeCompare(b.tenant_id));

  const all = tally(due);
  const summary: DecisionReviewSummary = {
    due_for_review: all.due,
    with_outcome: all.with_outcome,
    rated: all.rated,
    met: all.met,
    success_rate: all.success_rate,
    expected_net_total: all.expected_net,
    actual_net_total: all.actual_net,
    roi_achievement_total: all.with_outcome === 0 || all.expected_net <= 0 ? null : round1((all.actual_net / all.expected_net) * 100),
    awaiting_outcome: awaiting.length,
    max_days_overdue: awaiting.length === 0 ? null : Math.max(...awaiting.map((i) => i.days_overdue ?? 0)),
    coming_up: comingUp.length,
  };

  everyDecision.sort(byDue);
  return {
    all: everyDecision,
    summary,
    reviewed,
    awaiting,
    coming_up: comingUp,
    by_type: byType,
    by_tenant: byTenant,
    decisions_made: decisionsMade,
    data_notes: [...notes.entries()].map(([code, n]) => ({ code, count: n.count, text: n.text(n.count) })),
  };
}
