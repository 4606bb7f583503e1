/**
 * The decision review's data object (SPEC §4 "Strategic decisions", §5): one JSON-serialisable
 * value, tenant or portfolio scope, from which the PDF, the email body and the Slack digest are
 * rendered; `herald preview decision-review --format json` prints it.
 *
 * Names follow SPEC §4 (snake_case); money is USD; rates are fractions (success_rate 0.75);
 * `roi_achievement` is a percentage as §4 defines it ((actual net / expected net) × 100, so 112.5
 * means the decision returned 112.5% of the net it promised), like the 0–100 scores; a figure
 * whose denominator is zero (or that cannot be told) is null, never Infinity or NaN.
 */
import type { PeriodInfo, RiskLevel } from '../../report/types.js';

/** Where the winning outcome came from: `herald decisions outcome` (audited in herald's table) or a decision_outcome_event. */
export type OutcomeSource = 'command' | 'event';

export interface ReviewOutcome {
  actual_revenue: number;
  actual_cost: number;
  /** actual_revenue − actual_cost. */
  actual_net: number;
  recorded_at: string;               // ISO instant
  /** Who recorded it (the command's audit row); null for an event. */
  recorded_by: string | null;
  source: OutcomeSource;
  /** The event's outcome_status (achieved, partial, missed …); null when not given. */
  outcome_status: string | null;
  note: string | null;
  /** How many outcomes were recorded for the decision up to the period's end (the latest wins). */
  records: number;
}

/**
 * Why a decision with an outcome has no ROI achievement: its expected net is zero (no ratio) or
 * negative (a ratio of two losses reads backwards: losing less than planned would be "under 100%"),
 * or an expected impact is missing.
 */
export type NotRatedReason = 'expected_net_zero' | 'expected_net_negative' | 'expected_missing';

/** A decision of the review: due in the period, or with an outcome recorded in it, or awaiting one. */
export interface ReviewDecision {
  decision_id: string;
  tenant_id: string;
  tenant_name: string;
  title: string;
  decision_type: string;
  decision_date: string;             // ISO instant
  /** As the event gave it ("3 months"); null when absent. */
  outcome_timeframe: string | null;
  /** decision_date + outcome_timeframe in the tenant's zone; null when the timeframe could not be read. */
  due_at: string | null;
  /** Whether due_at falls inside the period ([start, end)). */
  due_in_period: boolean;
  expected_revenue: number | null;
  expected_cost: number | null;
  /** expected_revenue − expected_cost; null when either is missing. */
  expected_net: number | null;
  /** The latest outcome recorded before the period's end; null: awaiting one. */
  outcome: ReviewOutcome | null;
  /** (actual net / expected net) × 100, to 0.1; null without an outcome, or see not_rated. */
  roi_achievement: number | null;
  not_rated: NotRatedReason | null;
  /** roi_achievement ≥ the success threshold; null when not rated or awaiting. */
  success: boolean | null;
  /** met | missed | not_rated (an outcome without a ratio) | awaiting (no outcome). */
  state: 'met' | 'missed' | 'not_rated' | 'awaiting';
  /** Local calendar days from due_at to the period's end; null unless awaiting with a due date. */
  days_overdue: number | null;
}

export interface TypeSuccess {
  decision_type: string;
  /** Decisions of the type due for review in the period. */
  due: number;
  with_outcome: number;
  rated: number;
  met: number;
  /** met / rated; null when none was rated. */
  success_rate: number | null;
  expected_net: number;
  actual_net: number;
}

export interface TenantDecisionRow {
  tenant_id: string;
  tenant_name: string;
  due: number;
  with_outcome: number;
  rated: number;
  met: number;
  success_rate: number | null;
  /** Every decision of the tenant past due without an outcome at the period's end. */
  awaiting_outcome: number;
  expected_net: number;
  actual_net: number;
  decisions_tracked: number;
}

export interface DecisionReviewNote {
  code: 'timeframe-unparseable' | 'outcome-invalid-amount' | 'outcome-unknown-decision' | 'decision-repeated' | 'expected-missing';
  count: number;
  text: string;
}

export interface DecisionReviewSummary {
  /** Decisions due for review in the period: their window ends in it, or an outcome was recorded in it. */
  due_for_review: number;
  /** Of those, with an outcome recorded by the period's end. */
  with_outcome: number;
  /** Of those, with an ROI achievement (expected net above zero). */
  rated: number;
  met: number;
  /** met / rated; null when none was rated. */
  success_rate: number | null;
  /** Sums over the decisions with an outcome and both nets. */
  expected_net_total: number;
  actual_net_total: number;
  /** actual_net_total / expected_net_total × 100 (to 0.1); null when the expected total is not above zero. */
  roi_achievement_total: number | null;
  /** Decisions past due without an outcome at the period's end (any age). */
  awaiting_outcome: number;
  /** The most days any of them is overdue; null when none awaits. */
  max_days_overdue: number | null;
  /** Decisions whose window ends in the next period of the same kind. */
  coming_up: number;
}

export interface DecisionsMade {
  /** strategic_decision_event tracked in the period. */
  decisions_tracked: number;
  by_type: { decision_type: string; count: number }[];
  /** Mean hours from requested_at to decision_date (SPEC §4); null without a request time. */
  decision_velocity_hours: number | null;
  velocity_samples: number;
  velocity_target_hours: number;
  /** velocity < target; null without a velocity. */
  velocity_target_met: boolean | null;
}

export interface DecisionReviewData {
  report: 'decision-review';
  schema_version: 1;
  scope: 'tenant' | 'portfolio';
  /** The tenant reviewed; null for the portfolio (every tenant, for the platform's own people). */
  tenant: { id: string; name: string; timezone: string } | null;
  /** Who the review is about, as a page says it: the tenant's name, or "Portfolio". */
  scope_name: string;
  /** The tenants it covers (one for a tenant review). */
  tenants: { id: string; name: string; timezone: string }[];
  period: PeriodInfo;
  next_period: PeriodInfo;
  generated_at: string;
  data_freshness: { newest_summary_date: string | null; newest_event_at: string | null };
  /** Whether any decision was due, reviewed, awaiting or made: else the review says so in a line. */
  has_data: boolean;
  /** One sentence, made by rules from this object: the one thing to know first. */
  headline: string;
  headline_level: RiskLevel;
  /** A decision succeeds when roi_achievement ≥ this (percent; config metrics.decisionSuccessAtPercent). */
  success_threshold_percent: number;
  summary: DecisionReviewSummary;
  /** Due for review in the period with an outcome, in order of due date. */
  reviewed: ReviewDecision[];
  /** Past due without an outcome at the period's end (due in the period or before), most overdue first. */
  awaiting: ReviewDecision[];
  /** Due in the next period (a heads-up), by due date. */
  coming_up: ReviewDecision[];
  /** Success by decision type over the decisions due for review, most decisions first. */
  by_type: TypeSuccess[];
  /** Portfolio scope: one row per tenant, by name (a tenant review has its own row). */
  by_tenant: TenantDecisionRow[];
  decisions_made: DecisionsMade;
  data_notes: DecisionReviewNote[];
}
