/**
 * The event store over PostHog's query API (SPEC §2.2, `sources.events.kind: posthog-api`).
 *
 * Each method is HogQL run by PostHog (src/sources/hogqlClient.ts), aggregated there as the
 * export store aggregates in SQL, and must give the same answers as the export store for the
 * same events (test/integration/eventStoreContract.test.ts proves it against a stand-in).
 *
 * - Every value is a placeholder in `values`: tenant ids, instants, event names, uuids, cursors,
 *   even the number pattern. The query text holds only code: property keys, JSON type names,
 *   column aliases and the page size.
 * - Properties are a JSON string in PostHog (HogQL's `properties.x` is its raw text, escapes and
 *   all), so they are read with ClickHouse's JSON functions and typed the way PostgreSQL's `->>`
 *   reads the export's jsonb: a string is its value, a number its text, null or missing NULL.
 *   Numbers are read as the export store reads them (`num` below): a string matching
 *   -?digits{1,12}(.digits)? or a JSON number under a trillion in magnitude; anything else is
 *   NULL (counted as excluded where the export counts it).
 * - Duplicates (PostHog's events table merges copies of an event late) are kept once per
 *   uuid, the earliest copy, as the export store keeps them; ranges are half-open.
 * - No answer is cut by HogQL's row limit (100 rows without a LIMIT, at most 50,000 with one,
 *   silently; OFFSET is refused to personal API keys): every query has a LIMIT of its own;
 *   lists are read by keyset pages (ORDER BY time, uuid; WHERE after the last row), each row
 *   carrying how many rows were left (`count() OVER ()`), and reading stops only when all of
 *   them came; an aggregate answer that fills its LIMIT, comes short of its own count or says
 *   hasMore is an error.
 * - Instants come back as epoch milliseconds (toUnixTimestamp64Milli), not as formatted text
 *   in the project's time zone.
 *
 * Where the two stores may still differ (none of it in the contract suite's events): events of
 * the same millisecond are ordered by uuid here, by their microseconds there; sums of floats may
 * differ in the last bit (another order of addition); a JSON number within a hair of a trillion
 * (999999999999.99999999) the export reads as 1e12 and keeps, this store drops; a tenant_id that
 * is an object or an array matches no tenant here; copies of one uuid with the same timestamp and
 * different properties: the export keeps any one, this store the least properties text.
 */
import type { EventStore, InstantRange } from './EventStore.js';
import type { AlertCandidateEvent, DecisionLog, EventFacts, OptimizationEvent, OptimizationGroup } from './types.js';
import { HogqlClient, PosthogApiError, type HogqlAnswer, type HogqlClientOptions } from './hogqlClient.js';
import { DECISION_LOG_EVENTS, decisionLogOf, toDecision } from './posthogExportStore.js';

/** Events an alert rule may fire on, as the export store lists them (the contract suite holds them equal). */
const ALERT_CANDIDATE_EVENTS = ['email_deliverability_event', 'revenue_impact_event', 'operational_efficiency_event', 'cost_optimization_event'] as const;
/** Every event the executive summary reads. */
const FACT_EVENTS = [...new Set([...ALERT_CANDIDATE_EVENTS, 'resource_usage_event', 'strategic_decision_event'])];
/** Every business event of SPEC §2.2 (a tenant's newest event is the newest of these), as the export store lists them. */
const KNOWN_EVENTS = ['revenue_impact_event', 'cost_optimization_event', 'operational_efficiency_event', 'strategic_decision_event',
  'email_deliverability_event', 'resource_usage_event', 'decision_outcome_event'] as const;
/** Events whose rows eventFacts lists (the rest are only counted and summed). */
const LISTED_EVENTS = [...new Set(['cost_optimization_event', 'strategic_decision_event', ...ALERT_CANDIDATE_EVENTS])];

/** The export store's number pattern: at most 12 integer digits, so under a trillion. */
const NUMBER_PATTERN = '^-?[0-9]{1,12}(\\.[0-9]+)?$';

/** What an optimization event without a category or a type is filed under (the export store's words). */
const OPTIMIZATION_DEFAULTS = { no_category: 'uncategorized', no_type: 'unknown' };

/** PostHog's most rows per query with a LIMIT (MAX_SELECT_RETURNED_ROWS). */
export const POSTHOG_MAX_ROWS = 50_000;

export interface PosthogApiStoreOptions extends HogqlClientOptions {
  /** Rows asked for per page of a list (at most 50,000). Default 10,000. */
  pageSize?: number;
  /** uuids per eventsByIds query (they travel in the body). Default 1,000. */
  uuidChunk?: number;
}

// ——— HogQL building blocks. `p` is an expression holding a properties JSON string; keys are constants of this file. ———

const jsonType = (p: string, key: string) => `JSONType(${p}, '${key}')`;
/** A property as PostgreSQL's `properties->>'key'` gives it (objects and arrays: their JSON text). */
function text(p: string, key: string): string {
  return `multiIf(${jsonType(p, key)} = 'String', JSONExtractString(${p}, '${key}'), ${jsonType(p, key)} IN ('Int64', 'UInt64', 'Double', 'Bool', 'Object', 'Array'), JSONExtractRaw(${p}, '${key}'), NULL)`;
}
/** A property as a number, or NULL when it is not a plain number or is a trillion or more (the export store's `num`). */
function num(p: string, key: string): string {
  return `multiIf(${jsonType(p, key)} = 'String', if(match(JSONExtractString(${p}, '${key}'), {number_pattern}), toFloat(JSONExtractString(${p}, '${key}')), NULL), `
    + `${jsonType(p, key)} IN ('Int64', 'UInt64', 'Double'), if(abs(JSONExtractFloat(${p}, '${key}')) < 1000000000000, JSONExtractFloat(${p}, '${key}'), NULL), NULL)`;
}
/** The tenant of an event (`properties->>'tenant_id'`), NULL when it has none: equal to no tenant id. */
const tenantIs = (p: string) => text(p, 'tenant_id');
/** The tenant of an event, '' when it has none. */
const tenantOf = (p: string) => `coalesce(${text(p, 'tenant_id')}, '')`;

/** One row per uuid, the earliest copy: id, ev, props, ts. `where` filters the copies first. */
function deduped(where: string): string {
  return `SELECT toString(uuid) AS id, argMin(event, tuple(timestamp, properties, event)) AS ev,
            argMin(properties, tuple(timestamp, properties, event)) AS props, min(timestamp) AS ts
       FROM events
      WHERE ${where}
      GROUP BY id`;
}

type Values = Record<string, unknown>;
type Row = Record<string, unknown>;

const iso = (d: Date) => d.toISOString();
function int(v: unknown, what: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new PosthogApiError(`posthog-api: the ${what} answer holds ${JSON.stringify(v)} where a number belongs`, 200);
  return n;
}
function float(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
}
function instant(v: unknown, what: string): Date {
  return new Date(int(v, what));
}
function properties(v: unknown): Record<string, unknown> {
  let p: unknown = v;
  if (typeof v === 'string') {
    try {
      p = JSON.parse(v);
    } catch {
      p = null;
    }
  }
  return p && typeof p === 'object' ? (p as Record<string, unknown>) : {};
}
/** Code-point order, as PostgreSQL's C collation and ClickHouse compare strings. */
function byCodePoint(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export class PosthogApiStore implements EventStore {
  readonly kind = 'posthog-api' as const;
  private readonly client: HogqlClient;
  private readonly pageSize: number;
  private readonly uuidChunk: number;

  constructor(o: PosthogApiStoreOptions, client?: HogqlClient) {
    this.client = client ?? new HogqlClient(o);
    this.pageSize = Math.min(POSTHOG_MAX_ROWS, Math.max(1, o.pageSize ?? 10_000));
    this.uuidChunk = Math.max(1, Math.min(o.uuidChunk ?? 1_000, this.pageSize));
  }

  /**
   * A query of a few rows (an aggregate): every row must come. Each row says how many rows the
   * query gave (`count() OVER ()`); fewer than that (PostHog's row limit, which it applies
   * silently to a query with a LIMIT), a full LIMIT or `hasMore` is an error, never a cut answer.
   */
  private async aggregate(hogql: string, values: Values, what: string, limit: number): Promise<Row[]> {
    const a = await this.client.query(`SELECT *, count() OVER () AS total FROM (${hogql}) LIMIT ${limit}`, values, what);
    const total = a.rows.length > 0 ? int(a.rows[0].total, what) : 0;
    if (a.hasMore || a.rows.length >= limit || a.rows.length < total) {
      throw new PosthogApiError(`posthog-api: the ${what} answer came cut (${a.rows.length} rows of ${Math.max(total, a.rows.length)}${a.hasMore ? ', and more' : ''}); refusing it`, 200);
    }
    return a.rows;
  }

  /** A query of exactly one row (a count, a newest instant): none is an error. */
  private async scalar(hogql: string, values: Values, what: string): Promise<Row> {
    const rows = await this.aggregate(hogql, values, what, 2);
    if (rows.length !== 1) throw new PosthogApiError(`posthog-api: the ${what} answer has no row; refusing it`, 200);
    return rows[0];
  }

  /**
   * Every row of `inner`, in the order of its columns `keys`, read in keyset pages (PostHog
   * refuses OFFSET to personal API keys): each page asks for the rows after the last one it has.
   * Each row says how many were left from it on (`count() OVER ()`); the reading stops when all
   * of them came, and fails if PostHog's answers end before.
   */
  private async list(inner: string, columns: string, keys: string[], values: Values, what: string): Promise<Row[]> {
    const out: Row[] = [];
    let cursor: unknown[] | null = null;
    let expected: number | null = null;
    const after = keys.length === 1 ? `${keys[0]} > {after_1}` : `(${keys.join(', ')}) > (${keys.map((_, i) => `{after_${i + 1}}`).join(', ')})`;
    for (;;) {
      const page: HogqlAnswer = await this.client.query(
        `SELECT ${columns}, count() OVER () AS total FROM (${inner}) ${cursor ? `WHERE ${after}` : ''} ORDER BY ${keys.join(', ')} LIMIT ${this.pageSize}`,
        cursor ? { ...values, ...Object.fromEntries(cursor.map((v, i) => [`after_${i + 1}`, v])) } : values, what);
      if (page.rows.length === 0) {
        if (expected !== null && out.length < expected) {
          throw new PosthogApiError(`posthog-api: the ${what} answer ended after ${out.length} of ${expected} rows; refusing a cut answer`, 200);
        }
        return out;
      }
      const left = int(page.rows[0].total, what);
      expected ??= left;
      if (page.rows.length > left) throw new PosthogApiError(`posthog-api: the ${what} answer is inconsistent (${page.rows.length} rows of ${left})`, 200);
      out.push(...page.rows);
      if (page.rows.length === left && !page.hasMore) return out;
      const last = page.rows[page.rows.length - 1];
      cursor = keys.map((k) => last[k]);
    }
  }

  /** The newest event of these names (all when absent) of this tenant (any when absent), as epoch ms, or null. */
  private async newest(what: string, o: { names?: readonly string[]; tenants?: readonly string[] }): Promise<Date | null> {
    const where: string[] = [];
    const values: Values = {};
    if (o.names) { where.push('has({names}, event)'); values.names = [...o.names]; }
    if (o.tenants) { where.push(`has({tenant_ids}, ${tenantIs('properties')})`); values.tenant_ids = [...o.tenants]; }
    const { at } = await this.scalar(
      `SELECT if(count() = 0, NULL, toUnixTimestamp64Milli(max(timestamp))) AS at FROM events${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`,
      values, what);
    return at === null || at === undefined ? null : instant(at, what);
  }

  async eventFacts(tenantId: string, ranges: InstantRange[]): Promise<EventFacts[]> {
    if (ranges.length === 0) return [];
    const values: Values = { tenant_id: tenantId, fact_events: FACT_EVENTS, number_pattern: NUMBER_PATTERN };
    const { inRange, rangeOf } = rangeClauses(ranges, values);
    const ranged = `SELECT id, ev, props, ts, multiIf(${rangeOf}, 0) AS r FROM (${deduped(
      `has({fact_events}, event) AND ${tenantIs('properties')} = {tenant_id} AND timestamp >= toDateTime({from}) AND timestamp < toDateTime({to}) AND (${inRange})`)})`;

    const revenue = `ev = {ev_revenue}`;
    const usage = `ev = {ev_usage}`;
    const usable = `${usage} AND util >= 0 AND util <= 100`;
    const sums = this.aggregate(
      `SELECT r,
              coalesce(sumIf(amount, ${revenue} AND amount >= 0 AND itype = {impact_negative}), 0) AS neg,
              coalesce(sumIf(amount, ${revenue} AND amount >= 0 AND itype = {impact_positive}), 0) AS pos,
              countIf(${revenue} AND amount >= 0) AS impacts,
              countIf(${revenue} AND (amount IS NULL OR amount < 0)) AS invalid,
              if(countIf(${usable}) > 0, avgIf(util, ${usable}), NULL) AS mean_util,
              countIf(${usable}) AS samples,
              countIf(${usage} AND (util IS NULL OR util < 0 OR util > 100)) AS unusable
         FROM (SELECT r, ev, ${num('props', 'impact_amount')} AS amount, JSONExtractString(props, 'impact_type') AS itype,
                      ${num('props', 'utilization_percentage')} AS util
                 FROM (${ranged}))
        GROUP BY r`,
      { ...values, ev_revenue: 'revenue_impact_event', ev_usage: 'resource_usage_event', impact_negative: 'negative', impact_positive: 'positive' },
      'event facts', ranges.length + 1);
    const rows = this.list(
      `SELECT r, id, ev, toUnixTimestamp64Milli(ts) AS at, props,
              if(ev = {ev_cost}, coalesce(nullIf(${text('props', 'optimization_category')}, ''), {no_category}), NULL) AS category,
              if(ev = {ev_cost}, coalesce(${text('props', 'optimization_type')}, {no_type}), NULL) AS type,
              if(ev = {ev_cost}, ${num('props', 'savings_amount')}, NULL) AS savings,
              if(ev = {ev_cost}, ${num('props', 'baseline_cost')}, NULL) AS baseline,
              if(ev = {ev_cost}, ${num('props', 'roi')}, NULL) AS roi
         FROM (${ranged}) WHERE has({listed_events}, ev)`,
      'r, id, ev, at, props, category, type, savings, baseline, roi', ['at', 'id'],
      { ...values, ev_cost: 'cost_optimization_event', listed_events: LISTED_EVENTS, ...OPTIMIZATION_DEFAULTS }, 'event facts');
    const [sumRows, listRows, newestAt] = await Promise.all([sums, rows, this.newest('newest event', { tenants: [tenantId] })]);
    return ranges.map((_, i): EventFacts => {
      const s = sumRows.find((x) => int(x.r, 'event facts') === i + 1);
      const mine = listRows.filter((x) => int(x.r, 'event facts') === i + 1);
      const samples = s ? int(s.samples, 'event facts') : 0;
      return {
        revenue_impact: s
          ? { negative_total: float(s.neg) ?? 0, positive_total: float(s.pos) ?? 0, event_count: int(s.impacts, 'event facts') }
          : { negative_total: 0, positive_total: 0, event_count: 0 },
        optimization: mine.filter((x) => x.ev === 'cost_optimization_event').map((x): OptimizationEvent => ({
          category: String(x.category), type: String(x.type), savings: float(x.savings), baseline: float(x.baseline), roi: float(x.roi),
        })),
        utilization: samples > 0 ? { mean_percent: float(s!.mean_util), samples } : { mean_percent: null, samples: 0 },
        excluded: { revenue_impact_invalid_amount: s ? int(s.invalid, 'event facts') : 0, utilization_out_of_range: s ? int(s.unusable, 'event facts') : 0 },
        decisions: mine.filter((x) => x.ev === 'strategic_decision_event')
          .map((x) => toDecision({ uuid: String(x.id), timestamp: instant(x.at, 'event facts'), properties: properties(x.props) })),
        alert_candidates: mine.filter((x) => (ALERT_CANDIDATE_EVENTS as readonly unknown[]).includes(x.ev))
          .map((x) => ({ uuid: String(x.id), event: String(x.ev), timestamp: instant(x.at, 'event facts'), properties: properties(x.props) })),
        newest_event_at: newestAt,
      };
    });
  }

  async decisionLog(tenantId: string | null, until: Date): Promise<DecisionLog> {
    const values: Values = { log_events: [...DECISION_LOG_EVENTS], until: iso(until) };
    if (tenantId !== null) values.tenant_id = tenantId;
    const rows = await this.list(
      `SELECT id, ev, toUnixTimestamp64Milli(ts) AS at, props, ${tenantOf('props')} AS tenant FROM (${deduped(
        `has({log_events}, event) AND timestamp < toDateTime({until}) AND ${tenantOf('properties')} != ''${tenantId !== null ? ` AND ${tenantOf('properties')} = {tenant_id}` : ''}`)})`,
      'id, ev, at, props, tenant', ['at', 'id'], values, 'decision log');
    return decisionLogOf(rows.map((r) => ({
      uuid: String(r.id), event: String(r.ev), timestamp: instant(r.at, 'decision log'), properties: properties(r.props), tenant_id: String(r.tenant),
    })));
  }

  async optimizationTotals(tenantIds: readonly string[], ranges: readonly InstantRange[]): Promise<{ groups: OptimizationGroup[]; newest_event_at: Date | null }> {
    if (tenantIds.length === 0) return { groups: [], newest_event_at: null };
    const newest = this.newest('newest event', { names: KNOWN_EVENTS, tenants: tenantIds });
    if (ranges.length === 0) return { groups: [], newest_event_at: await newest };
    const values: Values = { tenant_ids: [...tenantIds], ev_cost: 'cost_optimization_event', number_pattern: NUMBER_PATTERN, ...OPTIMIZATION_DEFAULTS, identified: 'identified' };
    const { inRange, rangeOf } = rangeClauses(ranges, values);
    const kept = 'verdict = 0';
    const groups = this.list(
      `SELECT tenant_id, r - 1 AS range, category, type,
              countIf(${kept}) AS kept,
              coalesce(sumIf(savings, ${kept}), 0) AS savings,
              coalesce(sumIf(baseline, ${kept} AND baseline >= 0), 0) AS baseline,
              coalesce(sumIf(roi, ${kept}), 0) AS roi_sum,
              countIf(${kept} AND roi IS NOT NULL) AS roi_count,
              countIf(verdict = 1) AS invalid_amount,
              countIf(verdict = 2) AS above_baseline,
              arraySort(groupArrayIf(savings, ${kept} AND type = {identified})) AS opportunities
         FROM (SELECT tenant_id, r, category, type, savings, baseline, roi,
                      multiIf(savings IS NULL OR savings < 0, 1, baseline IS NOT NULL AND savings > baseline, 2, 0) AS verdict
                 FROM (SELECT ${tenantOf('props')} AS tenant_id, multiIf(${rangeOf}, 0) AS r,
                              coalesce(nullIf(${text('props', 'optimization_category')}, ''), {no_category}) AS category,
                              coalesce(${text('props', 'optimization_type')}, {no_type}) AS type,
                              ${num('props', 'savings_amount')} AS savings, ${num('props', 'baseline_cost')} AS baseline, ${num('props', 'roi')} AS roi
                         FROM (${deduped(`event = {ev_cost} AND has({tenant_ids}, ${tenantIs('properties')}) AND timestamp >= toDateTime({from}) AND timestamp < toDateTime({to}) AND (${inRange})`)})))
        GROUP BY tenant_id, range, category, type`,
      'tenant_id, range, category, type, kept, savings, baseline, roi_sum, roi_count, invalid_amount, above_baseline, opportunities',
      ['tenant_id', 'range', 'category', 'type'], values, 'optimization totals');
    const [rows, newestAt] = await Promise.all([groups, newest]);
    return {
      groups: rows.map((g): OptimizationGroup => ({
        tenant_id: String(g.tenant_id),
        range: int(g.range, 'optimization totals'),
        category: String(g.category),
        type: String(g.type),
        kept: int(g.kept, 'optimization totals'),
        savings: float(g.savings) ?? 0,
        baseline: float(g.baseline) ?? 0,
        roi_sum: float(g.roi_sum) ?? 0,
        roi_count: int(g.roi_count, 'optimization totals'),
        invalid_amount: int(g.invalid_amount, 'optimization totals'),
        above_baseline: int(g.above_baseline, 'optimization totals'),
        identified_amounts: Array.isArray(g.opportunities) ? g.opportunities.map((x) => int(x, 'optimization totals')) : [],
      })),
      newest_event_at: newestAt,
    };
  }

  async eventIds(names: readonly string[], after: Date, until: Date): Promise<{ uuid: string; timestamp: Date }[]> {
    if (names.length === 0) return [];
    // In uuid order, as the export store answers.
    const rows = await this.list(
      `SELECT toString(uuid) AS id, toUnixTimestamp64Milli(min(timestamp)) AS at FROM events
        WHERE has({names}, event) AND timestamp > toDateTime({after}) AND timestamp <= toDateTime({until})
        GROUP BY id`,
      'id, at', ['id'], { names: [...names], after: iso(after), until: iso(until) }, 'event ids');
    return rows.map((r) => ({ uuid: String(r.id), timestamp: instant(r.at, 'event ids') }));
  }

  async eventsByIds(names: readonly string[], after: Date, until: Date, uuids: readonly string[]): Promise<AlertCandidateEvent[]> {
    if (uuids.length === 0 || names.length === 0) return [];
    const wanted = [...new Set(uuids)];
    const chunks: string[][] = [];
    for (let i = 0; i < wanted.length; i += this.uuidChunk) chunks.push(wanted.slice(i, i + this.uuidChunk));
    const answers = await Promise.all(chunks.map((chunk) => this.list(
      `SELECT id, ev, toUnixTimestamp64Milli(ts) AS at, props FROM (${deduped(
        'has({names}, event) AND timestamp > toDateTime({after}) AND timestamp <= toDateTime({until}) AND has({uuids}, toString(uuid))')})`,
      'id, ev, at, props', ['at', 'id'], { names: [...names], after: iso(after), until: iso(until), uuids: chunk }, 'events by id')));
    return answers.flat()
      .map((r) => ({ uuid: String(r.id), event: String(r.ev), timestamp: instant(r.at, 'events by id'), properties: properties(r.props) }))
      .sort((a, b) => +a.timestamp - +b.timestamp || byCodePoint(a.uuid, b.uuid));
  }

  async countEvents(names: readonly string[], after: Date, until: Date): Promise<number> {
    if (names.length === 0) return 0;
    const { n } = await this.scalar(
      'SELECT uniqExact(uuid) AS n FROM events WHERE has({names}, event) AND timestamp > toDateTime({after}) AND timestamp <= toDateTime({until})',
      { names: [...names], after: iso(after), until: iso(until) }, 'event count');
    return int(n, 'event count');
  }

  async newestEventAt(names: readonly string[]): Promise<Date | null> {
    return names.length === 0 ? null : this.newest('newest event', { names });
  }
}

/** Placeholders {start_i}, {end_i}, {from}, {to} of the ranges in `values`; `inRange` holds when `timestamp` is in one, `rangeOf` gives which (1-based) from `ts`. */
function rangeClauses(ranges: readonly InstantRange[], values: Values): { inRange: string; rangeOf: string } {
  const inRange: string[] = [];
  const rangeOf: string[] = [];
  ranges.forEach((r, i) => {
    values[`start_${i + 1}`] = iso(r.start);
    values[`end_${i + 1}`] = iso(r.end);
    inRange.push(`(timestamp >= toDateTime({start_${i + 1}}) AND timestamp < toDateTime({end_${i + 1}}))`);
    rangeOf.push(`ts >= toDateTime({start_${i + 1}}) AND ts < toDateTime({end_${i + 1}}), ${i + 1}`);
  });
  values.from = iso(new Date(Math.min(...ranges.map((r) => +r.start))));
  values.to = iso(new Date(Math.max(...ranges.map((r) => +r.end))));
  return { inRange: inRange.join(' OR '), rangeOf: rangeOf.join(', ') };
}
