/**
 * The cost-optimization report's data object (SPEC §5): one JSON-serialisable value, tenant or
 * portfolio scope, from which the PDF, the email body and the Slack digest are rendered.
 * `herald preview cost-optimization --format json` prints it. Metric names follow SPEC §4
 * (snake_case); rates are fractions (0.12), money is USD, and a figure whose denominator is zero
 * is null (SPEC §9).
 */
import type { CostMetrics, CostOptimization, DataNote, PeriodInfo, Polarity, Recommendation, RiskLevel, Status, TargetCheck, Trend } from '../../report/types.js';

/** One period of the trend (the report's period is the last of them). */
export interface CostTrendPoint {
  label: string;                    // 2026-W47 | 2026-11
  words: string;                    // "Week 47, 16–22 Nov 2026"
  /** A short axis label: "W47" or "Nov 2026". */
  short: string;
  start: string;
  end: string;
  infrastructure_cost: number;
  email_service_cost: number;
  total_cost: number;
  recognized_revenue: number;
  /** Payments collected in the period. */
  cash_collected: number;
  /** (recognized_revenue − total_cost) / recognized_revenue; null with no recognized revenue. */
  gross_margin: number | null;
  /** recognized_revenue − total_cost (negative: losing money). */
  net: number;
  realized_savings: number;
  identified_savings: number;
  emails_delivered: number;
  cost_per_email_delivered: number | null;
  /** Whether anything was recorded in the period (a daily summary, a payment or a savings event). */
  has_activity: boolean;
}

/** A figure against the previous period (SPEC §3), as the executive summary's KPIs compare (a KPI card). */
export interface CostChange {
  key: 'total_cost' | 'recognized_revenue' | 'gross_margin' | 'realized_savings';
  label: string;
  value: number | null;
  unit: 'usd' | 'ratio';
  polarity: Polarity;
  status: Status;
  trend: Trend;
  target: string | null;
  target_met: boolean | null;
}

/** An IP address on an instance, with its share of the period's cost. */
export interface IpCostLine {
  id: string;
  ip: string;
  monthly_cost: number | null;
  period_cost: number;
  warmup_progress: number | null;   // fraction 0–1
  daily_capacity: number | null;
  counted: boolean;                 // on an active instance
}

/** A VPS instance with its cost and how much of it is used. */
export interface InstanceCostLine {
  id: string;
  status: string;
  /** Active instances cost money (SPEC §4); the others are listed, not counted. */
  counted: boolean;
  monthly_cost: number | null;
  period_cost: number;
  /** Its IPs' cost in the period (counted only for an active instance). */
  ips_period_cost: number;
  cpu_utilization: number | null;     // fraction 0–1
  memory_utilization: number | null;  // fraction 0–1
  /** Below the right-sizing line (SPEC §4: average CPU under 30%). */
  underused: boolean;
  ips: IpCostLine[];
}

export interface CostBreakdown {
  instances: InstanceCostLine[];
  active_instances: number;
  ip_addresses: number;
  /** Mean emails sent per day of the period (days with a summary) over the daily capacity of the counted IPs; null without capacity or sends. */
  sending_capacity_used: number | null;
  daily_capacity: number;
  mean_daily_sent: number | null;
}

/**
 * Budget against actual (tenants.monthly_budget), for the month the period ends in. The
 * projection is the run-rate of the days elapsed: month-to-date cost ÷ days elapsed × days in the
 * month; for a month that is over it is the actual.
 */
export interface BudgetView {
  monthly_budget: number | null;
  month: string;                     // 2026-11
  month_words: string;               // "November 2026"
  days_in_month: number;
  /** The month's days up to and including the period's last. */
  days_elapsed: number;
  month_complete: boolean;
  /** Cost of the month's days elapsed. */
  actual_to_date: number;
  /** The budget prorated over the days elapsed, as costs are. */
  budget_to_date: number | null;
  projected_month_end: number;
  projection_method: string;
  /** projected_month_end / monthly_budget; null without a budget. */
  projected_vs_budget: number | null;
  /** projected − budget (positive: over). */
  projected_over_budget: number | null;
  status: Status;
}

/** A rule-based recommendation with the resources it names. */
export interface CostRecommendation extends Recommendation {
  /** VPS ids, IP ids or a savings category, as the rule names them. */
  resources: string[];
  /** How the estimated saving was computed. */
  basis: string;
}

export interface CostOptimizationTenantData {
  report: 'cost-optimization';
  schema_version: 1;
  scope: 'tenant';
  tenant: { id: string; name: string; timezone: string };
  period: PeriodInfo;
  previous_period: PeriodInfo;
  generated_at: string;
  has_data: boolean;
  data_freshness: { newest_summary_date: string | null; newest_event_at: string | null };
  headline: string;
  headline_level: RiskLevel;
  /** The period's costs and margins (SPEC §4 Cost). */
  cost: CostMetrics;
  margin_status: Status;
  /** SPEC §4: gross margin target (0.7). */
  margin_target: number;
  targets: { gross_margin: TargetCheck; savings_rate: TargetCheck };
  changes: CostChange[];
  /** The last six periods of the kind, oldest first; the report's period is the last. */
  trend: CostTrendPoint[];
  /** What the trend's costs and revenue rest on (the business database keeps no history of them). */
  trend_basis: string;
  breakdown: CostBreakdown;
  savings: CostOptimization;
  budget: BudgetView;
  recommendations: CostRecommendation[];
  /** Sum of the recommendations' estimated monthly savings. */
  recommended_monthly_saving: number;
  data_notes: DataNote[];
}

/** One tenant's line in the portfolio ranking. */
export interface PortfolioTenantLine {
  rank: number;
  tenant_id: string;
  name: string;
  total_cost: number;
  recognized_revenue: number;
  cash_collected: number;
  gross_margin: number | null;
  net: number;
  losing_money: boolean;
  monthly_total_cost: number;
  monthly_budget: number | null;
  /** The month-end projection against the budget (as BudgetView), null without a budget. */
  projected_vs_budget: number | null;
  realized_savings: number;
  identified_savings: number;
  recommended_monthly_saving: number;
  margin_status: Status;
}

/** A savings opportunity of one tenant (one of its recommendations with a saving). */
export interface PortfolioOpportunity {
  tenant_id: string;
  tenant_name: string;
  rule: string;
  title: string;
  detail: string;
  resources: string[];
  estimated_monthly_saving: number;
  priority: Recommendation['priority'];
}

export interface PortfolioTotals {
  tenants: number;
  tenants_losing_money: number;
  tenants_over_budget: number;
  infrastructure_cost: number;
  email_service_cost: number;
  total_cost: number;
  monthly_total_cost: number;
  recognized_revenue: number;
  mrr: number;
  cash_collected: number;
  gross_margin: number | null;
  net: number;
  realized_savings: number;
  identified_savings: number;
  recommended_monthly_saving: number;
}

export interface CostOptimizationPortfolioData {
  report: 'cost-optimization';
  schema_version: 1;
  scope: 'portfolio';
  /** The portfolio is no tenant: its name is the platform's ("All tenants"). */
  tenant: null;
  portfolio: { name: string; timezone: string };
  period: PeriodInfo;
  previous_period: PeriodInfo;
  generated_at: string;
  has_data: boolean;
  data_freshness: { newest_summary_date: string | null; newest_event_at: string | null };
  headline: string;
  headline_level: RiskLevel;
  totals: PortfolioTotals;
  margin_status: Status;
  margin_target: number;
  changes: CostChange[];
  trend: CostTrendPoint[];
  trend_basis: string;
  /** Every tenant, ranked by gross margin (see ranking_order). */
  ranking: PortfolioTenantLine[];
  ranking_order: string;
  /** The ranking's tenants that lose money (net < 0), in ranking order. */
  losing_money: PortfolioTenantLine[];
  /** The ten largest savings opportunities across tenants, largest first. */
  opportunities: PortfolioOpportunity[];
  data_notes: DataNote[];
}

export type CostOptimizationData = CostOptimizationTenantData | CostOptimizationPortfolioData;
