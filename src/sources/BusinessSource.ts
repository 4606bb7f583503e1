import type { Db } from '../db/Db.js';
import type { InstantRange } from './EventStore.js';
import type { DailySummaryRow, IpRow, PaymentRow, SubscriptionRow, TenantRow, VpsRow } from './types.js';

/**
 * Read-only queries on the platform's business database (SPEC §2.1). Each table is aggregated
 * on its own: joining payments, instances and IPs in one query multiplies rows.
 * Every value is a bound parameter.
 */
export class BusinessSource {
  constructor(private readonly db: Db) {}

  async tenant(id: string): Promise<TenantRow | null> {
    const { rows } = await this.db.query<TenantRow>(
      `SELECT id, name, timezone, monthly_budget::float8 AS monthly_budget FROM tenants WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async tenants(): Promise<TenantRow[]> {
    return (await this.db.query<TenantRow>(
      `SELECT id, name, timezone, monthly_budget::float8 AS monthly_budget FROM tenants ORDER BY id`)).rows;
  }

  /** Daily summaries whose calendar date is one of [firstDay, lastDay]. */
  async dailySummaries(tenantId: string, firstDay: string, lastDay: string): Promise<DailySummaryRow[]> {
    return (await this.db.query<DailySummaryRow>(
      `SELECT tracking_date::text AS date, emails_sent, emails_delivered, emails_bounced, emails_spam,
              ip_reputation, domain_reputation
         FROM deliverability_daily_summary
        WHERE tenant_id = $1 AND tracking_date BETWEEN $2::date AND $3::date
        ORDER BY tracking_date`, [tenantId, firstDay, lastDay])).rows;
  }

  async newestSummaryDate(tenantId: string): Promise<string | null> {
    const { rows } = await this.db.query<{ d: string | null }>(
      `SELECT max(tracking_date)::text AS d FROM deliverability_daily_summary WHERE tenant_id = $1`, [tenantId]);
    return rows[0]?.d ?? null;
  }

  async vpsInstances(tenantId: string): Promise<VpsRow[]> {
    return (await this.db.query<VpsRow>(
      `SELECT id, status, approximate_cost::float8 AS monthly_cost, cpu_utilization::float8 AS cpu_utilization,
              memory_utilization::float8 AS memory_utilization
         FROM vps_instances WHERE tenant_id = $1 ORDER BY id`, [tenantId])).rows;
  }

  async ipAddresses(tenantId: string): Promise<IpRow[]> {
    return (await this.db.query<IpRow>(
      `SELECT id, vps_instance_id, host(ip) AS ip, approximate_cost::float8 AS monthly_cost,
              warmup_progress::float8 AS warmup_progress, daily_capacity
         FROM smtp_ip_addresses
        WHERE vps_instance_id IN (SELECT id FROM vps_instances WHERE tenant_id = $1)
        ORDER BY id`, [tenantId])).rows;
  }

  /** Payments of the tenant's subscriptions paid in [start, end), with their local calendar date. */
  async payments(tenantId: string, range: InstantRange, timezone: string): Promise<PaymentRow[]> {
    return (await this.db.query<PaymentRow>(
      `SELECT id, amount::float8 AS amount, paid_at, (paid_at AT TIME ZONE $4)::date::text AS date
         FROM payments
        WHERE subscription_id IN (SELECT id FROM subscriptions WHERE tenant_id = $1)
          AND paid_at >= $2 AND paid_at < $3
        ORDER BY paid_at, id`, [tenantId, range.start, range.end, timezone])).rows;
  }

  /**
   * Each budgeted tenant's running monthly cost (SPEC §8 cost overrun): its active VPS instances
   * and the IP addresses on them, each table aggregated on its own.
   */
  async monthlyCostsAgainstBudget(): Promise<{ tenant_id: string; monthly_budget: number; monthly_cost: number }[]> {
    return (await this.db.query<{ tenant_id: string; monthly_budget: number; monthly_cost: number }>(
      `SELECT t.id AS tenant_id, t.monthly_budget::float8 AS monthly_budget,
              (coalesce((SELECT sum(v.approximate_cost) FROM vps_instances v WHERE v.tenant_id = t.id AND v.status = 'active'), 0)
             + coalesce((SELECT sum(i.approximate_cost) FROM smtp_ip_addresses i JOIN vps_instances v ON v.id = i.vps_instance_id
                          WHERE v.tenant_id = t.id AND v.status = 'active'), 0))::float8 AS monthly_cost
         FROM tenants t WHERE t.monthly_budget > 0 ORDER BY t.id`, [])).rows;
  }

  async subscriptions(tenantId: string): Promise<SubscriptionRow[]> {
    return (await this.db.query<SubscriptionRow>(
      `SELECT s.id, s.status, p.name AS plan_name, p.price_monthly::float8 AS price_monthly
         FROM subscriptions s JOIN plans p ON p.id = s.plan_id
        WHERE s.tenant_id = $1 ORDER BY s.id`, [tenantId])).rows;
  }
}
