import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Db } from './Db.js';

// node-postgres parses `date` as a local-midnight JS Date, which shifts calendar dates across
// time zones. Herald treats dates as calendar strings, so keep them as text.
pg.types.setTypeParser(1082, (value: string) => value);

const statementNames = new Map<string, string>();

/**
 * Herald's queries are a fixed set of texts run thousands of times (a fan-out runs the same ~30
 * per tenant). Named, they are parsed and planned once per connection instead of on every call:
 * that was half of PostgreSQL's time per brief. The name is a hash of the text, so equal texts
 * share one prepared statement and different texts never collide. HERALD_PG_PREPARE=off turns
 * this off for poolers that cannot keep prepared statements (PgBouncer in transaction mode
 * before 1.21).
 */
function named(text: string, values: readonly unknown[] | undefined): pg.QueryConfig {
  if (values === undefined || process.env.HERALD_PG_PREPARE === 'off') return { text };
  let name = statementNames.get(text);
  if (!name) {
    name = `herald_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    if (statementNames.size < 5000) statementNames.set(text, name);
  }
  return { name, text, values: values as unknown[] };
}

/** A Db over a node-postgres pool. The returned Db owns the pool and closes it. */
export interface PgDbOptions {
  max?: number;
  connectTimeoutMs?: number;
  /** Every transaction read-only (default_transaction_read_only): for a database Herald only reads. */
  readOnly?: boolean;
  /** The server cancels a statement running longer than this (statement_timeout). */
  statementTimeoutMs?: number;
}

export function pgDb(connectionString: string, opts: PgDbOptions = {}): Db & { pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString,
    ...(opts.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    // A worker runs two briefs of ~15 parallel queries, the dispatcher, Agenda's poll and its LISTEN.
    max: opts.max ?? 10,
    // A server that takes the connection and never answers (overloaded, a half-dead proxy) would
    // otherwise hang the query for ever; this way it fails and is retried like a refused one.
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
    // Dead connections (a failover that drops packets) are noticed by TCP keepalives.
    keepAlive: true,
  });
  // An idle client losing its connection (PostgreSQL restart) must not crash the process.
  pool.on('error', () => {});
  return {
    pool,
    async query(text, values) {
      const result = await pool.query(named(text, values));
      return { rows: result.rows };
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction(fn) {
      const client = await pool.connect();
      const tx: Db = {
        query: async (text, values) => ({ rows: (await client.query(named(text, values))).rows }),
        exec: async (sql) => void (await client.query(sql)),
        transaction: (inner) => inner(tx), // already inside one: flatten
        close: async () => {},
      };
      try {
        await client.query('BEGIN');
        const result = await fn(tx);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}
