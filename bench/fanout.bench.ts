/**
 * Fan-out benchmark (issue: "1,000 tenants' weekly briefs to a local SMTP sink"). Herald's real
 * path in this process: the Worker (Agenda on PostgreSQL, scheduler tick, brief jobs, outbox
 * dispatcher, email channel over SMTP) delivering every tenant's weekly brief to an SMTP sink,
 * against the bare print throughput of the same Chromium build and settings (BrowserPool of the
 * same size, headless-shell, tagged as the config default) printing the final HTML of the same
 * tenants' briefs at the same page concurrency, measured before and after the fan-out in
 * the same run. Figures and ratios only; nothing here passes or fails.
 *
 *   node --import tsx bench/fanout.bench.ts
 *
 * Environment: BENCH_TENANTS (1000), BENCH_BASELINE_PDFS (200 per baseline run), BENCH_FLOOR_DOCS
 * (20: the floor prints the briefs of this many tenants spread over the fan-out, in turn), BENCH_PAGE_POOL
 * and BENCH_OUTBOX_CONCURRENCY (default: the config defaults), BENCH_TAGGED (config default),
 * BENCH_SINK=light|mailparser (light: counts messages and reads their headers only; mailparser:
 * test/helpers/smtpSink.ts, which parses and keeps every message in this process),
 * BENCH_LOG_LEVEL (info, as a deployed worker; the log goes to a file that is summarised),
 * BENCH_PSS_EVERY_MS (2000: sampled by a child process, bench/pssSampler.ts),
 * BENCH_QUIET_WAIT_S (180: before each phase, wait up to this long for the machine to be quiet).
 *
 * CPU is accounted per process group from /proc: this node process (the whole worker: Agenda,
 * queries, charts, HTML, CDP, the dispatcher, nodemailer, and the SMTP sink), the Chromium tree,
 * the PostgreSQL backends serving the worker, and "other": whatever else ran on the machine.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../test/helpers/testDb.js';
import { startSmtpSink } from '../test/helpers/smtpSink.js';
import { openDatabases, reportContext } from '../src/cli/context.js';
import { parseConfig } from '../src/config/loadConfig.js';
import type { HeraldConfig } from '../src/config/schema.js';
import { createLogger } from '../src/ops/logger.js';
import { fixedClock, type Clock } from '../src/time/clock.js';
import { loadExecutiveSummary } from '../src/report/loadExecutiveSummary.js';
import { executiveSummaryHtml } from '../src/render/renderBrief.js';
import { briefFooterTemplate, briefHeaderTemplate } from '../src/render/templates.js';
import { BrowserPool } from '../src/render/BrowserPool.js';
import { htmlToPdf } from '../src/render/htmlToPdf.js';
import { findChromium } from '../src/render/findChromium.js';
import { Worker } from '../src/worker/Worker.js';
import { channelsFromEnv } from '../src/worker/channelsFromEnv.js';
import { scopeKey } from '../src/reports/Report.js';
import { REPORT_JOBS } from '../src/scheduler/jobRegistry.js';
import { scheduleHash } from '../src/scheduler/Scheduler.js';
import { slotsBetween } from '../src/scheduler/slots.js';
import type { SchedulerDeps } from '../src/scheduler/Scheduler.js';
import type { ExecutiveSummaryData } from '../src/report/types.js';
import { loadFanoutData } from './fanoutData.js';
import { startCountingSmtpSink, type CountedMessage } from './countingSmtpSink.js';
import { percentile, processTree, pssKb, pssSampler, treePssKb } from './pss.js';
import { cpuSince, cpuSnapshot, waitForQuiet, type CpuSnapshot } from './procstat.js';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 1000);
const BASELINE_PDFS = Number(process.env.BENCH_BASELINE_PDFS ?? 200);
const FLOOR_DOCS = Number(process.env.BENCH_FLOOR_DOCS ?? 20);
const SINK = process.env.BENCH_SINK ?? 'light';
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
const PSS_EVERY_MS = Number(process.env.BENCH_PSS_EVERY_MS ?? 2000);
const QUIET_WAIT_MS = Number(process.env.BENCH_QUIET_WAIT_S ?? 180) * 1000;
/** "Now" for the data and the worker's clock: a Monday 09:00 UTC, two hours after the weekly 07:00 slot. */
const FIXED_NOW = new Date(process.env.BENCH_NOW ?? '2026-11-30T09:00:00Z');
const SCHEDULE_ID = 'weekly-fanout';

const ms = (x: number) => `${Math.round(x)} ms`;
const mb = (kb: number) => `${Math.round(kb / 1024)} MB`;
const p = (xs: number[], q: number) => (xs.length ? percentile(xs, q) : NaN);
const dist = (xs: number[]) => `p50 ${ms(p(xs, 50))}  p95 ${ms(p(xs, 95))}  max ${ms(p(xs, 100))}`;
const log = (msg: string) => process.stderr.write(`[fanout] ${msg}\n`);
const pct = (x: number) => `${Math.round(x * 100)}%`;

async function quiet(phase: string): Promise<number> {
  const busy = await waitForQuiet(QUIET_WAIT_MS, 0.15, (b) => log(`machine ${pct(b)} busy before ${phase}: waiting for it to settle`));
  if (busy >= 0.15) log(`machine still ${pct(busy)} busy after ${QUIET_WAIT_MS / 1000} s: starting ${phase} anyway`);
  return busy;
}

/** A PSS sampler that also measures what its own sampling costs and keeps the series. */
function timedSampler(chromiumPid: () => number | undefined) {
  const s = pssSampler(chromiumPid);
  let cost = 0;
  const series: { at: number; node: number; chromium: number; processes: number }[] = [];
  return {
    peak: s.peak,
    series,
    sample() {
      const t = performance.now();
      const pid = chromiumPid();
      series.push({ at: t, node: pssKb(process.pid), chromium: treePssKb(pid), processes: pid === undefined ? 0 : processTree(pid).length });
      s.peak.node = Math.max(s.peak.node, series.at(-1)!.node);
      s.peak.chromium = Math.max(s.peak.chromium, series.at(-1)!.chromium);
      cost += performance.now() - t;
    },
    get cost() { return { ms: cost, samples: series.length }; },
  };
}

/** The PSS sampler child (bench/pssSampler.ts). */
async function childPssSampler() {
  const child = fork(fileURLToPath(new URL('./pssSampler.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_PSS_EVERY_MS: String(PSS_EVERY_MS) },
  });
  await once(child, 'message');
  type Report = { peak: { node: number; chromium: number }; series: { at: number; node: number; chromium: number; processes: number }[] };
  return {
    watch(node: number, chromium: number | undefined) { child.send({ node, chromium }); },
    async report(): Promise<Report> {
      const answer = once(child, 'message');
      child.send({ report: true });
      return (await answer)[0] as Report;
    },
    stop() { child.kill(); },
  };
}

/**
 * The worker's clock: starts at `now` and runs. The outbox compares its rows' `next_attempt_at`
 * (PostgreSQL's now()) with this clock, so it must not be behind the real time: a fixed "now" in
 * the past would leave every delivery pending forever. If the machine's date is already past
 * FIXED_NOW, the next Monday 09:00 UTC after it is used instead (and said so).
 */
function benchNow(): Date {
  if (FIXED_NOW.getTime() > Date.now()) return FIXED_NOW;
  const d = new Date();
  d.setUTCHours(9, 0, 0, 0);
  d.setUTCDate(d.getUTCDate() + ((8 - d.getUTCDay()) % 7 || 7));
  log(`the machine's clock is past ${FIXED_NOW.toISOString()}: using ${d.toISOString()} as now`);
  return d;
}

function runningClock(start: Date): Clock {
  const offset = start.getTime() - Date.now();
  return { now: () => new Date(Date.now() + offset) };
}

interface BriefTiming { tenant: string; load: number; charts: number; html: number; pdf: number; renderEnd: number }

/** Wraps the weekly job's report's load and render to time each brief's stages (the job object is shared by the Worker). */
function instrumentWeeklyJob(timings: Map<string, BriefTiming>): () => void {
  const job = REPORT_JOBS.find((j) => j.kind === 'week' && j.report.id === 'executive-summary');
  if (!job) throw new Error('no weekly executive-summary job in the registry');
  const { report } = job;
  job.report = {
    ...report,
    async load(ctx, scope, period) {
      const t0 = performance.now();
      const data = await report.load(ctx, scope, period);
      const key = scopeKey(scope);
      timings.set(key, { tenant: key, load: performance.now() - t0, charts: 0, html: 0, pdf: 0, renderEnd: 0 });
      return data;
    },
    async render(data, opts) {
      const brief = await report.render(data, opts);
      const t = timings.get(data.tenant?.id ?? 'portfolio');
      if (t) Object.assign(t, brief.timings, { renderEnd: performance.now() });
      return brief;
    },
  };
  return () => Object.assign(job, { report });
}

/** A Worker whose scheduler marks when the tick starts and when it has enqueued its jobs. */
class BenchWorker extends Worker {
  readonly marks: { tickStart?: number; firstEnqueued?: number; lastEnqueued?: number; enqueued: number } = { enqueued: 0 };

  override schedulerDeps(): SchedulerDeps {
    const deps = super.schedulerDeps();
    const marks = this.marks;
    const tenants = deps.business.tenants.bind(deps.business);
    deps.business.tenants = async () => {
      marks.tickStart ??= performance.now();
      return tenants();
    };
    const enqueue = deps.enqueueBrief;
    deps.enqueueBrief = async (job, dispatch) => {
      await enqueue(job, dispatch);
      marks.firstEnqueued ??= performance.now();
      marks.lastEnqueued = performance.now();
      marks.enqueued++;
    };
    return deps;
  }
}

interface PrintDoc { html: string; data: ExecutiveSummaryData }

/**
 * Bare print throughput: `concurrency` loops printing the given documents in turn on one pool
 * until `count` PDFs are done. The documents are briefs of tenants spread over the fan-out, so the
 * floor prints what the fan-out prints (one document printed again and again would flatter it:
 * a brief's length varies with its tenant, and Chromium's caches favour repeats).
 */
async function printThroughput(docs: PrintDoc[], config: HeraldConfig, count: number) {
  const pool = new BrowserPool({ size: config.report.pdf.pagePool });
  const sampler = timedSampler(() => pool.browserPid());
  const optsOf = docs.map(({ data }) => ({
    tagged: config.report.pdf.tagged, timeoutMs: config.report.pdf.timeoutMs,
    headerTemplate: briefHeaderTemplate(data),
    footerTemplate: briefFooterTemplate(data, { confidentiality: config.report.confidentiality.replaceAll('{tenant}', data.tenant.name) }),
  }));
  const print = (i: number) => htmlToPdf(docs[i % docs.length].html, optsOf[i % docs.length], pool);
  try {
    // Warm-up: launch, and every page has printed a few times.
    await Promise.all(Array.from({ length: pool.size }, async (_, k) => { for (let i = 0; i < 3; i++) await print(k * 3 + i); }));
    const busyBefore = await quiet('the print baseline');
    const before = cpuSnapshot(pool.browserPid());
    const times: number[] = [];
    const pages: number[] = [];
    let started = 0;
    let bytes = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: pool.size }, async () => {
      while (started < count) {
        const i = started++;
        const t = performance.now();
        const { pdf, pageCount } = await print(i);
        times.push(performance.now() - t);
        bytes += pdf.length;
        pages.push(pageCount);
        if (times.length % 20 === 0) sampler.sample();
      }
    }));
    const wall = performance.now() - t0;
    const cpu = cpuSince(before, cpuSnapshot(pool.browserPid()));
    sampler.sample();
    return { perSecond: count / (wall / 1000), wall, times, bytes: bytes / count, pages, pss: sampler.peak, cpu, busyBefore };
  } finally {
    await pool.close();
  }
}

async function main() {
  const now = benchNow();
  const chromium = findChromium();
  let t: TestDatabase | undefined;
  let dir: string | undefined;
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  try {
    t = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'herald-fanout-'));
    const data = await loadFanoutData(t.db, { tenants: TENANTS, now });
    log(`data: ${TENANTS} tenants in ${ms(data.ms)}: ${Object.entries(data.rows).map(([k, v]) => `${k} ${v}`).join(', ')}`);

    const raw = {
      archiveDir: path.join(dir, 'archive'),
      report: { pdf: {
        ...(process.env.BENCH_PAGE_POOL ? { pagePool: Number(process.env.BENCH_PAGE_POOL) } : {}),
        ...(process.env.BENCH_TAGGED ? { tagged: process.env.BENCH_TAGGED !== 'false' } : {}),
      } },
      delivery: process.env.BENCH_OUTBOX_CONCURRENCY ? { outboxConcurrency: Number(process.env.BENCH_OUTBOX_CONCURRENCY) } : {},
      schedules: [{ id: SCHEDULE_ID, report: 'executive-summary', every: 'weekly', at: '07:00', timezone: 'UTC', scope: 'all', catchUp: 'latest',
        deliver: [{ channel: 'email', to: ['c-suite'] }] }],
    };
    const config = parseConfig(raw);
    const schedule = config.schedules[0];
    // The worker was down at the slot: its cursor predates it, so the first tick fans out at once.
    const cursor = new Date(now.getTime() - 2 * 86_400_000);
    await t.db.query(`INSERT INTO herald.schedule_cursors (schedule_id, considered_until, definition_hash) VALUES ($1, $2, $3)`, [schedule.id, cursor, scheduleHash(schedule)]);
    const slot = slotsBetween(schedule, 'UTC', cursor, now).at(-1);
    if (!slot) throw new Error('the schedule has no slot between its cursor and now');

    // The print floor's documents: the final HTML of briefs of tenants spread over the fan-out.
    const ctx = reportContext(config, { herald: t.db, source: t.db }, fixedClock(now));
    const docs: PrintDoc[] = [];
    const step = Math.max(1, Math.floor(TENANTS / FLOOR_DOCS));
    for (let n = 1; n <= TENANTS && docs.length < FLOOR_DOCS; n += step) {
      const data = await loadExecutiveSummary(ctx, `t${String(n).padStart(4, '0')}`, slot.period.label, 'UTC');
      docs.push({ html: (await executiveSummaryHtml(data, { confidentiality: config.report.confidentiality })).html, data });
    }

    const printBefore = await printThroughput(docs, config, BASELINE_PDFS);
    log(`print baseline (before): ${printBefore.perSecond.toFixed(2)} PDFs/s`);

    // --- the fan-out ---------------------------------------------------------------------------
    const lightSink = SINK === 'mailparser' ? undefined : await startCountingSmtpSink();
    const parsingSink = SINK === 'mailparser' ? await startSmtpSink() : undefined;
    cleanup.push(() => lightSink?.close(), () => parsingSink?.close());
    const smtpUrl = (lightSink ?? parsingSink)!.url;

    const logFile = path.join(dir, 'worker.log');
    const logger = createLogger({ level: LOG_LEVEL, destination: pino.destination({ dest: logFile, sync: false, mkdir: true }) });
    const dbs = openDatabases(config, { DATABASE_URL: t.url });
    cleanup.push(() => dbs.close());
    const timings = new Map<string, BriefTiming>();
    cleanup.push(instrumentWeeklyJob(timings));
    const worker = new BenchWorker({
      config, dbs, channels: channelsFromEnv(config, { SMTP_URL: smtpUrl }), clock: runningClock(now), logger, env: { AGENDA_BACKEND: 'postgres' },
    });
    cleanup.push(() => worker.stop(5_000));
    // Page occupancy: time each pooled page spends inside a render (setContent + pdf), summed.
    const pageBusy = { ms: 0 };
    const withPage = worker.pool.withPage.bind(worker.pool);
    worker.pool.withPage = (fn) => withPage(async (page) => {
      const t0 = performance.now();
      try { return await fn(page); } finally { pageBusy.ms += performance.now() - t0; }
    });

    // PSS in a child process: sampling a 400 MB process from its own event loop cost ~1 ms of CPU per brief.
    const sampler = await childPssSampler();
    cleanup.push(() => sampler.stop());
    const busyBeforeFanout = await quiet('the fan-out');
    const pidTimer = setInterval(() => sampler.watch(process.pid, worker.pool.browserPid()), 1000);
    // With node --expose-gc: the live heap after a full collection every 10 s, to tell a leak from a lazy GC.
    const liveHeap: number[] = [];
    const gc = (globalThis as { gc?: () => void }).gc;
    const heapTimer = gc ? setInterval(() => { gc(); liveHeap.push(process.memoryUsage().heapUsed); }, 10_000) : undefined;
    cleanup.push(() => clearInterval(heapTimer));
    sampler.watch(process.pid, worker.pool.browserPid());
    cleanup.push(() => clearInterval(pidTimer));
    const dbStart = (await t.db.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0].now;
    const cpuBefore: CpuSnapshot = cpuSnapshot();
    const tStart = performance.now();
    // For `node --cpu-prof`: the fan-out's window on the profile's clock (CLOCK_MONOTONIC, µs).
    if (process.env.BENCH_PROFILE_MARKS) log(`profile window start ${process.hrtime.bigint() / 1000n}`);
    await worker.start();
    const timeoutMs = Math.max(600_000, TENANTS * 2_000);
    if (lightSink) {
      await lightSink.waitFor(TENANTS, timeoutMs, (n) => log(`${n}/${TENANTS} delivered after ${ms(performance.now() - (worker.marks.tickStart ?? tStart))}`));
    } else {
      await parsingSink!.waitFor(TENANTS, timeoutMs);
    }
    const tEnd = performance.now();
    if (process.env.BENCH_PROFILE_MARKS) log(`profile window end ${process.hrtime.bigint() / 1000n}`);
    // The worker's PostgreSQL backends: connections to this database opened since the fan-out began.
    const pgPids = (await t.db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_start >= $1`, [dbStart])).rows.map((r) => r.pid);
    const cpu = cpuSince(cpuBefore, cpuSnapshot(worker.pool.browserPid(), pgPids));
    clearInterval(pidTimer);
    clearInterval(heapTimer);
    const pss = await sampler.report();
    const poolStats = worker.pool.stats();
    await worker.stop(60_000);

    // --- what happened ---------------------------------------------------------------------------
    const tickStart = worker.marks.tickStart ?? tStart;
    const wall = tEnd - tickStart;
    const arrivals: { key: string | null; id: string | null; at: number }[] = lightSink
      ? lightSink.messages.map((m: CountedMessage) => ({ key: m.deliveryKey, id: m.messageId, at: m.at }))
      : parsingSink!.messages.map((m) => ({ key: m.headers.get('x-herald-delivery-key')?.toString() ?? null, id: m.messageId ?? null, at: NaN }));
    const ids = new Set(arrivals.map((a) => a.id));
    const keys = new Set(arrivals.map((a) => a.key));
    const db = t.db;
    const outbox = (await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM herald.outbox GROUP BY status ORDER BY 1`)).rows;
    const runs = (await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM herald.runs GROUP BY status ORDER BY 1`)).rows;
    const slots = (await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM herald.schedule_slots GROUP BY status ORDER BY 1`)).rows;
    const jobs = (await db.query<{ ms: number; failed: boolean }>(
      `SELECT extract(epoch FROM last_finished_at - last_run_at)::float8 * 1000 AS ms, failed_at IS NOT NULL AS failed
         FROM agenda_jobs WHERE name LIKE 'executive-summary-%'`)).rows;
    const artifacts = (await db.query<{ page_count: number; artifact_path: string }>(
      `SELECT page_count, artifact_path FROM herald.runs WHERE page_count IS NOT NULL AND artifact_path IS NOT NULL`)).rows;
    const fanoutPages = artifacts.map((r) => r.page_count);
    const fanoutBytes = artifacts.length ? (await Promise.all(artifacts.map((r) => stat(r.artifact_path).then((x) => x.size)))).reduce((a, b) => a + b, 0) / artifacts.length : 0;
    const notices = (await db.query<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM herald.operator_notices GROUP BY kind`)).rows;
    const lag = (await db.query<{ key: string; finished: Date }>(
      `SELECT o.delivery_key AS key, r.finished_at AS finished FROM herald.outbox o JOIN herald.runs r ON r.id = o.run_id`)).rows;
    const logText = await readFile(logFile, 'utf8').catch(() => '');
    const logLines = logText.split('\n').filter(Boolean);
    const logLevels = logLines.reduce<Record<string, number>>((acc, l) => {
      const level = (JSON.parse(l) as { level: number }).level;
      const name = ({ 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' } as Record<number, string>)[level] ?? String(level);
      acc[name] = (acc[name] ?? 0) + 1;
      return acc;
    }, {});
    const warnSamples = logLines.filter((l) => (JSON.parse(l) as { level: number }).level >= 40).slice(0, 3);

    const printAfter = await printThroughput(docs, config, BASELINE_PDFS);
    log(`print baseline (after): ${printAfter.perSecond.toFixed(2)} PDFs/s`);

    // Per brief: the stages we timed, the whole Agenda job, and rendered → accepted by SMTP.
    const tm = [...timings.values()];
    const renders = tm.map((x) => x.charts + x.html + x.pdf);
    const wallOfMessage = new Map(arrivals.map((a) => [a.key, a.at]));
    const perfToEpoch = Date.now() - performance.now();
    const deliveryLag = lag.map((r) => (wallOfMessage.get(r.key) ?? NaN) + perfToEpoch - new Date(r.finished).getTime()).filter(Number.isFinite);
    const jobMs = jobs.filter((j) => !j.failed && j.ms !== null).map((j) => j.ms);
    const arrivalsSorted = arrivals.map((a) => a.at).filter(Number.isFinite).sort((a, b) => a - b);
    // Other people's work on this shared machine slows a baseline run down: when one of the two
    // had more than 5% of the machine taken by other processes, use the cleaner one alone.
    const otherShare = (r: typeof printBefore) => r.cpu.other / r.cpu.machineTotal;
    const bothClean = otherShare(printBefore) < 0.05 && otherShare(printAfter) < 0.05;
    const cleaner = otherShare(printBefore) <= otherShare(printAfter) ? printBefore : printAfter;
    const baseline = bothClean ? (printBefore.perSecond + printAfter.perSecond) / 2 : cleaner.perSecond;
    const baselineHow = bothClean ? 'mean' : `the ${cleaner === printBefore ? 'before' : 'after'} run only (other processes took ${pct(otherShare(printBefore))} / ${pct(otherShare(printAfter))} of the machine)`;
    const rate = TENANTS / (wall / 1000);
    const m = worker.marks;

    console.log(`Fan-out: ${TENANTS} tenants' weekly briefs (${SCHEDULE_ID}, period ${slot.period.label}, slot ${slot.at.toISOString()}) → SMTP sink (${SINK}); ${new Date().toISOString()}`);
    console.log(`config  page pool ${config.report.pdf.pagePool} (Agenda brief concurrency ${config.report.pdf.pagePool + 1}), outbox concurrency ${config.delivery.outboxConcurrency}, tagged ${config.report.pdf.tagged}, ` +
      `Agenda processEvery 1 s, dispatcher poll 1 s, herald pg pool ${dbs.heraldPool.options.max} (one held by Agenda's LISTEN), log level ${LOG_LEVEL}; browser ${chromium.path} (headless ${chromium.headless})`);
    console.log(`end to end  ${rate.toFixed(2)} briefs/s  (${TENANTS} accepted by SMTP ${(wall / 1000).toFixed(1)} s after the tick started; worker start → tick ${ms(tickStart - tStart)}; ` +
      `tick → all ${m.enqueued} jobs enqueued ${ms((m.lastEnqueued ?? NaN) - tickStart)}; tick → first message ${ms((arrivalsSorted[0] ?? NaN) - tickStart)})`);
    console.log(`print floor ${printBefore.perSecond.toFixed(2)} PDFs/s before, ${printAfter.perSecond.toFixed(2)} after (${BASELINE_PDFS} each, the briefs of ${docs.length} tenants in turn, pool ${config.report.pdf.pagePool}, ` +
      `mean ${Math.round(printBefore.bytes / 1024)} KB; per PDF ${dist(printBefore.times)}) → ${baseline.toFixed(2)} PDFs/s, ${baselineHow}`);
    const pageMix = (xs: number[]) => Object.entries(xs.reduce<Record<number, number>>((a, n) => ({ ...a, [n]: (a[n] ?? 0) + 1 }), {}))
      .map(([n, k]) => `${n} pages ${pct(k / xs.length)}`).join(', ');
    console.log(`documents   fan-out: ${pageMix(fanoutPages)}, mean ${Math.round(fanoutBytes / 1024)} KB | print floor: ${pageMix(printBefore.pages)}`);
    console.log(`ratio       ${(rate / baseline).toFixed(2)} × print floor (target ≥ 0.80); fan-out with other processes taking ${pct(cpu.other / cpu.machineTotal)} of the machine`);
    const briefCpu = (cpu.node + cpu.chromium + cpu.postgres) * 1000 / TENANTS;
    const pdfCpu = (cleaner.cpu.node + cleaner.cpu.chromium) * 1000 / BASELINE_PDFS;
    console.log(`budget      a brief costs ${ms(briefCpu)} of CPU (node ${ms(cpu.node * 1000 / TENANTS)} + Chromium ${ms(cpu.chromium * 1000 / TENANTS)} + PostgreSQL ${ms(cpu.postgres * 1000 / TENANTS)}), ` +
      `a bare PDF ${ms(pdfCpu)}: on saturated cores the ratio is about ${(pdfCpu / briefCpu).toFixed(2)} × (fan-out busy ${pct(cpu.machineBusy / cpu.machineTotal)} / floor busy ${pct(cleaner.cpu.machineBusy / cleaner.cpu.machineTotal)})`);
    console.log(`per brief   render (charts+html+pdf, = herald_brief_render_seconds) ${dist(renders)}`);
    console.log(`            Agenda job (load → slot updated) ${dist(jobMs)}`);
    console.log(`            load ${dist(tm.map((x) => x.load))} | charts ${dist(tm.map((x) => x.charts))} | html ${dist(tm.map((x) => x.html))} | pdf ${dist(tm.map((x) => x.pdf))}`);
    console.log(`            rendered → accepted by SMTP ${dist(deliveryLag)}`);
    console.log(`pages busy  ${pct(pageBusy.ms / (config.report.pdf.pagePool * wall))} of ${config.report.pdf.pagePool} pages × wall inside setContent + pdf ` +
      `(the floor keeps them ~100% busy); pool: ${poolStats.launches} launch(es), ${poolStats.crashes} crash(es), ${poolStats.renders} renders`);
    const cpuLine = (c: typeof cpu, n: number, what: string) =>
      `node ${ms(c.node * 1000 / n)}, Chromium ${ms(c.chromium * 1000 / n)}${what === 'brief' ? `, PostgreSQL ${ms(c.postgres * 1000 / n)}` : ''} a ${what}; ` +
      `machine ${pct(c.machineBusy / c.machineTotal)} busy of ${c.machineTotal.toFixed(0)} core-s, other processes ${c.other.toFixed(1)} core-s`;
    console.log(`CPU         fan-out: ${cpuLine(cpu, TENANTS, 'brief')} (machine ${pct(busyBeforeFanout)} busy just before)`);
    console.log(`            print floor before: ${cpuLine(printBefore.cpu, BASELINE_PDFS, 'PDF')}; after: ${cpuLine(printAfter.cpu, BASELINE_PDFS, 'PDF')}`);
    console.log(`peak PSS    fan-out: node ${mb(pss.peak.node)}, Chromium ${mb(pss.peak.chromium)} (${pss.series.length} samples, every ${PSS_EVERY_MS / 1000} s, by a child process) | ` +
      `print floor: node ${mb(printBefore.pss.node)}, Chromium ${mb(Math.max(printBefore.pss.chromium, printAfter.pss.chromium))}`);
    const q = (f: number) => pss.series[Math.min(pss.series.length - 1, Math.floor(f * pss.series.length))];
    console.log(`            PSS over the fan-out (node / Chromium, Chromium processes) at 25/50/75/100%: ` +
      [0.25, 0.5, 0.75, 1].map((f) => q(f)).filter(Boolean).map((x) => `${mb(x.node)} / ${mb(x.chromium)} (${x.processes})`).join(', '));
    if (liveHeap.length) console.log(`            live heap after a full GC, every 10 s: ${liveHeap.map((b) => mb(b / 1024)).join(', ')}`);
    console.log(`once only   ${arrivals.length} messages, ${ids.size} distinct Message-IDs, ${keys.size} distinct delivery keys; outbox ${outbox.map((r) => `${r.status} ${r.n}`).join(', ')}; ` +
      `runs ${runs.map((r) => `${r.status} ${r.n}`).join(', ')}; slots ${slots.map((r) => `${r.status} ${r.n}`).join(', ')}; Agenda jobs ${jobs.length} (${jobs.filter((j) => j.failed).length} failed)` +
      `; operator notices ${notices.map((r) => `${r.kind} ${r.n}`).join(', ') || 'none'}; log ${Object.entries(logLevels).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    for (const w of warnSamples) console.log(`  log: ${w.slice(0, 300)}`);
    console.log(`total       ${((performance.now() - benchStarted) / 1000).toFixed(0)} s for the whole benchmark (data ${(data.ms / 1000).toFixed(1)} s)`);
  } finally {
    for (const c of cleanup.reverse()) await Promise.resolve().then(c).catch((err: Error) => log(`cleanup: ${err.message}`));
    if (t) await t.drop().catch((err: Error) => log(`drop: ${err.message}`));
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

const benchStarted = performance.now();
// Agenda leaves a lockLifetime/2 timer (150 s) behind each job it ran: exit rather than wait for them.
await main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
