import pg from 'pg';
import type { Db } from './Db.js';

// node-postgres parses `date` as a local-midnight JS Date, which shifts calendar dates across
// time zones. Herald treats dates as calendar strings, so keep them as text.
pg.types.setTypeParser(1082, (value: string) => value);

/** A Db over a node-postgres pool. The returned Db owns the pool and closes it. */
export function pgDb(connectionString: string, opts: { max?: number } = {}): Db & { pool: pg.Pool } {
  // A worker runs two briefs of ~15 parallel queries, the dispatcher, Agenda's poll and its LISTEN.
  const pool = new pg.Pool({ connectionString, max: opts.max ?? 10 });
  // An idle client losing its connection (PostgreSQL restart) must not crash the process.
  pool.on('error', () => {});
  return {
    pool,
    async query(text, values) {
      const result = await pool.query(text, values as unknown[] | undefined);
      return { rows: result.rows };
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction(fn) {
      const client = await pool.connect();
      const tx: Db = {
        query: async (text, values) => ({ rows: (await client.query(text, values as unknown[] | undefined)).rows }),
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
