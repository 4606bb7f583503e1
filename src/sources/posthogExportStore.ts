import type { Db } from '../db/Db.js';
import type { EventStore, InstantRange } from './EventStore.js';
import type { AlertCandidateEvent, DecisionEvent, EventFacts, OptimizationAggregate } from './types.js';
import { quoteTableName } from './sqlIdentifier.js';

/**
 * A numeric event property as float8, or NULL when it is not a plain number or is absurd.
 * Event properties are untrusted JSON: "12.5" and 12.5 count; "NaN", "1e999", "" and objects do not.
 * `key` is always a constant of this file, never input.
 */
function num(key: string): string {
  const v = `(properties->>'${key}')`;
  return `(CASE WHEN ${v} ~ '^-?[0-9]{1,15}(\\.[0-9]+)?$' THEN ${v}::float8 END)`;
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
    return `(SELECT DISTINCT ON (e.uuid) e.uuid, e.event, e.properties, e."timestamp", r.i AS r
               FROM ${this.table} e
               JOIN unnest($2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS r(start_at, end_at, i)
                 ON e."timestamp" >= r.start_at AND e."timestamp" < r.end_at
              WHERE e.properties->>'tenant_id' = $1 AND e.event = ANY($4::text[])
                AND e."timestamp" >= (SELECT min(s) FROM unnest($2::timestamptz[]) s)
                AND e."timestamp" < (SELECT max(x) FROM unnest($3::timestamptz[]) x)
              ORDER BY e.uuid, e."timestamp") AS ev`;
  }

  async eventFacts(tenantId: string, ranges: InstantRange[]): Promise<EventFacts[]> {
    const base = [tenantId, ranges.map((r) => r.start), ranges.map((r) => r.end)];
    const [impact, optimization, utilization, decisions, candidates, newest] = await Promise.all([
      this.db.query<{ r: string; negative_total: number; positive_total: number; event_count: number }>(
        `SELECT r, coalesce(sum(amount) FILTER (WHERE properties->>'impact_type' = 'negative'), 0)::float8 AS negative_total,
                coalesce(sum(amount) FILTER (WHERE properties->>'impact_type' = 'positive'), 0)::float8 AS positive_total,
                count(amount)::int AS event_count
           FROM (SELECT r, properties, ${num('impact_amount')} AS amount FROM ${this.events()}) t
          WHERE amount >= 0
          GROUP BY r`,
        [...base, ['revenue_impact_event']],
      ),
      this.db.query<OptimizationAggregate & { r: string }>(
        `SELECT r, coalesce(nullif(properties->>'optimization_category', ''), 'uncategorized') AS category,
                coalesce(properties->>'optimization_type', 'unknown') AS type,
                coalesce(sum(${num('savings_amount')}) FILTER (WHERE ${num('savings_amount')} >= 0), 0)::float8 AS savings,
                coalesce(sum(${num('baseline_cost')}) FILTER (WHERE ${num('baseline_cost')} >= 0), 0)::float8 AS baseline,
                coalesce(sum(${num('roi')}), 0)::float8 AS roi_sum,
                count(${num('roi')})::int AS roi_count,
                count(*)::int AS count
           FROM ${this.events()}
          GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
        [...base, ['cost_optimization_event']],
      ),
      this.db.query<{ r: string; mean_percent: number | null; samples: number }>(
        `SELECT r, avg(u)::float8 AS mean_percent, count(u)::int AS samples
           FROM (SELECT r, ${num('utilization_percentage')} AS u FROM ${this.events()}) t
          WHERE u BETWEEN 0 AND 100
          GROUP BY r`,
        [...base, ['resource_usage_event']],
      ),
      this.db.query<{ r: string; uuid: string; timestamp: Date; properties: Record<string, unknown> }>(
        `SELECT r, uuid, "timestamp", properties FROM ${this.events()} ORDER BY "timestamp"`,
        [...base, ['strategic_decision_event']],
      ),
      this.db.query<AlertCandidateEvent & { r: string }>(
        `SELECT r, uuid, event, "timestamp", properties FROM ${this.events()} ORDER BY "timestamp"`,
        [...base, ['email_deliverability_event', 'revenue_impact_event', 'operational_efficiency_event', 'cost_optimization_event']],
      ),
      this.db.query<{ newest: Date | null }>(
        `SELECT max("timestamp") AS newest FROM ${this.table} WHERE properties->>'tenant_id' = $1`,
        [tenantId],
      ),
    ]);
    // bigint ordinality comes back as text
    const of = <T extends { r: string }>(rows: T[], i: number): Omit<T, 'r'>[] =>
      rows.filter((row) => Number(row.r) === i + 1).map(({ r: _r, ...rest }) => rest);
    const newestAt = newest.rows[0]?.newest ? new Date(newest.rows[0].newest) : null;
    return ranges.map((_, i) => ({
      revenue_impact: of(impact.rows, i)[0] ?? { negative_total: 0, positive_total: 0, event_count: 0 },
      optimization: of(optimization.rows, i),
      utilization: of(utilization.rows, i)[0] ?? { mean_percent: null, samples: 0 },
      decisions: of(decisions.rows, i).map(toDecision),
      alert_candidates: of(candidates.rows, i).map((r) => ({ ...r, timestamp: new Date(r.timestamp) })),
      newest_event_at: newestAt,
    }));
  }
}

function text(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}
function finite(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
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
