/**
 * The three sample tenants of `herald demo` and the integration tests: who they are, what they
 * run and pay, and which decisions they took. Only the static facts live here; the day-by-day
 * numbers and events are generated from them by sampleData.ts.
 */

export const NORTHWIND_ID = 'northwind';
export const BLUEPEAK_ID = 'bluepeak';
export const COPPERLEAF_ID = 'copperleaf';
export const SAMPLE_TENANT_IDS = [NORTHWIND_ID, BLUEPEAK_ID, COPPERLEAF_ID] as const;
export type SampleTenantId = (typeof SAMPLE_TENANT_IDS)[number];

/** Days before `now` (local) at which bluepeak's deliverability crisis starts. */
export const BLUEPEAK_CRISIS_DAYS_AGO = 12;
/** Days before `now` (local) at which copperleaf stopped one VPS (it still costs nothing to herald). */
export const COPPERLEAF_STOPPED_DAYS_AGO = 35;

/**
 * A property value with hostile markup, planted once in the events so every view that prints
 * event text (PDF, email, Slack, SMS) is exercised on escaping.
 */
export const HOSTILE_TEXT = 'Review <script>alert(1)</script> & <img src=x onerror=alert(2)>';

export interface SamplePlan { id: string; name: string; price_monthly: number }

export const SAMPLE_PLANS: readonly SamplePlan[] = [
  { id: 'starter', name: 'Starter', price_monthly: 999 },
  { id: 'growth', name: 'Growth', price_monthly: 2999 },
  { id: 'enterprise', name: 'Enterprise', price_monthly: 4999 },
];

export interface SampleSubscription {
  id: string;
  plan_id: string;
  status: 'active' | 'canceled';
  /** Local calendar date the subscription started; payments fall on its day of month. */
  started_on: string;
  /** Day of month of the anniversary; 31 means "the month's last day" in shorter months. */
  anniversary_day: number;
  /** Local time of day of the payment run. */
  pay_hour: number;
  pay_minute: number;
  /** Canceled subscriptions: local days before now of the cancellation. */
  canceled_days_ago?: number;
  /**
   * The payment on the last month-end before now is booked at 23:59:59 local, so a brief that cuts
   * months in UTC instead of the tenant's zone puts it in the wrong month.
   */
  last_month_end_at_235959?: boolean;
}

export interface SampleIp { monthly_cost: number; warmup_progress: number; daily_capacity: number }

export interface SampleVps {
  id: string;
  status: 'active' | 'stopped';
  monthly_cost: number;
  cpu: number;
  memory: number;
  ips: SampleIp[];
}

export interface SampleOutcome {
  /** Local days after decision_date + timeframe that the outcome was recorded (may be negative). */
  recorded_after_due_days: number;
  actual_revenue_impact: number;
  actual_cost_impact: number;
  outcome_status: 'achieved' | 'partial' | 'missed';
  notes: string;
}

export interface SampleDecision {
  /** Omitted on one decision: herald must then use the event's uuid as the decision id. */
  decision_id?: string;
  days_ago: number;
  hour: number;
  /** Hours between the request and the decision; omitted when the requester did not record it. */
  requested_hours_before?: number;
  decision_type: string;
  decision_title: string;
  decision_maker: string;
  expected_revenue_impact: number;
  expected_cost_impact: number;
  outcome_timeframe: string;
  outcome_confidence: 'high' | 'medium' | 'low';
  selected_option: string;
  business_justification: string;
  outcome?: SampleOutcome;
}

export interface SampleTenant {
  id: SampleTenantId;
  name: string;
  timezone: string;
  monthly_budget: number;
  story: string;
  subscriptions: SampleSubscription[];
  vps: SampleVps[];
  /** First three octets of the tenant's SMTP addresses (documentation ranges, RFC 5737). */
  ip_prefix: string;
  /** Emails sent on a typical weekday / weekend day. */
  volume: { weekday: number; weekend: number };
  decisions: SampleDecision[];
  /**
   * Decisions past their review date that nobody has closed (the decision review lists them as
   * awaiting an outcome). Drawn from a random stream of their own, after everything else, so that
   * adding one changes no other sample figure.
   */
  awaiting_decisions?: SampleDecision[];
}

const ip = (monthly_cost: number, warmup_progress: number, daily_capacity: number): SampleIp => ({ monthly_cost, warmup_progress, daily_capacity });

export const SAMPLE_TENANTS: readonly SampleTenant[] = [
  {
    id: NORTHWIND_ID,
    name: 'Northwind Mail Co',
    timezone: 'America/New_York',
    monthly_budget: 3000,
    story: 'Healthy: ~98.5% deliverability, ~1% bounces, reputations good, ~75% gross margin, savings realized and decisions paying off.',
    subscriptions: [
      { id: 'nw-sub-enterprise', plan_id: 'enterprise', status: 'active', started_on: '2024-03-14', anniversary_day: 14, pay_hour: 9, pay_minute: 15 },
      { id: 'nw-sub-growth', plan_id: 'growth', status: 'active', started_on: '2025-01-31', anniversary_day: 31, pay_hour: 18, pay_minute: 30, last_month_end_at_235959: true },
    ],
    vps: [
      { id: 'nw-vps-1', status: 'active', monthly_cost: 420, cpu: 68, memory: 71, ips: [ip(36, 100, 120000), ip(36, 100, 120000), ip(36, 100, 120000)] },
      { id: 'nw-vps-2', status: 'active', monthly_cost: 380, cpu: 61, memory: 64, ips: [ip(36, 100, 110000), ip(36, 100, 110000), ip(36, 100, 110000)] },
      { id: 'nw-vps-3', status: 'active', monthly_cost: 450, cpu: 74, memory: 69, ips: [ip(37, 100, 100000), ip(37, 100, 100000)] },
      { id: 'nw-vps-4', status: 'active', monthly_cost: 350, cpu: 57, memory: 62, ips: [ip(37, 100, 90000), ip(37, 100, 90000), ip(36, 100, 90000)] },
    ],
    ip_prefix: '198.51.100',
    volume: { weekday: 260000, weekend: 115000 },
    decisions: [
      {
        decision_id: 'nw-dec-001', days_ago: 84, hour: 10, requested_hours_before: 30,
        decision_type: 'infrastructure', decision_title: 'Consolidate transactional and marketing IP pools',
        decision_maker: 'CTO', expected_revenue_impact: 40000, expected_cost_impact: 8000, outcome_timeframe: '6 weeks',
        outcome_confidence: 'high', selected_option: 'Merge pools behind one warmed range',
        business_justification: 'Fewer cold IPs, steadier reputation, lower IP spend',
        outcome: { recorded_after_due_days: 2, actual_revenue_impact: 46000, actual_cost_impact: 7500, outcome_status: 'achieved', notes: 'Reputation held at good; IP spend down 12%.' },
      },
      {
        decision_id: 'nw-dec-002', days_ago: 75, hour: 14, requested_hours_before: 52,
        decision_type: 'vendor_selection', decision_title: 'Renew ESP vendor contract at the volume tier',
        decision_maker: 'CFO', expected_revenue_impact: 25000, expected_cost_impact: 5000, outcome_timeframe: '2 months',
        outcome_confidence: 'high', selected_option: 'Two-year renewal with volume discount',
        business_justification: 'Volume grew 30% year on year; the tier discount pays back in one quarter',
        outcome: { recorded_after_due_days: 1, actual_revenue_impact: 27000, actual_cost_impact: 4800, outcome_status: 'achieved', notes: 'Discount applied from the first invoice.' },
      },
      {
        decision_id: 'nw-dec-003', days_ago: 61, hour: 11, requested_hours_before: 20,
        decision_type: 'budget_allocation', decision_title: 'Scale email infrastructure for Q4 peak',
        decision_maker: 'CEO', expected_revenue_impact: 150000, expected_cost_impact: 25000, outcome_timeframe: '3 months',
        outcome_confidence: 'high', selected_option: 'Immediate full-scale deployment',
        business_justification: 'Projected 25% revenue growth over the holiday season requires headroom',
      },
      {
        decision_id: 'nw-dec-004', days_ago: 51, hour: 9, requested_hours_before: 6,
        decision_type: 'deliverability_policy', decision_title: 'Launch re-engagement and sunset policy',
        decision_maker: 'CMO', expected_revenue_impact: 18000, expected_cost_impact: 2000, outcome_timeframe: '6 weeks',
        outcome_confidence: 'medium', selected_option: 'Sunset subscribers inactive for 180 days',
        business_justification: 'Inactive addresses drive bounces and spam traps',
        outcome: { recorded_after_due_days: 1, actual_revenue_impact: 19500, actual_cost_impact: 2100, outcome_status: 'achieved', notes: 'Bounce rate down 0.2 points; opens up 4%.' },
      },
      {
        decision_id: 'nw-dec-005', days_ago: 35, hour: 15, requested_hours_before: 72,
        decision_type: 'pricing', decision_title: HOSTILE_TEXT,
        decision_maker: 'CFO', expected_revenue_impact: 12000, expected_cost_impact: 1000, outcome_timeframe: '4 weeks',
        outcome_confidence: 'medium', selected_option: 'Add a dedicated-IP add-on to the Growth plan',
        business_justification: 'Customers ask for dedicated IPs; margin on the add-on is high',
        outcome: { recorded_after_due_days: 1, actual_revenue_impact: 13200, actual_cost_impact: 900, outcome_status: 'achieved', notes: 'Nine customers took the add-on in its first month.' },
      },
      {
        // No decision_id and no requested_at: herald falls back to the event uuid and skips velocity.
        days_ago: 20, hour: 16,
        decision_type: 'hiring', decision_title: 'Hire a second deliverability analyst',
        decision_maker: 'COO', expected_revenue_impact: 30000, expected_cost_impact: 9000, outcome_timeframe: '3 months',
        outcome_confidence: 'medium', selected_option: 'Full-time hire',
        business_justification: 'One analyst covers 24 tenants; response times are slipping at peak',
      },
      {
        decision_id: 'nw-dec-007', days_ago: 12, hour: 10, requested_hours_before: 10,
        decision_type: 'infrastructure', decision_title: 'Move IP warmup to an automated schedule',
        decision_maker: 'CTO', expected_revenue_impact: 9000, expected_cost_impact: 1500, outcome_timeframe: '2 weeks',
        outcome_confidence: 'high', selected_option: 'Automated ramp with daily caps',
        business_justification: 'Manual warmups cost two engineer-days per new IP',
      },
    ],
    awaiting_decisions: [
      {
        decision_id: 'nw-dec-008', days_ago: 58, hour: 11, requested_hours_before: 36,
        decision_type: 'pricing', decision_title: 'Raise the Growth plan price by 5%',
        decision_maker: 'CFO', expected_revenue_impact: 22000, expected_cost_impact: 1500, outcome_timeframe: '6 weeks',
        outcome_confidence: 'medium', selected_option: 'Raise at renewal, grandfather annual plans',
        business_justification: 'Growth plan priced below comparable ESPs',
      },
    ],
  },
  {
    id: BLUEPEAK_ID,
    name: 'Bluepeak Commerce',
    timezone: 'Europe/Berlin',
    monthly_budget: 2500,
    story: `Deliverability crisis since ~${BLUEPEAK_CRISIS_DAYS_AGO} days ago: a new, unwarmed IP pool took promotional traffic; bounces climbed from ~2% to 16-19%, spam to 2.5%, reputations good→fair→poor, critical alerts and revenue at risk.`,
    subscriptions: [
      { id: 'bp-sub-enterprise', plan_id: 'enterprise', status: 'active', started_on: '2025-06-03', anniversary_day: 3, pay_hour: 10, pay_minute: 5 },
      { id: 'bp-sub-growth', plan_id: 'growth', status: 'canceled', started_on: '2025-02-20', anniversary_day: 20, pay_hour: 10, pay_minute: 5, canceled_days_ago: 45 },
    ],
    vps: [
      { id: 'bp-vps-1', status: 'active', monthly_cost: 480, cpu: 63, memory: 66, ips: [ip(40, 100, 100000), ip(40, 100, 100000), ip(40, 100, 100000)] },
      { id: 'bp-vps-2', status: 'active', monthly_cost: 520, cpu: 71, memory: 74, ips: [ip(40, 100, 100000), ip(40, 100, 100000), ip(40, 100, 100000)] },
      { id: 'bp-vps-3', status: 'active', monthly_cost: 390, cpu: 48, memory: 52, ips: [ip(40, 22, 15000), ip(40, 35, 25000), ip(40, 48, 35000)] },
    ],
    ip_prefix: '203.0.113',
    volume: { weekday: 150000, weekend: 72000 },
    decisions: [
      {
        decision_id: 'bp-dec-001', days_ago: 80, hour: 11, requested_hours_before: 40,
        decision_type: 'infrastructure', decision_title: 'Add a dedicated IP pool for promotional traffic',
        decision_maker: 'CTO', expected_revenue_impact: 60000, expected_cost_impact: 12000, outcome_timeframe: '6 weeks',
        outcome_confidence: 'medium', selected_option: 'Three new IPs on a third VPS',
        business_justification: 'Separate promotional from transactional reputation',
        outcome: { recorded_after_due_days: 2, actual_revenue_impact: 38000, actual_cost_impact: 13500, outcome_status: 'partial', notes: 'Pool live but warmup behind plan.' },
      },
      {
        decision_id: 'bp-dec-002', days_ago: 66, hour: 9, requested_hours_before: 90,
        decision_type: 'deliverability_policy', decision_title: 'Tighten double opt-in for EU signups',
        decision_maker: 'CMO', expected_revenue_impact: 15000, expected_cost_impact: 1000, outcome_timeframe: '4 weeks',
        outcome_confidence: 'high', selected_option: 'Double opt-in on all EU forms',
        business_justification: 'GDPR exposure and spam-trap hits from co-registration lists',
        outcome: { recorded_after_due_days: 0, actual_revenue_impact: 16500, actual_cost_impact: 900, outcome_status: 'achieved', notes: 'Complaint rate halved on new signups.' },
      },
      {
        decision_id: 'bp-dec-003', days_ago: 45, hour: 16, requested_hours_before: 18,
        decision_type: 'infrastructure', decision_title: 'Move promotional sends to the new IP range',
        decision_maker: 'CTO', expected_revenue_impact: 45000, expected_cost_impact: 6000, outcome_timeframe: '4 weeks',
        outcome_confidence: 'high', selected_option: 'Cut over in one step before the holiday campaigns',
        business_justification: 'Protect the transactional pool during peak',
        outcome: { recorded_after_due_days: 9, actual_revenue_impact: -85000, actual_cost_impact: 9000, outcome_status: 'missed', notes: 'The range was not warmed; the cut-over triggered the bounce crisis.' },
      },
      {
        decision_id: 'bp-dec-004', days_ago: 29, hour: 10, requested_hours_before: 120,
        decision_type: 'budget_allocation', decision_title: 'Expand campaigns to the Nordic market',
        decision_maker: 'CEO', expected_revenue_impact: 90000, expected_cost_impact: 30000, outcome_timeframe: '3 months',
        outcome_confidence: 'medium', selected_option: 'Localized campaigns from January',
        business_justification: 'Nordic customers convert 1.4x better than the EU average',
      },
      {
        decision_id: 'bp-dec-005', days_ago: 10, hour: 8, requested_hours_before: 3,
        decision_type: 'infrastructure', decision_title: 'Emergency: pause the new IP pool and re-warm it',
        decision_maker: 'CTO', expected_revenue_impact: 120000, expected_cost_impact: 4000, outcome_timeframe: '2 weeks',
        outcome_confidence: 'medium', selected_option: 'Route promotional traffic back to the warmed pool at reduced volume',
        business_justification: 'Bounce rate above 15% puts the whole sending domain at risk',
      },
      {
        decision_id: 'bp-dec-006', days_ago: 9, hour: 13, requested_hours_before: 26,
        decision_type: 'vendor_selection', decision_title: 'Engage a deliverability consultant',
        decision_maker: 'COO', expected_revenue_impact: 80000, expected_cost_impact: 15000, outcome_timeframe: '6 weeks',
        outcome_confidence: 'low', selected_option: 'Six-week engagement with weekly reviews',
        business_justification: 'Mailbox-provider relationships needed to lift the blocks',
      },
    ],
    awaiting_decisions: [
      {
        decision_id: 'bp-dec-007', days_ago: 40, hour: 15, requested_hours_before: 20,
        decision_type: 'deliverability_policy', decision_title: 'Add seed-list monitoring of inbox placement',
        decision_maker: 'CMO', expected_revenue_impact: 10000, expected_cost_impact: 2500, outcome_timeframe: '4 weeks',
        outcome_confidence: 'medium', selected_option: 'A seed-list service on every campaign',
        business_justification: 'Catch spam-folder placement before the bounce rate does',
      },
    ],
  },
  {
    id: COPPERLEAF_ID,
    name: 'Copperleaf & Sons <Outfitters>',
    timezone: 'Asia/Singapore',
    monthly_budget: 3000,
    story: 'Losing money: VPS and IP costs ($3,982 a month) exceed its recurring revenue (negative margin), an under-used VPS fleet (CPU < 30%) and cold IPs, one stopped VPS, savings of about half its cost identified but not implemented, efficiency scores under 70.',
    subscriptions: [
      { id: 'cl-sub-growth', plan_id: 'growth', status: 'active', started_on: '2025-11-07', anniversary_day: 7, pay_hour: 11, pay_minute: 40 },
    ],
    vps: [
      { id: 'cl-vps-1', status: 'active', monthly_cost: 680, cpu: 12, memory: 28, ips: [ip(48, 55, 40000), ip(48, 40, 30000), ip(48, 25, 20000)] },
      { id: 'cl-vps-2', status: 'active', monthly_cost: 760, cpu: 18, memory: 31, ips: [ip(48, 45, 35000), ip(48, 30, 25000), ip(48, 15, 10000)] },
      { id: 'cl-vps-3', status: 'active', monthly_cost: 610, cpu: 24, memory: 35, ips: [ip(48, 50, 40000), ip(48, 20, 15000)] },
      { id: 'cl-vps-4', status: 'active', monthly_cost: 720, cpu: 9, memory: 22, ips: [ip(48, 35, 25000), ip(48, 18, 12000), ip(48, 28, 20000)] },
      { id: 'cl-vps-5', status: 'active', monthly_cost: 540, cpu: 46, memory: 51, ips: [ip(48, 60, 45000), ip(48, 52, 40000), ip(48, 33, 25000)] },
      { id: 'cl-vps-6', status: 'stopped', monthly_cost: 450, cpu: 0, memory: 0, ips: [ip(48, 40, 30000), ip(48, 20, 15000)] },
    ],
    ip_prefix: '192.0.2',
    volume: { weekday: 42000, weekend: 22000 },
    decisions: [
      {
        decision_id: 'cl-dec-001', days_ago: 88, hour: 15, requested_hours_before: 8,
        decision_type: 'budget_allocation', decision_title: 'Provision two extra VPS for the holiday season',
        decision_maker: 'CEO', expected_revenue_impact: 30000, expected_cost_impact: 9000, outcome_timeframe: '6 weeks',
        outcome_confidence: 'high', selected_option: 'Provision now, ahead of demand',
        business_justification: 'Avoid throttling during holiday campaigns',
        outcome: { recorded_after_due_days: 1, actual_revenue_impact: 6000, actual_cost_impact: 11500, outcome_status: 'missed', notes: 'Demand did not materialize; instances idle below 20% CPU.' },
      },
      {
        decision_id: 'cl-dec-002', days_ago: 70, hour: 10, requested_hours_before: 200,
        decision_type: 'vendor_selection', decision_title: 'Switch the VPS provider plan to reserved instances',
        decision_maker: 'CFO', expected_revenue_impact: 0, expected_cost_impact: -14000, outcome_timeframe: '2 months',
        outcome_confidence: 'medium', selected_option: 'One-year reservation on half the fleet',
        business_justification: 'Reserved pricing is 35% cheaper than on-demand',
        outcome: { recorded_after_due_days: 1, actual_revenue_impact: 0, actual_cost_impact: -6000, outcome_status: 'partial', notes: 'Only two instances were converted before the deadline.' },
      },
      {
        decision_id: 'cl-dec-003', days_ago: 52, hour: 14,
        decision_type: 'infrastructure', decision_title: 'Buy an additional SMTP IP block',
        decision_maker: 'CTO', expected_revenue_impact: 20000, expected_cost_impact: 3500, outcome_timeframe: '4 weeks',
        outcome_confidence: 'medium', selected_option: 'A /29 from the current provider',
        business_justification: 'More IPs for more volume',
        outcome: { recorded_after_due_days: 2, actual_revenue_impact: 4000, actual_cost_impact: 3800, outcome_status: 'missed', notes: 'Volume did not grow; the new IPs are still cold.' },
      },
      {
        decision_id: 'cl-dec-004', days_ago: 33, hour: 11, requested_hours_before: 96,
        decision_type: 'marketing', decision_title: 'Launch a loyalty newsletter',
        decision_maker: 'CMO', expected_revenue_impact: 25000, expected_cost_impact: 4000, outcome_timeframe: '6 weeks',
        outcome_confidence: 'low', selected_option: 'Monthly newsletter to repeat buyers',
        business_justification: 'Repeat buyers spend twice as much',
      },
      {
        decision_id: 'cl-dec-005', days_ago: 15, hour: 17, requested_hours_before: 150,
        decision_type: 'infrastructure', decision_title: 'Right-size the under-used VPS fleet',
        decision_maker: 'CTO', expected_revenue_impact: 0, expected_cost_impact: -16000, outcome_timeframe: '4 weeks',
        outcome_confidence: 'high', selected_option: 'Halve four instances, keep one for peaks',
        business_justification: 'Four instances average under 25% CPU',
      },
    ],
    awaiting_decisions: [
      {
        decision_id: 'cl-dec-006', days_ago: 88, hour: 9, requested_hours_before: 30,
        decision_type: 'budget_allocation', decision_title: 'Consolidate the staging environments',
        decision_maker: 'CTO', expected_revenue_impact: 0, expected_cost_impact: -6000, outcome_timeframe: '6 weeks',
        outcome_confidence: 'high', selected_option: 'One shared staging VPS',
        business_justification: 'Three staging instances idle most of the month',
      },
    ],
  },
];
