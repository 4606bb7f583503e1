/**
 * The report data object (SPEC §5): one JSON-serialisable value from which the PDF, the email
 * body, the Slack digest and the SMS are rendered. `herald preview --format json` prints it.
 * Metric names follow SPEC §4 (snake_case); rates are fractions (0.12), money is USD, and a
 * metric whose denominator is zero is null.
 */

export type PeriodKind = 'day' | 'week' | 'month';
export type Direction = 'improving' | 'stable' | 'declining';
export type Polarity = 'higher_is_better' | 'lower_is_better';
/**
 * The one severity scale of the report (SPEC §4 risk levels): deliverability risk, KPI statuses,
 * business health and the headline all say ok, monitor, warning or critical, in one colour each.
 */
export type RiskLevel = 'ok' | 'monitor' | 'warning' | 'critical';
export type Severity = 'critical' | 'high' | 'medium';
/** A status on the severity scale, or `neutral`: not rated (no target, or nothing measured). */
export type Status = RiskLevel | 'neutral';

export interface PeriodInfo {
  kind: PeriodKind;
  label: string;        // 2026-11-21 | 2026-W47 | 2026-11
  start: string;        // ISO 8601 with the local offset, inclusive
  end: string;          // ISO 8601 with the local offset, exclusive
  timezone: string;     // IANA
  words: string;        // "Week 47, 16–22 Nov 2026"; a partial one adds ", to date (until Wed 2 Dec, 14:05)"
  /** Only on a period cut before it was over (`--to-date`). */
  to_date?: true;
}

/**
 * A KPI against the previous period of the same kind (SPEC §3). Rates change in percentage
 * points, amounts in percent (costs and revenue as a rate per local day, each day weighted as its
 * share of its month, so a 31-day month or a day of one is not a 3% fall), 0–100 scores in points.
 */
export interface Trend {
  /** The previous period's value, as it was (not rescaled). */
  previous: number | null;
  /** 'pp': percentage points (rates); 'pct': percent (amounts); 'pts': points (0–100 scores). */
  unit: 'pp' | 'pct' | 'pts';
  /** Signed change in `unit` (4.2 for +4.2 pp); null when not comparable, or `new`. */
  change: number | null;
  /** 'new': from zero to a value (no percent of zero); 'change': compared; null: a side is missing. */
  kind: 'change' | 'new' | null;
  /** With the KPI's polarity; `stable` inside the stable band; null when `kind` is null. */
  direction: Direction | null;
}

/** A figure's target and whether the period met it (null: nothing to judge). */
export interface TargetCheck {
  target: string;                 // "> 95%", "< 5%", "10–15%"
  met: boolean | null;
  polarity: Polarity;             // a miss is "below target" when higher is better, else "above target"
}

export interface Kpi {
  key: string;                    // metric name from SPEC §4
  label: string;
  value: number | null;
  unit: 'usd' | 'ratio' | 'score' | 'count' | 'hours';
  polarity: Polarity;
  /** On the severity scale; neutral when the KPI has no target or no value. */
  status: Status;
  trend: Trend;
  target: string | null;          // "> 70%"
  /** Whether the value meets `target`; null without a target or a value. */
  target_met: boolean | null;
}

export interface RevenueProtection {
  emails_sent: number;
  emails_delivered: number;
  emails_bounced: number;
  emails_spam: number;
  deliverability_rate: number | null;
  bounce_rate: number | null;
  spam_rate: number | null;
  revenue_at_risk: number;
  risk_level: RiskLevel | null;     // null when nothing was sent
  /**
   * SPEC §4: the worst of the risk levels of the period's last min(3, days) local days and of any
   * critical deliverability alert still open at the period's end; null when neither says anything.
   */
  risk_level_now: RiskLevel | null;
  /** What made risk_level_now. */
  risk_now: RiskNow;
  ip_reputation: string | null;
  domain_reputation: string | null;
  revenue_protection_rate: number | null;
  /**
   * Critical and high deliverability alerts that fired in the period; null when Herald did not
   * record the period's alerts (then the rate is null too: no acknowledgement is known).
   */
  alerts_considered: number | null;
}

export interface RiskNow {
  /** The local days read: the period's last min(3, days). */
  days: string[];
  /** The worst risk level of those days that had sends; null when none had. */
  days_level: RiskLevel | null;
  /**
   * The rate that put the latest of those days at `days_level` ('bounce_rate' before
   * 'spam_rate'), its value that day and the line it is above; null when days_level is ok or null.
   */
  metric: 'bounce_rate' | 'spam_rate' | null;
  value: number | null;
  threshold: number | null;
  /** The latest of the days read that reached days_level (when days_level is above ok). */
  on: string | null;
  /**
   * First local day of the unbroken run of days at days_level or worse that ends on `on`, looking
   * back up to 31 days from the period's end (days without sends neither break nor extend it).
   */
  since: string | null;
  /** `on` is the latest day with sends: the state still holds at the period's end. */
  ongoing: boolean;
  /** Critical deliverability alerts open at the period's end (Herald's records); null when the alerts are derived from the events. */
  open_critical_alerts: number | null;
  /** When the earliest of those first fired (ISO); null when none. */
  open_critical_since: string | null;
}

export interface RevenueImpact {
  negative_total: number;
  positive_total: number;
  business_performance_score: number | null;
  event_count: number;
}

export interface CostMetrics {
  infrastructure_cost: number;
  email_service_cost: number;
  total_cost: number;
  /** The running monthly cost of what is active now (the rate total_cost is prorated from). */
  monthly_total_cost: number;
  /** Payments collected in the period ("cash collected"); margins do not read it. */
  revenue: number;
  mrr: number;
  /** mrr prorated by day exactly as costs are (a calendar month gets exactly mrr). */
  recognized_revenue: number;
  /** (recognized_revenue − total_cost) / recognized_revenue. */
  gross_margin: number | null;
  /** total_cost / delivered (shown per 1,000 emails). */
  cost_per_email_delivered: number | null;
  /** recognized_revenue / total_cost. */
  efficiency_ratio: number | null;
}

export interface SavingsByCategory {
  category: string;
  realized: number;
  identified: number;
  /** Part of `identified` from events each larger than the tenant's monthly total cost (flagged). */
  identified_flagged: number;
}

export interface CostOptimization {
  realized_savings: number;
  /** Every identified saving the events report, flagged ones included. */
  identified_savings: number;
  /**
   * Identified savings from events each larger than the tenant's monthly total cost: flagged, and
   * never presented as a monthly saving (the recommendations leave them out).
   */
  identified_flagged: { count: number; total: number; amounts: number[] };
  by_category: SavingsByCategory[];
  average_roi: number | null;
  implemented_baseline_cost: number;
  savings_rate: number | null;
  /** Events left out (SPEC §4): savings negative or not a number, or larger than their baseline cost. */
  excluded_events: { invalid_amount: number; above_baseline: number };
}

export interface EfficiencyComponent {
  name: 'deliverability' | 'cost_efficiency' | 'utilization' | 'response_time';
  label: string;
  value: number | null;             // 0–100; null = missing, dropped from the score
  weight: number;                   // nominal weight (0.3, 0.3, 0.2, 0.2)
  effective_weight: number;         // after rescaling over the present components
}

export interface OperationalEfficiency {
  resource_utilization: number | null;   // fraction 0–1 (mean utilization_percentage / 100)
  efficiency_score: number | null;
  components: EfficiencyComponent[];
  missing_components: string[];
}

export interface BusinessHealth {
  business_health: number | null;
  /** From the worse of risk_level and risk_level_now. */
  revenue_health: number | null;
  cost_efficiency: number | null;
  efficiency_score: number | null;
  /** The score's band (≥ 80 ok, ≥ 70 monitor, ≥ 60 warning, else critical), never better than the deliverability risk now or over the period. */
  status: Status;
}

export interface DecisionsTracked {
  decisions_tracked: number;
  by_type: { decision_type: string; count: number }[];
  decision_velocity_hours: number | null;
  velocity_samples: number;
  items: { decision_id: string; title: string; decision_type: string; decision_date: string; expected_revenue_impact: number | null; expected_cost_impact: number | null }[];
}

/**
 * An alert of the period (SPEC §5). From Herald's records (`source: 'alert'`): one line per
 * alert, with its reply code, who acknowledged it and when it resolved. For a period before
 * Herald recorded alerts (`source: 'event'`), derived from the events after the fact, grouped by
 * rule and severity (a crisis is one line, not forty): nothing is known of acknowledgements, so
 * `state`, `code` and the instants below are null.
 */
export interface AlertItem {
  rule: string;
  severity: Severity;               // records: the worst severity reached while open
  occurred_at: string;              // records: when it first fired; derived: first occurrence in the period (ISO)
  last_at?: string;                 // derived: last occurrence when count > 1
  count?: number;                   // derived: events folded into this line
  summary: string;                  // e.g. "Bounce rate 17.0% is above the 15% critical threshold; $112 of revenue at risk."
  source: 'event' | 'alert';
  state: AlertState | null;         // as recorded when the brief was made; null when derived
  code: string | null;              // the reply code ("ACK 4821")
  fired_at: string | null;          // when it first fired (ISO)
  acknowledged_at: string | null;   // null: not acknowledged (a re-alert clears an earlier acknowledgement)
  acknowledged_by: string | null;   // "Nora Chen (SMS)"
  resolved_at: string | null;       // null: still open when the brief was made
}

export type AlertState = 'pending' | 'firing' | 'acknowledged' | 'resolved';

/** Where a brief's alerts come from: Herald's alert records, or derived from the events. */
export interface AlertsSource {
  /** `records` when Herald recorded alerts from the period's start on; otherwise `derived`. */
  kind: 'records' | 'derived';
  /** When Herald began recording alerts (ISO), or null when it never has. */
  recorded_from: string | null;
  /** What a reader is told when the alerts are derived; null for records. */
  note: string | null;
}

export interface Recommendation {
  rule: string;                     // which rule produced it, e.g. 'right-size-vps'
  title: string;
  detail: string;
  estimated_monthly_saving: number | null;
  priority: 'high' | 'medium' | 'low';
}

/** One line at the end of the brief: events left out, or figures flagged, and why. */
export interface DataNote {
  code: 'optimization-invalid-amount' | 'optimization-above-baseline' | 'identified-above-monthly-cost' | 'revenue-impact-invalid-amount' | 'utilization-out-of-range';
  count: number;
  text: string;
}

/** Which rule made the headline (see src/report/headline.ts). */
export type HeadlineRule = 'no-data' | 'critical-now' | 'losing-money' | 'warning-now' | 'largest-change' | 'steady' | 'no-comparison';

export interface DailyPoint {
  date: string;                     // local calendar date
  emails_sent: number;
  deliverability_rate: number | null;
  bounce_rate: number | null;
  spam_rate: number | null;
  total_cost: number;
  revenue: number;
}

/**
 * One local day of the trend window: the days the charts draw, the period's own highlighted
 * (SPEC §5: a daily brief shows the trailing 14 days, not one dot).
 */
export interface TrendDay {
  date: string;                     // local calendar date
  /** The day is in the brief's period; the others are the days before it. */
  in_period: boolean;
  /** null: no daily summary for the day. */
  emails_sent: number | null;
  deliverability_rate: number | null;
  bounce_rate: number | null;
  spam_rate: number | null;
  /** Payments collected that day; null on a day whose payments were not read (before the previous period). */
  cash_collected: number | null;
}

/** The days the charts draw: at least the trailing 14 local days ending with the period's last, or the period's own days when longer. */
export interface TrendWindow {
  first: string;
  last: string;
  /** "18 Nov – 1 Dec 2026"; the period's words when the window is the period. */
  words: string;
  /** Whether the window holds days before the period (then the period is highlighted in it). */
  extends_period: boolean;
  days: TrendDay[];
}

export interface ExecutiveSummaryData {
  report: 'executive-summary';
  schema_version: 1;
  tenant: { id: string; name: string; timezone: string };
  period: PeriodInfo;
  previous_period: PeriodInfo;
  generated_at: string;
  has_data: boolean;
  data_freshness: { newest_summary_date: string | null; newest_event_at: string | null };
  /** SPEC §4: one sentence, made by rules from this object, naming the one thing to know first. */
  headline: string;
  headline_rule: HeadlineRule;
  /** The headline's place on the severity scale (its colour). */
  headline_level: RiskLevel;
  health: BusinessHealth;
  kpis: Kpi[];
  /** Directions of recognized revenue, total cost and the efficiency score (as their KPIs). */
  trends: { revenue: Direction | null; cost: Direction | null; efficiency: Direction | null };
  /** Targets of figures shown outside the KPI cards, and whether the period met them. */
  targets: {
    revenue_protection_rate: TargetCheck;
    gross_margin: TargetCheck;
    savings_rate: TargetCheck;
    decision_velocity_hours: TargetCheck;
  };
  revenue_protection: RevenueProtection;
  revenue_impact: RevenueImpact;
  cost: CostMetrics;
  cost_optimization: CostOptimization;
  efficiency: OperationalEfficiency;
  decisions: DecisionsTracked;
  /** Critical and high alerts of the period (shown as "Critical and high alerts"), most severe first, then by time. */
  critical_alerts: AlertItem[];
  /** Medium alerts of the period (no immediate message was sent: they are listed here), by time. */
  medium_alerts: AlertItem[];
  /** Medium alerts: one per record; derived, the events folded into medium_alerts (sum of their counts). */
  medium_alert_count: number;
  alerts_source: AlertsSource;
  recommended_actions: Recommendation[];
  /** Events left out and figures flagged, one line each (SPEC §5 "data notes"); empty when none. */
  data_notes: DataNote[];
  daily: DailyPoint[];
  /** The charts' days: the period with the days before it (see TrendWindow). */
  trend_window: TrendWindow;
  thresholds: {
    bounce_rate: { monitor: number; warning: number; critical: number };
    spam_rate: { monitor: number; warning: number; critical: number };
    /** The stable bands of the trends (SPEC §3), as the brief explains them. */
    trend_stable: { amount_pct: number; bounce_spam_pp: number; other_rates_pp: number; score_points: number };
  };
}
