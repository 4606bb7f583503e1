import type { HeraldConfig } from '../../config/schema.js';
import { InputError } from '../../report/ReportContext.js';
import { createLogger } from '../../ops/logger.js';
import { HeraldMetrics } from '../../ops/metrics.js';
import { OperatorNotices } from '../../ops/operatorNotices.js';
import { BrowserPool } from '../../render/BrowserPool.js';
import { OutboxDispatcher } from '../../delivery/OutboxDispatcher.js';
import { produceBrief, type BriefOutcome } from '../../delivery/produceBrief.js';
import { migrate, heraldMigrations } from '../../db/migrate.js';
import { channelsFromEnv, closeChannels } from '../../worker/channelsFromEnv.js';
import { heraldEventsFromEnv } from '../../ops/heraldEvents.js';
import { completePeriod, lastCompletePeriod, parsePeriod, PeriodError, previousPeriod, type Period } from '../../time/periods.js';
import type { ChannelName } from '../../delivery/Channel.js';
import type { PeriodKind } from '../../report/types.js';
import { jobForSchedule, whyNoJob } from '../../scheduler/jobRegistry.js';
import { PORTFOLIO, scopeKey, type ReportScope } from '../../reports/Report.js';
import { openDatabases, reportContext } from '../context.js';
import { progress } from '../progress.js';

export interface RunOptions { period?: string; from?: string; to?: string; tenant?: string; dryRun?: boolean; force?: boolean }

/**
 * The period labels of `--period`, `--from … --to …`, or the last complete one; in order.
 * Bad input names its flag: a label that does not parse, one of another kind than the schedule's,
 * `--from` without `--to` (or the reverse), `--to` before `--from`, `--period` with a range.
 */
export function periodLabels(kind: PeriodKind, o: RunOptions, timezone: string, now: Date): string[] {
  if (o.period !== undefined && (o.from !== undefined || o.to !== undefined)) throw new InputError('--period', 'use either --period or --from/--to');
  const check = (label: string, flag: string): Period => {
    let p: Period;
    try {
      p = parsePeriod(label, timezone);
    } catch (err) {
      if (err instanceof PeriodError) throw new InputError(flag, err.message);
      throw err;
    }
    if (p.kind !== kind) throw new InputError(flag, `"${label}" is a ${p.kind}; this schedule delivers one brief a ${kind}`);
    try {
      completePeriod(p, now, false, ''); // a schedule delivers whole periods only (SPEC §3)
    } catch (err) {
      if (err instanceof PeriodError) throw new InputError(flag, err.message);
      throw err;
    }
    return p;
  };
  if (o.period !== undefined) return [check(o.period, '--period').label];
  if (o.from !== undefined || o.to !== undefined) {
    if (o.from === undefined || o.to === undefined) throw new InputError(o.from === undefined ? '--from' : '--to', `required with ${o.from === undefined ? '--to' : '--from'}`);
    const from = check(o.from, '--from');
    let p = check(o.to, '--to');
    if (p.start < from.start) throw new InputError('--to', `"${o.to}" is before --from "${o.from}"`);
    const out: string[] = [];
    while (p.start >= from.start) {
      out.unshift(p.label);
      if (out.length > 400) throw new InputError('--from', 'more than 400 periods; narrow the range');
      p = previousPeriod(p);
    }
    return out;
  }
  return [lastCompletePeriod(kind, now, timezone).label];
}

/** The environment variable each channel needs in this command (the worker's channelsFromEnv). */
const CHANNEL_ENV: Record<ChannelName, string> = { email: 'SMTP_URL', slack: 'SLACK_TOKEN', sms: 'TWILIO_ACCOUNT_SID' };

/**
 * `herald run <schedule-id>`: produce the schedule's briefs now (one per tenant and period, in
 * order; a portfolio schedule's one per period, to the platform's recipients) and send them.
 * Delivery keys still hold: what was sent is not sent again unless --force (a resend with the
 * same keys, so the same Message-ID). Bad input (schedule, periods, tenant,
 * a channel without credentials) is refused before anything is rendered. One brief that fails
 * does not stop the others. Returns 0 when every brief was queued and nothing is dead, 1 when a
 * brief was held or failed or a delivery is dead (SPEC §9); --dry-run returns 0 unless a brief
 * failed to render (one that would be held is reported, not an error).
 */
export async function runCommand(scheduleId: string, o: RunOptions, config: HeraldConfig, out: NodeJS.WritableStream = process.stdout,
  env: NodeJS.ProcessEnv = process.env, err: NodeJS.WriteStream = process.stderr): Promise<number> {
  const schedule = config.schedules.find((s) => s.id === scheduleId);
  if (!schedule) throw new InputError('schedule-id', `unknown schedule "${scheduleId}" (configured: ${config.schedules.map((s) => s.id).join(', ') || 'none'})`);
  const reportJob = jobForSchedule(schedule);
  if (!reportJob) throw new InputError('schedule-id', `schedule ${schedule.id}: ${whyNoJob(schedule)}`);
  const kind = reportJob.kind;
  // Labels do not depend on the zone: check the period flags before opening anything.
  periodLabels(kind, o, config.timezone, new Date());
  const channels = channelsFromEnv(config, env);
  if (!o.dryRun) {
    // A channel without credentials would turn every delivery through it dead at once (and a dead
    // key is not sent again without --force): refuse instead.
    const missing = [...new Set(schedule.deliver.map((d) => d.channel))].filter((c) => !channels[c]);
    if (missing.length > 0) throw new InputError(CHANNEL_ENV[missing[0]], `not set: schedule ${schedule.id} delivers by ${missing[0]} (--dry-run renders without sending)`);
  }
  if (o.tenant !== undefined && o.tenant.trim() === '') throw new InputError('--tenant', 'required (a tenant id)');
  if (o.tenant !== undefined && schedule.scope === 'portfolio') throw new InputError('--tenant', `schedule ${schedule.id} is a portfolio schedule: one brief for every tenant, no --tenant`);

  // The progress lines and the summary say what happened (a held brief with its reasons): log
  // lines on the same stderr would break the redrawn progress bar, so only errors by default.
  const logger = createLogger({ level: env.HERALD_LOG_LEVEL || 'error' });
  const dbs = openDatabases(config, env);
  const pool = new BrowserPool({ size: config.report.pdf.pagePool });
  const metrics = new HeraldMetrics();
  const events = heraldEventsFromEnv(env, logger);
  try {
    await migrate(dbs.herald, heraldMigrations);
    const ctx = reportContext(config, dbs);
    const notices = new OperatorNotices({ db: dbs.herald, logger, metrics });
    const deps = { db: dbs.herald, ctx, config, pool, logger, metrics, notices };
    // What the schedule fans out to (as the scheduler does): its tenants, each in its zone, or the portfolio in config `timezone`.
    let scopes: { scope: ReportScope; timezone: string }[];
    if (schedule.scope === 'portfolio') {
      scopes = [{ scope: PORTFOLIO, timezone: schedule.timezone ?? config.timezone }];
    } else {
      const all = await ctx.business.tenants();
      const scoped = schedule.scope === 'all' ? all : all.filter((t) => (schedule.scope as { tenants: string[] }).tenants.includes(t.id));
      const tenants = o.tenant !== undefined ? scoped.filter((t) => t.id === o.tenant) : scoped;
      if (o.tenant !== undefined && tenants.length === 0) {
        throw new InputError('--tenant', all.some((t) => t.id === o.tenant)
          ? `"${o.tenant}" is not in the scope of schedule ${schedule.id}`
          : `unknown tenant "${o.tenant}"`);
      }
      scopes = tenants.map((t) => ({ scope: { kind: 'tenant', tenantId: t.id }, timezone: schedule.timezone ?? (t.timezone || config.timezone) }));
    }

    const work = scopes.flatMap(({ scope, timezone }) =>
      periodLabels(kind, o, timezone, ctx.clock.now()).map((label) => ({ key: scopeKey(scope), timezone, label })));
    const bar = progress(work.length, err);
    const outcomes: BriefOutcome[] = [];
    const queued: typeof work = [];
    let failed = 0;
    let firstFailure = '';
    for (const w of work) {
      try {
        const outcome = await produceBrief(deps, reportJob, schedule, {
          scheduleId: schedule.id, scope: w.key, periodLabel: w.label, timezone: w.timezone, slotAt: ctx.clock.now().toISOString(), force: o.force,
        }, { dryRun: o.dryRun });
        outcomes.push(outcome);
        if (outcome.status === 'queued') queued.push(w);
        const why = outcome.status === 'queued' || outcome.check.ok ? '' : ` (${outcome.check.problems.map((p) => p.message).join('; ')})`;
        bar.step(`${w.key} ${w.label}: ${outcome.status === 'dry-run' && !outcome.check.ok ? 'dry-run, would be held' : outcome.status}${why}`);
      } catch (e) {
        // One brief's failure (its run is recorded as failed) does not stop the others.
        failed += 1;
        const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
        firstFailure ||= `${w.key} ${w.label}: ${message}`;
        bar.step(`${w.key} ${w.label}: failed: ${message}`);
      }
    }
    bar.done();
    const held = outcomes.filter((x) => x.status === 'held').length;
    const failures = failed > 0 ? `, ${failed} failed (first: ${firstFailure})` : '';
    if (o.dryRun) {
      const wouldHold = outcomes.filter((x) => x.status === 'dry-run' && !x.check.ok).length;
      out.write(`dry run: ${outcomes.length} brief(s) rendered and checked, nothing archived or sent; ${wouldHold} would be held${failures}\n`);
      return failed > 0 ? 1 : 0;
    }
    const runIds = outcomes.flatMap((x) => (x.runId === null ? [] : [x.runId]));
    // This run's deliveries only: others due (a worker's retries, other schedules) are the workers'.
    const dispatcher = new OutboxDispatcher({ db: dbs.herald, channels, clock: ctx.clock, logger, metrics, notices, concurrency: config.delivery.outboxConcurrency, runIds, events });
    let sent = 0;
    for (let n = await dispatcher.runOnce(); n > 0; n = await dispatcher.runOnce()) sent += n;
    const counts = await dbs.herald.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM herald.outbox WHERE run_id = ANY($1::bigint[]) GROUP BY status`, [runIds]);
    const by = Object.fromEntries(counts.rows.map((r) => [r.status, r.n]));
    // Keys sent by an earlier run keep that run: they are the ones this run did not send again.
    const before = (await dbs.herald.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM herald.outbox
        WHERE schedule_id = $1 AND kind = 'brief' AND status = 'sent' AND NOT (run_id = ANY($2::bigint[]))
          AND (coalesce(tenant_id, 'portfolio'), period_label) IN (SELECT * FROM unnest($3::text[], $4::text[]))`,
      [schedule.id, runIds, queued.map((w) => w.key), queued.map((w) => w.label)])).rows[0].n;
    out.write(`${work.length} brief(s): ${queued.length} queued, ${held} held${failures}; `
      + `deliveries: ${by.sent ?? 0} sent, ${before} already sent before (not resent without --force), `
      + `${(by.pending ?? 0) + (by.sending ?? 0)} waiting to retry, ${by.dead ?? 0} dead (attempted now: ${sent})\n`);
    return held > 0 || failed > 0 || (by.dead ?? 0) > 0 ? 1 : 0;
  } finally {
    closeChannels(channels);
    await events.shutdown();
    await pool.close();
    await dbs.close();
  }
}
