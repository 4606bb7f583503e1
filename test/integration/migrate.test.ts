import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { migrate, heraldMigrations, sourceMigrations } from '../../src/db/migrate.js';
import { pgliteDb } from '../../src/db/pgliteDb.js';
import { readdirSync } from 'node:fs';

/** Every numbered file of a set, in order: each must apply, once. */
const files = (dir: string) => readdirSync(dir).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
const HERALD = files(heraldMigrations.dir);
const SOURCE = files(sourceMigrations.dir);

describe('migrations', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => t?.drop());

  it('applies herald and source sets once, idempotently, even when two runners race', async () => {
    const [a, b] = await Promise.all([migrate(t.db, heraldMigrations), migrate(t.db, heraldMigrations)]);
    expect(HERALD.slice(0, 5)).toEqual(['001_herald_schema.sql', '002_delivery.sql', '003_outbox_messages.sql', '004_alerts.sql', '005_isolation.sql']);
    expect([...a, ...b]).toEqual(HERALD);
    expect(await migrate(t.db, heraldMigrations)).toEqual([]);
    expect(await migrate(t.db, sourceMigrations)).toEqual(SOURCE);
    expect(await migrate(t.db, sourceMigrations)).toEqual([]);
    const tables = await t.db.query<{ t: string }>(
      `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables
        WHERE table_schema IN ('herald', 'public') ORDER BY 1`,
    );
    expect(tables.rows.map((r) => r.t)).toEqual(expect.arrayContaining([
      'herald.runs', 'herald.alerts', 'public.tenants', 'public.posthog_events', 'public.deliverability_daily_summary',
    ]));
  });

  it('runs on the embedded PGlite used by the demo', async () => {
    const db = await pgliteDb();
    try {
      expect(await migrate(db, heraldMigrations)).toEqual(HERALD);
      expect(await migrate(db, sourceMigrations)).toEqual(SOURCE);
      const { rows } = await db.query<{ d: string }>(`SELECT '2026-11-21'::date AS d`);
      expect(rows[0].d).toBe('2026-11-21');
    } finally {
      await db.close();
    }
  });
});
