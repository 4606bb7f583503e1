/**
 * Set-based sample data for the fan-out benchmark: `tenants` tenants with compact but realistic
 * rows for the `days` (default 21) UTC days before `now` (the previous ISO week and the one before
 * it, which the brief compares against), and one email recipient each in group `c-suite`.
 *
 * Everything is generated inside PostgreSQL with generate_series; "random" values are hashes of
 * the row's identity (hashtext), so the same `now` and tenant count give the same rows. One tenant
 * in 25 has a deliverability problem and one in 7 wastes capacity, so the briefs are not all alike.
 * `now` is our own ISO instant, inlined as a literal (these are multi-statement scripts).
 */
import type { Db } from '../src/db/Db.js';

export interface FanoutDataResult { rows: Record<string, number>; ms: number }

/** Deterministic uniform [0, 1) from a text key (an SQL expression). */
const rnd = (key: string) => `((hashtext(${key}) & 2147483647)::float8 / 2147483648)`;

export async function loadFanoutData(db: Db, opts: { tenants: number; now: Date; days?: number }): Promise<FanoutDataResult> {
  const started = performance.now();
  const n = opts.tenants;
  const days = opts.days ?? 21;
  const now = `'${opts.now.toISOString()}'::timestamptz`;
  // One row per complete UTC day before now: d is that day's midnight (timestamptz).
  const eachDay = `generate_series(1, ${days}) k, LATERAL (SELECT (date_trunc('day', ${now} AT TIME ZONE 'UTC') - k * interval '1 day') AT TIME ZONE 'UTC' AS d) dd`;

  await db.exec(`
    INSERT INTO plans (id, name, price_monthly) VALUES
      ('starter', 'Starter', 99), ('growth', 'Growth', 400), ('scale', 'Scale', 1200), ('ip-addon', 'Dedicated IPs', 150);

    CREATE TEMP TABLE bt AS SELECT g AS n, 't' || lpad(g::text, 4, '0') AS id FROM generate_series(1, ${n}) g;

    INSERT INTO tenants (id, name, timezone, monthly_budget)
      SELECT id, 'Tenant ' || lpad(n::text, 4, '0') || (ARRAY[' Ltd', ' Inc', ' GmbH', ' SA', ' Group'])[1 + n % 5],
             (ARRAY['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Singapore'])[1 + n % 4],
             CASE WHEN n % 3 = 0 THEN NULL ELSE 500 + (n % 20) * 100 END
        FROM bt;

    -- One plan subscription per tenant; one in four also pays for dedicated IPs.
    INSERT INTO subscriptions (id, tenant_id, plan_id, status, current_period_start, current_period_end)
      SELECT 'sub-' || id, id, (ARRAY['starter', 'growth', 'scale'])[1 + n % 3], 'active', (${now} - interval '10 days')::date, (${now} + interval '20 days')::date FROM bt
      UNION ALL
      SELECT 'sub-' || id || '-ip', id, 'ip-addon', 'active', (${now} - interval '10 days')::date, (${now} + interval '20 days')::date FROM bt WHERE n % 4 = 0;

    -- Monthly plan payments on each tenant's anniversary day, and a weekly metered usage charge.
    INSERT INTO payments (id, subscription_id, amount, paid_at)
      SELECT 'pay-' || s.id || '-' || to_char(at, 'YYYY-MM'), s.id, p.price_monthly, at
        FROM subscriptions s JOIN plans p ON p.id = s.plan_id,
             generate_series(date_trunc('month', ${now} - interval '${days + 31} days'), ${now}, interval '1 month') m,
             LATERAL (SELECT m + (abs(hashtext(s.tenant_id)) % 28) * interval '1 day' + interval '10 hours' AS at) a
       WHERE at < ${now} AND at >= ${now} - interval '${days + 31} days';
    INSERT INTO payments (id, subscription_id, amount, paid_at)
      SELECT 'usage-' || s.id || '-' || to_char(d, 'YYYY-MM-DD'), s.id, round((40 + 400 * ${rnd(`s.id || d::text`)})::numeric, 2), d + interval '14 hours'
        FROM subscriptions s, ${eachDay}
       WHERE s.plan_id <> 'ip-addon' AND extract(isodow FROM d AT TIME ZONE 'UTC') = 1 + abs(hashtext(s.tenant_id)) % 5;

    INSERT INTO vps_instances (id, tenant_id, status, approximate_cost, cpu_utilization, memory_utilization)
      SELECT 'vps-' || id || '-' || v, id, CASE WHEN n % 7 = 0 AND v = 3 THEN 'stopped' ELSE 'active' END,
             80 + 40 * ((n + v) % 5),
             round((CASE WHEN n % 7 = 0 THEN 12 ELSE 30 END + 55 * ${rnd(`id || v::text || 'cpu'`)})::numeric, 2),
             round((25 + 60 * ${rnd(`id || v::text || 'mem'`)})::numeric, 2)
        FROM bt, generate_series(1, 2 + n % 3) v;

    INSERT INTO smtp_ip_addresses (id, vps_instance_id, ip, approximate_cost, warmup_progress, daily_capacity)
      SELECT v.id || '-ip-' || k, v.id, ('10.' || (b.n / 250) % 250 || '.' || b.n % 250 || '.' || (10 * right(v.id, 1)::int + k))::inet,
             3 + (b.n + k) % 8, CASE WHEN (b.n + k) % 6 = 0 THEN 35 ELSE 100 END, 50000
        FROM vps_instances v JOIN bt b ON b.id = v.tenant_id, generate_series(1, 1 + abs(hashtext(v.id)) % 3) k;

    -- Daily deliverability up to yesterday (the period's last day must be there for the freshness check).
    INSERT INTO deliverability_daily_summary
      SELECT x.id, (x.d AT TIME ZONE 'UTC')::date, x.sent, x.sent - r.bounced - round(x.sent * 0.005)::int, r.bounced, r.spam,
             CASE WHEN x.n % 25 = 0 THEN 'fair' ELSE 'good' END, 'good'
        FROM (SELECT b.id, b.n, d,
                     round((5000 + 50 * ((b.n * 7919) % 1000)) * CASE WHEN extract(isodow FROM d AT TIME ZONE 'UTC') >= 6 THEN 0.55 ELSE 1 END
                           * (0.93 + 0.14 * ${rnd(`b.id || d::text`)}))::int AS sent
                FROM bt b, ${eachDay}) x,
             LATERAL (SELECT round(x.sent * CASE WHEN x.n % 25 = 0 THEN 0.06 + 0.03 * ${rnd(`x.id || x.d::text || 'b'`)}
                                                 ELSE 0.008 + 0.015 * ${rnd(`x.id || x.d::text || 'b'`)} END)::int AS bounced,
                             round(x.sent * (0.0008 + 0.0015 * ${rnd(`x.id || x.d::text || 's'`)}))::int AS spam) r;
  `);

  // PostHog events: one row per (tenant, thing, instant); the uuid is a hash of that identity.
  const ev = (event: string, ts: string, props: string, from: string, where = 'true') => `
    INSERT INTO posthog_events (uuid, event, properties, distinct_id, team_id, "timestamp")
      SELECT md5('${event}' || b.id || ${ts}), '${event}',
             jsonb_build_object('tenant_id', b.id, 'tracking_date', ${ts}) || ${props}, b.id, 1, ${ts}
        FROM ${from} WHERE ${where};`;
  await db.exec([
    // Utilization of every active instance, once a day.
    ev('resource_usage_event', `(d + interval '6 hours' + abs(hashtext(v.id)) % 3000 * interval '1 second')`,
      `jsonb_build_object('resource_type', 'vps_instance', 'resource_id', v.id, 'capacity', 100, 'total_cost', v.approximate_cost,
         'utilization_percentage', round((v.cpu_utilization + 12 * (${rnd(`v.id || d::text`)} - 0.5))::numeric, 2))`,
      `bt b JOIN vps_instances v ON v.tenant_id = b.id AND v.status = 'active', ${eachDay}`),
    // Two deliverability readings a day, from that day's summary.
    ev('email_deliverability_event', `(s.tracking_date::timestamp AT TIME ZONE 'UTC' + interval '9 hours' + h * interval '7 hours' + b.n % 600 * interval '1 second')`,
      `jsonb_build_object('email_count', s.emails_sent / 2, 'bounce_rate', round(s.emails_bounced::numeric / s.emails_sent, 4),
         'spam_rate', round(s.emails_spam::numeric / s.emails_sent, 4), 'ip_reputation', s.ip_reputation, 'domain_reputation', s.domain_reputation,
         'risk_level', CASE WHEN b.n % 25 = 0 THEN 'medium' ELSE 'low' END)`,
      `bt b JOIN deliverability_daily_summary s ON s.tenant_id = b.id, generate_series(0, 1) h`),
    // One efficiency reading a day.
    ev('operational_efficiency_event', `(d + interval '7 hours 30 minutes')`,
      `jsonb_build_object('efficiency_metric', 'resource_utilization', 'trend_direction', 'stable', 'cost_impact', 120,
         'efficiency_score', round(CASE WHEN b.n % 7 = 0 THEN 55 ELSE 78 END + 15 * ${rnd(`b.id || d::text || 'e'`)}),
         'requires_executive_attention', b.n % 7 = 0)`,
      `bt b, ${eachDay}`),
    // Revenue impact on about four days in ten, mostly positive.
    ev('revenue_impact_event', `(d + interval '11 hours' + b.n % 3600 * interval '1 second')`,
      `jsonb_build_object('event_type', 'campaign_performance', 'urgency_level', 'low', 'priority_level', 'medium',
         'impact_type', CASE WHEN ${rnd(`b.id || d::text || 'sign'`)} < CASE WHEN b.n % 25 = 0 THEN 0.7 ELSE 0.25 END THEN 'negative' ELSE 'positive' END,
         'impact_amount', round(200 + 4000 * ${rnd(`b.id || d::text || 'amt'`)}))`,
      `bt b, ${eachDay}`, `${rnd(`b.id || d::text || 'ri'`)} < 0.4`),
    // Cost optimizations on about one day in seven.
    ev('cost_optimization_event', `(d + interval '15 hours' + b.n % 3600 * interval '1 second')`,
      `jsonb_build_object('optimization_category', (ARRAY['infrastructure', 'ip_pool', 'email_service', 'vendor_contracts'])[1 + abs(hashtext(b.id || d::text)) % 4],
         'optimization_type', CASE WHEN ${rnd(`b.id || d::text || 'impl'`)} < 0.6 THEN 'implemented' ELSE 'identified' END,
         'savings_amount', round(100 + 900 * ${rnd(`b.id || d::text || 'sav'`)}), 'baseline_cost', 3000,
         'roi', round(50 + 200 * ${rnd(`b.id || d::text || 'roi'`)}), 'implementation_complexity', 'low')`,
      `bt b, ${eachDay}`, `${rnd(`b.id || d::text || 'co'`)} < 0.15`),
    // Two strategic decisions per tenant in the window.
    ev('strategic_decision_event', `(${now} - k * interval '5 days' - interval '3 hours')`,
      `jsonb_build_object('decision_id', 'dec-' || b.id || '-' || k, 'decision_type', (ARRAY['pricing', 'infrastructure'])[k],
         'decision_title', (ARRAY['Raise the Growth plan price 8%', 'Move cold IPs to the shared pool'])[k],
         'decision_date', to_char((${now} - k * interval '5 days' - interval '4 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
         'requested_at', to_char((${now} - k * interval '5 days' - interval '30 hours') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
         'expected_revenue_impact', 2000 * k, 'expected_cost_impact', -300 * k, 'outcome_timeframe', '6 weeks')`,
      `bt b, generate_series(1, 2) k`),
    // A fresh reading an hour before now: the freshness check passes.
    ev('resource_usage_event', `(${now} - interval '1 hour')`, `jsonb_build_object('resource_type', 'vps_instance', 'utilization_percentage', 60)`, 'bt b'),
  ].join('\n'));

  await db.exec(`
    INSERT INTO herald.recipient_groups (name, tenant_id) SELECT 'c-suite', id FROM tenants;
    INSERT INTO herald.recipients (tenant_id, name, email) SELECT id, 'CEO of ' || name, 'ceo@' || id || '.test' FROM tenants;
    INSERT INTO herald.group_members SELECT g.id, r.id FROM herald.recipient_groups g JOIN herald.recipients r USING (tenant_id);
    DROP TABLE bt;
    ANALYZE;
  `);

  const rows: Record<string, number> = {};
  for (const t of ['tenants', 'payments', 'vps_instances', 'smtp_ip_addresses', 'deliverability_daily_summary', 'posthog_events', 'herald.recipients']) {
    rows[t] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n;
  }
  return { rows, ms: performance.now() - started };
}
