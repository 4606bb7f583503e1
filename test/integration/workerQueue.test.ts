import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { openDatabases, type Databases } from '../../src/cli/context.js';
import { pgDb } from '../../src/db/pgDb.js';
import { Worker } from '../../src/worker/Worker.js';
import { systemClock } from '../../src/time/clock.js';

let t: TestDatabase;
let dir: string;
let dbs: Databases;
let worker: Worker;

beforeAll(async () => {
  t = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'herald-queue-'));
  const config = parseConfig({
    archiveDir: path.join(dir, 'archive'),
    schedules: [{ id: 'weekly', report: 'executive-summary', every: 'weekly', at: '07:00', timezone: 'UTC', scope: 'all', deliver: [{ channel: 'email', to: ['c-suite'] }] }],
  });
  dbs = openDatabases(config, { DATABASE_URL: t.url });
  worker = new Worker({ config, dbs, channels: {}, logger: pino({ level: 'silent' }), clock: systemClock, env: { AGENDA_BACKEND: 'postgres' } });
  await worker.start();
}, 60_000);

afterAll(async () => {
  await worker?.stop(5_000);
  await dbs?.close();
  // Agenda may publish a last NOTIFY as it stops: let that connection close before the drop ends it.
  for (let i = 0; i < 50 && t; i++) {
    const { rows } = await t.db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
    if (rows.length === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the brief queue (Agenda on PostgreSQL)', () => {
  it('holds one job per slot and attempt however often it is enqueued, found by an index', async () => {
    const job = { scheduleId: 'weekly', tenantId: 'nobody', periodLabel: '2026-W47', timezone: 'UTC', slotAt: '2026-11-23T07:00:00.000Z' };
    const later = new Date(Date.now() + 86_400_000); // not due: nothing runs it during the test
    await Promise.all([worker.enqueueBrief(job, later), worker.enqueueBrief(job, later)]);
    await worker.enqueueBrief(job, later);
    await worker.enqueueBrief(job, later, 1);
    const { rows } = await t.db.query<{ key: string; n: number }>(
      `SELECT data->>'key' AS key, count(*)::int AS n FROM agenda_jobs WHERE data->>'tenantId' = 'nobody' GROUP BY 1 ORDER BY 1`);
    expect(rows).toEqual([{ key: 'weekly:nobody:2026-W47#0', n: 1 }, { key: 'weekly:nobody:2026-W47#1', n: 1 }]);
    const { rows: indexes } = await t.db.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE indexname = 'agenda_jobs_data_key'`);
    expect(indexes[0]?.indexdef).toMatch(/\(\(data ->> 'key'::text\)\)/);
  });
});

describe('pgDb', () => {
  it('prepares each query text once per connection and reuses it', async () => {
    const db = pgDb(t.url, { max: 1 });
    try {
      for (let i = 0; i < 3; i++) expect((await db.query<{ n: number }>('SELECT $1::int + 1 AS n', [i])).rows).toEqual([{ n: i + 1 }]);
      await db.query('SELECT $1::text AS s', ['x']);
      const { rows } = await db.query<{ statement: string }>(`SELECT statement FROM pg_prepared_statements WHERE name LIKE 'herald_%' AND $1::bool ORDER BY statement`, [true]);
      expect(rows.map((r) => r.statement)).toEqual(['SELECT $1::int + 1 AS n', 'SELECT $1::text AS s', `SELECT statement FROM pg_prepared_statements WHERE name LIKE 'herald_%' AND $1::bool ORDER BY statement`]);
    } finally {
      await db.close();
    }
  });
});
