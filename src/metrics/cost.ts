import type { CostMetrics } from '../report/types.js';
import type { IpRow, PaymentRow, SubscriptionRow, VpsRow } from '../sources/types.js';
import { daysInMonth, prorateMonthly } from '../time/periods.js';
import { ratio } from './trend.js';

/** VPS instances that cost money now. The source has no status history, so today's status applies to the whole period. */
export function activeInstances(vps: VpsRow[]): VpsRow[] {
  return vps.filter((v) => v.status === 'active');
}

/**
 * Cost and margin of one tenant over a period's local days (SPEC §4). Each table arrives
 * aggregated on its own (no join fan-out); monthly USD costs are prorated day by day, and so is
 * the MRR: recognized revenue, which the margin reads. Payments (`revenue`, cash collected) land
 * on their dates: a week without one, or a day with one, must not swing the margin.
 */
export function computeCost(
  input: { vps: VpsRow[]; ips: IpRow[]; payments: PaymentRow[]; subscriptions: SubscriptionRow[]; delivered: number },
  days: string[],
): CostMetrics {
  const active = activeInstances(input.vps);
  const activeIds = new Set(active.map((v) => v.id));
  const vpsMonthly = active.reduce((sum, v) => sum + (v.monthly_cost ?? 0), 0);
  const ipMonthly = input.ips.filter((ip) => activeIds.has(ip.vps_instance_id)).reduce((sum, ip) => sum + (ip.monthly_cost ?? 0), 0);
  const infrastructure_cost = prorateMonthly(vpsMonthly, days);
  const email_service_cost = prorateMonthly(ipMonthly, days);
  const total_cost = cents(infrastructure_cost + email_service_cost);
  const revenue = cents(input.payments.reduce((sum, p) => sum + p.amount, 0));
  const mrr = cents(input.subscriptions.filter((s) => s.status === 'active').reduce((sum, s) => sum + s.price_monthly, 0));
  const recognized_revenue = prorateMonthly(mrr, days);
  return {
    infrastructure_cost,
    email_service_cost,
    total_cost,
    monthly_total_cost: cents(vpsMonthly + ipMonthly),
    revenue,
    mrr,
    recognized_revenue,
    gross_margin: ratio(recognized_revenue - total_cost, recognized_revenue),
    cost_per_email_delivered: ratio(total_cost, input.delivered),
    efficiency_ratio: ratio(recognized_revenue, total_cost),
  };
}

export function cents(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The monthly rate behind a cost prorated over `days` (inverse of prorateMonthly); 0 for no days. */
export function monthlyRateOf(periodCost: number, days: string[]): number {
  const monthShare = days.reduce((sum, d) => sum + 1 / daysInMonth(d), 0);
  return monthShare > 0 ? periodCost / monthShare : 0;
}
