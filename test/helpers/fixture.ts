import type { Db } from '../../src/db/Db.js';

export const HOSTILE = `<script>alert(1)</script> & <img src=x onerror=alert(2)>`;
export const ACME_NAME = `Acme ${HOSTILE} Co`;

/** Inserts one posthog_events row (uuid may repeat: the export has no primary key). */
export async function insertEvent(db: Db, uuid: string, event: string, timestamp: string, properties: Record<string, unknown>): Promise<void> {
  await db.query(
    `INSERT INTO posthog_events (uuid, event, distinct_id, properties, "timestamp", team_id) VALUES ($1, $2, $3, $4, $5, 1)`,
    [uuid, event, String(properties.tenant_id), JSON.stringify(properties), timestamp],
  );
}

/**
 * A hand-checkable tenant in America/New_York (see the expected figures in
 * test/integration/executiveSummary.test.ts): 2 active VPS × 4 IPs, a stopped VPS with IPs,
 * payments on both sides of period boundaries and DST changes, duplicated events.
 */
export async function insertAcmeFixture(db: Db): Promise<void> {
  await db.exec(`
    INSERT INTO plans (id, name, price_monthly) VALUES ('pro', 'Pro', 500);
    INSERT INTO tenants (id, name, timezone, monthly_budget) VALUES ('acme', ${literal(ACME_NAME)}, 'America/New_York', 1000);
    INSERT INTO subscriptions (id, tenant_id, plan_id, status) VALUES ('s1', 'acme', 'pro', 'active'), ('s2', 'acme', 'pro', 'canceled');
    INSERT INTO payments (id, subscription_id, amount, paid_at) VALUES
      ('p1', 's1', 500, '2026-11-10T12:00:00-05:00'),
      ('p2', 's1', 500, '2026-11-30T23:59:59-05:00'),   -- last second of November, local
      ('p3', 's1', 500, '2026-12-01T00:00:00-05:00'),   -- first instant of December, local
      ('p4', 's2', 250, '2026-11-15T09:00:00-05:00'),
      ('p5', 's1', 100, '2026-11-01T23:59:59-05:00'),   -- last second of 2026-W44 (25-hour day)
      ('p6', 's1', 100, '2026-11-02T00:00:00-05:00'),   -- first instant of 2026-W45
      ('p7', 's1', 70, '2026-03-08T23:59:59-04:00'),    -- last second of the 23-hour day
      ('p8', 's1', 80, '2026-03-09T00:00:00-04:00');
    INSERT INTO vps_instances (id, tenant_id, status, approximate_cost, cpu_utilization, memory_utilization) VALUES
      ('vps-a', 'acme', 'active', 100, 20, 40), ('vps-b', 'acme', 'active', 200, 70, 60), ('vps-off', 'acme', 'stopped', 999, 0, 0);
    INSERT INTO smtp_ip_addresses (id, vps_instance_id, ip, approximate_cost, warmup_progress, daily_capacity)
      SELECT v || '-ip' || n, v, ('10.0.' || row_number() OVER () || '.1')::inet, CASE WHEN v = 'vps-off' THEN 50 ELSE 10 END, 100, 10000
        FROM unnest(ARRAY['vps-a', 'vps-b', 'vps-off']) v, generate_series(1, 4) n WHERE v <> 'vps-off' OR n <= 2;
    INSERT INTO deliverability_daily_summary (tenant_id, tracking_date, emails_sent, emails_delivered, emails_bounced, emails_spam, ip_reputation, domain_reputation)
      SELECT 'acme', d::date, 1000, 950, 30, 5, CASE WHEN d::date = '2026-11-30' THEN 'fair' ELSE 'good' END, 'good'
        FROM generate_series('2026-11-01'::date, '2026-11-30'::date, '1 day') d;
    INSERT INTO deliverability_daily_summary VALUES ('acme', '2026-03-08', 2000, 1900, 60, 10, 'good', 'good');
    INSERT INTO deliverability_daily_summary VALUES ('acme', '2026-10-31', 500, 400, 90, 10, 'poor', 'fair');
  `);
  const t = 'acme';
  await insertEvent(db, 'e-neg', 'revenue_impact_event', '2026-11-21T15:00:00Z', { tenant_id: t, impact_type: 'negative', impact_amount: 12000, event_type: 'deliverability_issue' });
  await insertEvent(db, 'e-neg', 'revenue_impact_event', '2026-11-21T15:00:00Z', { tenant_id: t, impact_type: 'negative', impact_amount: 12000, event_type: 'deliverability_issue' });
  await insertEvent(db, 'e-pos', 'revenue_impact_event', '2026-11-05T15:00:00Z', { tenant_id: t, impact_type: 'positive', impact_amount: 3000 });
  await insertEvent(db, 'e-bad', 'revenue_impact_event', '2026-11-06T15:00:00Z', { tenant_id: t, impact_type: 'negative', impact_amount: 'NaN' });
  await insertEvent(db, 'e-dec', 'revenue_impact_event', '2026-12-01T05:00:00Z', { tenant_id: t, impact_type: 'negative', impact_amount: 50000 }); // 00:00 local, December
  await insertEvent(db, 'e-opt1', 'cost_optimization_event', '2026-11-12T15:00:00Z', { tenant_id: t, optimization_category: 'infrastructure', optimization_type: 'implemented', savings_amount: 1200, baseline_cost: 5000, roi: 240 });
  await insertEvent(db, 'e-opt2', 'cost_optimization_event', '2026-11-13T15:00:00Z', { tenant_id: t, optimization_category: 'ip_pool', optimization_type: 'identified', savings_amount: 6000, baseline_cost: 9000, roi: 100 });
  await insertEvent(db, 'e-use1', 'resource_usage_event', '2026-11-03T15:00:00Z', { tenant_id: t, utilization_percentage: 70 });
  await insertEvent(db, 'e-use2', 'resource_usage_event', '2026-11-04T15:00:00Z', { tenant_id: t, utilization_percentage: 50 });
  await insertEvent(db, 'e-dlv', 'email_deliverability_event', '2026-11-21T14:00:00Z', { tenant_id: t, bounce_rate: 0.18, spam_rate: 0.01 });
  await insertEvent(db, 'e-decision', 'strategic_decision_event', '2026-11-16T15:00:00Z', {
    tenant_id: t, decision_id: 'd-1', decision_type: 'budget_allocation', decision_title: `Scale infra ${HOSTILE}`,
    requested_at: '2026-11-15T15:00:00Z', decision_date: '2026-11-16T15:00:00Z', expected_revenue_impact: 150000, expected_cost_impact: 25000,
  });
  // Another tenant's events must never leak into acme's figures.
  await insertEvent(db, 'other-1', 'revenue_impact_event', '2026-11-21T15:00:00Z', { tenant_id: 'other', impact_type: 'negative', impact_amount: 99999 });
}

/** A Europe/Berlin tenant with data on both 2026 DST change days and payments at their edges. */
export async function insertBerlinFixture(db: Db): Promise<void> {
  await db.exec(`
    INSERT INTO plans (id, name, price_monthly) VALUES ('eu', 'EU', 300) ON CONFLICT DO NOTHING;
    INSERT INTO tenants (id, name, timezone) VALUES ('berlin', 'Berliner Post GmbH', 'Europe/Berlin');
    INSERT INTO subscriptions (id, tenant_id, plan_id, status) VALUES ('sb', 'berlin', 'eu', 'active');
    INSERT INTO payments (id, subscription_id, amount, paid_at) VALUES
      ('b1', 'sb', 11, '2026-03-29T23:59:59+02:00'),   -- last second of the 23-hour day (and of 2026-W13)
      ('b2', 'sb', 13, '2026-03-30T00:00:00+02:00'),
      ('b3', 'sb', 17, '2026-10-25T23:59:59+01:00'),   -- last second of the 25-hour day (and of 2026-W43)
      ('b4', 'sb', 19, '2026-10-26T00:00:00+01:00'),
      ('b5', 'sb', 23, '2026-10-25T00:30:00+02:00');   -- 30 minutes into the 25-hour day (22:30 UTC the day before)
    INSERT INTO vps_instances (id, tenant_id, status, approximate_cost) VALUES ('b-vps', 'berlin', 'active', 310);
    INSERT INTO deliverability_daily_summary VALUES
      ('berlin', '2026-03-29', 100, 90, 5, 1, 'good', 'good'),
      ('berlin', '2026-03-30', 1000, 900, 50, 10, 'good', 'good'),
      ('berlin', '2026-10-25', 200, 180, 10, 2, 'good', 'good'),
      ('berlin', '2026-10-26', 2000, 1800, 100, 20, 'good', 'good');
  `);
}

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
