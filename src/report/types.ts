/**
 * The report data object (SPEC §5): one JSON-serialisable value from which the PDF, the email
 * body, the Slack digest and the SMS are rendered. `herald preview --format json` prints it.
 * Metric names follow SPEC §4 (snake_case); rates are fractions (0.12), money is USD, and a
 * metric whose denominator is zero is null.
 */

export type PeriodKind = 'day' | 'week' | 'month';
export type Direction = 'improving' | 'stable' | 'declining';
export type Polarity = 'higher_is_better' | 'lower_is_better';
export type RiskLevel = 'ok' | 'monitor' | 'warning' | 'critical';
export type Severity = 'critical' | 'high' | 'medium';
export type Status = 'good' | 'warning' | 'critical' | 'neutral';

export interface PeriodInfo {
  kind: PeriodKind;
  label: string;        // 2026-11-21 | 2026-W47 | 2026-11
  start: string;        // ISO 8601 with the local offset, inclusive
  end: string;          // ISO 8601 with the local offset, exclusive
  timezone: string;     // IANA
  words: string;        // "Week 47, 16–22 Nov 2026"
}

export interface Trend {
  previous: number | null;
  change_pct: number | null;      // percent, e.g. -12.5
  direction: Direction | null;    // null when either side is null
}

export interface Kpi {
  key: string;                    // metric name from SPEC §4
  label: string;
  value: number | null;
  unit: 'usd' | 'ratio' | 'score' | 'count' | 'hours';
  polarity: Polarity;
  status: Status;
  trend: Trend;
  target?: string;                // "> 70%"
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
  ip_reputation: string | null;
  domain_reputation: string | null;
  revenue_protection_rate: number | null;
  /**
   * Critical and high deliverability alerts that fired in the period; null when Herald did not
   * record the period's alerts (then the rate is null too: no acknowledgement is known).
   */
  alerts_considered: number | null;
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
  revenue: number;
  mrr: number;
  gross_margin: number | null;
  cost_per_email_delivered: number | null;
  efficiency_ratio: number | null;
}

export interface SavingsByCategory { category: string; realized: number; identified: number }

export interface CostOptimization {
  realized_savings: number;
  identified_savings: number;
  by_category: SavingsByCategory[];
  average_roi: number | null;
  implemented_baseline_cost: number;
  savings_rate: number | null;
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
  revenue_health: number | null;
  cost_efficiency: number | null;
  efficiency_score: number | null;
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

export interface DailyPoint {
  date: string;                     // local calendar date
  emails_sent: number;
  deliverability_rate: number | null;
  bounce_rate: number | null;
  spam_rate: number | null;
  total_cost: number;
  revenue: number;
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
  health: BusinessHealth;
  kpis: Kpi[];
  trends: { revenue: Direction | null; cost: Direction | null; efficiency: Direction | null };
  revenue_protection: RevenueProtection;
  revenue_impact: RevenueImpact;
  cost: CostMetrics;
  cost_optimization: CostOptimization;
  efficiency: OperationalEfficiency;
  decisions: DecisionsTracked;
  /** Critical and high alerts of the period, most severe first, then by time. */
  critical_alerts: AlertItem[];
  /** Medium alerts of the period (no immediate message was sent: they are listed here), by time. */
  medium_alerts: AlertItem[];
  /** Medium alerts: one per record; derived, the events folded into medium_alerts (sum of their counts). */
  medium_alert_count: number;
  alerts_source: AlertsSource;
  recommended_actions: Recommendation[];
  daily: DailyPoint[];
  thresholds: { bounce_rate: { monitor: number; warning: number; critical: number }; spam_rate: { monitor: number; warning: number; critical: number } };
}
