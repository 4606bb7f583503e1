import type { Db } from './Db.js';

/**
 * An embedded PostgreSQL (PGlite, WebAssembly) for `herald demo` on a machine with no database.
 * `dataDir` undefined keeps everything in memory.
 */
export async function pgliteDb(dataDir?: string): Promise<Db> {
  const { PGlite, types } = await import('@electric-sql/pglite');
  // Same convention as pgDb: calendar dates stay text.
  const db = new PGlite({ dataDir, parsers: { [types.DATE]: (value: string) => value } });
  await db.waitReady;
  const self: Db = {
    async query(text, values) {
      const result = await db.query(text, values as unknown[] | undefined);
      return { rows: result.rows as never[] };
    },
    async exec(sql) {
      await db.exec(sql);
    },
    async transaction(fn) {
      return db.transaction(async (t) => {
        const tx: Db = {
          query: async (text, values) => ({ rows: (await t.query(text, values as unknown[] | undefined)).rows as never[] }),
          exec: async (sql) => void (await t.exec(sql)),
          transaction: (inner) => inner(tx),
          close: async () => {},
        };
        return fn(tx);
      });
    },
    async close() {
      await db.close();
    },
  };
  return self;
}
