import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import pg from 'pg';
import { createServer, type AddressInfo } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { openDatabases, type Databases } from '../../src/cli/context.js';
import { pgDb } from '../../src/db/pgDb.js';
import { Worker } from '../../src/worker/Worker.js';
import { systemClock } from '../../src/time/clock.js';
import { FINISHED_JOB_RETENTION_DAYS, purgeFinishedJobs } from '../../src/scheduler/agendaQueue.js';

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
  it('holds one job per slot and dispatch however often it is enqueued, found by an index', async () => {
    const job = { scheduleId: 'weekly', scope: 'nobody', periodLabel: '2026-W47', timezone: 'UTC', slotAt: '2026-11-23T07:00:00.000Z' };
    await Promise.all([worker.briefs.enqueue(job, 1), worker.briefs.enqueue(job, 1)]);
    await worker.briefs.enqueue(job, 1);
    await worker.briefs.enqueue(job, 2);
    const { rows } = await t.db.query<{ key: string; n: number }>(
      `SELECT data->>'key' AS key, count(*)::int AS n FROM agenda_jobs WHERE data->>'scope' = 'nobody' GROUP BY 1 ORDER BY 1`);
    expect(rows).toEqual([{ key: 'weekly:nobody:2026-W47#1', n: 1 }, { key: 'weekly:nobody:2026-W47#2', n: 1 }]);
    const { rows: indexes } = await t.db.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE indexname = 'agenda_jobs_data_key'`);
    expect(indexes[0]?.indexdef).toMatch(/\(\(data ->> 'key'::text\)\)/);
  });

  it('wakes workers with a NOTIFY when a job is saved, and publishes no per-job state notifications; a job of an unknown schedule is handed back on its slot', async () => {
    const listener = new pg.Client({ connectionString: t.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.channel));
    try {
      await listener.query('LISTEN "agenda:jobs"');
      await listener.query('LISTEN "agenda:jobs:state"');
      // Due now, for a schedule this worker does not know (a newer config dispatched it): it runs at once and is handed back.
      const job = { scheduleId: 'gone', scope: 'nobody', periodLabel: '2026-W47', timezone: 'UTC', slotAt: '2026-11-23T07:00:00.000Z' };
      await t.db.query(`INSERT INTO herald.schedule_slots (schedule_id, scope, slot_at, period_label, timezone, next_attempt_at, dispatches) VALUES ('gone', 'nobody', $1, '2026-W47', 'UTC', now() + interval '15 minutes', 1)`, [job.slotAt]);
      await t.db.query(`INSERT INTO agenda_jobs (name, next_run_at, data) VALUES ('executive-summary-weekly', now(), $1::jsonb)`, [JSON.stringify({ ...job, dispatch: 1, key: 'gone:nobody:2026-W47#1' })]);
      await t.db.query(`NOTIFY "agenda:jobs", '{}'`); // as a save by Agenda would: the worker looks now
      const before = Date.now();
      for (let i = 0; i < 100; i++) {
        const { rows } = await t.db.query<{ done: boolean }>(`SELECT last_finished_at IS NOT NULL AS done FROM agenda_jobs WHERE data->>'key' = 'gone:nobody:2026-W47#1'`);
        if (rows[0]?.done) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const { rows } = await t.db.query<{ next: Date }>(`SELECT next_attempt_at AS next FROM herald.schedule_slots WHERE schedule_id = 'gone'`);
      const inMs = new Date(rows[0].next).getTime() - before;
      expect(inMs).toBeGreaterThan(50_000); // handed back: dispatched again in a minute, by a worker that knows it
      expect(inMs).toBeLessThan(70_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(heard.filter((c) => c === 'agenda:jobs').length).toBeGreaterThanOrEqual(1);
      expect(heard.filter((c) => c === 'agenda:jobs:state')).toEqual([]);
    } finally {
      await listener.end();
    }
  });
});

describe('a brief job that throws', () => {
  const runJob = async (job: { scheduleId: string; scope: string; periodLabel: string; timezone: string; slotAt: string }, dispatch = 1) => {
    await worker.briefs.enqueue(job, dispatch);
    for (let i = 0; i < 100; i++) {
      const { rows } = await t.db.query<{ done: boolean }>(`SELECT last_finished_at IS NOT NULL AS done FROM agenda_jobs WHERE data->>'key' = $1`, [`weekly:${job.scope}:${job.periodLabel}#${dispatch}`]);
      if (rows[0]?.done) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the job did not run');
  };
  const slot = async (tenant: string) => (await t.db.query<{ status: string; error: string; next_attempt_at: Date | null; failures: number }>(
    `SELECT status, error, next_attempt_at, failures FROM herald.schedule_slots WHERE scope = $1`, [tenant])).rows[0];
  const notices = async (tenant: string) => (await t.db.query<{ message: string }>(
    `SELECT message FROM herald.operator_notices WHERE kind = 'brief-failed' AND message LIKE $1`, [`%:${tenant}:%`])).rows;
  const slotRow = (tenant: string, o: { dispatches?: number; failures?: number } = {}) => t.db.query(
    `INSERT INTO herald.schedule_slots (schedule_id, scope, slot_at, period_label, timezone, next_attempt_at, dispatches, failures)
     VALUES ('weekly', $1, '2026-11-23T07:00:00Z', '2026-W47', 'UTC', now() + interval '15 minutes', $2, $3)`, [tenant, o.dispatches ?? 1, o.failures ?? 0]);

  it('for a passing reason (a table gone for a moment) is due again on its slot about a minute later; no notice yet', async () => {
    await t.db.exec(`INSERT INTO tenants (id, name, timezone) VALUES ('blip', 'Blip Co', 'UTC')`);
    await slotRow('blip');
    await t.db.exec(`ALTER TABLE deliverability_daily_summary RENAME TO dds_away`);
    const before = Date.now();
    try {
      await runJob({ scheduleId: 'weekly', scope: 'blip', periodLabel: '2026-W47', timezone: 'UTC', slotAt: '2026-11-23T07:00:00.000Z' });
    } finally {
      await t.db.exec(`ALTER TABLE dds_away RENAME TO deliverability_daily_summary`);
    }
    const s = await slot('blip');
    expect(s.status).toBe('failed');
    expect(s.failures).toBe(1);
    expect(s.error).toMatch(/deliverability_daily_summary.*\(failure 1, retrying at 20\d\d-/);
    const inMs = new Date(s.next_attempt_at!).getTime() - before;
    expect(inMs).toBeGreaterThan(50_000);   // about 1 min (±10% jitter)
    expect(inMs).toBeLessThan(70_000);
    expect(await notices('blip')).toEqual([]);
  });

  it('has its own retry budget: dispatched eight times (held for stale data), it is still retried; after its fifth failure it is given up', async () => {
    await t.db.exec(`INSERT INTO tenants (id, name, timezone) VALUES ('stale', 'Stale Co', 'UTC'), ('tired', 'Tired Co', 'UTC')`);
    await slotRow('stale', { dispatches: 8 });
    await slotRow('tired', { dispatches: 5, failures: 4 });
    const job = (scope: string) => ({ scheduleId: 'weekly', scope, periodLabel: '2026-W47', timezone: 'UTC', slotAt: '2026-11-23T07:00:00.000Z' });
    await t.db.exec(`ALTER TABLE deliverability_daily_summary RENAME TO dds_away`);
    try {
      await runJob(job('stale'), 8);
      await runJob(job('tired'), 5);
    } finally {
      await t.db.exec(`ALTER TABLE dds_away RENAME TO deliverability_daily_summary`);
    }
    expect(await slot('stale')).toMatchObject({ failures: 1, next_attempt_at: expect.any(Date) });
    const tired = await slot('tired');
    expect(tired.error).toMatch(/\(failure 5, given up\)$/);
    expect(tired.next_attempt_at).toBeNull();
    expect(await notices('tired')).toHaveLength(1);
  });

  it('for a reason that cannot pass (an unknown tenant) is not tried again, and the operator hears of it', async () => {
    await slotRow('ghost');
    await runJob({ scheduleId: 'weekly', scope: 'ghost', periodLabel: '2026-W47', timezone: 'UTC', slotAt: '2026-11-23T07:00:00.000Z' });
    const s = await slot('ghost');
    expect(s.error).toMatch(/unknown tenant "ghost" \(failure 1, given up\)/);
    expect(s.next_attempt_at).toBeNull();
    expect((await notices('ghost')).map((n) => n.message)).toEqual([expect.stringMatching(/^brief weekly:ghost:2026-W47 failed \(failure 1, given up\): .*unknown tenant/)]);
  });
});

describe('a database restart (connections terminated under the worker)', () => {
  it('does not end the worker: its LISTEN connection comes back and jobs still run', async () => {
    const terminate = () => t.db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
    const listening = async () => (await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`)).rows[0].n;
    expect(await listening()).toBe(1);
    await terminate(); // 57P01 "terminating connection due to administrator command", as in a restart
    await new Promise((r) => setTimeout(r, 1500));
    await terminate(); // again, mid-reconnect
    for (let i = 0; i < 100 && (await listening()) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await listening()).toBe(1);

    // A job due now still runs (for a tenant that does not exist: it fails, and Agenda records that).
    const job = { scheduleId: 'weekly', scope: 'after-restart', periodLabel: '2026-W47', timezone: 'UTC', slotAt: '2026-11-23T07:00:00.000Z' };
    // The first statement after a restart may be handed a pooled connection that died with it (the
    // worker's dispatch would try again at its next tick): the test tries again the same way.
    for (let attempt = 1; ; attempt++) {
      try {
        await worker.briefs.enqueue(job, 1);
        break;
      } catch (err) {
        if (attempt >= 3 || !/terminating connection|Connection terminated/.test((err as Error).message)) throw err;
      }
    }
    let ran = false;
    for (let i = 0; i < 100 && !ran; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ran = (await t.db.query<{ ran: boolean }>(`SELECT last_finished_at IS NOT NULL AS ran FROM agenda_jobs WHERE data->>'key' = 'weekly:after-restart:2026-W47#1'`)).rows[0]?.ran ?? false;
    }
    expect(ran).toBe(true);
    expect((await worker.health()).checks.database).toEqual({ ok: true });
  });
});

describe('/healthz and /metrics', () => {
  it('process metrics are named herald_process_* (not herald_process_process_*); health reports the channels and the poller', async () => {
    const text = await worker.metrics.registry.metrics();
    expect(text).toMatch(/^herald_process_cpu_user_seconds_total /m);
    expect(text).not.toContain('herald_process_process_');
    const h = await worker.health();
    expect(h.checks.channels).toEqual({ ok: true, detail: 'none configured' });
    expect(h.checks.alerts.ok).toBe(true);
  });
});

describe('finished Agenda jobs', () => {
  it('are deleted after the retention; pending, running and recent ones stay', async () => {
    const insert = (key: string, nextRun: string | null, finished: string | null, locked: string | null = null) => t.db.query(
      `INSERT INTO agenda_jobs (name, next_run_at, last_finished_at, locked_at, data) VALUES ('executive-summary-weekly', $2::timestamptz, $3::timestamptz, $4::timestamptz, jsonb_build_object('key', $1::text))`,
      [key, nextRun, finished, locked]);
    const days = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
    await insert('purge:old', null, days(FINISHED_JOB_RETENTION_DAYS + 1));
    await insert('purge:recent', null, days(FINISHED_JOB_RETENTION_DAYS - 1));
    await insert('purge:pending', days(-1), days(FINISHED_JOB_RETENTION_DAYS + 1));
    await insert('purge:running', null, days(FINISHED_JOB_RETENTION_DAYS + 1), days(0));
    expect(await purgeFinishedJobs(t.db)).toBe(1);
    const { rows } = await t.db.query<{ key: string }>(`SELECT data->>'key' AS key FROM agenda_jobs WHERE data->>'key' LIKE 'purge:%' ORDER BY 1`);
    expect(rows.map((r) => r.key)).toEqual(['purge:pending', 'purge:recent', 'purge:running']);
  });
});

describe('pgDb', () => {
  it('a separate business database is opened read-only with a statement timeout; herald\'s own is not', async () => {
    const config = parseConfig({ sources: { business: { statementTimeoutSeconds: 1 } } });
    // Another URL for the same database stands for the platform's: Herald opens it as a source.
    const opened = openDatabases(config, { DATABASE_URL: t.url, SOURCE_DATABASE_URL: `${t.url}?application_name=source` });
    try {
      const setting = async (db: typeof opened.source, name: string) => (await db.query<Record<string, string>>(`SHOW ${name}`)).rows[0][name];
      expect(await setting(opened.source, 'default_transaction_read_only')).toBe('on');
      expect(await setting(opened.source, 'statement_timeout')).toBe('1s');
      expect(await setting(opened.herald, 'default_transaction_read_only')).toBe('off');
      await expect(opened.source.query(`INSERT INTO tenants (id, name) VALUES ('nope', 'Nope')`)).rejects.toThrow(/read-only transaction/);
      await expect(opened.source.query('SELECT pg_sleep(3)')).rejects.toThrow(/statement timeout/);
      expect(await setting(opened.herald, 'statement_timeout')).toBe('0');
    } finally {
      await opened.close();
    }
  });

  it('gives up connecting to a server that takes the connection and never answers', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const db = pgDb(`postgres://herald@127.0.0.1:${(silent.address() as AddressInfo).port}/herald`, { connectTimeoutMs: 300 });
    try {
      await expect(db.query('SELECT 1')).rejects.toThrow(/timeout/i);
    } finally {
      await db.close();
      silent.close();
    }
  });

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
