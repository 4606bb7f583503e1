import type { Agenda, Job } from 'agenda';
import type { HeraldConfig } from '../config/schema.js';
import type { Databases } from '../cli/context.js';
import { reportContext } from '../cli/context.js';
import { migrate, heraldMigrations } from '../db/migrate.js';
import type { Channel, ChannelName } from '../delivery/Channel.js';
import { OutboxDispatcher } from '../delivery/OutboxDispatcher.js';
import { isRetryableBriefError, produceBrief, type BriefJobData, type BriefDeps } from '../delivery/produceBrief.js';
import { nextRetry } from '../delivery/backoff.js';
import { outboxCounts } from '../delivery/outboxRepo.js';
import { HeraldMetrics } from '../ops/metrics.js';
import { OperatorNotices } from '../ops/operatorNotices.js';
import type { Logger } from '../ops/logger.js';
import { BrowserPool } from '../render/BrowserPool.js';
import { BusinessSource } from '../sources/BusinessSource.js';
import type { Clock } from '../time/clock.js';
import { agendaBackend, createAgenda, purgeFinishedJobs } from '../scheduler/agendaQueue.js';
import { REPORT_JOBS, jobForSchedule } from '../scheduler/jobRegistry.js';
import { slotKey, syncSchedules, tick, type SchedulerDeps } from '../scheduler/Scheduler.js';
import { prepareCharts } from '../charts/renderCharts.js';
import { startHttpServer } from './httpServer.js';
import { checkChannels, noticeChannelProblems } from '../delivery/channelHealth.js';
import { slackNoticeForwarder } from '../ops/slackNoticeForwarder.js';

export interface WorkerOptions {
  config: HeraldConfig;
  dbs: Databases;
  channels: Partial<Record<ChannelName, Channel>>;
  clock: Clock;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  port?: number;              // HTTP; undefined: no server
  dispatchEveryMs?: number;
}

const TICK_JOB = 'herald:tick';

/**
 * A Herald worker: the scheduler (Agenda tick + per-tenant brief jobs), the outbox dispatcher and
 * the HTTP endpoints. Any number of workers may share one database; the store coordinates them.
 */
export class Worker {
  readonly metrics = new HeraldMetrics(undefined, { defaultMetrics: true });
  readonly pool: BrowserPool;
  readonly notices: OperatorNotices;
  readonly dispatcher: OutboxDispatcher;
  #agenda: Agenda | undefined;
  #http: { port: number; close(): Promise<void> } | undefined;
  #gauges: NodeJS.Timeout | undefined;
  #stopping: Promise<void> | undefined;
  readonly #o: WorkerOptions;

  constructor(o: WorkerOptions) {
    this.#o = o;
    this.pool = new BrowserPool({ size: o.config.report.pdf.pagePool, logger: o.logger });
    const env = o.env ?? process.env;
    const forward = o.config.delivery.opsSlackChannel && env.SLACK_TOKEN
      ? slackNoticeForwarder({ token: env.SLACK_TOKEN, apiUrl: env.SLACK_API_URL || undefined, channel: o.config.delivery.opsSlackChannel })
      : undefined;
    this.notices = new OperatorNotices({ db: o.dbs.herald, logger: o.logger, metrics: this.metrics, forward });
    this.dispatcher = new OutboxDispatcher({
      db: o.dbs.herald, channels: o.channels, clock: o.clock, logger: o.logger, metrics: this.metrics, notices: this.notices,
      concurrency: o.config.delivery.outboxConcurrency, leaseMs: o.config.delivery.leaseSeconds * 1000,
    });
  }

  get httpPort(): number | undefined {
    return this.#http?.port;
  }

  briefDeps(): BriefDeps {
    const o = this.#o;
    return { db: o.dbs.herald, ctx: reportContext(o.config, o.dbs, o.clock), config: o.config, pool: this.pool, logger: o.logger, metrics: this.metrics, notices: this.notices };
  }

  schedulerDeps(): SchedulerDeps {
    const o = this.#o;
    return {
      db: o.dbs.herald, config: o.config, business: new BusinessSource(o.dbs.source), clock: o.clock, logger: o.logger,
      metrics: this.metrics, notices: this.notices, enqueueBrief: (job) => this.enqueueBrief(job),
    };
  }

  async enqueueBrief(job: BriefJobData, at: Date = new Date(), attempt = 0): Promise<void> {
    if (!this.#agenda) throw new Error('worker not started');
    const schedule = this.#o.config.schedules.find((s) => s.id === job.scheduleId);
    const reportJob = schedule && jobForSchedule(schedule);
    if (!reportJob) throw new Error(`no job for schedule ${job.scheduleId}`);
    // One Agenda job per slot and attempt, whoever enqueues it (a tick, recover(), a held retry):
    // enqueueing a key again reschedules its job (recover() relies on that to rerun a lost one).
    const key = `${slotKey(job)}#${attempt}`;
    await this.#saveUnique(reportJob.name, { ...job, attempt, key }, at);
  }

  /** Agenda's unique save is check-then-insert: the unique index makes the loser of a race retry as an update. */
  async #saveUnique(name: string, data: BriefJobData & { key: string; attempt?: number; handBacks?: number }, at: Date): Promise<void> {
    const save = () => this.#agenda!.create(name, data).unique({ 'data.key': data.key }).schedule(at).save();
    await save().catch((err: { code?: string }) => {
      if (err?.code !== '23505') throw err;
      return save();
    });
  }

  async start(): Promise<void> {
    const o = this.#o;
    // The port first: a port in use stops the start before any job runs.
    if (o.port !== undefined) {
      this.#http = await startHttpServer({ port: o.port, registry: this.metrics.registry, health: () => this.health() });
    }
    await migrate(o.dbs.herald, heraldMigrations);
    await syncSchedules({ db: o.dbs.herald, config: o.config, clock: o.clock, logger: o.logger });
    // Credentials and destinations are checked now, not at 07:00 when the briefs go out.
    const health = await checkChannels(o.dbs.herald, o.config, o.channels);
    await noticeChannelProblems(this.notices, health, o.clock.now().toISOString().slice(0, 10));
    // The browser and the chart specs are made ready now, not by the first brief of a schedule.
    prepareCharts();
    await this.pool.warm().catch((err: Error) => o.logger.error({ err: err.message }, 'the browser could not start; briefs will try again'));
    const { kind, backend } = await agendaBackend(o.env ?? process.env, o.dbs.heraldPool);
    // Agenda connects (and creates its table and indexes with IF NOT EXISTS) as it is constructed;
    // IF NOT EXISTS is not safe when two workers start together on a fresh database (duplicate
    // pg_type / pg_class entries), so construct it and wait for it under a session lock.
    const lock = await o.dbs.heraldPool.connect();
    let agenda: Agenda;
    try {
      await lock.query('SELECT pg_advisory_lock(7438293)');
      agenda = createAgenda(backend, { concurrency: o.config.report.pdf.pagePool + 1, logger: o.logger });
      await agenda.ready;
      // The unique check of every enqueue looks jobs up by data->>'key': without an index that is
      // a scan of the whole job table per tenant of a fan-out. Unique, so that a race inserts once.
      if (kind === 'postgres') {
        await lock.query(`CREATE UNIQUE INDEX IF NOT EXISTS agenda_jobs_data_key ON agenda_jobs ((data->>'key')) WHERE data ? 'key'`);
      }
    } finally {
      await lock.query('SELECT pg_advisory_unlock(7438293)').catch(() => undefined);
      lock.release();
    }
    this.#agenda = agenda;

    let purgedAt = 0;
    agenda.define(TICK_JOB, async () => {
      await tick(this.schedulerDeps());
      if (kind === 'postgres' && Date.now() - purgedAt > 3600_000) {
        purgedAt = Date.now();
        const n = await purgeFinishedJobs(o.dbs.herald);
        if (n > 0) o.logger.info({ jobs: n }, 'finished Agenda jobs past their retention deleted');
      }
      // A tick takes milliseconds; a short lock lets another worker tick soon after this one dies.
    }, { concurrency: 1, lockLifetime: Math.max(10_000, o.config.scheduler.tickSeconds * 5000) });

    // One Agenda job per module of jobs/, named after it. One brief more than there are pages runs
    // at once: it reads its data and draws its charts while the pages print.
    for (const reportJob of REPORT_JOBS) agenda.define(reportJob.name, async (job: Job<BriefJobData & { attempt?: number }>) => {
      const data = job.attrs.data;
      const schedule = o.config.schedules.find((s) => s.id === data.scheduleId);
      if (!schedule) {
        // Removed from the config since it was queued, or this worker runs an older config than the
        // one that queued it (a rolling deploy): hand it back for a minute, for up to an hour, so a
        // worker that knows the schedule runs it; only then drop it.
        const handBacks = (data as { handBacks?: number }).handBacks ?? 0;
        const log = o.logger.child({ schedule: data.scheduleId, tenant: data.tenantId, period: data.periodLabel });
        if (handBacks >= 60) {
          log.warn('brief job for a schedule no worker knows: dropped');
          return;
        }
        log.warn('brief job for a schedule this worker does not know: handed back');
        await this.#saveUnique(reportJob.name, { ...data, handBacks: handBacks + 1, key: `${slotKey(data)}#handback${handBacks + 1}` }, new Date(Date.now() + 60_000));
        return;
      }
      const outcome = await produceBrief(this.briefDeps(), reportJob, schedule, data).catch(async (err: Error) => {
        await this.#briefFailed(data, err);
        throw err; // Agenda records the failed attempt too
      });
      if (outcome.status === 'queued') this.dispatcher.wake();
      const status = outcome.status === 'queued' ? 'rendered' : 'held';
      await o.dbs.herald.query(`UPDATE herald.schedule_slots SET status = $4, error = NULL, updated_at = now() WHERE schedule_id = $1 AND scope = $2 AND period_label = $3`,
        [data.scheduleId, data.tenantId, data.periodLabel, status]);
      if (outcome.status === 'held' && outcome.retryAt) await this.enqueueBrief(data, outcome.retryAt, (data.attempt ?? 0) + 1);
    }, { concurrency: o.config.report.pdf.pagePool + 1, lockLifetime: o.config.scheduler.briefLockSeconds * 1000 });

    await agenda.start();
    await agenda.every(`${o.config.scheduler.tickSeconds} seconds`, TICK_JOB, undefined, { skipImmediate: false });
    this.dispatcher.start(o.dispatchEveryMs ?? 1000);
    this.#gauges = setInterval(() => void this.#refreshGauges(), 10_000);
    o.logger.info({ agenda_backend: kind, schedules: o.config.schedules.length, channels: Object.keys(o.channels), port: this.#http?.port }, 'worker started');
  }

  /**
   * A brief that threw is tried again after about 1, 5, 30 min and 2 h (a crashed browser, a
   * database that went away), as a new job; bad input or a template bug is not. The operator
   * hears once, when it gives up; the slot says what happened meanwhile.
   */
  async #briefFailed(data: BriefJobData & { attempt?: number }, err: Error): Promise<void> {
    const o = this.#o;
    const attempt = data.attempt ?? 0;
    // Failures have their own budget: a brief held for stale data many times still gets its retries.
    const failures = (data.failures ?? 0) + 1;
    const verdict = nextRetry(failures, isRetryableBriefError(err), undefined, Math.random() * 2 - 1);
    // Agenda runs jobs on the real clock, whatever clock the reports use.
    const retryAt = verdict.kind === 'retry' ? new Date(Date.now() + verdict.delayMs) : null;
    const status = `failure ${failures}, ${retryAt ? `retrying at ${retryAt.toISOString()}` : 'given up'}`;
    const log = o.logger.child({ schedule: data.scheduleId, tenant: data.tenantId, period: data.periodLabel });
    // The retry is queued before the slot says "failed": if the database is gone for both, the
    // slot is still "queued" and the scheduler's recovery runs the brief again.
    if (retryAt) await this.enqueueBrief({ ...data, failures }, retryAt, attempt + 1);
    await o.dbs.herald.query(`UPDATE herald.schedule_slots SET status = 'failed', error = $4, updated_at = now() WHERE schedule_id = $1 AND scope = $2 AND period_label = $3`,
      [data.scheduleId, data.tenantId, data.periodLabel, `${err.message.slice(0, 900)} (${status})`]);
    if (retryAt) {
      log.warn({ err: err.message, failures, retry_at: retryAt.toISOString() }, 'brief failed; will try again');
      return;
    }
    await this.notices.raise({
      kind: 'brief-failed',
      dedupeKey: `failed:${slotKey(data)}`,
      message: `brief ${slotKey(data)} failed (${status}): ${err.message}`,
      details: { schedule: data.scheduleId, tenant: data.tenantId, period: data.periodLabel, failures, retryable: isRetryableBriefError(err) },
    });
  }

  async #refreshGauges(): Promise<void> {
    try {
      const counts = await outboxCounts(this.#o.dbs.herald);
      for (const status of ['pending', 'sending', 'sent', 'dead']) this.metrics.outbox.labels(status).set(counts[status] ?? 0);
    } catch { /* the next refresh will tell */ }
  }

  async health() {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      await this.#o.dbs.herald.query('SELECT 1');
      checks.database = { ok: true };
    } catch (err) {
      checks.database = { ok: false, detail: (err as Error).message };
    }
    const stats = this.pool.stats();
    checks.browser = stats.launchError === null
      ? { ok: true, detail: `${stats.launches} launch(es), ${stats.crashes} crash(es)` }
      : { ok: false, detail: `cannot start Chromium: ${stats.launchError}` };
    // Any worker may run the tick: its age is read from the shared cursors, not this process.
    const last = await this.#o.dbs.herald.query<{ at: Date | null }>(`SELECT max(considered_until) AS at FROM herald.schedule_cursors`).then((r) => r.rows[0]?.at ?? null, () => null);
    const age = last === null ? null : (this.#o.clock.now().getTime() - new Date(last).getTime()) / 1000;
    const limit = Math.max(30, this.#o.config.scheduler.tickSeconds * 5);
    checks.scheduler = { ok: age === null || age <= limit, detail: age === null ? 'no schedules' : `last tick ${Math.round(age)} s ago` };
    await this.#refreshGauges();
    return { ok: Object.values(checks).every((c) => c.ok), checks };
  }

  /** Drains: no new jobs, running briefs finish, sends in flight finish; then closes. Idempotent. */
  stop(drainMs = 60_000): Promise<void> {
    this.#stopping ??= (async () => {
      const o = this.#o;
      clearInterval(this.#gauges);
      await this.#agenda?.drain(drainMs).catch(() => undefined);
      await this.dispatcher.stop();
      await this.#http?.close();
      await this.pool.close();
      o.logger.info('worker stopped');
    })();
    return this.#stopping;
  }
}
