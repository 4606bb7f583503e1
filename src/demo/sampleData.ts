/**
 * Sample data for `herald demo` and the tests: three tenants with distinct stories (healthy,
 * deliverability crisis, losing money), `days` local days of business rows and PostHog events
 * before `now`, and the alerts Herald recorded during the crisis. Herald's alert poller is taken
 * to have run since the start of the window (herald.alert_poller), so the briefs of the sample
 * periods read those records rather than derive alerts from the events.
 *
 * Deterministic: the same `now`, `days` and `seed` give the same rows on node-postgres and on
 * PGlite (a seeded PRNG; no Math.random, no clock but `opts.now`). `buildSampleData` is pure;
 * `loadSampleData` inserts what it builds in one transaction, with bound parameters in multi-row
 * INSERTs of at most 500 rows.
 */
import { DateTime } from 'luxon';
import type { Db } from '../db/Db.js';
import { deliverability } from '../alerts/rules.js';
import { defaultRuleSettings } from '../alerts/settings.js';
import { defaultMetricSettings } from '../metrics/settings.js';
import type { Severity } from '../report/types.js';
import { hashSeed, mulberry32, type Prng } from './prng.js';
import {
  BLUEPEAK_CRISIS_DAYS_AGO,
  BLUEPEAK_ID,
  COPPERLEAF_ID,
  COPPERLEAF_STOPPED_DAYS_AGO,
  HOSTILE_TEXT,
  NORTHWIND_ID,
  SAMPLE_PLANS,
  SAMPLE_TENANTS,
  type SampleDecision,
  type SampleTenant,
} from './sampleTenants.js';

export { BLUEPEAK_ID, COPPERLEAF_ID, NORTHWIND_ID, SAMPLE_TENANT_IDS, HOSTILE_TEXT } from './sampleTenants.js';

export interface SampleDataOptions {
  /** The instant the data ends at; nothing is dated after it. */
  now: Date;
  /** Complete local days of history before today (each tenant's zone). Default 90. */
  days?: number;
  /** PRNG seed. Default 20261122. */
  seed?: number;
  /** Called after each inserted batch with rows done so far, rows in all, and the table name. */
  onProgress?: (done: number, total: number, label: string) => void;
}

export interface SampleTenantInfo { id: string; name: string; timezone: string; story: string }

export interface SampleDataResult {
  tenants: SampleTenantInfo[];
  /** Rows inserted per table (`herald.alerts` for alerts). */
  counts: Record<string, number>;
}

export const DEFAULT_SAMPLE_DAYS = 90;
export const DEFAULT_SAMPLE_SEED = 20261122;
const BATCH_ROWS = 500;
/** Share of events PostHog's export writes twice (it has no primary key); herald must dedupe by uuid. */
const DUPLICATE_SHARE = 0.01;

type Row = unknown[];
interface Column { name: string; cast: string }
interface TableRows { table: string; columns: Column[]; rows: Row[] }

const col = (name: string, cast: string): Column => ({ name, cast });

const TABLES = {
  tenants: [col('id', 'text'), col('name', 'text'), col('timezone', 'text'), col('monthly_budget', 'numeric')],
  plans: [col('id', 'text'), col('name', 'text'), col('price_monthly', 'numeric')],
  subscriptions: [col('id', 'text'), col('tenant_id', 'text'), col('plan_id', 'text'), col('status', 'text'),
    col('current_period_start', 'date'), col('current_period_end', 'date')],
  payments: [col('id', 'text'), col('subscription_id', 'text'), col('amount', 'numeric'), col('paid_at', 'timestamptz')],
  vps_instances: [col('id', 'text'), col('tenant_id', 'text'), col('status', 'text'), col('approximate_cost', 'numeric'),
    col('cpu_utilization', 'numeric'), col('memory_utilization', 'numeric')],
  smtp_ip_addresses: [col('id', 'text'), col('vps_instance_id', 'text'), col('ip', 'inet'), col('approximate_cost', 'numeric'),
    col('warmup_progress', 'numeric'), col('daily_capacity', 'integer')],
  deliverability_daily_summary: [col('tenant_id', 'text'), col('tracking_date', 'date'), col('emails_sent', 'integer'),
    col('emails_delivered', 'integer'), col('emails_bounced', 'integer'), col('emails_spam', 'integer'),
    col('ip_reputation', 'text'), col('domain_reputation', 'text')],
  posthog_events: [col('uuid', 'varchar'), col('event', 'varchar'), col('properties', 'jsonb'), col('distinct_id', 'varchar'),
    col('team_id', 'integer'), col('"timestamp"', 'timestamptz')],
  'herald.alert_poller': [col('id', 'integer'), col('started_at', 'timestamptz')],
  'herald.alerts': [col('rule', 'text'), col('tenant_id', 'text'), col('tenant_name', 'text'), col('fingerprint', 'text'), col('code', 'text'),
    col('severity', 'text'), col('current_severity', 'text'), col('state', 'text'), col('summary', 'text'), col('short', 'text'),
    col('value', 'float8'), col('at_risk', 'float8'), col('raised_at', 'timestamptz'), col('pending_since', 'timestamptz'),
    col('fired_at', 'timestamptz'), col('last_breach_at', 'timestamptz'), col('last_paged_at', 'timestamptz'),
    col('acknowledged_at', 'timestamptz'), col('acknowledged_by', 'text'), col('resolved_at', 'timestamptz'), col('updated_at', 'timestamptz')],
} satisfies Record<string, Column[]>;
type TableName = keyof typeof TABLES;

const r2 = (x: number): number => Math.round(x * 100) / 100;
const r4 = (x: number): number => Math.round(x * 10000) / 10000;
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
const iso = (dt: DateTime): string => dt.toUTC().toISO({ suppressMilliseconds: true }) as string;

interface DayRates {
  bounce: number;
  spam: number;
  dropped: number;
  ip_reputation: 'good' | 'fair' | 'poor';
  domain_reputation: 'good' | 'fair' | 'poor';
  volume_factor: number;
}

interface Day {
  /** Local days before today; 0 is today (partial, events only). */
  k: number;
  date: string;
  start: DateTime;
  weekend: boolean;
  sent: number;
  delivered: number;
  bounced: number;
  spam: number;
  rates: DayRates;
  /** Bluepeak only: day of the crisis (0 = first), null before it and for other tenants. */
  crisis: number | null;
}

interface EventRow { uuid: string; event: string; properties: Record<string, unknown>; distinct_id: string; timestamp: string }

/** Everything one load inserts, table by table, in insertion order. Pure: no I/O. */
export function buildSampleData(opts: Pick<SampleDataOptions, 'now' | 'days' | 'seed'>): { tables: TableRows[]; tenants: SampleTenantInfo[] } {
  const now = opts.now;
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) throw new Error('loadSampleData: now must be a valid Date');
  const days = opts.days ?? DEFAULT_SAMPLE_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > 731) throw new Error('loadSampleData: days must be an integer from 1 to 731');
  const seed = opts.seed ?? DEFAULT_SAMPLE_SEED;
  if (!Number.isInteger(seed)) throw new Error('loadSampleData: seed must be an integer');

  const rows: Record<TableName, Row[]> = {
    tenants: [], plans: [], subscriptions: [], payments: [], vps_instances: [], smtp_ip_addresses: [],
    deliverability_daily_summary: [], posthog_events: [], 'herald.alert_poller': [], 'herald.alerts': [],
  };
  for (const p of SAMPLE_PLANS) rows.plans.push([p.id, p.name, p.price_monthly]);

  let windowStart: DateTime | null = null;
  for (const tenant of SAMPLE_TENANTS) {
    const rnd = mulberry32(hashSeed(seed, tenant.id));
    const nowLocal = DateTime.fromJSDate(now, { zone: tenant.timezone });
    const today = nowLocal.startOf('day');
    const first = today.minus({ days });
    if (windowStart === null || first < windowStart) windowStart = first;
    rows.tenants.push([tenant.id, tenant.name, tenant.timezone, tenant.monthly_budget]);
    rows.subscriptions.push(...subscriptionRows(tenant, today));
    rows.payments.push(...paymentRows(tenant, today, nowLocal, days, rnd));
    const infra = infrastructureRows(tenant);
    rows.vps_instances.push(...infra.vps);
    rows.smtp_ip_addresses.push(...infra.ips);

    const dayList = buildDays(tenant, today, days, rnd);
    for (const d of dayList) {
      if (d.k === 0) continue; // today is not over: no daily summary yet
      rows.deliverability_daily_summary.push([tenant.id, d.date, d.sent, d.delivered, d.bounced, d.spam, d.rates.ip_reputation, d.rates.domain_reputation]);
    }

    const events = new EventSink(tenant.id, now, rnd);
    for (const d of dayList) {
      resourceUsageEvents(events, tenant, d, rnd);
      deliverabilityEvents(events, tenant, d, rnd);
      efficiencyEvent(events, tenant, d, rnd);
      revenueImpactEvents(events, tenant, d, rnd);
      costOptimizationEvents(events, tenant, d, rnd);
    }
    decisionEvents(events, tenant, today, days, rnd);

    // PostHog's batch export sometimes writes an event twice: same uuid, same everything.
    const all = events.rows;
    const dupes = all.filter(() => rnd.chance(DUPLICATE_SHARE));
    if (dupes.length === 0 && all.length > 0) dupes.push(all[Math.floor(all.length / 2)]);
    for (const e of [...all, ...dupes]) rows.posthog_events.push([e.uuid, e.event, JSON.stringify(e.properties), e.distinct_id, 1, e.timestamp]);

    if (tenant.id === BLUEPEAK_ID) rows['herald.alerts'].push(...crisisAlerts(tenant, all, now, rnd));

    // Decisions still awaiting an outcome: a stream of their own, so the figures above stay as they were.
    if (tenant.awaiting_decisions?.length) {
      const own = mulberry32(hashSeed(seed, `${tenant.id}:awaiting-decisions`));
      const awaiting = new EventSink(tenant.id, now, own);
      decisionEvents(awaiting, { ...tenant, decisions: tenant.awaiting_decisions }, today, days, own);
      for (const e of awaiting.rows) rows.posthog_events.push([e.uuid, e.event, JSON.stringify(e.properties), e.distinct_id, 1, e.timestamp]);
    }
  }
  // Alerts were recorded from the first instant of the sample window on.
  rows['herald.alert_poller'].push([1, iso(windowStart!)]);

  const tables = (Object.keys(TABLES) as TableName[]).map((table) => ({ table, columns: TABLES[table], rows: rows[table] }));
  return {
    tables,
    tenants: SAMPLE_TENANTS.map((t) => ({ id: t.id, name: t.name, timezone: t.timezone, story: t.story })),
  };
}

/**
 * Builds the sample data and inserts it in one transaction. The tables must not hold the sample
 * tenants yet (call clearSampleData first to reload).
 */
export async function loadSampleData(db: Db, opts: SampleDataOptions): Promise<SampleDataResult> {
  const { tables, tenants } = buildSampleData(opts);
  const total = tables.reduce((n, t) => n + t.rows.length, 0);
  const counts: Record<string, number> = {};
  await db.transaction(async (tx) => {
    let done = 0;
    for (const t of tables) {
      counts[t.table] = t.rows.length;
      for (let i = 0; i < t.rows.length; i += BATCH_ROWS) {
        const batch = t.rows.slice(i, i + BATCH_ROWS);
        const { text, values } = multiRowInsert(t.table, t.columns, batch);
        await tx.query(text, values);
        done += batch.length;
        opts.onProgress?.(done, total, t.table);
      }
    }
  });
  return { tenants, counts };
}

/**
 * Deletes the sample tenants' rows (and the sample plans when nothing else subscribes to them), so
 * the demo can load them again. Other tenants' rows are left alone, and so is the poller's row
 * (herald.alert_poller is Herald's, one for all tenants). One transaction.
 */
export async function clearSampleData(db: Db): Promise<void> {
  const ids = SAMPLE_TENANTS.map((t) => t.id);
  const planIds = SAMPLE_PLANS.map((p) => p.id);
  await db.transaction(async (tx) => {
    await tx.query(`DELETE FROM posthog_events WHERE properties->>'tenant_id' = ANY($1::text[])`, [ids]);
    await tx.query('DELETE FROM deliverability_daily_summary WHERE tenant_id = ANY($1::text[])', [ids]);
    await tx.query('DELETE FROM smtp_ip_addresses WHERE vps_instance_id IN (SELECT id FROM vps_instances WHERE tenant_id = ANY($1::text[]))', [ids]);
    await tx.query('DELETE FROM vps_instances WHERE tenant_id = ANY($1::text[])', [ids]);
    await tx.query('DELETE FROM payments WHERE subscription_id IN (SELECT id FROM subscriptions WHERE tenant_id = ANY($1::text[]))', [ids]);
    await tx.query('DELETE FROM subscriptions WHERE tenant_id = ANY($1::text[])', [ids]);
    await tx.query('DELETE FROM herald.alerts WHERE tenant_id = ANY($1::text[])', [ids]);
    await tx.query('DELETE FROM tenants WHERE id = ANY($1::text[])', [ids]);
    await tx.query('DELETE FROM plans p WHERE p.id = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.plan_id = p.id)', [planIds]);
  });
}

/** `INSERT INTO t (a, b) VALUES ($1::text, $2::numeric), (…)`: casts make both drivers agree on types. */
function multiRowInsert(table: string, columns: Column[], batch: Row[]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const tuples = batch.map((row) => {
    if (row.length !== columns.length) throw new Error(`sample data: ${table} row has ${row.length} values, expected ${columns.length}`);
    return `(${row.map((v, i) => { values.push(v); return `$${values.length}::${columns[i].cast}`; }).join(', ')})`;
  });
  // Plans are shared: when clearSampleData kept one because another tenant subscribes to it, keep it.
  // The poller's row is Herald's, not the sample's: a poller that ran here first keeps its start.
  const onConflict = table === 'plans' || table === 'herald.alert_poller' ? ' ON CONFLICT (id) DO NOTHING' : '';
  return { text: `INSERT INTO ${table} (${columns.map((c) => c.name).join(', ')}) VALUES ${tuples.join(', ')}${onConflict}`, values };
}

// ---------------------------------------------------------------------------------------------
// Business tables

function subscriptionRows(tenant: SampleTenant, today: DateTime): Row[] {
  return tenant.subscriptions.map((s) => {
    // The period that contains today, or for a canceled one the period it was canceled in.
    const ref = s.canceled_days_ago !== undefined ? today.minus({ days: s.canceled_days_ago }) : today;
    let start = anniversaryIn(ref, s.anniversary_day);
    if (start > ref) start = anniversaryIn(ref.minus({ months: 1 }), s.anniversary_day);
    const end = anniversaryIn(start.plus({ months: 1 }), s.anniversary_day);
    return [s.id, tenant.id, s.plan_id, s.status, start.toISODate(), end.toISODate()];
  });
}

/** The anniversary day in the month of `inMonth`, clamped to the month's last day. */
function anniversaryIn(inMonth: DateTime, day: number): DateTime {
  const m = inMonth.startOf('month');
  return m.set({ day: Math.min(day, m.daysInMonth as number) });
}

function paymentRows(tenant: SampleTenant, today: DateTime, nowLocal: DateTime, days: number, rnd: Prng): Row[] {
  const first = today.minus({ days });
  const out: Row[] = [];
  const lastMonthEnd = today.startOf('month').minus({ days: 1 });
  for (const s of tenant.subscriptions) {
    const plan = SAMPLE_PLANS.find((p) => p.id === s.plan_id);
    if (!plan) throw new Error(`sample data: unknown plan ${s.plan_id}`);
    const started = DateTime.fromISO(s.started_on, { zone: tenant.timezone });
    const canceled = s.canceled_days_ago !== undefined ? today.minus({ days: s.canceled_days_ago }) : null;
    for (let m = first.startOf('month'); m <= today; m = m.plus({ months: 1 })) {
      const day = anniversaryIn(m, s.anniversary_day);
      if (day < first || day < started || (canceled && day >= canceled)) continue;
      const atMonthEnd = s.last_month_end_at_235959 === true && day.hasSame(lastMonthEnd, 'day');
      const paidAt = atMonthEnd
        ? day.set({ hour: 23, minute: 59, second: 59 })
        : day.set({ hour: s.pay_hour, minute: s.pay_minute + rnd.int(0, 9), second: rnd.int(0, 59) });
      if (paidAt > nowLocal) continue;
      out.push([`pay-${s.id}-${day.toFormat('yyyy-MM')}`, s.id, plan.price_monthly, iso(paidAt)]);
    }
  }
  return out;
}

function infrastructureRows(tenant: SampleTenant): { vps: Row[]; ips: Row[] } {
  const vps: Row[] = [];
  const ips: Row[] = [];
  let octet = 10;
  for (const v of tenant.vps) {
    vps.push([v.id, tenant.id, v.status, v.monthly_cost, v.cpu, v.memory]);
    v.ips.forEach((a, i) => {
      ips.push([`${v.id}-ip-${i + 1}`, v.id, `${tenant.ip_prefix}.${octet++}`, a.monthly_cost, a.warmup_progress, a.daily_capacity]);
    });
  }
  return { vps, ips };
}

// ---------------------------------------------------------------------------------------------
// Daily deliverability: the tenant's story lives in its rates

function dayRates(tenant: SampleTenant, crisis: number | null, rnd: Prng): DayRates {
  switch (tenant.id) {
    case NORTHWIND_ID:
      return {
        bounce: rnd.float(0.0085, 0.0115), spam: rnd.float(0.0008, 0.0012), dropped: rnd.float(0.0035, 0.0055),
        ip_reputation: 'good', domain_reputation: 'good', volume_factor: 1,
      };
    case BLUEPEAK_ID: {
      const c = crisis;
      if (c === null) {
        return {
          bounce: rnd.float(0.017, 0.023), spam: rnd.float(0.0015, 0.0025), dropped: rnd.float(0.004, 0.006),
          ip_reputation: 'good', domain_reputation: 'good', volume_factor: 1,
        };
      }
      const ramp = [0.045, 0.08, 0.121, 0.156];
      const spamRamp = [0.004, 0.008, 0.013, 0.018];
      return {
        bounce: c < ramp.length ? ramp[c] + rnd.float(-0.002, 0.002) : rnd.float(0.16, 0.19),
        spam: c < spamRamp.length ? spamRamp[c] + rnd.float(-0.0005, 0.0005) : rnd.float(0.021, 0.026),
        dropped: rnd.float(0.008, 0.012),
        ip_reputation: c <= 2 ? 'fair' : 'poor',
        domain_reputation: c <= 2 ? 'good' : c <= 6 ? 'fair' : 'poor',
        volume_factor: c >= 5 ? 0.75 : 1, // sends throttled once the crisis was recognised
      };
    }
    default:
      return {
        bounce: rnd.float(0.028, 0.036), spam: rnd.float(0.003, 0.0045), dropped: rnd.float(0.007, 0.009),
        ip_reputation: 'fair', domain_reputation: 'good', volume_factor: 1,
      };
  }
}

function buildDays(tenant: SampleTenant, today: DateTime, days: number, rnd: Prng): Day[] {
  const out: Day[] = [];
  for (let k = days; k >= 0; k--) {
    const start = today.minus({ days: k });
    const weekend = start.weekday >= 6;
    const c = Math.min(BLUEPEAK_CRISIS_DAYS_AGO, days) - k;
    const crisis = tenant.id === BLUEPEAK_ID && c >= 0 ? c : null;
    const rates = dayRates(tenant, crisis, rnd);
    const growth = 1 + 0.05 * (1 - k / Math.max(days, 1)); // gentle growth over the window
    const base = weekend ? tenant.volume.weekend : tenant.volume.weekday;
    const sent = Math.round(base * growth * rates.volume_factor * rnd.float(0.93, 1.07));
    const bounced = Math.round(sent * rates.bounce);
    const spam = Math.round(sent * rates.spam);
    const delivered = sent - bounced - Math.round(sent * rates.dropped);
    out.push({ k, date: start.toISODate() as string, start, weekend, sent, delivered, bounced, spam, rates, crisis });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Events

class EventSink {
  readonly rows: EventRow[] = [];
  constructor(private readonly tenantId: string, private readonly now: Date, private readonly rnd: Prng) {}

  /** Records an event at `at` unless that is after now (today's events stop at now). */
  add(event: string, when: DateTime, properties: Record<string, unknown>): void {
    const uuid = this.rnd.uuid(); // drawn even when skipped, so the stream does not depend on now's time of day
    if (when.toMillis() > this.now.getTime()) return;
    this.rows.push({
      uuid,
      event,
      distinct_id: this.tenantId,
      timestamp: when.toUTC().toISO() as string,
      properties: { tenant_id: this.tenantId, ...properties, tracking_date: iso(when) },
    });
  }
}

function at(d: Day, hour: number, minute: number, second: number): DateTime {
  return d.start.set({ hour, minute, second });
}

function resourceUsageEvents(sink: EventSink, tenant: SampleTenant, d: Day, rnd: Prng): void {
  tenant.vps.forEach((v, i) => {
    const stopped = v.status !== 'active';
    if (stopped && (tenant.id !== COPPERLEAF_ID || d.k <= COPPERLEAF_STOPPED_DAYS_AGO)) return;
    const baseCpu = stopped ? 6 : v.cpu;
    const util = r2(clamp(baseCpu + rnd.float(-6, 6) + (d.weekend ? -4 : 0), 1, 99));
    const over = util > 85;
    const under = util < 30;
    sink.add('resource_usage_event', at(d, 6, 5 + i * 3, rnd.int(0, 59)), {
      resource_type: 'vps_instance',
      resource_id: v.id,
      current_usage: util,
      capacity: 100,
      utilization_percentage: util,
      usage_trend: rnd.pick(['stable', 'stable', 'increasing', 'decreasing']),
      cost_per_unit: r2(v.monthly_cost / 100),
      total_cost: v.monthly_cost,
      optimization_opportunities: under ? ['Right-size instance', 'Consolidate workloads'] : over ? ['Scale out', 'Auto-scaling configuration'] : [],
      over_utilized: over,
      under_utilized: under,
      cost_efficient: !under && !over,
    });
  });
}

function riskOf(bounce: number, spam: number): 'critical' | 'high' | 'medium' | 'low' {
  if (bounce > 0.15 || spam > 0.02) return 'critical';
  if (bounce > 0.10 || spam > 0.015) return 'high';
  if (bounce > 0.05 || spam > 0.01) return 'medium';
  return 'low';
}

function deliverabilityEvents(sink: EventSink, tenant: SampleTenant, d: Day, rnd: Prng): void {
  const inCrisis = tenant.id === BLUEPEAK_ID && d.rates.bounce > 0.05;
  const n = inCrisis ? 8 : 3;
  const span = 16 / n; // spread over 06:00–22:00 local
  for (let i = 0; i < n; i++) {
    const hourF = 6 + span * i + rnd.float(0, span * 0.8);
    const when = at(d, Math.floor(hourF), Math.floor((hourF % 1) * 60), rnd.int(0, 59));
    const emailCount = Math.round((d.sent / n) * rnd.float(0.85, 1.15));
    const bounce = r4(d.rates.bounce * rnd.float(0.94, 1.06));
    const spam = r4(d.rates.spam * rnd.float(0.94, 1.06));
    const risk = riskOf(bounce, spam);
    sink.add('email_deliverability_event', when, {
      delivery_outcome: bounce > 0.05 ? 'bounced' : 'delivered',
      email_count: emailCount,
      bounce_rate: bounce,
      spam_rate: spam,
      ip_reputation: d.rates.ip_reputation,
      domain_reputation: d.rates.domain_reputation,
      cost_impact: r2(0.05 * emailCount * bounce + 0.25 * emailCount * spam),
      risk_level: risk,
      actions_required: risk === 'low' ? ['Routine list hygiene'] : ['Pause the new IP pool', 'Suppress hard bounces', 'Content review'],
      estimated_resolution_time: risk === 'low' ? 'none' : risk === 'medium' ? '24 hours' : '72 hours',
      requires_immediate_attention: risk === 'critical' || risk === 'high',
    });
  }
}

const EFFICIENCY_METRICS = ['email_delivery_rate', 'resource_utilization', 'cost_per_thousand_emails', 'alert_response_minutes'] as const;

function efficiencyEvent(sink: EventSink, tenant: SampleTenant, d: Day, rnd: Prng): void {
  let score: number;
  if (tenant.id === NORTHWIND_ID) score = rnd.float(82, 93);
  else if (tenant.id === COPPERLEAF_ID) score = rnd.float(52, 68);
  else score = d.crisis === null ? rnd.float(80, 88) : clamp(78 - d.crisis * 3.5 + rnd.float(-3, 3), 45, 80);
  score = Math.round(score);
  const metric = EFFICIENCY_METRICS[(d.k + tenant.id.length) % EFFICIENCY_METRICS.length];
  const activeCost = monthlyCostOf(tenant);
  const deliverability = (d.delivered / d.sent) * 100;
  const meanCpu = tenant.vps.filter((v) => v.status === 'active').reduce((n, v, _i, a) => n + v.cpu / a.length, 0);
  const values: Record<(typeof EFFICIENCY_METRICS)[number], [number, number, number]> = {
    email_delivery_rate: [r2(deliverability), 95.2, 99.0],
    resource_utilization: [r2(meanCpu + rnd.float(-3, 3)), 60, 75],
    cost_per_thousand_emails: [r2((activeCost / (d.sent * 30)) * 1000 * rnd.float(0.95, 1.05)), 0.5, 0.35],
    alert_response_minutes: [Math.round(tenant.id === BLUEPEAK_ID && d.rates.bounce > 0.05 ? rnd.float(60, 180) : rnd.float(8, 25)), 30, 15],
  };
  const [current, baseline, target] = values[metric];
  const low = score < 70;
  sink.add('operational_efficiency_event', at(d, 7, 30, rnd.int(0, 59)), {
    efficiency_metric: metric,
    current_value: current,
    baseline_value: baseline,
    target_value: target,
    efficiency_score: score,
    trend_direction: low ? 'declining' : rnd.pick(['improving', 'stable', 'stable']),
    cost_impact: Math.round(low ? rnd.float(300, 1500) : rnd.float(50, 300)),
    customer_impact: Math.round(rnd.float(200, low ? 5000 : 1500)),
    operational_impact: low ? 'Wasted capacity and slower incident response' : 'Reduced customer churn risk',
    recommendations: low ? ['Right-size under-used instances', 'Retire cold IPs', 'Automate alert acknowledgement'] : ['Optimize IP warmup', 'Improve content quality'],
    requires_executive_attention: low,
  });
}

function revenueImpactEvents(sink: EventSink, tenant: SampleTenant, d: Day, rnd: Prng): void {
  const common = (bounce: number, spam: number, affected: number) => ({
    event_category: 'revenue_impact',
    customer_ltv: Math.round(rnd.float(20000, 90000) / 100) * 100,
    affected_emails: affected,
    bounce_rate: r4(bounce),
    spam_rate: r4(spam),
    timeframe: 'monthly',
  });
  const positive = (min: number, max: number) => {
    sink.add('revenue_impact_event', at(d, rnd.int(9, 17), rnd.int(0, 59), rnd.int(0, 59)), {
      ...common(d.rates.bounce, d.rates.spam, Math.round(d.sent * rnd.float(0.05, 0.3))),
      event_type: rnd.pick(['deliverability_improvement', 'campaign_performance', 'retention_win']),
      impact_amount: Math.round(rnd.float(min, max)),
      impact_type: 'positive',
      urgency_level: 'low',
      action_required: 'None',
      mitigation_actions: [],
      estimated_resolution_time: 'n/a',
      priority_level: 'low',
    });
  };
  const negative = (min: number, max: number, hostile = false) => {
    const amount = Math.round(rnd.float(min, max));
    const level = amount > 10000 ? 'critical' : amount > 1000 ? 'high' : 'medium';
    sink.add('revenue_impact_event', at(d, rnd.int(8, 20), rnd.int(0, 59), rnd.int(0, 59)), {
      ...common(d.rates.bounce, d.rates.spam, Math.round(d.sent * rnd.float(0.1, 0.6))),
      event_type: rnd.pick(d.rates.bounce > 0.05 ? ['deliverability_issue', 'blocklisting'] : ['deliverability_issue', 'send_delay', 'churn_risk']),
      impact_amount: amount,
      impact_type: 'negative',
      urgency_level: level === 'critical' ? 'high' : level === 'high' ? 'medium' : 'low',
      action_required: hostile ? HOSTILE_TEXT : level === 'medium' ? 'Review the affected segment' : 'IP warmup and content review',
      mitigation_actions: level === 'medium' ? ['List hygiene'] : ['IP rotation', 'Content review', 'Suppress hard bounces'],
      estimated_resolution_time: level === 'critical' ? '72 hours' : '24 hours',
      priority_level: level,
    });
  };

  if (tenant.id === NORTHWIND_ID) {
    if (rnd.chance(0.45)) (rnd.chance(0.85) ? positive(400, 4500) : negative(120, 900));
  } else if (tenant.id === COPPERLEAF_ID) {
    if (rnd.chance(0.35)) (rnd.chance(0.55) ? negative(200, 2800) : positive(150, 1800));
  } else {
    const c = d.crisis;
    if (c === null) {
      if (rnd.chance(0.4)) (rnd.chance(0.7) ? positive(300, 3000) : negative(150, 1500));
    } else if (c === 0) {
      negative(2500, 8000);
    } else {
      const n = rnd.int(2, 3);
      for (let i = 0; i < n; i++) {
        // Mostly above the $10,000 critical line; some "high" ones in between.
        if (rnd.chance(0.7)) negative(10500, 38000, c === 1 && i === 0);
        else negative(1500, 9500);
      }
    }
  }
}

const OPTIMIZATIONS = {
  infrastructure: { actions: ['Right-size VPS instances'], resources: ['DevOps engineer'] },
  ip_pool: { actions: ['Retire cold IPs', 'Consolidate IP pools'], resources: ['Deliverability engineer'] },
  email_service: { actions: ['Move transactional mail to the cheaper relay tier'], resources: ['Backend engineer'] },
  vendor_contracts: { actions: ['Renegotiate the provider contract'], resources: ['Procurement'] },
} as const;
type OptimizationCategory = keyof typeof OPTIMIZATIONS;
const CATEGORIES = Object.keys(OPTIMIZATIONS) as OptimizationCategory[];

function optimizationEvent(sink: EventSink, d: Day, rnd: Prng, type: 'implemented' | 'identified', category: OptimizationCategory,
  baseline: number, pct: number, complexity: 'low' | 'medium' | 'high'): void {
  const savings = Math.round(baseline * pct);
  const effort = savings / rnd.float(1.5, 4); // one-off cost of doing it
  sink.add('cost_optimization_event', at(d, rnd.int(9, 17), rnd.int(0, 59), rnd.int(0, 59)), {
    optimization_category: category,
    optimization_type: type,
    savings_amount: savings,
    baseline_cost: Math.round(baseline),
    optimized_cost: Math.round(baseline) - savings,
    savings_percentage: r2(pct * 100),
    implementation_complexity: complexity,
    timeframe_required: complexity === 'low' ? '1 week' : complexity === 'medium' ? '3 weeks' : '2 months',
    required_actions: [...OPTIMIZATIONS[category].actions],
    resources_needed: [...OPTIMIZATIONS[category].resources],
    roi: Math.round(((savings - effort) / effort) * 100),
    payback_period_months: Math.max(1, Math.round(effort / (savings / 12))),
    risk_level: complexity === 'high' ? 'medium' : 'low',
    tracked_by: 'cost_optimization_engine',
  });
}

/**
 * Local days before now at which copperleaf's never-implemented opportunities were found. Each is a
 * share of what it would save on (its baseline: the fleet, two of its instances, its IPs), so no
 * saving exceeds its baseline or the tenant's monthly cost ($3,982): a brief can present them as
 * savings a month. Together they are about half of the monthly cost.
 */
const COPPERLEAF_FINDINGS: { k: number; category: OptimizationCategory; baseline: number; pct: number }[] = [
  { k: 84, category: 'infrastructure', baseline: 3310, pct: 0.42 },   // halve four instances of the fleet
  { k: 66, category: 'ip_pool', baseline: 672, pct: 0.46 },           // retire cold IPs
  { k: 47, category: 'vendor_contracts', baseline: 3310, pct: 0.18 }, // reserved pricing on the fleet
  { k: 29, category: 'infrastructure', baseline: 1400, pct: 0.5 },    // cl-vps-1 and cl-vps-4
  { k: 16, category: 'email_service', baseline: 672, pct: 0.38 },
  { k: 9, category: 'ip_pool', baseline: 672, pct: 0.52 },
  { k: 3, category: 'infrastructure', baseline: 1370, pct: 0.47 },    // cl-vps-2 and cl-vps-3
];

/** What a tenant's active instances and their IPs cost a month (the ceiling of any baseline). */
function monthlyCostOf(tenant: SampleTenant): number {
  return tenant.vps.filter((v) => v.status === 'active').reduce((n, v) => n + v.monthly_cost + v.ips.reduce((m, a) => m + a.monthly_cost, 0), 0);
}

function costOptimizationEvents(sink: EventSink, tenant: SampleTenant, d: Day, rnd: Prng): void {
  // Baselines are a share of what the tenant spends a month: an optimization cannot act on more.
  const monthly = monthlyCostOf(tenant);
  if (tenant.id === NORTHWIND_ID) {
    if (rnd.chance(0.22)) {
      const implemented = rnd.chance(0.8);
      optimizationEvent(sink, d, rnd, implemented ? 'implemented' : 'identified', rnd.pick(CATEGORIES),
        monthly * rnd.float(0.3, 1), rnd.float(0.08, 0.18), rnd.pick(['low', 'low', 'medium']));
    }
  } else if (tenant.id === BLUEPEAK_ID) {
    if (rnd.chance(0.12)) {
      optimizationEvent(sink, d, rnd, rnd.chance(0.6) ? 'implemented' : 'identified', rnd.pick(CATEGORIES),
        monthly * rnd.float(0.25, 0.9), rnd.float(0.06, 0.15), rnd.pick(['low', 'medium']));
    }
  } else {
    for (const f of COPPERLEAF_FINDINGS) {
      if (f.k === d.k) optimizationEvent(sink, d, rnd, 'identified', f.category, f.baseline, f.pct, 'medium');
    }
    if (rnd.chance(0.05)) {
      optimizationEvent(sink, d, rnd, rnd.chance(0.5) ? 'implemented' : 'identified', rnd.pick(CATEGORIES),
        monthly * rnd.float(0.1, 0.5), rnd.float(0.04, 0.1), 'low');
    }
  }
}

/** "6 weeks", "3 months", "10 days" → a luxon duration object. */
function parseTimeframe(text: string): { days?: number; weeks?: number; months?: number } {
  const m = /^(\d+)\s+(day|week|month)s?$/.exec(text.trim());
  if (!m) throw new Error(`sample data: bad outcome_timeframe "${text}"`);
  const n = Number(m[1]);
  return m[2] === 'day' ? { days: n } : m[2] === 'week' ? { weeks: n } : { months: n };
}

function decisionEvents(sink: EventSink, tenant: SampleTenant, today: DateTime, days: number, rnd: Prng): void {
  for (const dec of tenant.decisions) {
    if (dec.days_ago > days) continue;
    const decidedAt = today.minus({ days: dec.days_ago }).set({ hour: dec.hour, minute: rnd.int(0, 59), second: 0 });
    const trackedAt = decidedAt.plus({ minutes: rnd.int(5, 90) });
    sink.add('strategic_decision_event', trackedAt, decisionProperties(dec, decidedAt));
    const o = dec.outcome;
    if (!o || !dec.decision_id) continue;
    const recordedAt = decidedAt.plus(parseTimeframe(dec.outcome_timeframe)).plus({ days: o.recorded_after_due_days })
      .set({ hour: 16, minute: rnd.int(0, 59), second: rnd.int(0, 59) });
    sink.add('decision_outcome_event', recordedAt, {
      decision_id: dec.decision_id,
      actual_revenue_impact: o.actual_revenue_impact,
      actual_cost_impact: o.actual_cost_impact,
      outcome_status: o.outcome_status,
      notes: o.notes,
    });
  }
}

function decisionProperties(dec: SampleDecision, decidedAt: DateTime): Record<string, unknown> {
  const p: Record<string, unknown> = {};
  if (dec.decision_id) p.decision_id = dec.decision_id;
  Object.assign(p, {
    decision_type: dec.decision_type,
    decision_title: dec.decision_title,
    decision_maker: dec.decision_maker,
    decision_date: iso(decidedAt),
    factors_considered: ['Growth projections', 'Cost analysis', 'Risk assessment'],
    alternative_options: ['Defer', 'Gradual rollout'],
    selected_option: dec.selected_option,
    business_justification: dec.business_justification,
    expected_revenue_impact: dec.expected_revenue_impact,
    expected_cost_impact: dec.expected_cost_impact,
    outcome_timeframe: dec.outcome_timeframe,
    outcome_confidence: dec.outcome_confidence,
    tracking_kpis: ['Revenue growth', 'Cost efficiency'],
    review_schedule: 'Monthly executive review',
    priority_decision: Math.abs(dec.expected_revenue_impact) >= 50000,
  });
  if (dec.requested_hours_before !== undefined) p.requested_at = iso(decidedAt.minus({ hours: dec.requested_hours_before }));
  return p;
}

// ---------------------------------------------------------------------------------------------
// Herald's alert records of bluepeak's crisis (the executive summary lists them; their
// acknowledgements make revenue_protection_rate)

/**
 * Who acknowledges bluepeak's alerts, replying ACK to the SMS (src/demo/sampleRecipients.ts): the
 * on-call head of deliverability, texted first; when she does not answer in time the alert
 * escalates to the c-suite and the CEO answers.
 */
const BLUEPEAK_ON_CALL = 'Lena Vogt (SMS)';
const BLUEPEAK_CEO = 'Birgit Lang (SMS)';

/**
 * One deliverability alert per complete crisis day, as the poller records them (fingerprint
 * `deliverability:bluepeak`: one open at a time): it fires on the day's first breaching event,
 * takes the worst severity the day's events reach while it is open and the latest breach's
 * wording (the rule's own), and is resolved a few hours later, within the acknowledgement timeout,
 * once the affected pool is paused. Medium alerts send no message, so nobody acknowledges them; of
 * the critical and high ones most are acknowledged by the on-call director within 2 hours, every
 * fifth (from the third) late by the CEO, the fifth and the newest never. None is open at `now`:
 * the demo plays today's part of the crisis through the real alert path (crisisReplay.ts).
 */
function crisisAlerts(tenant: SampleTenant, events: EventRow[], now: Date, rnd: Prng): Row[] {
  const zone = tenant.timezone;
  interface Breach { at: DateTime; severity: Severity; summary: string; short: string; value: number; atRisk: number | null }
  const byDay = new Map<string, Breach[]>();
  for (const e of events) {
    if (e.event !== 'email_deliverability_event') continue;
    const p = e.properties;
    const ev = deliverability(p.bounce_rate as number, p.spam_rate as number, p.email_count as number, defaultRuleSettings.deliverability, defaultMetricSettings);
    if (ev.verdict !== 'breach') continue;
    const at = DateTime.fromISO(e.timestamp, { zone });
    const day = at.toISODate() as string;
    if (!byDay.has(day)) byDay.set(day, []);
    byDay.get(day)!.push({ at, severity: ev.severity, summary: ev.summary, short: ev.short, value: ev.value, atRisk: ev.atRisk });
  }
  const today = DateTime.fromJSDate(now, { zone }).toISODate() as string;
  const days = [...byDay.keys()].filter((d) => d < today).sort();
  const codes = new Set<string>();
  const nowMs = now.getTime();
  let answered = 0; // critical and high alerts so far: they follow the acknowledgement pattern
  return days.map((day, i) => {
    const breaches = byDay.get(day)!.sort((a, b) => a.at.toMillis() - b.at.toMillis());
    const fired = breaches[0].at.plus({ seconds: rnd.int(1, 5) }); // the poller's next tick
    let code: string;
    do code = String(rnd.int(1000, 9999)); while (codes.has(code));
    codes.add(code);
    const newest = i === days.length - 1;
    const initial = breaches[0].severity;
    let ack: DateTime | null = null;
    let by: string | null = null;
    if (initial !== 'medium') {
      const n = answered++;
      const kind = newest || n === 4 ? 'never' : n % 5 === 2 ? 'late' : 'fast';
      const raw = kind === 'fast' ? fired.plus({ minutes: rnd.int(6, 110) }) : kind === 'late' ? fired.plus({ minutes: rnd.int(135, 235) }) : null;
      ack = raw && raw.toMillis() <= nowMs ? raw : null;
      by = ack ? (kind === 'late' ? BLUEPEAK_CEO : BLUEPEAK_ON_CALL) : null;
    }
    // Resolved within the acknowledgement timeout (4 h), so it never re-alerted.
    const resolvedRaw = (ack ?? fired).plus({ minutes: rnd.int(60, 200) });
    const resolved = resolvedRaw.toMillis() <= nowMs ? resolvedRaw : null;
    const open = breaches.filter((b) => !resolved || b.at < resolved); // the breaches it saw
    const latest = open[open.length - 1];
    const worst = open.reduce<Severity>((w, b) => (b.severity === 'critical' || (b.severity === 'high' && w === 'medium') ? b.severity : w), 'medium');
    const state = resolved ? 'resolved' : ack ? 'acknowledged' : 'firing';
    const updated = [resolved, ack, latest.at].filter((d): d is DateTime => d !== null).reduce((a, b) => (b > a ? b : a));
    return [
      'deliverability', tenant.id, tenant.name, `deliverability:${tenant.id}`, code,
      worst, latest.severity, state, latest.summary, latest.short,
      latest.value, latest.atRisk, iso(fired), iso(fired),
      iso(fired), iso(latest.at < fired ? fired : latest.at), iso(fired),
      ack ? iso(ack) : null, by, resolved ? iso(resolved) : null, iso(updated),
    ];
  });
}
