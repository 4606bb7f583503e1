/**
 * A local stand-in for PostHog's query API (`POST /api/projects/{id}/query/` with a HogQLQuery),
 * speaking its wire format, that ANSWERS by really evaluating the query: it holds events in a
 * PostgreSQL table (`posthog_standin.events`, properties as the JSON text PostHog keeps, not
 * jsonb) and translates the HogQL it is sent into SQL over that table.
 *
 * Why a translator and not canned answers or a (HogQL → SQL) lookup table: the store's HogQL is
 * what runs, so a wrong column, a missing dedupe or a misplaced placeholder gives wrong numbers
 * here as it would at PostHog. The subset is small and strict: the ClickHouse functions the
 * store uses, each with ClickHouse's semantics emulated by a PostgreSQL function (JSONType,
 * JSONExtractString/Raw/Float on a JSON *string*, toFloat = toFloat64OrNull, toDateTime =
 * parseDateTime64BestEffortOrNull, argMin, countIf/sumIf/avgIf/groupArrayIf, multiIf, has,
 * arraySort, uniqExact, toUnixTimestamp64Milli); anything else (an unknown function, a table
 * other than `events`, `properties.x`, OFFSET) is answered 400 as PostHog answers a query error.
 * Known differences from ClickHouse: JSONExtractRaw gives a number in PostgreSQL's canonical
 * form (1e3 → 1000), and strings compare in code-point order (PostgreSQL's C collation), which
 * is ClickHouse's byte order for UTF-8.
 *
 * What it checks of each request (a failure is answered as PostHog would, and recorded in
 * `violations` so a test can insist there are none):
 * - the path `/api/projects/{projectId}/query/` (another project → 404 `Not found.`), POST, JSON;
 * - `Authorization: Bearer {apiKey}` (missing or wrong → 401 `Invalid personal API key.`); a
 *   key without the query:read scope (`scopes`) → 403;
 * - `query.kind === 'HogQLQuery'`, `query.query` a string, `query.values` an object;
 * - every `{placeholder}` has a value, every value is used, and no value (a tenant id, an
 *   instant, an event name, a uuid, a number of 4+ digits) appears in the query text;
 * - `refresh: 'force_blocking'` (else PostHog may answer from its cache: recorded as a violation).
 *
 * Row limits as PostHog applies them to a personal API key's query: a top-level SELECT without
 * LIMIT gets the default 100 rows and `hasMore` (PostHog's HogQLHasMorePaginator asks 101); a
 * LIMIT above the maximum (50,000; `maxRows` lowers it for tests) is silently lowered; OFFSET
 * is refused (400, PostHog's message for personal API keys).
 *
 * Scripted faults, consumed one per request before the query runs (`faults.push(...)`):
 * `{status: 429, retryAfter: '1'}`, `{status: 500}`, `{status: 401|403|404}`, `{delayMs}` (answer
 * late: a client timeout), `{hasMore: true}` (answer, claiming more rows), `{dropLast: n}`
 * (answer without the last n rows: a cut answer).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { Db } from '../../src/db/Db.js';

export const STANDIN_SCHEMA = 'posthog_standin';

/** The table and the ClickHouse functions emulated in PostgreSQL. */
const INSTALL = `
CREATE SCHEMA IF NOT EXISTS ${STANDIN_SCHEMA};
CREATE TABLE IF NOT EXISTS ${STANDIN_SCHEMA}.events (
  uuid text NOT NULL, event text NOT NULL, distinct_id text NOT NULL DEFAULT '',
  -- The JSON text, as ClickHouse's String column holds it; PostHog only ever stores valid JSON.
  properties text NOT NULL DEFAULT '{}',
  -- Parsed once (ClickHouse parses JSON fast; PostgreSQL does not): queries read this copy, and
  -- answer it as JSON text. Visible differences: none for the JSON functions but JSONExtractRaw of
  -- a number (canonical: 1e3 → 1000); argMin's tie-break on properties compares jsonb, not text.
  _props_jsonb jsonb GENERATED ALWAYS AS (properties::jsonb) STORED,
  "timestamp" timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS events_time ON ${STANDIN_SCHEMA}.events ("timestamp");
-- The value of a key of a JSON document (text or parsed); NULL when missing or not an object.
-- Plain SQL (no exception blocks: each would be a subtransaction a row), inlined by the planner.
CREATE OR REPLACE FUNCTION ${STANDIN_SCHEMA}.jv(doc text, key text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$ SELECT doc::jsonb -> key $$;
CREATE OR REPLACE FUNCTION ${STANDIN_SCHEMA}.jv(doc jsonb, key text) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$ SELECT doc -> key $$;
-- JSONType: 'Null' for a missing key, as ClickHouse answers.
CREATE OR REPLACE FUNCTION ${STANDIN_SCHEMA}.jtype(v jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE jsonb_typeof(v)
    WHEN 'string' THEN 'String' WHEN 'boolean' THEN 'Bool' WHEN 'object' THEN 'Object' WHEN 'array' THEN 'Array'
    WHEN 'number' THEN CASE WHEN v::text ~ '^-?[0-9]+$' AND v::text::numeric BETWEEN -9223372036854775808 AND 9223372036854775807 THEN 'Int64'
                            WHEN v::text ~ '^[0-9]+$' AND v::text::numeric <= 18446744073709551615 THEN 'UInt64' ELSE 'Double' END
    ELSE 'Null' END $$;
-- JSONExtractString: the string, '' when the value is not a string.
CREATE OR REPLACE FUNCTION ${STANDIN_SCHEMA}.jstring(v jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(v) = 'string' THEN v #>> '{}' ELSE '' END $$;
CREATE OR REPLACE FUNCTION ${STANDIN_SCHEMA}.jraw(v jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(v::text, '') $$;
-- JSONExtractFloat: the number (±inf beyond float64, 0 below its least), 0 when the value is not a number.
CREATE OR REPLACE FUNCTION ${STANDIN_SCHEMA}.jfloat(v jsonb) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN jsonb_typeof(v) IS DISTINCT FROM 'number' THEN 0
              WHEN abs((v #>> '{}')::numeric) >= 1e308 THEN sign((v #>> '{}')::numeric) * 'Infinity'::float8
              WHEN abs((v #>> '{}')::numeric) < 1e-307 THEN 0
              ELSE (v #>> '{}')::float8 END $$;
-- toFloat (toFloat64OrNull): NULL when the text is not a float; 'nan' and 'inf' are floats. (Exponent
-- forms, which ClickHouse reads, are NULL here: the store never asks for them.)
CREATE OR REPLACE FUNCTION ${STANDIN_SCHEMA}.to_float(s text) RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN s ~* '^[-+]?(nan|inf|infinity)$' OR (s ~ '^[-+]?[0-9]+(\\.[0-9]*)?$' AND length(s) <= 300) THEN s::float8 END $$;
CREATE OR REPLACE FUNCTION ${STANDIN_SCHEMA}.to_datetime(s text) RETURNS timestamptz LANGUAGE sql STABLE AS $$
  SELECT s::timestamptz $$;
CREATE OR REPLACE FUNCTION ${STANDIN_SCHEMA}.to_unix_ms(t timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
  SELECT floor(extract(epoch FROM t) * 1000)::bigint $$;
CREATE OR REPLACE FUNCTION ${STANDIN_SCHEMA}.array_sort(a anyarray) RETURNS anyarray LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(array_agg(x ORDER BY x), a) FROM unnest(a) x $$;
`;

/** An event as PostHog holds it; `properties` an object, or the JSON text exactly as sent. */
export interface StandInEvent {
  uuid: string;
  event: string;
  timestamp: string | Date;
  properties: Record<string, unknown> | string;
  distinct_id?: string;
}

export async function installStandInSchema(db: Db): Promise<void> {
  await db.exec(INSTALL);
}

/** The JSON text of an event's properties, as sent. */
export const propertiesText = (p: StandInEvent['properties']) => (typeof p === 'string' ? p : JSON.stringify(p));

// ——— HogQL (the subset) → PostgreSQL ———

/** A query PostHog would refuse (answered 400). */
export class HogqlQueryError extends Error {}

type Tok = { t: 'id' | 'str' | 'num' | 'ph' | 'op' | '(' | ')' | ','; v: string };

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= q.length) throw new HogqlQueryError('Syntax error: unterminated string');
        const d = q[i];
        if (d === '\\') { const e = q[i + 1]; v += e === 'n' ? '\n' : e === 't' ? '\t' : e; i += 2; continue; }
        if (d === "'") { if (q[i + 1] === "'") { v += "'"; i += 2; continue; } i++; break; }
        v += d;
        i++;
      }
      out.push({ t: 'str', v });
      continue;
    }
    if (c === '{') {
      const m = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(q.slice(i));
      if (!m) throw new HogqlQueryError(`Syntax error at "${q.slice(i, i + 20)}"`);
      out.push({ t: 'ph', v: m[1] });
      i += m[0].length;
      continue;
    }
    const num = /^[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?/.exec(q.slice(i));
    if (num) { out.push({ t: 'num', v: num[0] }); i += num[0].length; continue; }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(q.slice(i));
    if (id) { out.push({ t: 'id', v: id[0] }); i += id[0].length; continue; }
    if (c === '(' || c === ')' || c === ',') { out.push({ t: c, v: c }); i++; continue; }
    const op = /^(>=|<=|!=|<>|==|=|<|>|\+|-|\*|\/)/.exec(q.slice(i));
    if (op) { out.push({ t: 'op', v: op[0] }); i += op[0].length; continue; }
    throw new HogqlQueryError(`Syntax error at "${q.slice(i, i + 20)}"`);
  }
  return out;
}

type Item = { k: 'tok'; tok: Tok } | { k: 'group'; parts: Item[][] } | { k: 'call'; name: string; args: Item[][] };

function parseSeq(toks: Tok[], pos: { i: number }, inside: boolean): Item[][] {
  const parts: Item[][] = [[]];
  while (pos.i < toks.length) {
    const t = toks[pos.i];
    if (t.t === ')') {
      if (!inside) throw new HogqlQueryError('Syntax error: unbalanced )');
      pos.i++;
      return parts;
    }
    if (t.t === ',' && !inside) {
      parts[0].push({ k: 'tok', tok: t }); // the top level's select list
      pos.i++;
      continue;
    }
    if (t.t === ',') {
      parts.push([]);
      pos.i++;
      continue;
    }
    if (t.t === 'id' && toks[pos.i + 1]?.t === '(' && !KEYWORDS.has(t.v.toUpperCase())) {
      pos.i += 2;
      const args = parseSeq(toks, pos, true);
      parts[parts.length - 1].push({ k: 'call', name: t.v, args: args.length === 1 && args[0].length === 0 ? [] : args });
      continue;
    }
    if (t.t === '(') {
      pos.i++;
      parts[parts.length - 1].push({ k: 'group', parts: parseSeq(toks, pos, true) });
      continue;
    }
    parts[parts.length - 1].push({ k: 'tok', tok: t });
    pos.i++;
  }
  if (inside) throw new HogqlQueryError('Syntax error: unbalanced (');
  return parts;
}

const KEYWORDS = new Set(['SELECT', 'FROM', 'WHERE', 'GROUP', 'BY', 'ORDER', 'LIMIT', 'AND', 'OR', 'NOT', 'AS', 'IN', 'IS', 'NULL',
  'ASC', 'DESC', 'OVER', 'HAVING', 'DISTINCT', 'OFFSET', 'TRUE', 'FALSE', 'BETWEEN']);

/** PostHog's answer to OFFSET in a personal API key's query (posthog/hogql/user_query_validator.py). */
export const OFFSET_REFUSED = 'OFFSET is not supported on queries made with a personal API key. For pagination, use keyset pagination on the `timestamp` column, e.g. `WHERE timestamp > :last_seen_timestamp ORDER BY timestamp LIMIT N`. For bulk data extraction, use batch exports: https://posthog.com/docs/cdp/batch-exports';

type Fn = (a: string[]) => string;
const S = STANDIN_SCHEMA;
const arity = (name: string, a: string[], min: number, max = min) => {
  if (a.length < min || a.length > max) throw new HogqlQueryError(`Function '${name}' expects ${min === max ? min : `${min} to ${max}`} arguments, got ${a.length}`);
};
const FUNCTIONS: Record<string, Fn> = {
  // The JSON functions get the document as text, or the events' own column already parsed (see emitItem).
  JSONType: (a) => (arity('JSONType', a, 2), `${S}.jtype(${S}.jv(${a[0]}, ${a[1]}))`),
  JSONExtractString: (a) => (arity('JSONExtractString', a, 2), `${S}.jstring(${S}.jv(${a[0]}, ${a[1]}))`),
  JSONExtractRaw: (a) => (arity('JSONExtractRaw', a, 2), `${S}.jraw(${S}.jv(${a[0]}, ${a[1]}))`),
  JSONExtractFloat: (a) => (arity('JSONExtractFloat', a, 2), `${S}.jfloat(${S}.jv(${a[0]}, ${a[1]}))`),
  toFloat: (a) => (arity('toFloat', a, 1), `${S}.to_float((${a[0]})::text)`),
  toDateTime: (a) => (arity('toDateTime', a, 1), `${S}.to_datetime((${a[0]})::text)`),
  toString: (a: string[]) => (arity('toString', a, 1), `(${a[0]})::text`),
  toUnixTimestamp64Milli: (a) => (arity('toUnixTimestamp64Milli', a, 1), `${S}.to_unix_ms(${a[0]})`),
  abs: (a) => (arity('abs', a, 1), `abs(${a[0]})`),
  match: (a) => (arity('match', a, 2), `((${a[0]}) ~ (${a[1]}))`),
  if: (a) => (arity('if', a, 3), `(CASE WHEN ${a[0]} THEN ${a[1]} ELSE ${a[2]} END)`),
  multiIf: (a) => {
    if (a.length < 3 || a.length % 2 === 0) throw new HogqlQueryError("Function 'multiIf' expects an odd number of arguments, at least 3");
    let s = '(CASE';
    for (let i = 0; i + 1 < a.length; i += 2) s += ` WHEN ${a[i]} THEN ${a[i + 1]}`;
    return `${s} ELSE ${a[a.length - 1]} END)`;
  },
  coalesce: (a) => `coalesce(${a.join(', ')})`,
  ifNull: (a) => (arity('ifNull', a, 2), `coalesce(${a[0]}, ${a[1]})`),
  nullIf: (a) => (arity('nullIf', a, 2), `nullif(${a[0]}, ${a[1]})`),
  has: (a) => (arity('has', a, 2), `((${a[1]}) = ANY(${a[0]}))`),
  tuple: (a) => `ROW(${a.join(', ')})`,
  arraySort: (a) => (arity('arraySort', a, 1), `${S}.array_sort(${a[0]})`),
  // aggregates
  count: (a) => (arity('count', a, 0, 1), a.length === 0 ? 'count(*)' : `count(${a[0]})`),
  countIf: (a) => (arity('countIf', a, 1), `count(*) FILTER (WHERE ${a[0]})`),
  sumIf: (a) => (arity('sumIf', a, 2), `sum(${a[0]}) FILTER (WHERE ${a[1]})`),
  avgIf: (a) => (arity('avgIf', a, 2), `avg(${a[0]}) FILTER (WHERE ${a[1]})`),
  groupArrayIf: (a) => (arity('groupArrayIf', a, 2), `coalesce(array_agg(${a[0]}) FILTER (WHERE (${a[1]}) AND (${a[0]}) IS NOT NULL), '{}')`),
  min: (a) => (arity('min', a, 1), `min(${a[0]})`),
  max: (a) => (arity('max', a, 1), `max(${a[0]})`),
  sum: (a) => (arity('sum', a, 1), `sum(${a[0]})`),
  avg: (a) => (arity('avg', a, 1), `avg(${a[0]})`),
  uniqExact: (a) => (arity('uniqExact', a, 1), `count(DISTINCT ${a[0]})`),
  // argMin is translated in emitItem (its second argument may be a tuple to order by).
};

interface EmitCtx {
  values: Record<string, unknown>;
  params: unknown[];
  used: Set<string>;
  subqueries: number;
}

function placeholder(name: string, ctx: EmitCtx): string {
  if (!(name in ctx.values)) throw new HogqlQueryError(`Placeholder {${name}} is not defined`);
  ctx.used.add(name);
  const v = ctx.values[name];
  if (v === null) return 'NULL';
  ctx.params.push(v);
  const n = ctx.params.length;
  if (typeof v === 'string') return `$${n}::text`;
  if (typeof v === 'boolean') return `$${n}::boolean`;
  if (typeof v === 'number') return Number.isInteger(v) ? `$${n}::bigint` : `$${n}::float8`;
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return `$${n}::text[]`;
    if (v.every((x) => typeof x === 'number')) return `$${n}::float8[]`;
  }
  throw new HogqlQueryError(`Placeholder {${name}} has a value of an unsupported type`);
}

function emitItem(item: Item, ctx: EmitCtx, prev: Item | undefined, next: Item | undefined): string {
  if (item.k === 'call') {
    if (item.name === 'argMin') {
      if (item.args.length !== 2) throw new HogqlQueryError("Function 'argMin' expects 2 arguments");
      // argMin(x, tuple(a, b)): x of the row with the least (a, b), tuples compared element by element.
      const by = item.args[1];
      const order = by.length === 1 && by[0].k === 'call' && by[0].name === 'tuple'
        ? by[0].args.map((x) => emitSeq(x, ctx)).join(', ') : emitSeq(by, ctx);
      return `(array_agg(${emitSeq(item.args[0], ctx)} ORDER BY ${order}))[1]`;
    }
    const f = Object.hasOwn(FUNCTIONS, item.name) ? FUNCTIONS[item.name] : undefined;
    if (!f) throw new HogqlQueryError(`Unsupported function call '${item.name}(...)'`);
    return f(item.args.map((x) => emitSeq(x, ctx)));
  }
  const afterFrom = prev?.k === 'tok' && prev.tok.t === 'id' && prev.tok.v.toUpperCase() === 'FROM';
  if (item.k === 'group') {
    const isSubquery = item.parts[0]?.[0]?.k === 'tok' && item.parts[0][0].tok.v.toUpperCase() === 'SELECT';
    // OFFSET 0 keeps PostgreSQL from flattening a subquery in FROM into its outer query, which
    // would compute its columns again in every outer expression that names them (ClickHouse
    // computes them once): 20 s instead of 0.5 s for an aggregate over 20,000 events.
    const inner = `(${item.parts.map((p) => emitSeq(p, ctx)).join(', ')}${afterFrom && isSubquery ? ' OFFSET 0' : ''})`;
    const aliased = next?.k === 'tok' && next.tok.t === 'id' && (next.tok.v.toUpperCase() === 'AS' || !KEYWORDS.has(next.tok.v.toUpperCase()));
    return afterFrom && isSubquery && !aliased ? `${inner} AS _sq${++ctx.subqueries}` : inner;
  }
  const t = item.tok;
  switch (t.t) {
    case 'ph': return placeholder(t.v, ctx);
    case 'str': return `'${t.v.replace(/'/g, "''")}'`;
    case 'num': return t.v;
    case 'op': return t.v === '==' ? '=' : t.v;
    case ',': return ',';
    case 'id': {
      const up = t.v.toUpperCase();
      if (up === 'OFFSET') throw new HogqlQueryError(OFFSET_REFUSED);
      if (KEYWORDS.has(up)) return up;
      if (afterFrom) {
        if (t.v !== 'events') throw new HogqlQueryError(`Unknown table "${t.v}".`);
        return `${STANDIN_SCHEMA}.events AS events`;
      }
      if (next?.k === 'tok' && next.tok.t === 'op' && next.tok.v === '.') throw new HogqlQueryError('Property access (properties.x) is not in the stand-in\'s subset');
      // The events' properties: their copy parsed once at insert (answered as JSON text all the same).
      if (t.v === 'properties') return '"_props_jsonb"';
      return `"${t.v}"`;
    }
    default: throw new HogqlQueryError(`Syntax error at "${t.v}"`);
  }
}

function emitSeq(items: Item[], ctx: EmitCtx): string {
  return items.map((it, i) => emitItem(it, ctx, items[i - 1], items[i + 1])).join(' ');
}

export interface Translation { sql: string; params: unknown[]; limit: number; paginated: boolean; unused: string[] }

/**
 * The HogQL query as PostgreSQL over the stand-in's table, with PostHog's row limits: the
 * top-level LIMIT lowered to `maxRows`, or, without one, `defaultRows + 1` (the paginator's extra
 * row tells hasMore).
 */
export function translateHogql(query: string, values: Record<string, unknown>, o: { maxRows: number; defaultRows: number }): Translation {
  const [top] = parseSeq(tokenize(query), { i: 0 }, false);
  if (!(top[0]?.k === 'tok' && top[0].tok.v.toUpperCase() === 'SELECT')) throw new HogqlQueryError('Only a SELECT query is supported');
  const at = top.findIndex((x) => x.k === 'tok' && x.tok.t === 'id' && x.tok.v.toUpperCase() === 'LIMIT');
  let limit: number;
  let paginated = false;
  let body = top;
  if (at >= 0) {
    const n = top[at + 1];
    let v: unknown;
    if (n?.k === 'tok' && n.tok.t === 'num') v = Number(n.tok.v);
    else if (n?.k === 'tok' && n.tok.t === 'ph') v = values[n.tok.v];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new HogqlQueryError('LIMIT must be a whole number');
    if (top.length > at + 2) throw new HogqlQueryError(top.slice(at + 2).some((x) => x.k === 'tok' && x.tok.v.toUpperCase() === 'OFFSET') ? OFFSET_REFUSED : 'Syntax error after LIMIT');
    limit = Math.min(v, o.maxRows);
    body = top.slice(0, at);
  } else {
    limit = o.defaultRows + 1;
    paginated = true;
  }
  const ctx: EmitCtx = { values, params: [], used: new Set(), subqueries: 0 };
  if (at >= 0 && top[at + 1]?.k === 'tok' && (top[at + 1] as { tok: Tok }).tok.t === 'ph') ctx.used.add((top[at + 1] as { tok: Tok }).tok.v);
  const sql = `${emitSeq(body, ctx)} LIMIT ${limit}`;
  return { sql, params: ctx.params, limit, paginated, unused: Object.keys(values).filter((k) => !ctx.used.has(k)) };
}

/** Values that appear in the query text itself (they must travel as placeholders only). */
export function splicedValues(query: string, values: Record<string, unknown>): string[] {
  const text = query.replace(/\{[A-Za-z_][A-Za-z0-9_]*\}/g, ' ');
  const literals = [...text.matchAll(/'((?:[^'\\]|\\.|'')*)'/g)].map((m) => m[1]);
  const found: string[] = [];
  const scalars = Object.values(values).flatMap((v) => (Array.isArray(v) ? v : [v]));
  for (const v of scalars) {
    if (typeof v === 'string' && v.length > 0) {
      const esc = v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (new RegExp(`(^|[^A-Za-z0-9_])${esc}([^A-Za-z0-9_]|$)`).test(text) || literals.some((l) => l === v)) found.push(v);
    } else if (typeof v === 'number' && Math.abs(v) >= 1000 && new RegExp(`(^|[^0-9.])${String(v).replace('.', '\\.')}([^0-9]|$)`).test(text)) {
      found.push(String(v));
    }
  }
  return found;
}

// ——— the HTTP server ———

export type StandInFault =
  | { status: number; retryAfter?: string; detail?: string }
  | { delayMs: number }
  | { hasMore: true }
  | { dropLast: number };

export interface StandInRequest {
  path: string;
  /** 'ok', 'missing' or 'wrong' (the key itself is never recorded). */
  auth: 'ok' | 'missing' | 'wrong';
  body: { query?: { kind?: string; query?: string; values?: Record<string, unknown> }; refresh?: string } | null;
  status: number;
  at: number;
  /** Rows answered. */
  rows?: number;
}

export interface PosthogQueryStandInOptions {
  /** A database holding the stand-in's schema (installStandInSchema). */
  databaseUrl: string;
  projectId?: string;
  apiKey?: string;
  /** The key's scopes; without 'query:read' every query is 403. Default ['query:read']. */
  scopes?: string[];
  /** PostHog's maximum rows with a LIMIT (50,000). */
  maxRows?: number;
  /** Rows without a LIMIT (100). */
  defaultRows?: number;
  /** The project's time zone: DateTime values are answered in it, as PostHog does. Default UTC. */
  timezone?: string;
}

export interface PosthogQueryStandIn {
  url: string;
  projectId: string;
  apiKey: string;
  requests: StandInRequest[];
  /** Request-shape problems seen (spliced values, unused values, no force_blocking …). */
  violations: string[];
  faults: StandInFault[];
  options: Required<Omit<PosthogQueryStandInOptions, 'databaseUrl'>>;
  /** The HogQL queries answered 200, with their values. */
  queries: { query: string; values: Record<string, unknown> }[];
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const errorBody = (type: string, code: string, detail: string) => ({ type, code, detail, attr: null });

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** PostgreSQL type OIDs → ClickHouse type names, for `types`. */
const TYPE_NAMES: Record<number, string> = { 3802: 'String', 20: 'Int64', 23: 'Int32', 21: 'Int16', 1700: 'Float64', 701: 'Float64', 25: 'String', 1184: "DateTime64(6, 'UTC')", 16: 'Bool', 1022: 'Array(Float64)', 1009: 'Array(String)' };

export async function startPosthogQueryStandIn(o: PosthogQueryStandInOptions): Promise<PosthogQueryStandIn> {
  const options = {
    projectId: o.projectId ?? '4242',
    apiKey: o.apiKey ?? `phx_${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`,
    scopes: o.scopes ?? ['query:read'],
    maxRows: o.maxRows ?? 50_000,
    defaultRows: o.defaultRows ?? 100,
    timezone: o.timezone ?? 'UTC',
  };
  const pool = new pg.Pool({ connectionString: o.databaseUrl, max: 4 });
  // Answer int8 and numeric as numbers, as ClickHouse's Int64 and Float64 reach PostHog's JSON.
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === 20 || oid === 1700 ? (v: string) => Number(v) : oid === 1184 || oid === 3802 || oid === 114 ? (v: string) => v : pg.types.getTypeParser(oid, format as 'text'),
  };
  const requests: StandInRequest[] = [];
  const violations: string[] = [];
  const faults: StandInFault[] = [];
  const queries: { query: string; values: Record<string, unknown> }[] = [];

  const server = createServer((req, res) => {
    void handle(req, res).catch((err) => {
      if (!res.headersSent) json(res, 500, errorBody('server_error', 'error', `stand-in: ${(err as Error).message}`));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    const header = req.headers.authorization;
    const auth: StandInRequest['auth'] = !header ? 'missing' : header === `Bearer ${options.apiKey}` ? 'ok' : 'wrong';
    const raw = await readBody(req);
    let body: StandInRequest['body'] = null;
    try { body = JSON.parse(raw); } catch { body = null; }
    const rec: StandInRequest = { path, auth, body, status: 0, at: Date.now() };
    requests.push(rec);
    const answer = (status: number, b: unknown, headers: Record<string, string> = {}) => { rec.status = status; json(res, status, b, headers); };

    const m = /^\/api\/projects\/([^/]+)\/query\/$/.exec(path);
    if (!m || req.method !== 'POST') return answer(404, errorBody('invalid_request', 'not_found', 'Not found.'));
    if (auth !== 'ok') return answer(401, errorBody('authentication_error', 'authentication_failed', auth === 'missing' ? 'Authentication credentials were not provided.' : 'Invalid personal API key.'));
    if (!options.scopes.includes('query:read')) return answer(403, errorBody('authentication_error', 'permission_denied', "API key missing required scope 'query:read'"));
    if (m[1] !== options.projectId) return answer(404, errorBody('invalid_request', 'not_found', 'Not found.'));

    const fault = faults.shift();
    if (fault && 'delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault && 'status' in fault) {
      return answer(fault.status, errorBody(fault.status === 429 ? 'throttled_error' : fault.status >= 500 ? 'server_error' : 'invalid_request',
        fault.status === 429 ? 'throttled' : 'error', fault.detail ?? (fault.status === 429 ? 'Request was throttled.' : 'A server error occurred.')),
      fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {});
    }

    const q = body?.query;
    if (!q || q.kind !== 'HogQLQuery' || typeof q.query !== 'string') {
      violations.push(`not a HogQLQuery: ${raw.slice(0, 200)}`);
      return answer(400, errorBody('validation_error', 'invalid_input', 'query: expected a HogQLQuery with a query string'));
    }
    const values = q.values ?? {};
    if (typeof values !== 'object' || Array.isArray(values)) {
      violations.push('values is not an object');
      return answer(400, errorBody('validation_error', 'invalid_input', 'values: expected an object'));
    }
    if (body?.refresh !== 'force_blocking') violations.push(`refresh is ${JSON.stringify(body?.refresh)}: PostHog may answer from its cache`);
    const spliced = splicedValues(q.query, values);
    if (spliced.length > 0) {
      violations.push(`values spliced into the query text: ${spliced.join(', ')}`);
      return answer(400, errorBody('validation_error', 'query_error', `stand-in: values spliced into the query text: ${spliced.join(', ')}`));
    }
    let t: Translation;
    try {
      t = translateHogql(q.query, values, options);
    } catch (err) {
      if (!(err instanceof HogqlQueryError)) throw err;
      violations.push(`query error: ${err.message}`);
      return answer(400, errorBody('validation_error', 'query_error', err.message));
    }
    if (t.unused.length > 0) violations.push(`values not used by the query: ${t.unused.join(', ')}`);
    let result: pg.QueryResult;
    const client = await pool.connect();
    try {
      await client.query(`SET TIME ZONE '${options.timezone.replace(/'/g, "''")}'`);
      result = await client.query({ text: t.sql, values: t.params, types });
    } catch (err) {
      violations.push(`query failed in PostgreSQL: ${(err as Error).message}\n${t.sql}`);
      return answer(400, errorBody('validation_error', 'query_error', `stand-in could not run the query: ${(err as Error).message}`));
    } finally {
      client.release();
    }
    const columns = result.fields.map((f) => f.name);
    let rows = result.rows.map((r) => columns.map((c) => (r[c] instanceof Date ? (r[c] as Date).toISOString() : r[c])));
    let hasMore: boolean | undefined;
    if (t.paginated) {
      hasMore = rows.length > options.defaultRows;
      rows = rows.slice(0, options.defaultRows);
    }
    if (fault && 'hasMore' in fault) hasMore = true;
    if (fault && 'dropLast' in fault) rows = rows.slice(0, Math.max(0, rows.length - fault.dropLast));
    rec.rows = rows.length;
    queries.push({ query: q.query, values });
    answer(200, {
      results: rows,
      columns,
      types: result.fields.map((f) => [f.name, TYPE_NAMES[f.dataTypeID] ?? 'String']),
      ...(hasMore !== undefined ? { hasMore, limit: options.defaultRows, offset: 0 } : {}),
      hogql: q.query,
      timezone: options.timezone,
      is_cached: false,
      error: null,
      timings: [],
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    projectId: options.projectId,
    apiKey: options.apiKey,
    requests,
    violations,
    faults,
    options,
    queries,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

/** Loads events into the stand-in's table (properties as their JSON text). */
export async function loadStandInEvents(db: Db, events: StandInEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `INSERT INTO ${STANDIN_SCHEMA}.events (uuid, event, distinct_id, properties, "timestamp")
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])`,
    [events.map((e) => e.uuid), events.map((e) => e.event), events.map((e) => e.distinct_id ?? ''),
      events.map((e) => propertiesText(e.properties)), events.map((e) => (e.timestamp instanceof Date ? e.timestamp.toISOString() : e.timestamp))]);
}

/** Copies the export table's events into the stand-in's (for fixtures that fill posthog_events). */
export async function copyExportToStandIn(db: Db, table = 'posthog_events'): Promise<void> {
  await db.exec(`INSERT INTO ${STANDIN_SCHEMA}.events (uuid, event, distinct_id, properties, "timestamp")
    SELECT uuid, event, coalesce(distinct_id, ''), coalesce(properties::text, '{}'), "timestamp" FROM ${table} WHERE uuid IS NOT NULL AND event IS NOT NULL`);
}
