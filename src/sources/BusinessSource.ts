import type { Db } from '../db/Db.js';
import type { InstantRange } from './EventStore.js';
import type { DailySummaryRow, IpRow, PaymentRow, SubscriptionRow, TenantRow, VpsRow } from './types.js';

/** A row of a set-based read: which tenant it belongs to. */
export type OfTenant<T> = T & { tenant_id: string };
/** A calendar-date range, both ends included. */
export interface DayRange { first: string; last: string }

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

  // ---- set-based reads (the cost-optimization report, tenant and portfolio scope) -------------
  // One query per table for any number of tenants, grouped by tenant: a portfolio of 1,000
  // tenants costs as many queries as one tenant. The tenant ids are one bound array parameter.

  /** These tenants (unknown ids are skipped), by id. */
  async tenantsByIds(ids: readonly string[]): Promise<TenantRow[]> {
    return (await this.db.query<TenantRow>(
      `SELECT id, name, timezone, monthly_budget::float8 AS monthly_budget FROM tenants WHERE id = ANY($1::text[]) ORDER BY id`, [ids])).rows;
  }

  async vpsInstancesOf(ids: readonly string[]): Promise<OfTenant<VpsRow>[]> {
    return (await this.db.query<OfTenant<VpsRow>>(
      `SELECT tenant_id, id, status, approximate_cost::float8 AS monthly_cost, cpu_utilization::float8 AS cpu_utilization,
              memory_utilization::float8 AS memory_utilization
         FROM vps_instances WHERE tenant_id = ANY($1::text[]) ORDER BY tenant_id, id`, [ids])).rows;
  }

  async ipAddressesOf(ids: readonly string[]): Promise<OfTenant<IpRow>[]> {
    return (await this.db.query<OfTenant<IpRow>>(
      `SELECT v.tenant_id, i.id, i.vps_instance_id, host(i.ip) AS ip, i.approximate_cost::float8 AS monthly_cost,
              i.warmup_progress::float8 AS warmup_progress, i.daily_capacity
         FROM smtp_ip_addresses i JOIN vps_instances v ON v.id = i.vps_instance_id
        WHERE v.tenant_id = ANY($1::text[]) ORDER BY v.tenant_id, i.id`, [ids])).rows;
  }

  async subscriptionsOf(ids: readonly string[]): Promise<OfTenant<SubscriptionRow>[]> {
    return (await this.db.query<OfTenant<SubscriptionRow>>(
      `SELECT s.tenant_id, s.id, s.status, p.name AS plan_name, p.price_monthly::float8 AS price_monthly
         FROM subscriptions s JOIN plans p ON p.id = s.plan_id
        WHERE s.tenant_id = ANY($1::text[]) ORDER BY s.tenant_id, s.id`, [ids])).rows;
  }

  /**
   * Payments of each tenant's subscriptions in each range [start, end), summed: `range` is the
   * range's index (0-based). A tenant and range without payments has no row.
   */
  async paymentTotals(ids: readonly string[], ranges: readonly InstantRange[]): Promise<{ tenant_id: string; range: number; amount: number; payments: number }[]> {
    if (ranges.length === 0) return [];
    return (await this.db.query<{ tenant_id: string; range: number; amount: number; payments: number }>(
      `SELECT s.tenant_id, (r.i - 1)::int AS range, sum(p.amount)::float8 AS amount, count(*)::int AS payments
         FROM payments p
         JOIN subscriptions s ON s.id = p.subscription_id
         JOIN unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS r(start_at, end_at, i)
           ON p.paid_at >= r.start_at AND p.paid_at < r.end_at
        WHERE s.tenant_id = ANY($1::text[])
          AND p.paid_at >= (SELECT min(x) FROM unnest($2::timestamptz[]) x)
          AND p.paid_at < (SELECT max(x) FROM unnest($3::timestamptz[]) x)
        GROUP BY s.tenant_id, r.i
        ORDER BY s.tenant_id, r.i`, [ids, ranges.map((r) => r.start), ranges.map((r) => r.end)])).rows;
  }

  /**
   * Daily summaries of each tenant summed over each range of calendar dates (both ends
   * included): `days` is how many daily summaries the range holds. No row without any.
   */
  async deliveryTotals(ids: readonly string[], ranges: readonly DayRange[]): Promise<{ tenant_id: string; range: number; sent: number; delivered: number; days: number }[]> {
    if (ranges.length === 0) return [];
    return (await this.db.query<{ tenant_id: string; range: number; sent: number; delivered: number; days: number }>(
      `SELECT d.tenant_id, (r.i - 1)::int AS range, sum(d.emails_sent)::float8 AS sent, sum(d.emails_delivered)::float8 AS delivered, count(*)::int AS days
         FROM deliverability_daily_summary d
         JOIN unnest($2::date[], $3::date[]) WITH ORDINALITY AS r(first_day, last_day, i)
           ON d.tracking_date BETWEEN r.first_day AND r.last_day
        WHERE d.tenant_id = ANY($1::text[])
          AND d.tracking_date BETWEEN (SELECT min(x) FROM unnest($2::date[]) x) AND (SELECT max(x) FROM unnest($3::date[]) x)
        GROUP BY d.tenant_id, r.i
        ORDER BY d.tenant_id, r.i`, [ids, ranges.map((r) => r.first), ranges.map((r) => r.last)])).rows;
  }

  /** The newest daily summary date of any of these tenants; null when none has one. */
  async newestSummaryDateOf(ids: readonly string[]): Promise<string | null> {
    const { rows } = await this.db.query<{ d: string | null }>(
      `SELECT max(m)::text AS d FROM unnest($1::text[]) t(id),
              LATERAL (SELECT max(tracking_date) AS m FROM deliverability_daily_summary WHERE tenant_id = t.id) x`, [ids]);
    return rows[0]?.d ?? null;
  }
}
