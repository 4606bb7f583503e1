import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HeraldConfig } from '../config/schema.js';
import type { Db } from '../db/Db.js';
import { pgDb } from '../db/pgDb.js';
import { pgliteDb } from '../db/pgliteDb.js';
import { migrate, heraldMigrations, sourceMigrations } from '../db/migrate.js';
import { reportContext } from '../cli/context.js';
import { progress } from '../cli/progress.js';
import { closeSharedBrowserPool } from '../render/BrowserPool.js';
import { runFailed, runRendered, runStarted } from '../runs/runRecords.js';
import { lastCompletePeriod } from '../time/periods.js';
import type { PeriodKind } from '../report/types.js';
import type { Clock } from '../time/clock.js';
import { loadSampleData, clearSampleData } from './sampleData.js';
import { loadSampleRecipients } from './sampleRecipients.js';
import { localOutboxChannels } from './localOutbox.js';
import { replayCrisis, type CrisisStep } from './crisisReplay.js';
import { BLUEPEAK_ID } from './sampleTenants.js';
import { registeredReports } from '../reports/registry.js';
import { loadReport } from '../reports/loadReport.js';
import { PORTFOLIO, scopeKey, scopeTenantId, type ReportDataBase, type ReportModule, type ReportScope } from '../reports/Report.js';
import { recipientsForDelivery } from '../recipients/recipientsRepo.js';
import { recipientAddress } from '../recipients/Recipient.js';
import { enqueueMessages, type BatchDelivery } from '../delivery/outboxRepo.js';
import { OutboxDispatcher } from '../delivery/OutboxDispatcher.js';
import { HeraldMetrics } from '../ops/metrics.js';
import { OperatorNotices } from '../ops/operatorNotices.js';
import { silentLogger } from '../ops/logger.js';

export interface DemoResult {
  database: string;
  outDir: string;
  /** `tenant`: the scope's key (a tenant id, or 'portfolio'). */
  briefs: { report: string; tenant: string; kind: PeriodKind; period: string; file: string; pages: number }[];
  /** The local outbox: what would have been sent, by channel (files in each folder). */
  outbox: { dir: string; email: number; slack: number; sms: number };
  /** The crisis played through the alert path, step by step. */
  crisis: { tenant: string; steps: CrisisStep[] };
}

const KIND_WORD: Record<PeriodKind, string> = { day: 'daily', week: 'weekly', month: 'monthly' };

/**
 * `herald demo`: sample data for three tenants (90 days); every registered report at each of its
 * period kinds rendered to PDF in `outDir`, for each tenant (`<outDir>/<tenant>/`) and, for
 * reports with portfolio scope, for the portfolio (`<outDir>/portfolio/`). Runs on DATABASE_URL
 * when set, else on an embedded PGlite.
 */
export async function runDemo(config: HeraldConfig, opts: { outDir: string; clock: Clock; env?: NodeJS.ProcessEnv; log?: NodeJS.WritableStream }): Promise<DemoResult> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? process.stderr;
  const url = env.DATABASE_URL;
  const db: Db = url ? pgDb(url) : await pgliteDb();
  const database = url ? redact(url) : 'embedded PostgreSQL (PGlite, in memory)';
  log.write(`Herald demo on ${database}\n`);
  try {
    await migrate(db, heraldMigrations);
    await migrate(db, sourceMigrations);
    const now = opts.clock.now();
    // Re-running the demo replaces its own sample tenants and nothing else.
    await clearSampleData(db);
    log.write('Loading 90 days of sample data for 3 tenants…\n');
    const sample = await loadSampleData(db, { now });
    const people = await loadSampleRecipients(db);
    log.write(`${people} sample recipients (config/demo.yaml delivers to them; see README "Watch a worker deliver")\n`);
    const ctx = reportContext(config, { herald: db, source: db }, opts.clock);

    const outDir = path.resolve(opts.outDir);
    const outboxDir = path.join(outDir, 'outbox');
    await rm(outboxDir, { recursive: true, force: true });
    // Every registered report: each tenant (in its zone) at each of the report's period kinds, then
    // the portfolio (in config `timezone`) for the reports that have that scope.
    const work: { report: ReportModule; scope: ReportScope; timezone: string; kind: PeriodKind }[] = [];
    for (const report of registeredReports()) {
      const scopes: { scope: ReportScope; timezone: string }[] = [
        ...(report.scopes.includes('tenant') ? sample.tenants.map((t) => ({ scope: { kind: 'tenant' as const, tenantId: t.id }, timezone: t.timezone })) : []),
        ...(report.scopes.includes('portfolio') ? [{ scope: PORTFOLIO, timezone: config.timezone }] : []),
      ];
      for (const s of scopes) for (const kind of report.periodKinds) work.push({ report, ...s, kind });
    }
    const bar = progress(work.length, log as NodeJS.WriteStream);
    const briefs: DemoResult['briefs'] = [];
    for (const w of work) {
      const key = scopeKey(w.scope);
      const data = await loadReport(ctx, w.report, w.scope, lastCompletePeriod(w.kind, now, w.timezone));
      const runId = await runStarted(db, { report: w.report.id, scope: key, tenantId: scopeTenantId(w.scope), period: data.period, trigger: 'demo' });
      try {
        const brief = await w.report.render(data, { confidentiality: config.report.confidentiality, tagged: config.report.pdf.tagged, timeoutMs: config.report.pdf.timeoutMs });
        const dir = path.join(outDir, key);
        await mkdir(dir, { recursive: true });
        const file = path.join(dir, `${w.report.id}-${KIND_WORD[w.kind]}-${data.period.label}.pdf`);
        await writeFile(file, brief.pdf);
        await writeFile(file.replace(/\.pdf$/, '.json'), JSON.stringify(data, null, 2));
        await runRendered(db, runId, { path: file, sha256: brief.sha256, pageCount: brief.pageCount });
        await queueBrief(db, config, w.report, w.scope, data, runId, now, brief.charts);
        briefs.push({ report: w.report.id, tenant: key, kind: w.kind, period: data.period.label, file, pages: brief.pageCount });
        bar.step(`${key} ${w.report.id} ${KIND_WORD[w.kind]} ${data.period.label}`);
      } catch (err) {
        await runFailed(db, runId, err);
        throw err;
      }
    }
    bar.done();

    // The local outbox: the briefs' emails and Slack digests, through the real outbox and dispatcher.
    const metrics = new HeraldMetrics();
    const notices = new OperatorNotices({ db, logger: silentLogger, metrics });
    const dispatcher = new OutboxDispatcher({ db, channels: localOutboxChannels(outboxDir, () => opts.clock.now()), clock: opts.clock, logger: silentLogger, metrics, notices, concurrency: 4 });
    while ((await dispatcher.runOnce()) > 0) { /* everything queued for the briefs */ }

    log.write(`Playing a deliverability crisis at ${BLUEPEAK_ID} through the alert path (SMS, reply, resolution)…\n`);
    // Played over the two hours before now: its records and events are in the past, as a worker finds them.
    const steps = await replayCrisis(db, config, BLUEPEAK_ID, new Date(now.getTime() - 2 * 3600_000), outboxDir, (line) => log.write(`  ${line}\n`));
    const count = async (sub: string) => (await readdir(path.join(outboxDir, sub)).catch(() => [] as string[])).length;
    const smsTexts = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM herald.outbox WHERE channel = 'sms' AND status = 'sent'`)).rows[0].n;
    return {
      database, outDir, briefs,
      outbox: { dir: outboxDir, email: await count('email'), slack: await count('slack'), sms: smsTexts },
      crisis: { tenant: BLUEPEAK_ID, steps },
    };
  } finally {
    await closeSharedBrowserPool();
    await db.close();
  }
}

/**
 * A demo brief's deliveries, as a schedule would queue them: the email (PDF attached) to the
 * tenant's c-suite (the platform's, for the portfolio) and the digest to their Slack channels.
 * Forced: a rerun of the demo sends again.
 */
async function queueBrief(db: Db, config: HeraldConfig, report: ReportModule, scope: ReportScope, data: ReportDataBase, runId: number, now: Date, charts: Record<string, string>): Promise<void> {
  const tenantId = scopeTenantId(scope);
  const { recipients } = await recipientsForDelivery(db, tenantId, ['c-suite']);
  const keyChart = (await report.keyChart?.(data, charts, {})) ?? null;
  const views = await report.messages(data, 'brief', { confidentiality: config.report.confidentiality, keyChart });
  const deliveries: BatchDelivery[] = (['email', 'slack'] as const).flatMap((channel) => recipients.filter((r) => recipientAddress(r, channel)).map((r) => ({
    deliveryKey: `demo:${report.id}:${scopeKey(scope)}:${data.period.label}:${channel}:${r.id}`, message: channel, channel, recipientId: r.id,
    tenantId, kind: 'brief' as const, report: report.id, periodLabel: data.period.label, runId,
  })));
  await enqueueMessages(db, { messages: { email: { message: views.email, artifactRunId: runId }, slack: { message: views.slack, artifactRunId: runId } }, deliveries }, { dueAt: now, force: true });
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(DATABASE_URL)';
  }
}
