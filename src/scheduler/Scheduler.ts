import { createHash } from 'node:crypto';
import type { Db } from '../db/Db.js';
import type { HeraldConfig, ScheduleConfig } from '../config/schema.js';
import type { BusinessSource } from '../sources/BusinessSource.js';
import type { TenantRow } from '../sources/types.js';
import type { Clock } from '../time/clock.js';
import type { Logger } from '../ops/logger.js';
import type { HeraldMetrics } from '../ops/metrics.js';
import type { OperatorNotices } from '../ops/operatorNotices.js';
import type { BriefJobData } from '../delivery/produceBrief.js';
import { slotsBetween } from './slots.js';
import { slotsToFire } from './catchUp.js';
import { jobForSchedule, whyNoJob } from './jobRegistry.js';
import { PORTFOLIO, scopeKey } from '../reports/Report.js';

export interface SchedulerDeps {
  db: Db;
  config: HeraldConfig;
  business: BusinessSource;
  clock: Clock;
  logger: Logger;
  metrics: HeraldMetrics;
  notices: OperatorNotices;
  /**
   * Hands a due slot's brief to the job queue (Agenda in the worker; direct calls in tests).
   * `dispatch` numbers the slot's dispatches: one queued job per slot and dispatch.
   */
  enqueueBrief(job: BriefJobData, dispatch: number): Promise<void>;
}

/**
 * How long a dispatched slot waits for its job before it is dispatched again: the job was lost
 * (its worker died between the dispatch and the queue) or no worker that ran it knew its schedule.
 * Longer than the queue's own lock, so a job that a dead worker held is retaken by the queue first.
 */
export function dispatchLeaseMs(config: Pick<HeraldConfig, 'scheduler'>): number {
  return Math.max(15 * 60_000, 2 * config.scheduler.briefLockSeconds * 1000);
}

/** What makes a schedule's firing times: a change of these is a changed schedule. */
export function scheduleHash(s: ScheduleConfig): string {
  const { id, report, every, cron, at, timezone, scope, deliver, catchUp, deadline, onStale } = s;
  return createHash('sha256').update(JSON.stringify({ id, report, every, cron, at, timezone, scope, deliver, catchUp, deadline, onStale })).digest('hex').slice(0, 16);
}

export function slotKey(job: Pick<BriefJobData, 'scheduleId' | 'scope' | 'periodLabel'>): string {
  return `${job.scheduleId}:${job.scope}:${job.periodLabel}`;
}

/**
 * Brings the schedule cursors in line with the config (SPEC §6): a new schedule starts from now
 * (nothing was missed before it existed), a changed one keeps its cursor with the new definition,
 * a removed one is forgotten. Idempotent; safe with several workers.
 */
export async function syncSchedules(deps: Pick<SchedulerDeps, 'db' | 'config' | 'clock' | 'logger'>): Promise<{ added: string[]; changed: string[]; removed: string[]; unchanged: string[] }> {
  const { db, config, clock } = deps;
  const result = { added: [] as string[], changed: [] as string[], removed: [] as string[], unchanged: [] as string[] };
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7438292)');
    const existing = new Map((await tx.query<{ schedule_id: string; definition_hash: string }>(
      `SELECT schedule_id, definition_hash FROM herald.schedule_cursors`)).rows.map((r) => [r.schedule_id, r.definition_hash]));
    for (const s of config.schedules) {
      const hash = scheduleHash(s);
      const was = existing.get(s.id);
      if (was === undefined) {
        await tx.query(`INSERT INTO herald.schedule_cursors (schedule_id, considered_until, definition_hash) VALUES ($1, $2, $3)`, [s.id, clock.now(), hash]);
        result.added.push(s.id);
      } else if (was !== hash) {
        await tx.query(`UPDATE herald.schedule_cursors SET definition_hash = $2 WHERE schedule_id = $1`, [s.id, hash]);
        result.changed.push(s.id);
      } else {
        result.unchanged.push(s.id);
      }
      existing.delete(s.id);
    }
    for (const id of existing.keys()) {
      await tx.query(`DELETE FROM herald.schedule_cursors WHERE schedule_id = $1`, [id]);
      result.removed.push(id);
    }
  });
  deps.logger.info(result, 'schedules synchronised');
  return result;
}

/**
 * What a schedule fans out to, each with the zone its slots are read in: one job per tenant in
 * scope (the schedule's zone, else the tenant's, else config `timezone`), or, for a portfolio
 * schedule, ONE job with no tenant, in the schedule's zone or config `timezone` (SPEC §6, §9).
 */
async function scopesOf(deps: SchedulerDeps, s: ScheduleConfig): Promise<{ key: string; name: string; timezone: string }[]> {
  if (s.scope === 'portfolio') return [{ key: scopeKey(PORTFOLIO), name: 'the portfolio', timezone: s.timezone ?? deps.config.timezone }];
  return (await tenantsInScope(deps, s.id, s.scope)).map((t) => ({ key: t.id, name: `tenant ${t.id}`, timezone: s.timezone ?? (t.timezone || deps.config.timezone) }));
}

/** The tenants a schedule fans out to, with unknown ids reported. */
async function tenantsInScope(deps: SchedulerDeps, scheduleId: string, scope: 'all' | { tenants: string[] }): Promise<TenantRow[]> {
  const all = await deps.business.tenants();
  if (scope === 'all') return all;
  const wanted = new Set(scope.tenants);
  const found = all.filter((t) => wanted.has(t.id));
  const missing = scope.tenants.filter((id) => !found.some((t) => t.id === id));
  if (missing.length > 0) {
    await deps.notices.raise({
      kind: 'missing-recipients',
      dedupeKey: `unknown-tenants:${scheduleId}:${missing.join(',')}`,
      message: `schedule ${scheduleId} names unknown tenant(s) ${missing.join(', ')}`,
      details: { schedule: scheduleId, tenants: missing },
    });
  }
  return found;
}

/**
 * One scheduler tick: for each schedule, the slots between its cursor and now, per tenant in its
 * own time zone (or once for the portfolio); on-time slots fire, missed ones follow `catchUp`. A slot fires once across
 * workers and restarts: its (schedule, tenant, period) row is unique. Then every slot that is due
 * (just fired, or waiting to be tried again) is dispatched to the job queue. Returns the briefs
 * fired now.
 */
export async function tick(deps: SchedulerDeps): Promise<BriefJobData[]> {
  const now = deps.clock.now();
  const graceMs = deps.config.scheduler.misfireGraceMinutes * 60_000;
  const fired: BriefJobData[] = [];
  for (const s of deps.config.schedules) {
    if (!jobForSchedule(s)) {
      await deps.notices.raise({
        kind: 'brief-failed',
        dedupeKey: `unsupported:${s.id}:${s.report}:${JSON.stringify(s.scope)}`,
        message: `schedule ${s.id}: ${whyNoJob(s)}; it does not run`,
      });
      continue;
    }
    const scopes = await scopesOf(deps, s);
    const jobs = await deps.db.transaction(async (tx) => {
      const cursor = (await tx.query<{ considered_until: Date }>(
        `SELECT considered_until FROM herald.schedule_cursors WHERE schedule_id = $1 FOR UPDATE`, [s.id])).rows[0];
      if (!cursor) {
        await tx.query(`INSERT INTO herald.schedule_cursors (schedule_id, considered_until, definition_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [s.id, now, scheduleHash(s)]);
        return [];
      }
      const after = new Date(cursor.considered_until);
      if (after >= now) return [];   // a clock that went back must not fire anything twice
      const out: BriefJobData[] = [];
      for (const { key, name, timezone } of scopes) {
        let due: ReturnType<typeof slotsToFire>;
        try {
          due = slotsToFire(slotsBetween(s, timezone, after, now), s.catchUp, now, graceMs);
        } catch (err) {
          // One tenant's bad data (an unknown time zone) must not stop the others' briefs.
          await deps.notices.raise({
            kind: 'brief-failed',
            dedupeKey: `slots:${s.id}:${key}:${(err as Error).message}`,
            message: `schedule ${s.id}: ${name} skipped: ${(err as Error).message}`,
            details: { schedule: s.id, tenant: key },
          });
          continue;
        }
        const { fire, skipped } = due;
        if (skipped.length > 0) deps.logger.info({ schedule: s.id, tenant: key, skipped: skipped.map((x) => x.period.label) }, 'missed slots not caught up (catchUp policy)');
        for (const slot of fire) {
          const job: BriefJobData = { scheduleId: s.id, scope: key, periodLabel: slot.period.label, timezone, slotAt: slot.at.toISOString() };
          const { rows } = await tx.query(
            `INSERT INTO herald.schedule_slots (schedule_id, scope, slot_at, period_label, timezone, deadline_at, next_attempt_at, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7) ON CONFLICT DO NOTHING RETURNING schedule_id`,
            [s.id, key, slot.at, slot.period.label, timezone, slot.deadlineAt, now]);
          if (rows.length > 0) out.push(job);
        }
      }
      await tx.query(`UPDATE herald.schedule_cursors SET considered_until = $2 WHERE schedule_id = $1`, [s.id, now]);
      return out;
    });
    fired.push(...jobs);
  }
  await dispatchDueSlots(deps, now);
  await checkDeadlines(deps, now);
  deps.metrics.schedulerTick.set(now.getTime() / 1000);
  return fired;
}

/**
 * The one way a brief reaches the job queue: a slot whose next_attempt_at has come (fired just
 * now, failed and due for a retry, held for stale data and due for another look, or dispatched
 * long ago with no outcome: its job was lost). Each is claimed (SKIP LOCKED: one worker
 * dispatches it) with a lease, and queued as a job of its own. Only this worker's schedules: a
 * worker running an older config leaves the others to a worker that knows them.
 */
export async function dispatchDueSlots(deps: SchedulerDeps, now: Date): Promise<number> {
  const known = deps.config.schedules.filter((s) => jobForSchedule(s)).map((s) => s.id);
  if (known.length === 0) return 0;
  const { rows } = await deps.db.query<{ schedule_id: string; scope: string; period_label: string; timezone: string; slot_at: Date; dispatches: number }>(
    `UPDATE herald.schedule_slots s SET next_attempt_at = $2, dispatches = s.dispatches + 1, updated_at = $1
      WHERE (s.schedule_id, s.scope, s.period_label) IN (
        SELECT schedule_id, scope, period_label FROM herald.schedule_slots
         WHERE next_attempt_at <= $1 AND schedule_id = ANY($3::text[])
         ORDER BY next_attempt_at
         FOR UPDATE SKIP LOCKED
         LIMIT 5000)
      RETURNING s.schedule_id, s.scope, s.period_label, s.timezone, s.slot_at, s.dispatches`,
    [now, new Date(now.getTime() + dispatchLeaseMs(deps.config)), known]);
  for (const r of rows.sort((a, b) => +new Date(a.slot_at) - +new Date(b.slot_at))) {
    if (r.dispatches > 1) deps.logger.info({ schedule: r.schedule_id, tenant: r.scope, period: r.period_label, dispatch: r.dispatches }, 'brief dispatched again');
    // A failure here leaves the slot's lease to expire: the next dispatch queues it.
    await deps.enqueueBrief({ scheduleId: r.schedule_id, scope: r.scope, periodLabel: r.period_label, timezone: r.timezone, slotAt: new Date(r.slot_at).toISOString() }, r.dispatches);
  }
  return rows.length;
}

/**
 * Dead-man's switch (SPEC §7): a slot whose deliveries all went out is marked delivered (also
 * when that was after its deadline); one whose deadline passed before that raises one notice.
 * A slot's scope is its deliveries' tenant, or 'portfolio' for deliveries of tenant NULL.
 */
export async function checkDeadlines(deps: Pick<SchedulerDeps, 'db' | 'notices' | 'metrics'>, now: Date): Promise<void> {
  // One statement marks every slot whose deliveries all went out (a fan-out completes thousands).
  const { rows: delivered } = await deps.db.query<{ schedule_id: string; last_sent: Date }>(
    `WITH done AS (
       SELECT s.schedule_id, s.scope, s.period_label, max(o.sent_at) AS last_sent
         FROM herald.schedule_slots s
         JOIN herald.outbox o ON o.schedule_id = s.schedule_id AND coalesce(o.tenant_id, 'portfolio') = s.scope AND o.period_label = s.period_label AND o.kind = 'brief'
                             AND o.status <> 'superseded' -- its recipient was removed: nobody waits for it
        WHERE s.status <> 'delivered'
        GROUP BY s.schedule_id, s.scope, s.period_label
       HAVING bool_and(o.status = 'sent'))
     UPDATE herald.schedule_slots s SET status = 'delivered', updated_at = $1
       FROM done WHERE s.schedule_id = done.schedule_id AND s.scope = done.scope AND s.period_label = done.period_label
     RETURNING s.schedule_id, done.last_sent`, [now]);
  const newest = new Map<string, number>();
  for (const r of delivered) newest.set(r.schedule_id, Math.max(newest.get(r.schedule_id) ?? 0, new Date(r.last_sent).getTime()));
  for (const [id, at] of newest) deps.metrics.scheduleLastDelivered.labels(id).set(at / 1000);

  const { rows } = await deps.db.query<{ schedule_id: string; scope: string; period_label: string; deadline_at: Date; total: number; sent: number }>(
    `SELECT s.schedule_id, s.scope, s.period_label, s.deadline_at,
            count(o.id)::int AS total, count(o.id) FILTER (WHERE o.status = 'sent')::int AS sent
       FROM herald.schedule_slots s
       LEFT JOIN herald.outbox o ON o.schedule_id = s.schedule_id AND coalesce(o.tenant_id, 'portfolio') = s.scope AND o.period_label = s.period_label AND o.kind = 'brief'
                                  AND o.status <> 'superseded'
      WHERE s.status <> 'delivered' AND s.deadline_at < $1 AND NOT s.deadline_alerted
      GROUP BY s.schedule_id, s.scope, s.period_label, s.deadline_at`, [now]);
  for (const r of rows) {
    await deps.db.query(`UPDATE herald.schedule_slots SET deadline_alerted = true WHERE schedule_id = $1 AND scope = $2 AND period_label = $3`,
      [r.schedule_id, r.scope, r.period_label]);
    await deps.notices.raise({
      kind: 'deadline-missed',
      dedupeKey: `deadline:${r.schedule_id}:${r.scope}:${r.period_label}`,
      message: `schedule ${r.schedule_id} has not delivered ${r.scope} ${r.period_label} by its deadline (${r.sent}/${r.total} sent)`,
      details: { schedule: r.schedule_id, tenant: r.scope, period: r.period_label, deadline: new Date(r.deadline_at).toISOString(), sent: r.sent, total: r.total },
    });
  }
}
