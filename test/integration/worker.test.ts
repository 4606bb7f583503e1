import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { startWorker, type WorkerProcess } from '../helpers/workerProcess.js';
import { insertEvent } from '../helpers/fixture.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { scheduleHash } from '../../src/scheduler/Scheduler.js';
import { herald } from '../helpers/cli.js';
import { createServer, type AddressInfo } from 'node:net';

const TENANTS = 50;
let t: TestDatabase;
let smtp: SmtpSink;
let dir: string;
const workers: WorkerProcess[] = [];

/** A daily schedule whose latest slot was 20 minutes ago: missed by 10 minutes of grace, caught up at start. */
function scheduleFor(id: string, now: Date) {
  const at = new Date(now.getTime() - 20 * 60_000);
  const hhmm = `${String(at.getUTCHours()).padStart(2, '0')}:${String(at.getUTCMinutes()).padStart(2, '0')}`;
  return { id, report: 'executive-summary', every: 'daily', at: hhmm, timezone: 'UTC', scope: 'all', catchUp: 'latest', deliver: [{ channel: 'email', to: ['c-suite'] }] };
}

async function writeConfig(schedules: object[]): Promise<string> {
  const file = path.join(dir, `herald-${schedules.map((s: any) => s.id).join('-')}.yaml`);
  const raw = { archiveDir: path.join(dir, 'archive'), schedules, scheduler: { tickSeconds: 1, briefLockSeconds: 8 }, delivery: { leaseSeconds: 5 } };
  await writeFile(file, YAML.stringify(raw));
  // The worker was "down" at the slot: its cursor predates it.
  for (const s of parseConfig(raw).schedules) {
    await t.db.query(`INSERT INTO herald.schedule_cursors (schedule_id, considered_until, definition_hash) VALUES ($1, now() - interval '2 days', $2)`, [s.id, scheduleHash(s)]);
  }
  return file;
}

beforeAll(async () => {
  t = await createTestDatabase();
  smtp = await startSmtpSink();
  dir = await mkdtemp(path.join(tmpdir(), 'herald-worker-'));
  // 50 tenants with three days of fresh data and one recipient each.
  await t.db.exec(`
    INSERT INTO plans (id, name, price_monthly) VALUES ('std', 'Standard', 400);
    INSERT INTO tenants (id, name, timezone) SELECT 't' || lpad(n::text, 2, '0'), 'Tenant ' || n, 'UTC' FROM generate_series(1, ${TENANTS}) n;
    INSERT INTO vps_instances (id, tenant_id, status, approximate_cost, cpu_utilization) SELECT 'v-' || id, id, 'active', 120, 55 FROM tenants;
    INSERT INTO deliverability_daily_summary SELECT id, d::date, 10000, 9800, 150, 5, 'good', 'good'
      FROM tenants, generate_series((now() AT TIME ZONE 'UTC')::date - 3, (now() AT TIME ZONE 'UTC')::date - 1, '1 day') d;
    INSERT INTO herald.recipient_groups (name, tenant_id) SELECT 'c-suite', id FROM tenants;
    INSERT INTO herald.recipients (tenant_id, name, email) SELECT id, 'CEO of ' || id, 'ceo@' || id || '.test' FROM tenants;
    INSERT INTO herald.group_members SELECT g.id, r.id FROM herald.recipient_groups g JOIN herald.recipients r USING (tenant_id);
  `);
  for (let n = 1; n <= TENANTS; n++) {
    await insertEvent(t.db, `evt-${n}`, 'resource_usage_event', new Date(Date.now() - 60_000).toISOString(), { tenant_id: `t${String(n).padStart(2, '0')}`, utilization_percentage: 70 });
  }
}, 120_000);

// A test that fails before stopping its workers must not leave them to take the next test's jobs.
afterEach(async () => {
  for (const w of workers.splice(0)) {
    w.kill();
    await w.exited;
  }
});

afterAll(async () => {
  for (const w of workers) w.kill();
  await smtp?.close();
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const env = () => ({ DATABASE_URL: t.url, SMTP_URL: smtp.url });
const sentFor = async (schedule: string) => (await t.db.query<{ delivery_key: string; status: string }>(
  `SELECT delivery_key, status FROM herald.outbox WHERE schedule_id = $1`, [schedule])).rows;

describe('herald worker (real processes, real PostgreSQL, SMTP and Chromium)', () => {
  it('two workers, 50 tenants: every delivery key sent exactly once; /healthz and /metrics answer; SIGTERM drains and exits 0', async () => {
    const config = await writeConfig([scheduleFor('daily-two', new Date())]);
    const a = startWorker(['--config', config], env());
    const b = startWorker(['--config', config], env());
    workers.push(a, b);
    const port = await a.port.catch((err) => { throw new Error(`${err.message}\n--- worker b:\n${b.log().slice(-2000)}`); });
    await smtp.waitFor(TENANTS, 150_000).catch((err) => { throw new Error(`${err.message}\n--- a:\n${a.log().slice(-1500)}\n--- b:\n${b.log().slice(-1500)}`); });
    // The sink records a message before its 250 reaches the worker: wait for the rows too.
    const until = Date.now() + 30_000;
    while (Date.now() < until && !(await sentFor('daily-two')).every((r) => r.status === 'sent')) await new Promise((r) => setTimeout(r, 100));
    const rows = await sentFor('daily-two');
    expect(rows).toHaveLength(TENANTS);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    const messages = smtp.messages.filter((m) => m.headers.get('x-herald-delivery-key')?.toString().startsWith('daily-two:'));
    expect(messages).toHaveLength(TENANTS);
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(TENANTS);
    expect(new Set(messages.map((m) => m.envelope.rcptTo[0])).size).toBe(TENANTS);

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, checks: { database: { ok: true }, scheduler: { ok: true } } });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^herald_deliveries_total\{channel="email",status="sent"\} \d+/m);
    expect(metrics).toMatch(/^herald_outbox_deliveries\{status="sent"\} 50$/m);
    expect(metrics).not.toContain(smtp.url);

    a.term();
    b.term();
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  }, 240_000);

  it('a port in use: exit 2 with one line naming --port, before any job runs', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const config = await writeConfig([scheduleFor('daily-port', new Date())]); // would fire at once
      const r = await herald(['--config', config, 'worker', '--port', String(port)], env());
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`herald: --port: ${port} is already in use\n`);
      expect((await t.db.query(`SELECT * FROM herald.schedule_slots WHERE schedule_id = 'daily-port'`)).rows).toEqual([]);
    } finally {
      taken.close();
    }
  });

  it('a worker killed with SIGKILL mid fan-out: after a restart every brief arrives, none twice', async () => {
    const config = await writeConfig([scheduleFor('daily-kill', new Date())]);
    const countKill = () => smtp.messages.filter((m) => m.headers.get('x-herald-delivery-key')?.toString().startsWith('daily-kill:')).length;
    const a = startWorker(['--config', config], env());
    workers.push(a);
    await a.port;
    const start = Date.now();
    while (countKill() < 8 && Date.now() - start < 120_000) await new Promise((r) => setTimeout(r, 100));
    a.kill();
    await a.exited;
    const atKill = countKill();
    expect(atKill).toBeGreaterThanOrEqual(8);
    expect(atKill).toBeLessThan(TENANTS);

    const b = startWorker(['--config', config], env());
    workers.push(b);
    await b.port;
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const rows = await sentFor('daily-kill');
      if (rows.length === TENANTS && rows.every((r) => r.status === 'sent')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const rows = await sentFor('daily-kill');
    if (rows.length !== TENANTS) console.error(b.log().slice(-4000), JSON.stringify((await t.db.query(`SELECT name, next_run_at, locked_at, last_run_at, last_finished_at, failed_at, fail_reason FROM agenda_jobs WHERE name = 'herald:brief' ORDER BY id DESC LIMIT 5`)).rows));
    expect(rows.filter((r) => r.status === 'sent')).toHaveLength(TENANTS);
    const messages = smtp.messages.filter((m) => m.headers.get('x-herald-delivery-key')?.toString().startsWith('daily-kill:'));
    // Every brief arrived, and by Message-ID none twice. SMTP has no idempotency: a message the
    // server accepted in the instant before SIGKILL, before its row was marked sent, is sent again
    // by the next worker with the same Message-ID and delivery key (a mail client shows one).
    // Only the sends in flight at the kill can repeat: at most the outbox concurrency (4).
    const byId = new Map<string, number>();
    for (const m of messages) byId.set(m.messageId!, (byId.get(m.messageId!) ?? 0) + 1);
    expect(byId.size).toBe(TENANTS);
    const resent = messages.length - TENANTS;
    expect(resent).toBeLessThanOrEqual(4);
    expect([...byId.values()].every((n) => n <= 2)).toBe(true);
    console.info(`SIGKILL test: ${TENANTS} briefs, ${atKill} before the kill, ${resent} re-sent with the same Message-ID`);
    b.term();
    expect(await b.exited).toBe(0);
  }, 300_000);
});
