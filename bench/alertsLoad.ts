/**
 * The event writer of bench/alerts.bench.ts, in a process of its own (as PostHog's batch export
 * is): it writes to the export table `posthog_events` on its own connections, and the alert
 * poller in the parent finds the events there.
 *
 * - Background load: every 100 ms one batch, one INSERT (its own transaction), of as many events
 *   as are due at the current rate (a batch that took longer makes the next one bigger, so the
 *   rate holds on average). A realistic mix of the seed's event types over every tenant, none
 *   breaching any rule: clear deliverability figures, resource usage, positive revenue impacts,
 *   good efficiency scores, small or implemented optimizations, strategic decisions.
 * - Breaches: one `email_deliverability_event` with bounce_rate > 15% (critical) per tenant
 *   named, each its own INSERT on a second connection, spaced with jitter at the asked rate; the
 *   commit time is Date.now() right after the COMMIT returned, sent to the parent.
 * - History: events spread over the past minutes at a rate, before the run (the export table of
 *   a platform is never empty).
 *
 * IPC (parent → child → parent):
 *   {type: 'init', url, tenants, seed}                  → {type: 'ready'}
 *   {type: 'history', minutes, perMinute}               → {type: 'history', inserted, ms}
 *   {type: 'rate', perMinute}                           (background load from now on at this rate)
 *   {type: 'breaches', tenants, perSecond}              → {type: 'breach', tenant, uuid, committedAt, insertMs} each, then {type: 'breaches-done'}
 *   {type: 'stats'}                                     → {type: 'stats', inserted, batches, batchMs: number[], behindMax}
 *   {type: 'stop'}                                      → exits
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';

type Props = Record<string, unknown>;
interface Row { uuid: string; event: string; tenant: string; properties: Props; at: Date }

/** mulberry32: the same run of events for the same seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    float: (lo: number, hi: number) => lo + (hi - lo) * next(),
    int: (lo: number, hi: number) => Math.floor(lo + (hi - lo + 1) * next()),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)],
  };
}
type Rng = ReturnType<typeof prng>;

const r2 = (x: number) => Math.round(x * 100) / 100;
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** The background mix: [event, share, properties]. About 63% of it is alertable (read by the poller). */
const MIX: [string, number, (rnd: Rng) => Props][] = [
  ['email_deliverability_event', 0.35, (rnd) => {
    const emails = rnd.int(2_000, 20_000);
    const bounce = r4(rnd.float(0.004, 0.035));
    const spam = r4(rnd.float(0.0003, 0.006));
    return {
      delivery_outcome: 'delivered', email_count: emails, bounce_rate: bounce, spam_rate: spam,
      ip_reputation: rnd.pick(['excellent', 'good', 'good']), domain_reputation: rnd.pick(['excellent', 'good']),
      cost_impact: r2(0.05 * emails * bounce + 0.25 * emails * spam), risk_level: 'low',
      actions_required: ['Routine list hygiene'], estimated_resolution_time: 'none', requires_immediate_attention: false,
    };
  }],
  ['resource_usage_event', 0.30, (rnd) => {
    const util = r2(rnd.float(30, 85));
    const cost = rnd.int(40, 400);
    return {
      resource_type: 'vps_instance', resource_id: `vps-${rnd.int(1, 5000)}`, current_usage: util, capacity: 100, utilization_percentage: util,
      usage_trend: rnd.pick(['stable', 'stable', 'increasing', 'decreasing']), cost_per_unit: r2(cost / 100), total_cost: cost,
      optimization_opportunities: [], over_utilized: false, under_utilized: false, cost_efficient: true,
    };
  }],
  ['revenue_impact_event', 0.12, (rnd) => ({
    event_category: 'revenue_impact', customer_ltv: rnd.int(200, 900) * 100, affected_emails: rnd.int(100, 5_000),
    bounce_rate: r4(rnd.float(0.004, 0.03)), spam_rate: r4(rnd.float(0.0003, 0.005)), timeframe: 'monthly',
    event_type: rnd.pick(['deliverability_improvement', 'campaign_performance', 'retention_win']), impact_amount: rnd.int(300, 3_000),
    impact_type: 'positive', urgency_level: 'low', action_required: 'None', mitigation_actions: [], estimated_resolution_time: 'n/a', priority_level: 'low',
  })],
  ['operational_efficiency_event', 0.08, (rnd) => ({
    efficiency_metric: rnd.pick(['email_delivery_rate', 'resource_utilization', 'cost_per_thousand_emails', 'alert_response_minutes']),
    current_value: r2(rnd.float(60, 99)), baseline_value: 95.2, target_value: 99, efficiency_score: rnd.int(76, 95),
    trend_direction: rnd.pick(['improving', 'stable', 'stable']), cost_impact: rnd.int(50, 300), customer_impact: rnd.int(200, 1_500),
    operational_impact: 'Reduced customer churn risk', recommendations: ['Optimize IP warmup', 'Improve content quality'], requires_executive_attention: false,
  })],
  ['cost_optimization_event', 0.08, (rnd) => {
    const baseline = rnd.int(2_000, 40_000);
    const pct = rnd.float(0.03, 0.12);
    const type = rnd.pick(['implemented', 'identified'] as const);
    const savings = type === 'identified' ? Math.min(4_900, Math.round(baseline * pct)) : Math.round(baseline * pct);
    return {
      optimization_category: rnd.pick(['infrastructure', 'ip_pool', 'email_service', 'vendor_contracts']), optimization_type: type,
      savings_amount: savings, baseline_cost: baseline, optimized_cost: baseline - savings, savings_percentage: r2(pct * 100),
      implementation_complexity: rnd.pick(['low', 'medium', 'high']), timeframe_required: '3 weeks', required_actions: ['Right-size VPS instances'],
      resources_needed: ['DevOps engineer'], roi: rnd.int(50, 300), payback_period_months: rnd.int(1, 12), risk_level: 'low', tracked_by: 'cost_optimization_engine',
    };
  }],
  ['strategic_decision_event', 0.07, (rnd) => ({
    decision_id: `dec-${randomUUID().slice(0, 8)}`, decision_title: rnd.pick(['Move transactional mail to a dedicated pool', 'Renegotiate relay contract', 'Retire cold IPs']),
    decision_type: rnd.pick(['infrastructure', 'vendor', 'deliverability']), decision_date: new Date().toISOString(), requested_at: new Date(Date.now() - 86_400_000).toISOString(),
    expected_revenue_impact: rnd.int(1_000, 50_000), expected_cost_impact: rnd.int(-20_000, 0), outcome_timeframe: '90 days',
  })],
];
const CUMULATIVE = MIX.reduce<number[]>((acc, [, share]) => [...acc, (acc.at(-1) ?? 0) + share], []);

function backgroundEvent(rnd: Rng, tenants: readonly string[], at: Date): Row {
  const x = rnd.next() * CUMULATIVE.at(-1)!;
  const i = CUMULATIVE.findIndex((c) => x < c);
  const [event, , props] = MIX[i === -1 ? MIX.length - 1 : i];
  const tenant = rnd.pick(tenants);
  return { uuid: randomUUID(), event, tenant, properties: { tenant_id: tenant, ...props(rnd) }, at };
}

function breachEvent(rnd: Rng, tenant: string, at: Date): Row {
  const emails = rnd.int(5_000, 20_000);
  const bounce = r4(rnd.float(0.16, 0.3));
  const spam = r4(rnd.float(0.001, 0.005));
  return {
    uuid: randomUUID(), event: 'email_deliverability_event', tenant, at,
    properties: {
      tenant_id: tenant, delivery_outcome: 'bounced', email_count: emails, bounce_rate: bounce, spam_rate: spam, ip_reputation: 'poor', domain_reputation: 'fair',
      cost_impact: r2(0.05 * emails * bounce + 0.25 * emails * spam), risk_level: 'critical',
      actions_required: ['Pause the new IP pool', 'Suppress hard bounces', 'Content review'], estimated_resolution_time: '72 hours', requires_immediate_attention: true,
    },
  };
}

const INSERT = `INSERT INTO posthog_events (uuid, event, distinct_id, properties, team_id, "timestamp")
  SELECT u, e, d, p::jsonb, 1, ts FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS x(u, e, d, p, ts)`;

async function insert(client: pg.Client, rows: Row[]): Promise<void> {
  await client.query(INSERT, [rows.map((r) => r.uuid), rows.map((r) => r.event), rows.map((r) => r.tenant),
    rows.map((r) => JSON.stringify(r.properties)), rows.map((r) => r.at)]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const send = (m: unknown) => process.send!(m);

let rnd = prng(1);
let tenants: string[] = [];
let loadClient: pg.Client | undefined;
let breachClient: pg.Client | undefined;
let stopped = false;
const rate = { perMinute: 0, since: 0, done: 0 };
const stats = { inserted: 0, batches: 0, batchMs: [] as number[], behindMax: 0 };
let loop: Promise<void> | undefined;

/** Every 100 ms, what is due at the current rate, in one INSERT; a slow one makes the next bigger. */
async function background(): Promise<void> {
  while (!stopped) {
    const started = Date.now();
    const segment = rate.since;
    const due = Math.floor((rate.perMinute / 60_000) * (started - rate.since)) - rate.done;
    if (due > 0) {
      const n = Math.min(due, Math.max(1, Math.ceil(rate.perMinute / 60))); // at most a second's worth at once
      const at = new Date();
      const rows = Array.from({ length: n }, () => backgroundEvent(rnd, tenants, at));
      await insert(loadClient!, rows);
      const ms = Date.now() - started;
      if (rate.since === segment) rate.done += n; // else the rate changed meanwhile: a new count began
      stats.inserted += n;
      stats.batches += 1;
      stats.batchMs.push(ms);
      stats.behindMax = Math.max(stats.behindMax, due - n);
    }
    await sleep(Math.max(0, 100 - (Date.now() - started)));
  }
}

async function breaches(list: string[], perSecond: number): Promise<void> {
  const gap = 1000 / perSecond;
  let next = Date.now();
  for (const tenant of list) {
    if (stopped) return;
    // Jitter (0.5–1.5 × the gap): breaches land at every phase of the poller's 1 s tick.
    next += gap * (0.5 + rnd.next());
    await sleep(Math.max(0, next - Date.now()));
    const row = breachEvent(rnd, tenant, new Date());
    const t0 = Date.now();
    await insert(breachClient!, [row]);
    const committedAt = Date.now();
    send({ type: 'breach', tenant, uuid: row.uuid, committedAt, insertMs: committedAt - t0 });
  }
  send({ type: 'breaches-done' });
}

async function history(minutes: number, perMinute: number): Promise<void> {
  const t0 = Date.now();
  const total = Math.round(minutes * perMinute);
  const start = t0 - minutes * 60_000;
  const chunk = 5_000;
  for (let i = 0; i < total; i += chunk) {
    const rows: Row[] = [];
    for (let j = i; j < Math.min(total, i + chunk); j++) rows.push(backgroundEvent(rnd, tenants, new Date(start + ((j + rnd.next()) / total) * (t0 - start))));
    await insert(loadClient!, rows);
  }
  send({ type: 'history', inserted: total, ms: Date.now() - t0 });
}

async function connect(url: string, name: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: name });
  await c.connect();
  return c;
}

process.on('message', (m: { type: string } & Record<string, unknown>) => {
  const fail = (err: unknown) => {
    process.stderr.write(`[alerts load] ${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  };
  switch (m.type) {
    case 'init':
      tenants = m.tenants as string[];
      rnd = prng(Number(m.seed ?? 1));
      Promise.all([connect(m.url as string, 'bench-load'), connect(m.url as string, 'bench-breach')])
        .then(([a, b]) => { loadClient = a; breachClient = b; send({ type: 'ready', pids: [] }); }, fail);
      break;
    case 'history':
      history(Number(m.minutes), Number(m.perMinute)).catch(fail);
      break;
    case 'rate':
      rate.perMinute = Number(m.perMinute);
      rate.since = Date.now();
      rate.done = 0;
      loop ??= background().catch(fail);
      break;
    case 'breaches':
      breaches(m.tenants as string[], Number(m.perSecond)).catch(fail);
      break;
    case 'stats':
      send({ type: 'stats', inserted: stats.inserted, batches: stats.batches, batchMs: stats.batchMs, behindMax: stats.behindMax });
      stats.batchMs = [];
      stats.behindMax = 0;
      break;
    case 'stop':
      stopped = true;
      void Promise.resolve(loop).then(() => Promise.all([loadClient?.end(), breachClient?.end()])).finally(() => process.exit(0));
      break;
  }
});
process.on('disconnect', () => process.exit(0));
