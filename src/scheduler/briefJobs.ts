import type { Agenda, Job } from 'agenda';
import type { HeraldConfig } from '../config/schema.js';
import type { Db } from '../db/Db.js';
import { isRetryableBriefError, produceBrief, type BriefDeps, type BriefJobData, type BriefOutcome } from '../delivery/produceBrief.js';
import { nextRetry } from '../delivery/backoff.js';
import type { Logger } from '../ops/logger.js';
import type { OperatorNotices } from '../ops/operatorNotices.js';
import type { Clock } from '../time/clock.js';
import { REPORT_JOBS, jobForSchedule } from './jobRegistry.js';
import { slotKey } from './Scheduler.js';

/** A queued brief job: the slot's brief and which dispatch of the slot queued it. */
export type BriefJob = BriefJobData & { key: string; dispatch: number };

export interface BriefJobsOptions {
  db: Db;
  config: HeraldConfig;
  clock: Clock;
  logger: Logger;
  notices: OperatorNotices;
  /** Built per job: the report context reads the clock of the moment. */
  briefDeps(): BriefDeps;
  /** Told when a brief put deliveries in the outbox (the dispatcher looks at once). */
  onQueued?(): void;
  /** Randomness for retry jitter (tests pass () => 0). */
  random?: () => number;
}

/**
 * The brief's orchestration in the worker: one Agenda job per module of jobs/, what a job does
 * (produce the brief) and what its outcome does to its slot. The slot (herald.schedule_slots) is
 * the brief's one record and its one retry mechanism: its next_attempt_at is set here (a failure
 * retried after about 1, 5, 30 min and 2 h; a stale brief looked at again; a job whose schedule
 * this worker does not know handed back) and the scheduler's tick dispatches it again when it
 * comes (Scheduler.dispatchDueSlots).
 */
export class BriefJobs {
  readonly #o: BriefJobsOptions & { random: () => number };
  #agenda: Agenda | undefined;

  constructor(o: BriefJobsOptions) {
    this.#o = { random: Math.random, ...o };
  }

  /** Defines the jobs on `agenda`; one brief more than there are pages runs at once. */
  define(agenda: Agenda): void {
    this.#agenda = agenda;
    const { config } = this.#o;
    for (const reportJob of REPORT_JOBS) {
      agenda.define(reportJob.name, (job: Job<BriefJob>) => this.run(withScope(job.attrs.data)),
        { concurrency: config.report.pdf.pagePool + 1, lockLifetime: config.scheduler.briefLockSeconds * 1000 });
    }
  }

  /**
   * Queues a slot's brief, due at once: one job per slot and dispatch, whoever queues it (Agenda's
   * unique save is check-then-insert: the unique index makes the loser of a race an update).
   */
  async enqueue(data: BriefJobData, dispatch: number): Promise<void> {
    const agenda = this.#agenda;
    if (!agenda) throw new Error('brief jobs are not defined on a queue yet');
    const schedule = this.#o.config.schedules.find((s) => s.id === data.scheduleId);
    const reportJob = schedule && jobForSchedule(schedule);
    if (!reportJob) throw new Error(`no job for schedule ${data.scheduleId}`);
    const job: BriefJob = { ...data, dispatch, key: `${slotKey(data)}#${dispatch}` };
    const save = () => agenda.create(reportJob.name, job).unique({ 'data.key': job.key }).schedule(new Date()).save();
    await save().catch((err: { code?: string }) => {
      if (err?.code !== '23505') throw err;
      return save();
    });
  }

  /** Runs one brief job and records its outcome on its slot. Throws what failed (Agenda records it too). */
  async run(data: BriefJob): Promise<void> {
    const o = this.#o;
    const log = o.logger.child({ schedule: data.scheduleId, tenant: data.scope, period: data.periodLabel, dispatch: data.dispatch });
    const schedule = o.config.schedules.find((s) => s.id === data.scheduleId);
    const reportJob = schedule && jobForSchedule(schedule);
    if (!schedule || !reportJob) {
      // Removed from the config since it was queued, or this worker runs an older config than the
      // one that dispatched it (a rolling deploy): a worker that knows the schedule dispatches it
      // again in a minute.
      log.warn('brief job for a schedule this worker does not know: handed back');
      await this.#slot(data, { next: new Date(o.clock.now().getTime() + 60_000) });
      return;
    }
    let outcome: BriefOutcome;
    try {
      outcome = await produceBrief(o.briefDeps(), reportJob, schedule, data);
    } catch (err) {
      await this.#failed(data, err as Error);
      throw err;
    }
    if (outcome.status === 'queued') {
      o.onQueued?.();
      await this.#slot(data, { status: 'rendered', next: null, error: null });
    } else if (outcome.status === 'held') {
      await this.#slot(data, { status: 'held', next: outcome.retryAt, error: outcome.check.problems.map((p) => p.message).join('; ') });
    }
  }

  /**
   * A brief that threw is tried again after about 1, 5, 30 min and 2 h (a crashed browser, a
   * database that went away); bad input or a template bug is not. Failures have their own budget
   * on the slot (a brief held for stale data many times still gets its retries). The operator
   * hears once, when it gives up; the slot says what happened meanwhile.
   */
  async #failed(data: BriefJob, err: Error): Promise<void> {
    const o = this.#o;
    const { rows } = await o.db.query<{ failures: number }>(
      `UPDATE herald.schedule_slots SET failures = failures + 1 WHERE schedule_id = $1 AND scope = $2 AND period_label = $3 RETURNING failures`,
      [data.scheduleId, data.scope, data.periodLabel]);
    const failures = rows[0]?.failures ?? 1;
    const retryable = isRetryableBriefError(err);
    const verdict = nextRetry(failures, retryable, undefined, o.random() * 2 - 1, 'brief');
    const retryAt = verdict.kind === 'retry' ? new Date(o.clock.now().getTime() + verdict.delayMs) : null;
    const status = `failure ${failures}, ${retryAt ? `retrying at ${retryAt.toISOString()}` : 'given up'}`;
    await this.#slot(data, { status: 'failed', next: retryAt, error: `${err.message.slice(0, 900)} (${status})` });
    const log = o.logger.child({ schedule: data.scheduleId, tenant: data.scope, period: data.periodLabel });
    if (retryAt) {
      log.warn({ err: err.message, failures, retry_at: retryAt.toISOString() }, 'brief failed; will try again');
      return;
    }
    await o.notices.raise({
      kind: 'brief-failed',
      dedupeKey: `failed:${slotKey(data)}`,
      message: `brief ${slotKey(data)} failed (${status}): ${err.message}`,
      details: { schedule: data.scheduleId, tenant: data.scope, period: data.periodLabel, failures, retryable },
    });
  }

  /** Records an outcome on the slot: its status, its error, and when to dispatch it again (null: never). */
  async #slot(data: BriefJobData, s: { status?: string; next: Date | null; error?: string | null }): Promise<void> {
    await this.#o.db.query(
      `UPDATE herald.schedule_slots SET status = coalesce($4, status), next_attempt_at = $5,
              error = CASE WHEN $6::bool THEN $7 ELSE error END, updated_at = $8
        WHERE schedule_id = $1 AND scope = $2 AND period_label = $3`,
      [data.scheduleId, data.scope, data.periodLabel, s.status ?? null, s.next, s.error !== undefined, s.error ?? null, this.#o.clock.now()]);
  }
}

/** A job queued by a version that named the scope `tenantId` (before portfolio schedules) runs as it was meant to. */
function withScope(data: BriefJob): BriefJob {
  const legacy = data as BriefJob & { tenantId?: string };
  return data.scope === undefined && legacy.tenantId !== undefined ? { ...data, scope: legacy.tenantId } : data;
}
