/**
 * Alert latency benchmark (issue 8; SPEC §12: "alert latency from an event's commit to the Twilio
 * request, p50/p95/p99, under a background load of 10,000 events a minute"). Figures only;
 * nothing here passes or fails.
 *
 *   npm run bench:alerts        (= node --import tsx bench/alerts.bench.ts, after setup)
 *
 * Three processes on one machine, one fresh PostgreSQL database (test/helpers/testDb.ts: herald's
 * schema and the source schema with its export table `posthog_events`):
 * - this one: herald's alert side as `herald worker` runs it: the AlertPoller ticking with
 *   node-cron every `alerts.pollEvery` (1 s) and an OutboxDispatcher woken by it (`onQueued`),
 *   with only the SMS channel (createSmsChannel → the stand-in). Each has a pool of its own (a
 *   worker shares one) so that their PostgreSQL backends can be told apart; the poller's is
 *   wrapped to count and time every statement of every tick (the business and event reads too).
 * - bench/alertsLoad.ts: the event writer (PostHog's batch export): a background load every
 *   100 ms, one INSERT (one transaction) a batch, a realistic mix of the six event types over
 *   every tenant, none breaching; and the breaches, one critical deliverability event per tenant
 *   that has no open alert, each its own INSERT, at BENCH_BREACH_RATE a second with jitter. It
 *   takes the commit time (Date.now() right after the COMMIT returned) and sends it here.
 * - bench/alertsTwilio.ts: the Twilio stand-in (test/helpers/twilioStandIn.ts), which records
 *   Date.now() when a message request arrives.
 * Latency = stand-in arrival − commit, both Date.now() on the same machine (one system clock, so
 * the processes agree to well under a millisecond). Each tenant has one on-call director (tier 0,
 * group `oncall`) with a phone of their own and no email or Slack channel, so a breach makes
 * exactly one SMS; its latency is that of the first message to the director's phone. Background
 * deliverability events are clear, so an open alert resolves after `resolveAfter` of them and
 * its director gets a RESOLVED text too: counted apart, not measured.
 *
 * Timeline: history (BENCH_HISTORY_MIN minutes of events at the first rate, then VACUUM ANALYZE,
 * as a platform's export table is never empty), warm-up (BENCH_WARMUP_S at the first rate, with
 * BENCH_WARMUP_BREACHES breaches, not measured), then for each rate: the load switched to it and
 * left to settle for BENCH_SETTLE_S (default: lookBack + 15 s, so the poller's look-back window
 * is full of events at the new rate; for the first rate only what history and warm-up leave
 * short of it), then BENCH_BREACHES breaches measured, then up to BENCH_DRAIN_S for their SMS.
 * About 8 minutes with the defaults. At the end, the late audit's two counts are timed on the
 * table as it then is (the run is too short for the audit to reach its steady state).
 *
 * Environment: BENCH_ALERT_RATES (10000,100000 events a minute), BENCH_BREACHES (200 a rate),
 * BENCH_BREACH_RATE (2.5 a second), BENCH_TENANTS (1000; raised to what the breaches need),
 * BENCH_WARMUP_S (30), BENCH_WARMUP_BREACHES (20), BENCH_SETTLE_S, BENCH_DRAIN_S (30),
 * BENCH_HISTORY_MIN (60), BENCH_POLL_EVERY (1s), BENCH_LOOK_BACK (the config default, 2m),
 * BENCH_LOG_LEVEL (info, to a file that is summarised), BENCH_QUIET_WAIT_S (60: wait up to this
 * long for the machine to be quiet before starting), BENCH_SEED (1).
 *
 * CPU: this process (poller + dispatcher + the bench's own bookkeeping) by process.cpuUsage, and
 * the part spent inside ticks; the children and PostgreSQL's processes from /proc
 * (bench/procstat.ts), PostgreSQL's backends told apart by application_name (herald-poller,
 * herald-dispatcher, bench-load, bench-breach), sampled every 5 s so that a pool connection
 * closed meanwhile keeps its last figure. "% of a core" = CPU seconds / wall seconds × 100.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import cron from 'node-cron';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../test/helpers/testDb.js';
import type { Db } from '../src/db/Db.js';
import { pgDb } from '../src/db/pgDb.js';
import { parseConfig } from '../src/config/loadConfig.js';
import { reportContext } from '../src/cli/context.js';
import { AlertPoller, type TickResult } from '../src/alerts/AlertPoller.js';
import { seenCount } from '../src/alerts/alertStore.js';
import { ALERTABLE_EVENTS } from '../src/alerts/rules.js';
import { PosthogExportStore } from '../src/sources/posthogExportStore.js';
import { OutboxDispatcher } from '../src/delivery/OutboxDispatcher.js';
import { createSmsChannel } from '../src/delivery/sms/smsChannel.js';
import { addRecipient } from '../src/recipients/recipientsRepo.js';
import { HeraldMetrics } from '../src/ops/metrics.js';
import { OperatorNotices } from '../src/ops/operatorNotices.js';
import { createLogger } from '../src/ops/logger.js';
import { systemClock } from '../src/time/clock.js';
import { percentile, processTree } from './pss.js';
import { machineCpuSeconds, pidsCpuSeconds, waitForQuiet } from './procstat.js';

const RATES = (process.env.BENCH_ALERT_RATES ?? '10000,100000').split(',').map((x) => Number(x.trim())).filter((x) => x > 0);
const BREACHES = Number(process.env.BENCH_BREACHES ?? 200);
const BREACH_RATE = Number(process.env.BENCH_BREACH_RATE ?? 2.5);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 30);
const WARMUP_BREACHES = Number(process.env.BENCH_WARMUP_BREACHES ?? 20);
const DRAIN_S = Number(process.env.BENCH_DRAIN_S ?? 30);
const HISTORY_MIN = Number(process.env.BENCH_HISTORY_MIN ?? 60);
const POLL_EVERY = process.env.BENCH_POLL_EVERY ?? '1s';
const LOOK_BACK = process.env.BENCH_LOOK_BACK;
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
const QUIET_WAIT_MS = Number(process.env.BENCH_QUIET_WAIT_S ?? 60) * 1000;
const SEED = Number(process.env.BENCH_SEED ?? 1);
const TENANTS = Math.max(Number(process.env.BENCH_TENANTS ?? 1000), WARMUP_BREACHES + BREACHES * RATES.length);
const PG_SAMPLE_MS = 5000;

const log = (msg: string) => process.stderr.write(`[alerts] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const p = (xs: number[], q: number) => (xs.length ? percentile(xs, q) : NaN);
const ms = (x: number) => (Number.isFinite(x) ? `${Math.round(x)} ms` : 'n/a');
const num = (x: number, digits = 0) => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const pctCore = (cpuS: number, wallS: number) => `${num((cpuS / wallS) * 100, 1)}%`;
const phoneOf = (i: number) => `+1212555${String(1000 + i).padStart(4, '0')}`;

// ---------------------------------------------------------------------------------------------
// Statements of the poller, counted and timed per tick

interface StatementStat { calls: number; ms: number; rows: number }
interface TickRecord {
  start: number;         // Date.now() as the tick began (the poller's clock reads the same)
  end: number;           // Date.now() once it committed and woke the dispatcher
  ms: number;
  cpuMs: number;         // this process's CPU during the tick (anything else on the event loop meanwhile too)
  calls: number;
  rows: number;
  windowIds: number;     // rows of the tick's first eventIds: the uuids in (cursor − lookBack, now]
  audit: boolean;        // the late audit ran in this tick
  result: TickResult | null | undefined;
  statements: Map<string, StatementStat>;
}

/** Short names for the poller's statements (the rest are named by their first words). */
const LABELS: [RegExp, string][] = [
  [/^SELECT DISTINCT ON \(uuid\) uuid, "timestamp" FROM/, 'events.eventIds (uuids in the window)'],
  [/^SELECT \* FROM \( SELECT DISTINCT ON \(uuid\) uuid, event,/, 'events.eventsByIds (new events in full)'],
  [/^SELECT count\(DISTINCT uuid\)/, 'events.countEvents (late audit)'],
  [/^SELECT max\("timestamp"\) AS at FROM/, 'events.newestEventAt (silence)'],
  [/^INSERT INTO herald\.alert_seen_events/, 'markSeen (INSERT alert_seen_events)'],
  [/^SELECT count\(\*\)::int AS n FROM herald\.alert_seen_events/, 'seenCount (late audit)'],
  [/^SELECT uuid FROM herald\.alert_seen_events/, 'seenAmong (late audit)'],
  [/^DELETE FROM herald\.alert_seen_events/, 'pruneSeen (late audit)'],
  [/^SELECT pg_try_advisory_xact_lock/, 'alerts lock'],
  [/^INSERT INTO herald\.alert_poller/, 'pollerState (insert)'],
  [/^SELECT started_at, cursor_at/, 'pollerState (select)'],
  [/^UPDATE herald\.alert_poller/, 'savePollerState'],
  [/FROM herald\.alerts WHERE state <> 'resolved' ORDER BY id/, 'openAlerts'],
  [/FROM herald\.sms_intents WHERE outbox_id IS NULL/, 'waitingSmsIntents'],
  [/^INSERT INTO herald\.alerts /, 'insertAlert'],
  [/^UPDATE herald\.alerts SET/, 'updateAlert'],
  [/^INSERT INTO herald\.alert_events/, 'addTimeline'],
];
function label(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  for (const [re, name] of LABELS) if (re.test(t)) return name;
  return t.slice(0, 60);
}

class TickRecorder {
  readonly ticks: TickRecord[] = [];
  current: TickRecord | null = null;
  outside = 0;
  #cpu0 = process.cpuUsage();

  begin(): TickRecord {
    this.#cpu0 = process.cpuUsage();
    this.current = { start: Date.now(), end: 0, ms: performance.now(), cpuMs: 0, calls: 0, rows: 0, windowIds: -1, audit: false, result: undefined, statements: new Map() };
    return this.current;
  }

  end(t: TickRecord): void {
    const c = process.cpuUsage(this.#cpu0);
    t.cpuMs = (c.user + c.system) / 1000;
    t.ms = performance.now() - t.ms;
    t.end = Date.now();
    if (t.windowIds < 0) t.windowIds = 0;
    this.ticks.push(t);
    this.current = null;
  }

  record(text: string, elapsed: number, rows: number): void {
    const t = this.current;
    if (!t) { this.outside += 1; return; }
    const name = label(text);
    const s = t.statements.get(name) ?? { calls: 0, ms: 0, rows: 0 };
    s.calls += 1;
    s.ms += elapsed;
    s.rows += rows;
    t.statements.set(name, s);
    t.calls += 1;
    t.rows += rows;
    if (name.startsWith('events.eventIds') && t.windowIds < 0) t.windowIds = rows;
    if (name.includes('late audit')) t.audit = true;
  }
}

/** The poller's Db: every statement (BEGIN and COMMIT too) counted, timed and its rows counted. */
function countingDb(inner: Db, rec: TickRecorder): Db {
  const query: Db['query'] = async (text, values) => {
    const t0 = performance.now();
    const r = await inner.query(text, values);
    rec.record(text, performance.now() - t0, r.rows.length);
    return r as never;
  };
  return {
    query,
    exec: async (sql) => { const t0 = performance.now(); await inner.exec(sql); rec.record(sql, performance.now() - t0, 0); },
    transaction: async (fn) => {
      const t0 = performance.now();
      let fnEnd = 0;
      const out = await inner.transaction(async (tx) => {
        rec.record('BEGIN (+ pool connect)', performance.now() - t0, 0);
        const r = await fn(countingDb(tx, rec));
        fnEnd = performance.now();
        return r;
      });
      rec.record('COMMIT', performance.now() - fnEnd, 0);
      return out;
    },
    close: () => inner.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL's CPU by role, from /proc

function ppidOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/**
 * Every PostgreSQL process's CPU, grouped: this database's backends by application_name, the rest
 * (WAL writer, checkpointer, autovacuum, other databases' backends) as `rest`. A process gone
 * since the last sample keeps its last figure.
 */
class PgCpu {
  readonly last = new Map<number, { group: string; cpu: number }>();
  #postmaster: number | null = null;
  constructor(private readonly db: Db, private readonly dbName: string) {}

  async sample(): Promise<void> {
    const rows = (await this.db.query<{ pid: number; app: string }>(
      `SELECT pid, application_name AS app FROM pg_stat_activity WHERE datname = $1`, [this.dbName])).rows;
    const app = new Map(rows.map((r) => [r.pid, r.app || 'bench-setup']));
    if (this.#postmaster === null && rows.length) this.#postmaster = ppidOf(rows[0].pid);
    const pids = this.#postmaster === null ? rows.map((r) => r.pid) : processTree(this.#postmaster);
    for (const pid of pids) {
      const cpu = pidsCpuSeconds([pid]);
      const group = app.get(pid) ?? this.last.get(pid)?.group ?? 'rest';
      this.last.set(pid, { group, cpu: Math.max(cpu, this.last.get(pid)?.cpu ?? 0) });
    }
  }

  snapshot(): Map<number, { group: string; cpu: number }> {
    return new Map([...this.last].map(([k, v]) => [k, { ...v }]));
  }

  static since(before: Map<number, { group: string; cpu: number }>, after: Map<number, { group: string; cpu: number }>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [pid, a] of after) out[a.group] = (out[a.group] ?? 0) + a.cpu - (before.get(pid)?.cpu ?? 0);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Children

function child(file: string): ChildProcess {
  return fork(fileURLToPath(new URL(file, import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** The next message of `type` from a child (after sending `msg`, if any). */
async function ask<T>(c: ChildProcess, type: string, msg?: unknown): Promise<T> {
  const answer = new Promise<T>((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      c.off('message', onMessage);
      c.off('exit', onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null) => reject(new Error(`child ${c.pid} exited (${code}) while waiting for ${type}`));
    c.on('message', onMessage);
    c.once('exit', onExit);
  });
  if (msg !== undefined) c.send(msg as never);
  return answer;
}

interface Arrival { to: string; at: number; body: string }
interface Commit { tenant: string; uuid: string; committedAt: number; insertMs: number }
interface LoadStats { inserted: number; batches: number; batchMs: number[]; behindMax: number }

// ---------------------------------------------------------------------------------------------

interface PhaseReport {
  rate: number;
  lines: string[];
  summary: Record<string, string>;
}

async function main(): Promise<void> {
  const cleanup: (() => unknown)[] = [];
  const dir = await mkdtemp(path.join(tmpdir(), 'herald-bench-alerts-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  let t: TestDatabase | undefined;
  try {
    const busy = await waitForQuiet(QUIET_WAIT_MS, 0.15, (b) => log(`machine ${Math.round(b * 100)}% busy: waiting for it to settle`));
    if (busy >= 0.15) log(`machine still ${Math.round(busy * 100)}% busy after ${QUIET_WAIT_MS / 1000} s: starting anyway`);

    // --- data -----------------------------------------------------------------------------------
    t = await createTestDatabase();
    const db = t.db;
    cleanup.push(() => t?.drop());
    const tenants = Array.from({ length: TENANTS }, (_, i) => `t${String(i + 1).padStart(4, '0')}`);
    await db.query(`INSERT INTO tenants (id, name, timezone) SELECT id, 'Tenant ' || upper(id), 'UTC' FROM unnest($1::text[]) AS id`, [tenants]);
    const phoneOfTenant = new Map<string, string>();
    for (const [i, id] of tenants.entries()) {
      phoneOfTenant.set(id, phoneOf(i));
      await addRecipient(db, { tenantId: id, name: `Director ${id}`, phone: phoneOf(i), timezone: 'UTC', groups: ['oncall'] });
    }
    log(`database ${t.name}: ${TENANTS} tenants, one on-call director each`);

    const load = child('./alertsLoad.ts');
    cleanup.push(() => { load.send({ type: 'stop' }); return Promise.race([once(load, 'exit'), sleep(3000).then(() => load.kill())]); });
    await ask(load, 'ready', { type: 'init', url: t.url, tenants, seed: SEED });
    if (HISTORY_MIN > 0) {
      log(`history: ${HISTORY_MIN} min of events at ${num(RATES[0])}/min…`);
      const h = await ask<{ inserted: number; ms: number }>(load, 'history', { type: 'history', minutes: HISTORY_MIN, perMinute: RATES[0] });
      await db.exec('VACUUM ANALYZE posthog_events');
      log(`history: ${num(h.inserted)} events in ${ms(h.ms)}, vacuumed and analysed`);
    }

    const twilio = child('./alertsTwilio.ts');
    cleanup.push(() => { twilio.send({ type: 'stop' }); return Promise.race([once(twilio, 'exit'), sleep(3000).then(() => twilio.kill())]); });
    const standIn = await ask<{ url: string; accountSid: string; authToken: string }>(twilio, 'ready');
    const arrivals = async () => (await ask<{ messages: Arrival[] }>(twilio, 'messages', { type: 'messages' })).messages;

    // --- herald's alert side --------------------------------------------------------------------
    const config = parseConfig({ timezone: 'UTC', alerts: { pollEvery: POLL_EVERY, ...(LOOK_BACK ? { lookBack: LOOK_BACK } : {}) } });
    const settleS = Number(process.env.BENCH_SETTLE_S ?? config.alerts.lookBack / 1000 + 15);
    const withApp = (name: string) => { const u = new URL(t!.url); u.searchParams.set('application_name', name); return u.toString(); };
    const pollerPool = pgDb(withApp('herald-poller'));
    const dispatchPool = pgDb(withApp('herald-dispatcher'));
    cleanup.push(() => pollerPool.close(), () => dispatchPool.close());
    const rec = new TickRecorder();
    const pollerDb = countingDb(pollerPool, rec);
    const logFile = path.join(dir, 'worker.log');
    const logger = createLogger({ level: LOG_LEVEL, destination: pino.destination({ dest: logFile, sync: false, mkdir: true }) });
    const metrics = new HeraldMetrics();
    const ctx = reportContext(config, { herald: pollerDb, source: pollerDb }, systemClock);
    const cronWarnings = { overlap: 0, missed: 0, other: 0 };
    cron.setLogger({
      info: () => {}, debug: () => {}, error: (m: unknown) => process.stderr.write(`[node-cron] ${String(m)}\n`),
      warn: (m: string) => { if (/overlap/.test(m)) cronWarnings.overlap++; else if (/missed/.test(m)) cronWarnings.missed++; else cronWarnings.other++; },
    } as never);
    let dispatcher: OutboxDispatcher | undefined = undefined;
    class MeasuredPoller extends AlertPoller {
      override async tick(): Promise<TickResult | null> {
        const r = rec.begin();
        try {
          r.result = await super.tick();
          return r.result;
        } finally {
          rec.end(r);
        }
      }
    }
    const poller = new MeasuredPoller({
      db: pollerDb, events: ctx.events, business: ctx.business, config, clock: systemClock, logger, metrics,
      notices: new OperatorNotices({ db: pollerDb, logger, metrics }), onQueued: () => dispatcher?.wake(),
    });
    dispatcher = new OutboxDispatcher({
      db: dispatchPool, clock: systemClock, logger, metrics, notices: new OperatorNotices({ db: dispatchPool, logger, metrics }),
      concurrency: config.delivery.outboxConcurrency, leaseMs: config.delivery.leaseSeconds * 1000,
      channels: { sms: createSmsChannel({ accountSid: standIn.accountSid, authToken: standIn.authToken, from: '+12025550123', apiUrl: standIn.url }) },
    });
    const pg = new PgCpu(db, t.name);
    const pgTimer = setInterval(() => { pg.sample().catch(() => {}); }, PG_SAMPLE_MS);
    cleanup.push(() => clearInterval(pgTimer));

    const commits = new Map<string, Commit>();
    let breachesDone: () => void = () => {};
    load.on('message', (m: { type: string } & Commit) => {
      if (m.type === 'breach') commits.set(m.tenant, m);
      if (m.type === 'breaches-done') breachesDone();
    });
    let loadExited: (code: number | null) => void = () => {};
    load.once('exit', (code) => loadExited(code));
    const runBreaches = (list: string[]) => {
      const done = new Promise<void>((resolve, reject) => {
        breachesDone = resolve;
        loadExited = (code) => reject(new Error(`the load writer exited (${code}) during the breaches`));
      });
      load.send({ type: 'breaches', tenants: list, perSecond: BREACH_RATE });
      return done;
    };

    dispatcher.start(1000);
    poller.start();
    cleanup.push(() => poller.stop(), () => dispatcher?.stop());
    load.send({ type: 'rate', perMinute: RATES[0] });
    log(`poller every ${config.alerts.pollEvery / 1000} s (lookBack ${config.alerts.lookBack / 1000} s), dispatcher concurrency ${config.delivery.outboxConcurrency}; ` +
      `load ${num(RATES[0])}/min; warm-up ${WARMUP_S} s with ${WARMUP_BREACHES} breaches`);
    let next = 0;
    const take = (n: number) => tenants.slice(next, (next += n));
    const warmup = runBreaches(take(WARMUP_BREACHES));
    warmup.catch(() => {});
    await sleep(WARMUP_S * 1000);
    await warmup;

    // --- phases ---------------------------------------------------------------------------------
    const reports: PhaseReport[] = [];
    for (const [i, rate] of RATES.entries()) {
      if (i > 0) {
        load.send({ type: 'rate', perMinute: rate });
        log(`load ${num(rate)}/min: settling ${settleS} s (the look-back window fills at the new rate)`);
        await sleep(settleS * 1000);
      } else if (settleS > WARMUP_S + HISTORY_MIN * 60) {
        // Too little history to fill the look-back window: the load runs until it is full.
        log(`history ${HISTORY_MIN} min + warm-up ${WARMUP_S} s < ${settleS} s: settling ${settleS - WARMUP_S - HISTORY_MIN * 60} s more`);
        await sleep((settleS - WARMUP_S - HISTORY_MIN * 60) * 1000);
      }
      const list = take(BREACHES);
      log(`phase ${num(rate)}/min: ${list.length} breaches at ${BREACH_RATE}/s…`);
      await ask<LoadStats>(load, 'stats', { type: 'stats' });
      await pg.sample();
      const before = {
        at: Date.now(), cpu: process.cpuUsage(), machine: machineCpuSeconds(), pg: pg.snapshot(), ticks: rec.ticks.length,
        children: { load: pidsCpuSeconds([load.pid!]), twilio: pidsCpuSeconds([twilio.pid!]) }, cron: { ...cronWarnings },
        load: (await ask<LoadStats>(load, 'stats', { type: 'stats' })).inserted,
      };
      await runBreaches(list);
      const lastCommit = Math.max(...list.map((x) => commits.get(x)?.committedAt ?? 0));
      // Drain: until every breach's director has a text, or DRAIN_S after the last breach.
      let got: Arrival[] = [];
      const firstTo = new Map<string, Arrival>();
      for (;;) {
        got = await arrivals();
        firstTo.clear();
        for (const a of got) if (!firstTo.has(a.to)) firstTo.set(a.to, a);
        if (list.every((x) => firstTo.has(phoneOfTenant.get(x)!)) || Date.now() - lastCommit > DRAIN_S * 1000) break;
        await sleep(250);
      }
      await pg.sample();
      const loadStats = await ask<LoadStats>(load, 'stats', { type: 'stats' });
      const after = {
        at: Date.now(), cpu: process.cpuUsage(before.cpu), machine: machineCpuSeconds(), pg: pg.snapshot(),
        children: { load: pidsCpuSeconds([load.pid!]), twilio: pidsCpuSeconds([twilio.pid!]) },
      };
      const wallS = (after.at - before.at) / 1000;

      // Latency and its parts: commit → tick that raised the alert (raised_at = the tick's clock) → its commit → stand-in.
      const raised = new Map((await db.query<{ tenant_id: string; raised_at: Date }>(
        `SELECT tenant_id, raised_at FROM herald.alerts WHERE rule = 'deliverability' AND tenant_id = ANY($1::text[])`, [list])).rows
        .map((r) => [r.tenant_id, new Date(r.raised_at).getTime()]));
      const ticks = rec.ticks.slice(before.ticks);
      const latency: number[] = [];
      const wait: number[] = [];
      const tickPart: number[] = [];
      const sendPart: number[] = [];
      let missing = 0;
      let notCritical = 0;
      for (const tenant of list) {
        const c = commits.get(tenant);
        const a = firstTo.get(phoneOfTenant.get(tenant)!);
        if (!c || !a) { missing++; continue; }
        if (!a.body.startsWith('CRITICAL')) notCritical++;
        latency.push(a.at - c.committedAt);
        const r = raised.get(tenant);
        const tick = r === undefined ? undefined : rec.ticks.find((x) => x.start <= r && r - x.start < 50);
        if (r !== undefined && tick) {
          wait.push(r - c.committedAt);
          tickPart.push(tick.end - r);
          sendPart.push(a.at - tick.end);
        }
      }
      const inWindow = got.filter((a) => a.at >= before.at && a.at <= after.at);
      const kinds = inWindow.reduce<Record<string, number>>((acc, a) => { const k = a.body.split(' ')[0]; acc[k] = (acc[k] ?? 0) + 1; return acc; }, {});

      // The poller.
      const tickMs = ticks.map((x) => x.ms);
      const tickCpuS = ticks.reduce((s, x) => s + x.cpuMs, 0) / 1000;
      const processCpuS = (after.cpu.user + after.cpu.system) / 1e6;
      const expectedTicks = wallS / (config.alerts.pollEvery / 1000);
      const statements = new Map<string, StatementStat>();
      for (const x of ticks) for (const [k, s] of x.statements) {
        const agg = statements.get(k) ?? { calls: 0, ms: 0, rows: 0 };
        agg.calls += s.calls; agg.ms += s.ms; agg.rows += s.rows;
        statements.set(k, agg);
      }
      const top = [...statements].sort((a, b) => b[1].ms - a[1].ms).slice(0, 10);
      const auditTicks = ticks.filter((x) => x.audit);
      const plainTicks = ticks.filter((x) => !x.audit);
      const pgCpu = PgCpu.since(before.pg, after.pg);
      const machineBusy = after.machine.busy - before.machine.busy;
      const machineTotal = after.machine.total - before.machine.total;
      const loadCpu = after.children.load - before.children.load;
      const twilioCpu = after.children.twilio - before.children.twilio;
      const pgOurs = (pgCpu['herald-poller'] ?? 0) + (pgCpu['herald-dispatcher'] ?? 0) + (pgCpu['bench-load'] ?? 0) + (pgCpu['bench-breach'] ?? 0) + (pgCpu['bench-setup'] ?? 0);
      const pgAll = Object.values(pgCpu).reduce((a, b) => a + b, 0);
      const others = Math.max(0, machineBusy - processCpuS - loadCpu - twilioCpu - pgAll);
      const achieved = (loadStats.inserted - before.load) / (wallS / 60);

      const lines = [
        `=== ${num(rate)} events/min background, pollEvery ${config.alerts.pollEvery / 1000} s, lookBack ${config.alerts.lookBack / 1000} s — ${num(wallS, 1)} s measured ` +
          `(${new Date(before.at).toISOString().slice(11, 19)}–${new Date(after.at).toISOString().slice(11, 19)} UTC) ===`,
        `breaches     ${list.length} committed, ${latency.length} texted (first SMS to the director: ${latency.length - notCritical} CRITICAL${notCritical ? `, ${notCritical} other` : ''}), ${missing} without SMS within ${DRAIN_S} s of the last breach`,
        `SMS          ${inWindow.length} received in the window: ${Object.entries(kinds).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'} (RESOLVED: the background's clear deliverability events resolve open alerts)`,
        `latency      commit → Twilio request: p50 ${ms(p(latency, 50))}  p95 ${ms(p(latency, 95))}  p99 ${ms(p(latency, 99))}  max ${ms(p(latency, 100))}  (mean ${ms(mean(latency))}; target p95 ≤ 1,500 ms at 10k/min)`,
        `  parts      commit → tick start (raised_at) p50 ${ms(p(wait, 50))} p95 ${ms(p(wait, 95))} max ${ms(p(wait, 100))} | tick start → tick committed p50 ${ms(p(tickPart, 50))} p95 ${ms(p(tickPart, 95))} max ${ms(p(tickPart, 100))} | ` +
          `→ stand-in (wake, claim, Twilio request) p50 ${ms(p(sendPart, 50))} p95 ${ms(p(sendPart, 95))} max ${ms(p(sendPart, 100))}`,
        `poller CPU   this process ${pctCore(processCpuS, wallS)} of a core (poller + dispatcher + bench bookkeeping; inside ticks ${pctCore(tickCpuS, wallS)}; target < 10%)`,
        `ticks        ${ticks.length} in ${num(wallS, 0)} s (${num(expectedTicks, 0)} slots; node-cron skipped ${cronWarnings.overlap - before.cron.overlap} as overlapping, missed ${cronWarnings.missed - before.cron.missed}); ` +
          `duration p50 ${ms(p(tickMs, 50))} p95 ${ms(p(tickMs, 95))} max ${ms(p(tickMs, 100))}; CPU per tick p50 ${ms(p(ticks.map((x) => x.cpuMs), 50))} p95 ${ms(p(ticks.map((x) => x.cpuMs), 95))}`,
        `             ${auditTicks.length} with the late audit: duration ${auditTicks.map((x) => ms(x.ms)).join(', ') || 'n/a'}; without it p50 ${ms(p(plainTicks.map((x) => x.ms), 50))} p95 ${ms(p(plainTicks.map((x) => x.ms), 95))}`,
        `statements   per tick mean ${num(mean(ticks.map((x) => x.calls)), 1)} p95 ${num(p(ticks.map((x) => x.calls), 95))} max ${num(p(ticks.map((x) => x.calls), 100))} (BEGIN/COMMIT included); ` +
          `rows returned per tick mean ${num(mean(ticks.map((x) => x.rows)))} p95 ${num(p(ticks.map((x) => x.rows), 95))}`,
        `events       uuids in the look-back window per tick mean ${num(mean(ticks.map((x) => x.windowIds)))} p95 ${num(p(ticks.map((x) => x.windowIds), 95))}; ` +
          `new events read in full per tick mean ${num(mean(ticks.map((x) => x.result?.events ?? 0)), 1)} p95 ${num(p(ticks.map((x) => x.result?.events ?? 0), 95))}; evaluated ${num(ticks.reduce((s, x) => s + (x.result?.evaluated ?? 0), 0))}`,
        `             statements by time in the window (calls/tick, ms/tick, rows/tick):`,
        ...top.map(([k, s]) => `               ${k.padEnd(44)} ${num(s.calls / Math.max(1, ticks.length), 2).padStart(6)}  ${num(s.ms / Math.max(1, ticks.length), 1).padStart(8)} ms  ${num(s.rows / Math.max(1, ticks.length), 0).padStart(8)}`),
        `load         ${num(achieved)} events/min inserted (asked ${num(rate)}); batch INSERT p50 ${ms(p(loadStats.batchMs, 50))} p95 ${ms(p(loadStats.batchMs, 95))} max ${ms(p(loadStats.batchMs, 100))}; ` +
          `most events behind schedule ${num(loadStats.behindMax)}; breach INSERT p50 ${ms(p(list.map((x) => commits.get(x)?.insertMs ?? NaN).filter(Number.isFinite), 50))}`,
        `CPU          % of one core over the window: this process ${pctCore(processCpuS, wallS)}, load writer ${pctCore(loadCpu, wallS)}, Twilio stand-in ${pctCore(twilioCpu, wallS)}; ` +
          `PostgreSQL ${pctCore(pgAll, wallS)} = poller's backends ${pctCore(pgCpu['herald-poller'] ?? 0, wallS)} + load's ${pctCore((pgCpu['bench-load'] ?? 0) + (pgCpu['bench-breach'] ?? 0), wallS)} + dispatcher's ${pctCore(pgCpu['herald-dispatcher'] ?? 0, wallS)} + ` +
          `the rest ${pctCore((pgCpu.rest ?? 0) + (pgCpu['bench-setup'] ?? 0), wallS)} (WAL writer, checkpointer, autovacuum, other databases); ` +
          `machine ${num((machineBusy / machineTotal) * 100, 0)}% busy of ${num(machineTotal / wallS, 1)} cores, other processes ${pctCore(others, wallS)}`,
      ];
      void pgOurs;
      for (const l of lines) console.log(l);
      reports.push({
        rate, lines,
        summary: {
          rate: num(rate), breaches: String(list.length), texted: String(latency.length), p50: ms(p(latency, 50)), p95: ms(p(latency, 95)), p99: ms(p(latency, 99)), max: ms(p(latency, 100)),
          cpu: pctCore(processCpuS, wallS), ticks: `${ticks.length}/${num(expectedTicks)}`, tickP95: ms(p(tickMs, 95)), stmts: num(mean(ticks.map((x) => x.calls)), 1),
          window: num(mean(ticks.map((x) => x.windowIds))), pg: pctCore(pgCpu['herald-poller'] ?? 0, wallS), load: num(achieved),
        },
      });
    }

    await poller.stop();
    await dispatcher.stop();

    // The late audit: once a minute, inside a tick, the poller counts the events behind its window
    // (lateAudit, 15 min by default) in the export table and in herald.alert_seen_events, back to
    // when it started. A run this short does not reach that steady state; the same reads over the
    // last 15 and 60 minutes of this table say what they cost per event counted.
    const auditEnd = new Date(Date.now() - config.alerts.lookBack);
    const store = new PosthogExportStore(db, config.sources.events.table);
    const audit: string[] = [];
    for (const minutes of [config.alerts.lateAudit / 60_000, 60]) {
      const start = new Date(auditEnd.getTime() - minutes * 60_000);
      const t0 = performance.now();
      const inStore = await store.countEvents(ALERTABLE_EVENTS, start, auditEnd);
      const t1 = performance.now();
      const seen = await seenCount(db, start, auditEnd);
      const t2 = performance.now();
      audit.push(`${minutes} min: ${num(inStore)} events counted in the export table in ${ms(t1 - t0)}, ${num(seen)} in alert_seen_events in ${ms(t2 - t1)}`);
    }

    // --- summary --------------------------------------------------------------------------------
    const logText = await readFile(logFile, 'utf8').catch(() => '');
    const logLines = logText.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string; time: number; err?: string });
    const warned = new Map<string, { n: number; first: number }>();
    for (const l of logLines.filter((x) => x.level >= 40)) {
      const key = `${l.msg}${l.err ? ` (${String(l.err).slice(0, 160)})` : ''}`;
      warned.set(key, { n: (warned.get(key)?.n ?? 0) + 1, first: warned.get(key)?.first ?? l.time });
    }
    const warnings = Object.fromEntries([...warned].map(([k, v]) => [`${k} [first at ${new Date(v.first).toISOString().slice(11, 19)}]`, v.n]));
    console.log(`\nsummary (${new Date().toISOString()}, ${TENANTS} tenants, history ${HISTORY_MIN} min, breaches at ${BREACH_RATE}/s, clock: Date.now() in each process on one machine)`);
    console.log('  events/min   breaches  texted   p50      p95      p99      max       this process  ticks    tick p95  stmts/tick  uuids/tick  poller PG  load achieved');
    for (const r of reports) {
      const s = r.summary;
      console.log(`  ${s.rate.padEnd(12)} ${s.breaches.padEnd(9)} ${s.texted.padEnd(8)} ${s.p50.padEnd(8)} ${s.p95.padEnd(8)} ${s.p99.padEnd(8)} ${s.max.padEnd(9)} ${s.cpu.padEnd(13)} ${s.ticks.padEnd(8)} ${s.tickP95.padEnd(9)} ${s.stmts.padEnd(11)} ${s.window.padEnd(11)} ${s.pg.padEnd(10)} ${s.load}`);
    }
    console.log(`  late audit's counts (once a minute in a tick; behind the window): ${audit.join('; ')}`);
    console.log(`  log: ${logLines.length} lines; warnings/errors: ${Object.entries(warnings).map(([k, v]) => `${v} × ${k}`).join('; ') || 'none'}; statements outside ticks on the poller's pool: ${rec.outside}`);
  } finally {
    for (const f of cleanup.reverse()) {
      try { await f(); } catch (err) { log(`cleanup: ${(err as Error).message}`); }
    }
  }
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
