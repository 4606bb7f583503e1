import type { HeraldConfig } from '../../config/schema.js';
import { InputError } from '../../report/ReportContext.js';
import { createLogger } from '../../ops/logger.js';
import { HeraldMetrics } from '../../ops/metrics.js';
import { OperatorNotices } from '../../ops/operatorNotices.js';
import { BrowserPool } from '../../render/BrowserPool.js';
import { OutboxDispatcher } from '../../delivery/OutboxDispatcher.js';
import { produceBrief, type BriefOutcome } from '../../delivery/produceBrief.js';
import { migrate, heraldMigrations } from '../../db/migrate.js';
import { channelsFromEnv } from '../../worker/channelsFromEnv.js';
import { lastCompletePeriod, parsePeriod, previousPeriod, type Period } from '../../time/periods.js';
import type { PeriodKind } from '../../report/types.js';
import { jobForSchedule } from '../../scheduler/jobRegistry.js';
import { openDatabases, reportContext } from '../context.js';
import { progress } from '../progress.js';

export interface RunOptions { period?: string; from?: string; to?: string; tenant?: string; dryRun?: boolean; force?: boolean }

/** The period labels of `--period`, `--from … --to …`, or the last complete one; in order. */
export function periodLabels(kind: PeriodKind, o: RunOptions, timezone: string, now: Date): string[] {
  if (o.period && (o.from || o.to)) throw new InputError('--period', 'use either --period or --from/--to');
  const check = (label: string, flag: string): Period => {
    const p = parsePeriod(label, timezone);
    if (p.kind !== kind) throw new InputError(flag, `"${label}" is a ${p.kind}; this schedule delivers one brief a ${kind}`);
    return p;
  };
  if (o.period) return [check(o.period, '--period').label];
  if (o.from || o.to) {
    if (!o.from || !o.to) throw new InputError(o.from ? '--to' : '--from', 'required with the other');
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

/**
 * `herald run <schedule-id>`: produce the schedule's briefs now (one per tenant and period) and
 * send them. Delivery keys still hold: what was sent is not sent again unless --force.
 */
export async function runCommand(scheduleId: string, o: RunOptions, config: HeraldConfig, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const schedule = config.schedules.find((s) => s.id === scheduleId);
  if (!schedule) throw new InputError('schedule-id', `unknown schedule "${scheduleId}" (configured: ${config.schedules.map((s) => s.id).join(', ') || 'none'})`);
  const reportJob = jobForSchedule(schedule);
  if (!reportJob) throw new InputError('schedule-id', `${schedule.report} with scope ${JSON.stringify(schedule.scope)} is not available in this version`);
  const logger = createLogger({ level: process.env.HERALD_LOG_LEVEL ?? 'warn' });
  const dbs = openDatabases(config);
  const pool = new BrowserPool({ size: config.report.pdf.pagePool });
  const metrics = new HeraldMetrics();
  try {
    await migrate(dbs.herald, heraldMigrations);
    const ctx = reportContext(config, dbs);
    const notices = new OperatorNotices({ db: dbs.herald, logger, metrics });
    const deps = { db: dbs.herald, ctx, config, pool, logger, metrics, notices };
    const all = await ctx.business.tenants();
    const scoped = schedule.scope === 'all' ? all : all.filter((t) => (schedule.scope as { tenants: string[] }).tenants.includes(t.id));
    const tenants = o.tenant ? scoped.filter((t) => t.id === o.tenant) : scoped;
    if (o.tenant && tenants.length === 0) throw new InputError('--tenant', `"${o.tenant}" is not a tenant of schedule ${schedule.id}`);

    const kind = reportJob.kind;
    const work = tenants.flatMap((t) => {
      const timezone = schedule.timezone ?? (t.timezone || config.timezone);
      return periodLabels(kind, o, timezone, ctx.clock.now()).map((label) => ({ tenant: t, timezone, label }));
    });
    const bar = progress(work.length);
    const outcomes: BriefOutcome[] = [];
    for (const w of work) {
      const outcome = await produceBrief(deps, reportJob, schedule, {
        scheduleId: schedule.id, tenantId: w.tenant.id, periodLabel: w.label, timezone: w.timezone, slotAt: ctx.clock.now().toISOString(), force: o.force,
      }, { dryRun: o.dryRun });
      outcomes.push(outcome);
      bar.step(`${w.tenant.id} ${w.label}: ${outcome.status}`);
    }
    bar.done();
    const held = outcomes.filter((x) => x.status === 'held').length;
    if (o.dryRun) {
      out.write(`dry run: ${outcomes.length} brief(s) rendered and checked, nothing archived or sent; ${outcomes.filter((x) => x.status === 'dry-run' && !x.check.ok).length} would be held\n`);
      return 0;
    }
    const dispatcher = new OutboxDispatcher({ db: dbs.herald, channels: channelsFromEnv(config), clock: ctx.clock, logger, metrics, notices, concurrency: config.delivery.outboxConcurrency });
    let sent = 0;
    for (let n = await dispatcher.runOnce(); n > 0; n = await dispatcher.runOnce()) sent += n;
    const counts = await dbs.herald.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM herald.outbox WHERE run_id = ANY($1::bigint[]) GROUP BY status`,
      [outcomes.flatMap((x) => (x.runId === null ? [] : [x.runId]))]);
    const by = Object.fromEntries(counts.rows.map((r) => [r.status, r.n]));
    out.write(`${outcomes.length} brief(s): ${outcomes.length - held} queued, ${held} held; deliveries: ${by.sent ?? 0} sent, ${by.pending ?? 0} waiting to retry, ${by.dead ?? 0} dead (attempted now: ${sent})\n`);
    return held > 0 || (by.dead ?? 0) > 0 ? 1 : 0;
  } finally {
    await pool.close();
    await dbs.close();
  }
}
