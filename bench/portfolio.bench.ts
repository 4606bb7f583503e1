/**
 * Portfolio benchmark (issue 11, "npm run bench:portfolio"): the portfolio cost-optimization
 * rollup over 1,000 tenants × 90 days with 50 events per tenant a day (4.5 million events), end to
 * end: the set-based reads (seven queries whatever the number of tenants), the pure build, the
 * charts, the HTML and Chromium's print of every tenant ranked. On the export store, and on the
 * posthog-api store against its stand-in (test/helpers/posthogQueryStandIn.ts, which evaluates
 * the HogQL in PostgreSQL: its figures are the stand-in's, not PostHog's). Figures only; nothing
 * here passes or fails.
 *
 *   node --import tsx bench/portfolio.bench.ts
 *
 * Environment: BENCH_TENANTS (1000), BENCH_DAYS (90), BENCH_EVENTS_PER_DAY (50), BENCH_RUNS (3:
 * the first is cold: modules, chart compilation, Chromium's launch), BENCH_API (1: also the
 * posthog-api store; 0 skips it), BENCH_NOW (2026-12-02T12:00:00Z), BENCH_KEEP_DB (1: keep the generated
 * database and print its URL, for EXPLAIN; drop it yourself), BENCH_DATA_ONLY (1: generate and stop),
 * BENCH_DATABASE_URL (a database a kept run generated: no generation, not dropped).
 */
import { createTestDatabase } from '../test/helpers/testDb.js';
import { pgDb } from '../src/db/pgDb.js';
import { copyExportToStandIn, installStandInSchema, startPosthogQueryStandIn } from '../test/helpers/posthogQueryStandIn.js';
import { reportContext } from '../src/cli/context.js';
import { parseConfig } from '../src/config/loadConfig.js';
import { fixedClock } from '../src/time/clock.js';
import { lastCompletePeriod, type Period } from '../src/time/periods.js';
import type { ReportContext } from '../src/report/ReportContext.js';
import type { Db } from '../src/db/Db.js';
import { BrowserPool } from '../src/render/BrowserPool.js';
import { PosthogApiStore } from '../src/sources/posthogApiStore.js';
import { loadCostOptimization, type LoadTimings } from '../src/reports/cost-optimization/load.js';
import { renderCostOptimization } from '../src/reports/cost-optimization/render.js';
import type { CostOptimizationPortfolioData } from '../src/reports/cost-optimization/types.js';
import { pssKb, treePssKb } from './pss.js';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 1000);
const DAYS = Number(process.env.BENCH_DAYS ?? 90);
const PER_DAY = Number(process.env.BENCH_EVENTS_PER_DAY ?? 50);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const API = process.env.BENCH_API !== '0';
const NOW = new Date(process.env.BENCH_NOW ?? '2026-12-02T12:00:00Z');

const log = (msg: string) => process.stderr.write(`[portfolio] ${msg}\n`);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;

/** Deterministic uniform [0, 1) from a text key (an SQL expression). */
const rnd = (key: string) => `((hashtext(${key}) & 2147483647)::float8 / 2147483648)`;

/**
 * The portfolio's rows, generated inside PostgreSQL (generate_series; "random" values are hashes
 * of the row's identity, so a run is reproducible). One tenant in 8 spends more than it earns, one
 * in 50 has no subscription at all (no revenue), one in 6 wastes capacity (low CPU).
 */
async function loadData(db: Db): Promise<Record<string, number>> {
  const now = `'${NOW.toISOString()}'::timestamptz`;
  const day0 = `(date_trunc('day', ${now} AT TIME ZONE 'UTC') - ${DAYS} * interval '1 day') AT TIME ZONE 'UTC'`;
  await db.exec(`
    INSERT INTO plans (id, name, price_monthly) VALUES ('starter', 'Starter', 299), ('growth', 'Growth', 900), ('scale', 'Scale', 2400);
    CREATE TEMP TABLE bt AS SELECT g AS n, 't' || lpad(g::text, 4, '0') AS id FROM generate_series(1, ${TENANTS}) g;
    INSERT INTO tenants (id, name, timezone, monthly_budget)
      SELECT id, 'Tenant ' || lpad(n::text, 4, '0') || (ARRAY[' Ltd', ' Inc', ' GmbH', ' SA', ' Group'])[1 + n % 5],
             (ARRAY['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Singapore'])[1 + n % 4],
             CASE WHEN n % 3 = 0 THEN NULL ELSE 400 + (n % 20) * 100 END
        FROM bt;
    INSERT INTO subscriptions (id, tenant_id, plan_id, status)
      SELECT 'sub-' || id, id, CASE WHEN n % 8 = 0 THEN 'starter' ELSE (ARRAY['starter', 'growth', 'scale'])[1 + n % 3] END,
             CASE WHEN n % 50 = 0 THEN 'canceled' ELSE 'active' END FROM bt;
    INSERT INTO payments (id, subscription_id, amount, paid_at)
      SELECT 'pay-' || s.id || '-' || m, s.id, p.price_monthly, ${day0} + (m * 30 + abs(hashtext(s.id)) % 28) * interval '1 day' + interval '10 hours'
        FROM subscriptions s JOIN plans p ON p.id = s.plan_id, generate_series(0, ${Math.floor(DAYS / 30) - 1}) m;
    INSERT INTO vps_instances (id, tenant_id, status, approximate_cost, cpu_utilization, memory_utilization)
      SELECT 'vps-' || id || '-' || v, id, CASE WHEN v = 4 THEN 'stopped' ELSE 'active' END,
             CASE WHEN n % 8 = 0 THEN 260 ELSE 60 END + 20 * ((n + v) % 5),
             round((CASE WHEN n % 6 = 0 THEN 8 ELSE 35 END + 50 * ${rnd(`id || v::text || 'cpu'`)})::numeric, 2),
             round((25 + 60 * ${rnd(`id || v::text || 'mem'`)})::numeric, 2)
        FROM bt, generate_series(1, 2 + n % 3) v;
    INSERT INTO smtp_ip_addresses (id, vps_instance_id, ip, approximate_cost, warmup_progress, daily_capacity)
      SELECT v.id || '-ip-' || k, v.id, ('10.' || (b.n / 250) % 250 || '.' || b.n % 250 || '.' || (10 * right(v.id, 1)::int + k))::inet,
             3 + (b.n + k) % 8, CASE WHEN (b.n + k) % 6 = 0 THEN 35 ELSE 100 END, 50000
        FROM vps_instances v JOIN bt b ON b.id = v.tenant_id, generate_series(1, 1 + abs(hashtext(v.id)) % 3) k;
    INSERT INTO deliverability_daily_summary
      SELECT b.id, (${day0} + d * interval '1 day')::date, 20000, 19200 - (b.n % 7) * 100, 600 + (b.n % 7) * 100, 20, 'good', 'good'
        FROM bt b, generate_series(0, ${DAYS - 1}) d;
    DROP INDEX IF EXISTS posthog_events_tenant_event_time;
    DROP INDEX IF EXISTS posthog_events_time;
  `);
  // 50 events per tenant a day, of every kind (the cost report reads 2 of them: cost_optimization_event).
  const kind = `CASE WHEN k <= 2 THEN 'cost_optimization_event' WHEN k <= 5 THEN 'revenue_impact_event' WHEN k <= 15 THEN 'resource_usage_event'
                     WHEN k <= 20 THEN 'operational_efficiency_event' ELSE 'email_deliverability_event' END`;
  const key = `b.id || d::text || k::text`;
  await db.exec(`
    INSERT INTO posthog_events (uuid, event, properties, distinct_id, team_id, "timestamp")
      SELECT gen_random_uuid()::text, e.kind,
             jsonb_build_object('tenant_id', b.id) || CASE e.kind
               WHEN 'cost_optimization_event' THEN jsonb_build_object(
                 'optimization_category', (ARRAY['infrastructure', 'ip_pool', 'email_service', 'vendor_contracts'])[1 + abs(hashtext(${key})) % 4],
                 'optimization_type', CASE WHEN ${rnd(`${key} || 't'`)} < 0.6 THEN 'implemented' ELSE 'identified' END,
                 'savings_amount', CASE WHEN abs(hashtext(${key})) % 211 = 0 THEN 'NaN'::text WHEN abs(hashtext(${key})) % 97 = 0 THEN '25000' ELSE round(5 + 60 * ${rnd(`${key} || 's'`)})::text END,
                 'baseline_cost', 3000, 'roi', round(50 + 200 * ${rnd(`${key} || 'r'`)}))
               WHEN 'revenue_impact_event' THEN jsonb_build_object('impact_type', 'positive', 'impact_amount', round(100 + 900 * ${rnd(`${key} || 'a'`)}))
               WHEN 'resource_usage_event' THEN jsonb_build_object('resource_type', 'vps_instance', 'utilization_percentage', round((30 + 50 * ${rnd(`${key} || 'u'`)})::numeric, 2))
               WHEN 'operational_efficiency_event' THEN jsonb_build_object('efficiency_metric', 'resource_utilization', 'efficiency_score', 70 + k)
               ELSE jsonb_build_object('email_count', 500, 'bounce_rate', 0.03, 'spam_rate', 0.001, 'risk_level', 'low') END,
             b.id, 1, ${day0} + d * interval '1 day' + k * interval '25 minutes' + abs(hashtext(${key})) % 1200 * interval '1 second'
        FROM bt b, generate_series(0, ${DAYS - 1}) d, generate_series(1, ${PER_DAY}) k, LATERAL (SELECT ${kind} AS kind) e;
  `);
  await db.exec(`
    CREATE INDEX posthog_events_tenant_event_time ON posthog_events ((properties->>'tenant_id'), event, "timestamp");
    CREATE INDEX posthog_events_time ON posthog_events ("timestamp", event) INCLUDE (uuid);
    DROP TABLE bt;
    ANALYZE;
  `);
  const rows: Record<string, number> = {};
  for (const t of ['tenants', 'payments', 'vps_instances', 'smtp_ip_addresses', 'deliverability_daily_summary', 'posthog_events']) {
    rows[t] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n;
  }
  return rows;
}

/** Times each source read of a context (they run at once: each one's own duration). */
function instrument(ctx: ReportContext): Record<string, number> {
  const times: Record<string, number> = {};
  const wrap = (target: object, names: string[], prefix: string) => {
    const o = target as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const name of names) {
      const fn = o[name].bind(target);
      o[name] = async (...args: unknown[]) => {
        const t0 = performance.now();
        try { return await fn(...args); } finally { times[`${prefix}${name}`] = performance.now() - t0; }
      };
    }
  };
  wrap(ctx.business, ['tenants', 'vpsInstancesOf', 'ipAddressesOf', 'subscriptionsOf', 'paymentTotals', 'deliveryTotals', 'newestSummaryDateOf'], 'business.');
  wrap(ctx.events, ['optimizationTotals'], 'events.');
  return times;
}

interface Run { queries: number; build: number; charts: number; html: number; pdf: number; total: number; pages: number; pdfKb: number; reads: Record<string, number> }

async function runOnce(ctx: ReportContext, period: Period, pool: BrowserPool, peak: { node: number; chromium: number }): Promise<Run> {
  const reads = instrument(ctx);
  const t0 = performance.now();
  const timings: LoadTimings = { queries: 0, build: 0 };
  const data = await loadCostOptimization(ctx, { kind: 'portfolio' }, period, timings) as CostOptimizationPortfolioData;
  const sample = () => {
    peak.node = Math.max(peak.node, pssKb(process.pid));
    peak.chromium = Math.max(peak.chromium, treePssKb(pool.browserPid()));
  };
  sample();
  const brief = await renderCostOptimization(data, { pool });
  const total = performance.now() - t0;
  sample();
  if (data.ranking.length !== TENANTS) throw new Error(`ranking has ${data.ranking.length} tenants, expected ${TENANTS}`);
  return { ...timings, ...brief.timings, total, pages: brief.pageCount, pdfKb: Math.round(brief.pdf.length / 1024), reads };
}

function report(label: string, runs: Run[], peak: { node: number; chromium: number }): void {
  const warm = runs.slice(1);
  const best = (f: (r: Run) => number) => (warm.length ? Math.min(...warm.map(f)) : f(runs[0]));
  const first = runs[0];
  log(`${label}: end to end cold ${s(first.total)}, warm ${s(best((r) => r.total))} (best of ${warm.length || 1}); ${first.pages} pages, ${first.pdfKb} KB`);
  log(`  queries ${s(best((r) => r.queries))}  build ${s(best((r) => r.build))}  charts ${s(best((r) => r.charts))}  html ${s(best((r) => r.html))}  pdf (Chromium) ${s(best((r) => r.pdf))}`);
  const last = runs[runs.length - 1].reads;
  log(`  reads (in parallel, last run): ${Object.entries(last).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${s(v)}`).join(', ')}`);
  log(`  peak PSS: node ${mb(peak.node)}, Chromium ${mb(peak.chromium)}`);
}

async function main(): Promise<void> {
  const reuse = process.env.BENCH_DATABASE_URL;
  const t = reuse ? { url: reuse, db: pgDb(reuse), drop: async () => {} } : await createTestDatabase();
  const pool = new BrowserPool({ size: 1 });
  let standIn: Awaited<ReturnType<typeof startPosthogQueryStandIn>> | null = null;
  try {
    if (!reuse) {
      log(`generating ${TENANTS} tenants × ${DAYS} days × ${PER_DAY} events a day …`);
      const g0 = performance.now();
      const rows = await loadData(t.db);
      log(`data in ${s(performance.now() - g0)}: ${Object.entries(rows).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')}`);
    }
    if (process.env.BENCH_KEEP_DB === '1') log(`database kept: ${t.url}`);
    if (process.env.BENCH_DATA_ONLY === '1') return;
    const config = parseConfig({});
    const clock = fixedClock(NOW.toISOString());
    for (const kind of ['month', 'week'] as const) {
      const period = lastCompletePeriod(kind, NOW, config.timezone);
      const peak = { node: 0, chromium: 0 };
      const runs: Run[] = [];
      for (let i = 0; i < RUNS; i++) runs.push(await runOnce(reportContext(config, { herald: t.db, source: t.db }, clock), period, pool, peak));
      report(`export store, ${period.label} (six ${kind}s of trend)`, runs, peak);
    }
    if (API) {
      const c0 = performance.now();
      await installStandInSchema(t.db);
      await t.db.exec(`TRUNCATE posthog_standin.events`);
      await copyExportToStandIn(t.db);
      await t.db.exec(`CREATE INDEX ON posthog_standin.events (event, "timestamp"); ANALYZE posthog_standin.events;`);
      log(`stand-in loaded in ${s(performance.now() - c0)}`);
      standIn = await startPosthogQueryStandIn({ databaseUrl: t.url });
      const period = lastCompletePeriod('month', NOW, config.timezone);
      const peak = { node: 0, chromium: 0 };
      const runs: Run[] = [];
      for (let i = 0; i < Math.min(RUNS, 2); i++) {
        const ctx = { ...reportContext(config, { herald: t.db, source: t.db }, clock), events: new PosthogApiStore({ host: standIn.url, projectId: standIn.projectId, apiKey: standIn.apiKey, timeoutMs: 300_000 }) };
        runs.push(await runOnce(ctx, period, pool, peak));
      }
      report(`posthog-api store (stand-in), ${period.label}`, runs, peak);
      log(`  stand-in: ${standIn.requests.length} requests, ${standIn.violations.length} violations`);
    }
  } finally {
    await standIn?.close();
    await pool.close();
    if (process.env.BENCH_KEEP_DB === '1' || reuse) await t.db.close();
    else await t.drop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
