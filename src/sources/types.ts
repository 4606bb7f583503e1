/** Rows the sources hand to the pure metric functions. Money is USD as numbers; dates are calendar strings. */

export interface TenantRow { id: string; name: string; timezone: string; monthly_budget: number | null }

export interface DailySummaryRow {
  date: string;                       // tracking_date, a calendar date
  emails_sent: number;
  emails_delivered: number;
  emails_bounced: number;
  emails_spam: number;
  ip_reputation: string | null;
  domain_reputation: string | null;
}

export interface VpsRow {
  id: string;
  status: string;
  monthly_cost: number | null;
  cpu_utilization: number | null;     // percent
  memory_utilization: number | null;  // percent
}

export interface IpRow {
  id: string;
  vps_instance_id: string;
  ip: string;
  monthly_cost: number | null;
  warmup_progress: number | null;
  daily_capacity: number | null;
}

export interface PaymentRow { id: string; amount: number; paid_at: Date; date: string /* local calendar date */ }

export interface SubscriptionRow { id: string; status: string; plan_name: string; price_monthly: number }

/**
 * A recorded herald alert that fired in the period, for revenue_protection_rate: acknowledged
 * within `ackWithinHours` of `fired_at` (the firing its acknowledgement answers) or not.
 */
export interface AlertAckRow { rule: string; severity: string; fired_at: Date; acknowledged_at: Date | null }

/** Business facts of one tenant for one half-open period, as the business database gives them. */
export interface BusinessFacts {
  daily: DailySummaryRow[];
  vps: VpsRow[];
  ips: IpRow[];
  payments: PaymentRow[];
  subscriptions: SubscriptionRow[];
  /** Herald's alerts that fired in the period; null when Herald did not record the period's alerts. */
  alerts: AlertAckRow[] | null;
}

/**
 * One cost_optimization_event, its numbers read defensively: null when a property is missing or
 * not a plain number. The metrics decide what a defensible saving is (SPEC §4), not the store.
 */
export interface OptimizationEvent {
  category: string;
  type: string;                       // implemented | identified | …
  savings: number | null;
  baseline: number | null;
  roi: number | null;
}

/**
 * cost_optimization_event of one tenant, range, category and type, aggregated on the event
 * store's side (the cost-optimization report, tenant and portfolio scope). The exclusions of
 * SPEC §4 are applied per event before summing: `invalid_amount` (savings_amount negative or not
 * a number) and `above_baseline` (savings larger than its baseline_cost) are counted and left
 * out; the sums are over the events kept. Events are deduplicated by uuid.
 */
export interface OptimizationGroup {
  tenant_id: string;
  /** Index (0-based) of the range the events fall in. */
  range: number;
  category: string;                   // optimization_category, '' → 'uncategorized'
  type: string;                       // optimization_type, missing → 'unknown'
  /** Events kept. */
  kept: number;
  savings: number;
  /** Sum of the kept events' baseline_cost that are numbers ≥ 0. */
  baseline: number;
  roi_sum: number;
  roi_count: number;
  invalid_amount: number;
  above_baseline: number;
  /** The kept `identified` events' savings, ascending (each is compared with the tenant's monthly cost). */
  identified_amounts: number[];
}

export interface DecisionEvent {
  decision_id: string;
  title: string;
  decision_type: string;
  decision_date: Date;
  requested_at: Date | null;
  expected_revenue_impact: number | null;
  expected_cost_impact: number | null;
  outcome_timeframe: string | null;
}

/** A strategic_decision_event of the decision log: the decision, its tenant and when it was tracked (the event's time). */
export interface LoggedDecision extends DecisionEvent {
  tenant_id: string;
  uuid: string;
  tracked_at: Date;
}

/**
 * A decision_outcome_event (SPEC §2.2), read defensively: a number that is missing, not a plain
 * number or a trillion or more is null (the report leaves the outcome out and says so). Its time
 * is when the outcome was recorded.
 */
export interface OutcomeEventRow {
  uuid: string;
  tenant_id: string;
  decision_id: string | null;
  actual_revenue: number | null;
  actual_cost: number | null;
  outcome_status: string | null;
  notes: string | null;
  recorded_at: Date;
}

/** What the decision review reads from an event store: decisions and outcome events up to an instant. */
export interface DecisionLog {
  decisions: LoggedDecision[];
  outcomes: OutcomeEventRow[];
}

/** An event that one of the alert rules may classify (SPEC §8). */
export interface AlertCandidateEvent {
  uuid: string;
  event: string;
  timestamp: Date;
  properties: Record<string, unknown>;
}

/** Event facts of one tenant for one period, as an event store gives them (deduplicated by uuid). */
export interface EventFacts {
  revenue_impact: { negative_total: number; positive_total: number; event_count: number };
  optimization: OptimizationEvent[];
  utilization: { mean_percent: number | null; samples: number };
  /** Events the store left out of the figures above, by why (the brief's data notes count them). */
  excluded: {
    /** revenue_impact_event whose impact_amount is negative or not a number. */
    revenue_impact_invalid_amount: number;
    /** resource_usage_event whose utilization_percentage is not a number from 0 to 100. */
    utilization_out_of_range: number;
  };
  decisions: DecisionEvent[];
  alert_candidates: AlertCandidateEvent[];
  newest_event_at: Date | null;
}
