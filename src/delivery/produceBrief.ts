import type { Db } from '../db/Db.js';
import type { HeraldConfig, ScheduleConfig } from '../config/schema.js';
import { InputError, type ReportContext } from '../report/ReportContext.js';
import type { Logger } from '../ops/logger.js';
import type { HeraldMetrics } from '../ops/metrics.js';
import type { OperatorNotices } from '../ops/operatorNotices.js';
import type { BrowserPool } from '../render/BrowserPool.js';
import type { ReportJob } from '../scheduler/reportJob.js';
import { runFailed, runStarted } from '../runs/runRecords.js';
import { parsePeriod, PeriodError } from '../time/periods.js';
import { TemplateError } from '../render/templates.js';
import { RenderError } from '../render/htmlToPdf.js';
import { recipientsForDelivery } from '../recipients/recipientsRepo.js';
import { recipientAddress } from '../recipients/Recipient.js';
import { scheduleScope, scopeTenantId } from '../reports/Report.js';
import { loadReport } from '../reports/loadReport.js';
import { archivePdf } from './archive.js';
import { preSendChecks, type CheckResult } from './preSendChecks.js';
import { deliveryKey, enqueueMessages, PRIORITY, type BatchDelivery } from './outboxRepo.js';

/** One brief to produce: a schedule's report for one scope (a tenant, or the portfolio) and one period. */
export interface BriefJobData {
  scheduleId: string;
  /** The scope's key (scopeKey): a tenant id, or 'portfolio' for a portfolio schedule. */
  scope: string;
  periodLabel: string;
  timezone: string;
  /** The slot this brief belongs to (ISO), for the deadline and the stale give-up. */
  slotAt: string;
  force?: boolean;
}

export type BriefOutcome =
  | { status: 'queued'; runId: number; deliveries: number }
  | { status: 'held'; runId: number; check: CheckResult; retryAt: Date | null; noticesQueued: number }
  | { status: 'dry-run'; runId: null; recipients: number; check: CheckResult };

export interface BriefDeps {
  db: Db;
  ctx: ReportContext;
  config: HeraldConfig;
  pool: BrowserPool;
  logger: Logger;
  metrics: HeraldMetrics;
  notices: OperatorNotices;
}

/**
 * Renders, checks, archives and enqueues one brief of any report (SPEC §5–§7); the job's report
 * module makes its data object and its views. Idempotent: the outbox keys
 * make a rerun (a retry, a second worker, a restart) enqueue nothing twice. A brief that fails its
 * checks is held and never sent; a stale one may send a "delayed" notice and is tried again later.
 */
export async function produceBrief(deps: BriefDeps, reportJob: ReportJob, schedule: ScheduleConfig, job: BriefJobData, opts: { dryRun?: boolean } = {}): Promise<BriefOutcome> {
  const { db, config, logger, metrics, notices } = deps;
  const log = logger.child({ schedule: schedule.id, tenant: job.scope, period: job.periodLabel });
  const report = reportJob.report;
  const scope = scheduleScope(schedule, job.scope);
  const tenantId = scopeTenantId(scope);   // null for the portfolio: the platform's own recipients
  const period = parsePeriod(job.periodLabel, job.timezone);
  const data = await loadReport(deps.ctx, report, scope, period);
  const groups = schedule.deliver.flatMap((d) => d.to);
  const { recipients, missingGroups } = await recipientsForDelivery(db, tenantId, [...new Set(groups)]);
  if (missingGroups.length > 0) {
    await notices.raise({
      kind: 'missing-recipients',
      dedupeKey: `missing-groups:${schedule.id}:${job.scope}:${missingGroups.join(',')}`,
      message: `schedule ${schedule.id}: ${tenantId === null ? 'the platform' : `tenant ${tenantId}`} has no recipient group ${missingGroups.join(', ')}`,
      details: { schedule: schedule.id, tenant: job.scope, groups: missingGroups },
    });
  }

  const runId = opts.dryRun ? null : await runStarted(db, { report: schedule.report, scope: job.scope, tenantId, period: data.period, trigger: 'schedule' });
  const runLog = log.child({ run: runId, job: reportJob.name });
  const started = performance.now();
  try {
    const brief = await report.render(data, {
      pool: deps.pool, confidentiality: config.report.confidentiality, tagged: config.report.pdf.tagged, timeoutMs: config.report.pdf.timeoutMs,
    });
    metrics.renderSeconds.labels(schedule.report).observe((performance.now() - started) / 1000);
    const check = preSendChecks({ data, chartRows: await report.chartRows(data), pageCount: brief.pageCount, charts: brief.charts }, { pages: report.pages?.(data, config.delivery.pages) ?? config.delivery.pages, freshness: config.delivery.freshness });
    if (runId === null) return { status: 'dry-run', runId: null, recipients: recipients.length, check };

    const artifact = await archivePdf(config.archiveDir, { scope: job.scope, report: schedule.report, period: data.period.label, pdf: brief.pdf });
    await db.query(
      `UPDATE herald.runs SET status = $2, finished_at = now(), schedule_id = $3, artifact_path = $4, artifact_sha256 = $5,
              page_count = $6, checks = $7, data = $8 WHERE id = $1`,
      [runId, check.ok ? 'rendered' : 'held', schedule.id, artifact.path, artifact.sha256, brief.pageCount, JSON.stringify(check), JSON.stringify(data)],
    );

    // The messages are rendered once per brief and stored with the deliveries: a channel only sends
    // them. A Slack delivery that fails for good falls back to the same brief by email. The email
    // carries the report's key chart (if it has one) as a PNG, drawn from the PDF's own chart SVG;
    // a picture that cannot be drawn leaves the email without it rather than hold the brief.
    const keyChart = check.ok && report.keyChart
      ? await report.keyChart(data, brief.charts, {
        onFallback: (err) => runLog.warn({ err }, 'the email\'s key chart could not be laid out for phones; it shows the PDF\'s picture'),
      }).catch((err: unknown) => {
        runLog.warn({ err }, 'the email\'s key chart could not be drawn; the email goes without it');
        return null;
      })
      : null;
    const batch = async (kind: 'brief' | 'delayed-notice') => {
      const views = await report.messages(data, kind, { confidentiality: config.report.confidentiality, keyChart });
      const artifactRunId = kind === 'brief' ? runId : null;
      const deliveries: BatchDelivery[] = schedule.deliver.flatMap((d) =>
        recipients
          // A member without an address for this channel (no Slack channel, say) simply gets the others.
          .filter((r) => r.groups.some((g) => d.to.includes(g)) && recipientAddress(r, d.channel) !== null)
          .map((r) => ({
            deliveryKey: deliveryKey({ scheduleId: schedule.id, report: schedule.report, scope: job.scope, period: data.period.label, channel: d.channel, recipientId: r.id, kind }),
            scheduleId: schedule.id, report: schedule.report, tenantId, periodLabel: data.period.label,
            channel: d.channel, recipientId: r.id, runId, kind, priority: kind === 'brief' ? PRIORITY.brief : PRIORITY.notice,
            message: d.channel, fallback: d.channel === 'slack' ? 'email' : undefined,
          })),
      );
      return {
        messages: { email: { message: views.email, artifactRunId }, slack: { message: views.slack, artifactRunId } },
        deliveries: dedupe(deliveries),
      };
    };

    if (!check.ok) {
      metrics.briefs.labels(schedule.report, 'held').inc();
      const retryAt = check.stale && deps.ctx.clock.now().getTime() - Date.parse(job.slotAt) < config.delivery.staleGiveUpHours * 3600_000
        ? new Date(deps.ctx.clock.now().getTime() + config.delivery.staleRetryMinutes * 60_000)
        : null;
      const noticesQueued = check.stale && schedule.onStale === 'send-delayed-notice'
        ? (await enqueueMessages(db, await batch('delayed-notice'), { dueAt: deps.ctx.clock.now() })).length
        : 0;
      await notices.raise({
        kind: 'brief-held',
        dedupeKey: `held:${schedule.id}:${job.scope}:${data.period.label}:${retryAt ? 'waiting' : 'final'}`,
        message: `brief ${schedule.id} for ${job.scope} ${data.period.label} held: ${check.problems.map((p) => p.message).join('; ')}`,
        details: { schedule: schedule.id, tenant: job.scope, period: data.period.label, problems: check.problems, retry_at: retryAt?.toISOString() ?? null },
      });
      runLog.warn({ problems: check.problems, retry_at: retryAt }, 'brief held by its pre-send checks');
      return { status: 'held', runId, check, retryAt, noticesQueued };
    }

    const planned = await batch('brief');
    await enqueueMessages(db, planned, { dueAt: deps.ctx.clock.now(), force: job.force });
    metrics.briefs.labels(schedule.report, 'queued').inc();
    runLog.info({ deliveries: planned.deliveries.length, sha256: artifact.sha256 }, 'brief rendered and queued');
    return { status: 'queued', runId, deliveries: planned.deliveries.length };
  } catch (err) {
    if (runId !== null) await runFailed(db, runId, err);
    metrics.briefs.labels(schedule.report, 'failed').inc();
    throw err;
  }
}

/**
 * Whether a brief that threw may succeed on another try: a crashed or slow browser, a database
 * that went away. Bad input (an unknown tenant, a zone or period that does not parse) and a
 * template bug fail the same way every time.
 */
export function isRetryableBriefError(err: unknown): boolean {
  if (err instanceof InputError || err instanceof PeriodError || err instanceof TemplateError) return false;
  if (err instanceof RenderError) return err.retryable;
  return true;
}

/** One delivery per key even when a recipient is in two groups of the same channel. */
function dedupe(rows: BatchDelivery[]): BatchDelivery[] {
  return [...new Map(rows.map((r) => [r.deliveryKey, r])).values()];
}
