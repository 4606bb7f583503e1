import type { Db } from '../db/Db.js';
import type { EventStore, InstantRange } from './EventStore.js';
import type { AlertCandidateEvent, DecisionEvent, DecisionLog, EventFacts, OptimizationEvent, OptimizationGroup } from './types.js';
import { quoteTableName } from './sqlIdentifier.js';

/**
 * A numeric event property as float8, or NULL when it is not a plain number or is absurd.
 * Event properties are untrusted JSON: "12.5" and 12.5 count; "NaN", "1e999", "" and objects do
 * not, nor a magnitude of a trillion or more (12 digits at most: no brief amount is that large,
 * and a 300-digit figure must never reach a page). `key` is always a constant of this file.
 */
function num(key: string): string {
  const v = `(properties->>'${key}')`;
  return `(CASE WHEN ${v} ~ '^-?[0-9]{1,12}(\\.[0-9]+)?$' THEN ${v}::float8 END)`;
}

/** The event store over PostHog's PostgreSQL batch-export table (default `posthog_events`). */
export class PosthogExportStore implements EventStore {
  readonly kind = 'posthog-export' as const;
  private readonly table: string;

  constructor(private readonly db: Db, table = 'posthog_events') {
    this.table = quoteTableName(table, 'sources.events.table');
  }

  /**
   * Events of $4 (names) for tenant $1, each with `r`, the index (1-based) of the range of
   * [$2[i], $3[i]) it falls in. The export has no primary key and may hold an event twice: keep
   * one row per uuid.
   */
  private events(): string {
    return `SELECT DISTINCT ON (e.uuid) e.uuid, e.event, e.properties, e."timestamp", r.i AS r
              FROM ${this.table} e
              JOIN unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS r(start_at, end_at, i)
                ON e."timestamp" >= r.start_at AND e."timestamp" < r.end_at
             WHERE e.properties->>'tenant_id' = $1 AND e.event = ANY($4::text[])
               AND e."timestamp" >= (SELECT min(s) FROM unnest($2::timestamptz[]) s)
               AND e."timestamp" < (SELECT max(x) FROM unnest($3::timestamptz[]) x)
             ORDER BY e.uuid, e."timestamp"`;
  }

  /**
   * One statement: the tenant's events of both ranges are read once (the export is the largest
   * table) and each fact is a JSON array computed from them, by range.
   */
  async eventFacts(tenantId: string, ranges: InstantRange[]): Promise<EventFacts[]> {
    const { rows: [facts] } = await this.db.query<{
      impact: { r: number; negative_total: number; positive_total: number; event_count: number; invalid: number }[];
      optimization: (OptimizationEvent & { r: number })[];
      utilization: { r: number; mean_percent: number | null; samples: number; out_of_range: number }[];
      decisions: { r: number; uuid: string; timestamp: string; properties: Record<string, unknown> }[];
      candidates: { r: number; uuid: string; event: string; timestamp: string; properties: Record<string, unknown> }[];
      newest: Date | null;
    }>(
      `WITH ev AS MATERIALIZED (${this.events()})
       SELECT
         (SELECT coalesce(json_agg(x ORDER BY x.r), '[]') FROM (
            SELECT r, coalesce(sum(amount) FILTER (WHERE amount >= 0 AND properties->>'impact_type' = 'negative'), 0)::float8 AS negative_total,
                   coalesce(sum(amount) FILTER (WHERE amount >= 0 AND properties->>'impact_type' = 'positive'), 0)::float8 AS positive_total,
                   count(*) FILTER (WHERE amount >= 0)::int AS event_count,
                   count(*) FILTER (WHERE amount IS NULL OR amount < 0)::int AS invalid
              FROM (SELECT r, properties, ${num('impact_amount')} AS amount FROM ev WHERE event = 'revenue_impact_event') t
             GROUP BY r) x) AS impact,
         (SELECT coalesce(json_agg(x ORDER BY x.r, x."timestamp", x.uuid), '[]') FROM (
            SELECT r, uuid, "timestamp", coalesce(nullif(properties->>'optimization_category', ''), 'uncategorized') AS category,
                   coalesce(properties->>'optimization_type', 'unknown') AS type,
                   ${num('savings_amount')} AS savings, ${num('baseline_cost')} AS baseline, ${num('roi')} AS roi
              FROM ev WHERE event = 'cost_optimization_event') x) AS optimization,
         (SELECT coalesce(json_agg(x ORDER BY x.r), '[]') FROM (
            SELECT r, avg(u) FILTER (WHERE u BETWEEN 0 AND 100)::float8 AS mean_percent,
                   count(*) FILTER (WHERE u BETWEEN 0 AND 100)::int AS samples,
                   count(*) FILTER (WHERE u IS NULL OR NOT u BETWEEN 0 AND 100)::int AS out_of_range
              FROM (SELECT r, ${num('utilization_percentage')} AS u FROM ev WHERE event = 'resource_usage_event') t
             GROUP BY r) x) AS utilization,
         (SELECT coalesce(json_agg(x ORDER BY x."timestamp", x.uuid), '[]') FROM (
            SELECT r, uuid, "timestamp", properties FROM ev WHERE event = 'strategic_decision_event') x) AS decisions,
         (SELECT coalesce(json_agg(x ORDER BY x."timestamp", x.uuid), '[]') FROM (
            SELECT r, uuid, event, "timestamp", properties FROM ev WHERE event = ANY($5::text[])) x) AS candidates,
         (SELECT max("timestamp") FROM ${this.table} WHERE properties->>'tenant_id' = $1) AS newest`,
      [tenantId, ranges.map((r) => r.start), ranges.map((r) => r.end), [...FACT_EVENTS], [...ALERT_CANDIDATE_EVENTS]],
    );
    const of = <T extends { r: number }>(rows: T[], i: number): Omit<T, 'r'>[] =>
      rows.filter((row) => row.r === i + 1).map(({ r: _r, ...rest }) => rest);
    const newestAt = facts.newest ? new Date(facts.newest) : null;
    return ranges.map((_, i) => {
      const impact = of(facts.impact, i)[0];
      const use = of(facts.utilization, i)[0];
      return {
        revenue_impact: impact ? { negative_total: impact.negative_total, positive_total: impact.positive_total, event_count: impact.event_count } : { negative_total: 0, positive_total: 0, event_count: 0 },
        optimization: of(facts.optimization, i).map((o) => ({ category: o.category, type: o.type, savings: o.savings, baseline: o.baseline, roi: o.roi })),
        utilization: use && use.samples > 0 ? { mean_percent: use.mean_percent, samples: use.samples } : { mean_percent: null, samples: 0 },
        excluded: { revenue_impact_invalid_amount: impact?.invalid ?? 0, utilization_out_of_range: use?.out_of_range ?? 0 },
        decisions: of(facts.decisions, i).map((d) => toDecision({ ...d, timestamp: new Date(d.timestamp) })),
        alert_candidates: of(facts.candidates, i).map((c) => ({ ...c, timestamp: new Date(c.timestamp) })),
        newest_event_at: newestAt,
      };
    });
  }

  /**
   * Decisions and outcome events before `until`, of tenant $1 (null: every tenant with a
   * tenant_id), one row per uuid (the export may hold an event twice), by time. Parsed here as
   * eventFacts parses decisions, so both stores hand the metrics the same values.
   */
  async decisionLog(tenantId: string | null, until: Date): Promise<DecisionLog> {
    const { rows } = await this.db.query<{ uuid: string; event: string; timestamp: Date; properties: Record<string, unknown> | null; tenant_id: string }>(
      `SELECT * FROM (
         SELECT DISTINCT ON (uuid) uuid, event, "timestamp", properties, properties->>'tenant_id' AS tenant_id
           FROM ${this.table}
          WHERE event = ANY($3::text[]) AND "timestamp" < $2 AND uuid IS NOT NULL
            AND coalesce(properties->>'tenant_id', '') <> ''
            AND ($1::text IS NULL OR properties->>'tenant_id' = $1)
          ORDER BY uuid, "timestamp") e
        ORDER BY "timestamp", uuid`,
      [tenantId, until, [...DECISION_LOG_EVENTS]],
    );
    return decisionLogOf(rows.map((r) => ({ ...r, timestamp: new Date(r.timestamp), properties: r.properties && typeof r.properties === 'object' ? r.properties : {} })));
  }

  /**
   * Two statements whatever the number of tenants. The events: each tenant's cost optimization
   * events of the ranges through the (tenant, event, timestamp) index, one per uuid, each judged
   * (SPEC §4 exclusions) and summed by tenant, range, category and type. The newest event: for
   * each tenant and event name, the index's last entry (a backward probe each), the newest of all.
   */
  async optimizationTotals(tenantIds: readonly string[], ranges: readonly InstantRange[]): Promise<{ groups: OptimizationGroup[]; newest_event_at: Date | null }> {
    if (tenantIds.length === 0) return { groups: [], newest_event_at: null };
    // The ranges by start (they do not overlap): an event's range is found by width_bucket on the
    // starts, and it must fall before that range's end. Scanning the (tenant, event, timestamp)
    // index once over the whole span beats a join on the ranges, which PostgreSQL answered with
    // the timestamp index, every event of every kind in each range (3 s of 4.5 million events).
    const order = ranges.map((r, i) => ({ ...r, i })).sort((a, b) => +a.start - +b.start);
    const starts = order.map((r) => r.start), ends = order.map((r) => r.end), index = order.map((r) => r.i);
    const [groups, newest] = await Promise.all([
      ranges.length === 0 ? { rows: [] as OptimizationGroup[] } : this.db.query<OptimizationGroup>(
        `WITH ev AS (
           SELECT DISTINCT ON (e.uuid) e.properties->>'tenant_id' AS tenant_id, ($4::int[])[b.i] AS range,
                  coalesce(nullif(e.properties->>'optimization_category', ''), 'uncategorized') AS category,
                  coalesce(e.properties->>'optimization_type', 'unknown') AS type,
                  ${num('savings_amount')} AS savings, ${num('baseline_cost')} AS baseline, ${num('roi')} AS roi
             FROM ${this.table} e, LATERAL (SELECT width_bucket(e."timestamp", $2::timestamptz[]) AS i) b
            WHERE e.properties->>'tenant_id' = ANY($1::text[]) AND e.event = 'cost_optimization_event'
              AND e."timestamp" >= $5 AND e."timestamp" < $6
              AND b.i > 0 AND e."timestamp" < ($3::timestamptz[])[b.i]
            ORDER BY e.uuid, e."timestamp"
         ), judged AS (
           SELECT *, CASE WHEN savings IS NULL OR savings < 0 THEN 'invalid'
                          WHEN baseline IS NOT NULL AND savings > baseline THEN 'above' ELSE 'kept' END AS verdict
             FROM ev
         )
         SELECT tenant_id, range, category, type,
                count(*) FILTER (WHERE verdict = 'kept')::int AS kept,
                coalesce(sum(savings) FILTER (WHERE verdict = 'kept'), 0)::float8 AS savings,
                coalesce(sum(baseline) FILTER (WHERE verdict = 'kept' AND baseline >= 0), 0)::float8 AS baseline,
                coalesce(sum(roi) FILTER (WHERE verdict = 'kept'), 0)::float8 AS roi_sum,
                count(roi) FILTER (WHERE verdict = 'kept')::int AS roi_count,
                count(*) FILTER (WHERE verdict = 'invalid')::int AS invalid_amount,
                count(*) FILTER (WHERE verdict = 'above')::int AS above_baseline,
                coalesce(array_agg(savings ORDER BY savings) FILTER (WHERE verdict = 'kept' AND type = 'identified'), '{}')::float8[] AS identified_amounts
           FROM judged
          GROUP BY tenant_id, range, category, type
          ORDER BY tenant_id, range, category, type`,
        [tenantIds, starts, ends, index, new Date(Math.min(...starts.map(Number))), new Date(Math.max(...ends.map(Number)))]),
      this.db.query<{ at: Date | null }>(
        `SELECT max(x.at) AS at FROM unnest($1::text[]) t(id) CROSS JOIN unnest($2::text[]) n(name),
                LATERAL (SELECT e."timestamp" AS at FROM ${this.table} e
                          WHERE e.properties->>'tenant_id' = t.id AND e.event = n.name
                          ORDER BY e."timestamp" DESC LIMIT 1) x`, [tenantIds, [...KNOWN_EVENTS]]),
    ]);
    const at = newest.rows[0]?.at;
    return {
      groups: groups.rows.map((g) => ({ ...g, identified_amounts: (g.identified_amounts ?? []).map(Number) })),
      newest_event_at: at ? new Date(at) : null,
    };
  }

  async eventIds(names: readonly string[], after: Date, until: Date): Promise<{ uuid: string; timestamp: Date }[]> {
    const { rows } = await this.db.query<{ uuid: string; timestamp: Date }>(
      `SELECT DISTINCT ON (uuid) uuid, "timestamp" FROM ${this.table}
        WHERE "timestamp" > $1 AND "timestamp" <= $2 AND event = ANY($3::text[]) AND uuid IS NOT NULL
        ORDER BY uuid, "timestamp"`, [after, until, names]);
    return rows.map((r) => ({ uuid: r.uuid, timestamp: new Date(r.timestamp) }));
  }

  /**
   * Reads every event of the range and keeps those of `uuids` here, the first of each by time:
   * the cost is the rows of the range, whatever the number of uuids, so callers pass the span of
   * the uuids' timestamps (the poller does). Matching them in SQL (`uuid = ANY($4)`) was a linear
   * search of the list for every row once PostgreSQL planned the prepared statement (pgDb names
   * it) generically, from its sixth run: rows × uuids, and a poller 28,000 events behind at
   * 100,000 events a minute spent 52 s in one read and fell further behind. A join on
   * `unnest($4)` is no cure: with few rows expected the planner nests the list inside the scan.
   */
  async eventsByIds(names: readonly string[], after: Date, until: Date, uuids: readonly string[]): Promise<AlertCandidateEvent[]> {
    if (uuids.length === 0) return [];
    const wanted = new Set(uuids);
    const { rows } = await this.db.query<{ uuid: string; event: string; timestamp: Date; properties: Record<string, unknown> | null }>(
      `SELECT uuid, event, "timestamp", properties FROM ${this.table}
        WHERE "timestamp" > $1 AND "timestamp" <= $2 AND event = ANY($3::text[]) AND uuid IS NOT NULL
        ORDER BY "timestamp", uuid`, [after, until, names]);
    const out: AlertCandidateEvent[] = [];
    for (const r of rows) {
      if (!wanted.delete(r.uuid)) continue; // not asked for, or a later copy of one already kept
      out.push({ uuid: r.uuid, event: r.event, timestamp: new Date(r.timestamp), properties: r.properties && typeof r.properties === 'object' ? r.properties : {} });
    }
    return out;
  }

  async countEvents(names: readonly string[], after: Date, until: Date): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(DISTINCT uuid)::int AS n FROM ${this.table} WHERE "timestamp" > $1 AND "timestamp" <= $2 AND event = ANY($3::text[])`, [after, until, names]);
    return rows[0].n;
  }

  async newestEventAt(names: readonly string[]): Promise<Date | null> {
    const { rows } = await this.db.query<{ at: Date | null }>(
      `SELECT max("timestamp") AS at FROM ${this.table} WHERE event = ANY($1::text[])`, [names]);
    return rows[0]?.at ? new Date(rows[0].at) : null;
  }
}

/** Events an alert rule may fire on (SPEC §8), listed in the brief's alert section. */
const ALERT_CANDIDATE_EVENTS = ['email_deliverability_event', 'revenue_impact_event', 'operational_efficiency_event', 'cost_optimization_event'] as const;
/** Every business event of SPEC §2.2 (a tenant's newest event is the newest of these). */
const KNOWN_EVENTS = ['revenue_impact_event', 'cost_optimization_event', 'operational_efficiency_event', 'strategic_decision_event',
  'email_deliverability_event', 'resource_usage_event', 'decision_outcome_event'] as const;
/** Every event the executive summary reads. */
const FACT_EVENTS = [...new Set([...ALERT_CANDIDATE_EVENTS, 'resource_usage_event', 'strategic_decision_event'])];

/** The decision review's events (SPEC §2.2). */
export const DECISION_LOG_EVENTS = ['strategic_decision_event', 'decision_outcome_event'] as const;

/** Raw decision-log events (any store) → the decision log, parsed the one way. Rows come by time. */
export function decisionLogOf(rows: { uuid: string; event: string; timestamp: Date; properties: Record<string, unknown>; tenant_id: string }[]): DecisionLog {
  const log: DecisionLog = { decisions: [], outcomes: [] };
  for (const r of rows) {
    if (r.event === 'strategic_decision_event') {
      log.decisions.push({ ...toDecision(r), tenant_id: r.tenant_id, uuid: r.uuid, tracked_at: r.timestamp });
    } else if (r.event === 'decision_outcome_event') {
      const p = r.properties;
      log.outcomes.push({
        uuid: r.uuid,
        tenant_id: r.tenant_id,
        decision_id: text(p.decision_id),
        actual_revenue: finite(p.actual_revenue_impact),
        actual_cost: finite(p.actual_cost_impact),
        outcome_status: text(p.outcome_status),
        notes: text(p.notes),
        recorded_at: r.timestamp,
      });
    }
  }
  return log;
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}
/** A number within ±1e12 (see num above), else null. */
function finite(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) && Math.abs(n) < 1e12 ? n : null;
}
function instant(v: unknown): Date | null {
  if (typeof v !== 'string') return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** SPEC §2.2: a decision's id is its decision_id property, else the event's uuid. */
export function toDecision(r: { uuid: string; timestamp: Date; properties: Record<string, unknown> }): DecisionEvent {
  const p = r.properties;
  return {
    decision_id: text(p.decision_id) ?? r.uuid,
    title: text(p.decision_title) ?? '(untitled decision)',
    decision_type: text(p.decision_type) ?? 'other',
    decision_date: instant(p.decision_date) ?? new Date(r.timestamp),
    requested_at: instant(p.requested_at),
    expected_revenue_impact: finite(p.expected_revenue_impact),
    expected_cost_impact: finite(p.expected_cost_impact),
    outcome_timeframe: text(p.outcome_timeframe),
  };
}
