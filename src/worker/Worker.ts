import type { Agenda } from 'agenda';
import type { HeraldConfig } from '../config/schema.js';
import type { Databases } from '../cli/context.js';
import { reportContext } from '../cli/context.js';
import { migrate, heraldMigrations } from '../db/migrate.js';
import type { Channels } from '../delivery/Channel.js';
import { OutboxDispatcher } from '../delivery/OutboxDispatcher.js';
import type { BriefDeps } from '../delivery/produceBrief.js';
import { outboxCounts } from '../delivery/outboxRepo.js';
import { HeraldMetrics } from '../ops/metrics.js';
import { OperatorNotices } from '../ops/operatorNotices.js';
import type { Logger } from '../ops/logger.js';
import { BrowserPool } from '../render/BrowserPool.js';
import { BusinessSource } from '../sources/BusinessSource.js';
import type { Clock } from '../time/clock.js';
import { agendaBackend, createAgenda, purgeFinishedJobs } from '../scheduler/agendaQueue.js';
import { BriefJobs } from '../scheduler/briefJobs.js';
import { syncSchedules, tick, type SchedulerDeps } from '../scheduler/Scheduler.js';
import { prepareCharts } from '../charts/renderCharts.js';
import { startHttpServer } from './httpServer.js';
import { checkChannels, noticeChannelProblems } from '../delivery/channelHealth.js';
import { slackNoticeForwarder } from '../ops/slackNoticeForwarder.js';
import { AlertPoller } from '../alerts/AlertPoller.js';
import { AlertEngine } from '../alerts/AlertEngine.js';
import { handleInboundSms } from '../alerts/inboundSms.js';
import { pollerHealth } from '../alerts/pollerHeartbeat.js';
import { heraldEventsFromEnv, type HeraldEvents } from '../ops/heraldEvents.js';

export interface WorkerOptions {
  config: HeraldConfig;
  dbs: Databases;
  channels: Channels;
  clock: Clock;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  port?: number;              // HTTP; undefined: no server
  dispatchEveryMs?: number;
  /** Herald's own events; default: from the environment (POSTHOG_API_KEY), flushed by stop(). */
  events?: HeraldEvents;
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
  readonly briefs: BriefJobs;
  /** The alert poller (alerts.enabled). */
  readonly poller: AlertPoller | undefined;
  /** Herald's own events (posthog-node when POSTHOG_API_KEY is set, else nothing). */
  readonly events: HeraldEvents;
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
    this.events = o.events ?? heraldEventsFromEnv(env, o.logger);
    this.dispatcher = new OutboxDispatcher({
      db: o.dbs.herald, channels: o.channels, clock: o.clock, logger: o.logger, metrics: this.metrics, notices: this.notices, events: this.events,
      concurrency: o.config.delivery.outboxConcurrency, leaseMs: o.config.delivery.leaseSeconds * 1000,
    });
    this.briefs = new BriefJobs({
      db: o.dbs.herald, config: o.config, clock: o.clock, logger: o.logger, notices: this.notices,
      briefDeps: () => this.briefDeps(), onQueued: () => this.dispatcher.wake(),
    });
    if (o.config.alerts.enabled) {
      const ctx = reportContext(o.config, o.dbs, o.clock);
      this.poller = new AlertPoller({
        db: o.dbs.herald, events: ctx.events, business: ctx.business, config: o.config, clock: o.clock, logger: o.logger.child({ component: 'alerts' }),
        metrics: this.metrics, notices: this.notices, onQueued: () => this.dispatcher.wake(),
      });
    }
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
      metrics: this.metrics, notices: this.notices, enqueueBrief: (job, dispatch) => this.briefs.enqueue(job, dispatch),
    };
  }

  async start(): Promise<void> {
    const o = this.#o;
    // The port first: a port in use stops the start before any job runs.
    if (o.port !== undefined) {
      const env = o.env ?? process.env;
      this.#http = await startHttpServer({
        port: o.port, registry: this.metrics.registry, health: () => this.health(),
        post: {
          '/twilio/inbound': (req) => handleInboundSms({
            db: o.dbs.herald, engine: this.poller?.engine ?? AlertEngine.withBusiness(o.config, o.logger, new BusinessSource(o.dbs.source)),
            clock: o.clock, logger: o.logger.child({ component: 'twilio-inbound' }), authToken: env.TWILIO_AUTH_TOKEN ?? '',
            publicUrl: o.config.alerts.publicUrl, tiers: o.config.alerts.tiers.length, onQueued: () => this.dispatcher.wake(), events: this.events,
          }, { path: req.path, body: req.body, signature: req.headers['x-twilio-signature'] as string | undefined }),
        },
      });
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
      // The poller's dead-man's switch, checked by whichever worker ticks the schedules.
      await pollerHealth(o.dbs.herald, o.config, o.clock.now(), this.notices);
      if (kind === 'postgres' && Date.now() - purgedAt > 3600_000) {
        purgedAt = Date.now();
        const n = await purgeFinishedJobs(o.dbs.herald);
        if (n > 0) o.logger.info({ jobs: n }, 'finished Agenda jobs past their retention deleted');
      }
      // A tick takes milliseconds; a short lock lets another worker tick soon after this one dies.
    }, { concurrency: 1, lockLifetime: Math.max(10_000, o.config.scheduler.tickSeconds * 5000) });

    this.briefs.define(agenda);

    await agenda.start();
    await agenda.every(`${o.config.scheduler.tickSeconds} seconds`, TICK_JOB, undefined, { skipImmediate: false });
    this.dispatcher.start(o.dispatchEveryMs ?? 1000);
    this.poller?.start();
    this.#gauges = setInterval(() => void this.#refreshGauges(), 10_000);
    o.logger.info({ agenda_backend: kind, schedules: o.config.schedules.length, channels: Object.keys(o.channels), port: this.#http?.port }, 'worker started');
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
    // A channel whose credentials were refused sends nothing until fixed: not healthy, and why.
    const paused = this.dispatcher.pausedChannels();
    checks.channels = paused.length === 0
      ? { ok: true, detail: Object.keys(this.#o.channels).join(', ') || 'none configured' }
      : { ok: false, detail: paused.map((p) => `${p.channel} paused until ${p.until.toISOString()}: ${p.reason}`).join('; ') };
    checks.alerts = await pollerHealth(this.#o.dbs.herald, this.#o.config, this.#o.clock.now()).then(({ ok, detail }) => ({ ok, detail }), (err: Error) => ({ ok: false, detail: err.message }));
    await this.#refreshGauges();
    return { ok: Object.values(checks).every((c) => c.ok), checks };
  }

  /** Drains: the poller stops, no new jobs, running briefs finish, sends in flight finish; then closes. Idempotent. */
  stop(drainMs = 60_000): Promise<void> {
    this.#stopping ??= (async () => {
      const o = this.#o;
      clearInterval(this.#gauges);
      await this.poller?.stop();
      await this.#agenda?.drain(drainMs).catch(() => undefined);
      await this.dispatcher.stop();
      await this.#http?.close();
      // Nothing captures any more: what is queued is sent (bounded wait).
      await this.events.shutdown();
      await this.pool.close();
      o.logger.info('worker stopped');
    })();
    return this.#stopping;
  }
}
