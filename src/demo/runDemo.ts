import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HeraldConfig } from '../config/schema.js';
import type { Db } from '../db/Db.js';
import { pgDb } from '../db/pgDb.js';
import { pgliteDb } from '../db/pgliteDb.js';
import { migrate, heraldMigrations, sourceMigrations } from '../db/migrate.js';
import { reportContext } from '../cli/context.js';
import { progress } from '../cli/progress.js';
import { loadExecutiveSummary } from '../report/loadExecutiveSummary.js';
import { renderExecutiveBrief } from '../render/renderBrief.js';
import { closeSharedBrowserPool } from '../render/BrowserPool.js';
import { runFailed, runRendered, runStarted } from '../runs/runRecords.js';
import { lastCompletePeriod } from '../time/periods.js';
import type { PeriodKind } from '../report/types.js';
import type { Clock } from '../time/clock.js';
import { loadSampleData, clearSampleData } from './sampleData.js';
import { loadSampleRecipients } from './sampleRecipients.js';

export interface DemoResult {
  database: string;
  outDir: string;
  briefs: { tenant: string; kind: PeriodKind; period: string; file: string; pages: number }[];
}

const KINDS: PeriodKind[] = ['day', 'week', 'month'];
const KIND_WORD: Record<PeriodKind, string> = { day: 'daily', week: 'weekly', month: 'monthly' };

/**
 * `herald demo`: sample data for three tenants (90 days), every executive-summary period kind of
 * each rendered to PDF in `outDir`. Runs on DATABASE_URL when set, else on an embedded PGlite.
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
    const bar = progress(sample.tenants.length * KINDS.length, log as NodeJS.WriteStream);
    const briefs: DemoResult['briefs'] = [];
    for (const tenant of sample.tenants) {
      for (const kind of KINDS) {
        const period = lastCompletePeriod(kind, now, tenant.timezone);
        const data = await loadExecutiveSummary(ctx, tenant.id, period);
        const runId = await runStarted(db, { report: 'executive-summary', scope: tenant.id, tenantId: tenant.id, period: data.period, trigger: 'demo' });
        try {
          const brief = await renderExecutiveBrief(data, { confidentiality: config.report.confidentiality, tagged: config.report.pdf.tagged, timeoutMs: config.report.pdf.timeoutMs });
          const dir = path.join(outDir, tenant.id);
          await mkdir(dir, { recursive: true });
          const file = path.join(dir, `executive-summary-${KIND_WORD[kind]}-${data.period.label}.pdf`);
          await writeFile(file, brief.pdf);
          await writeFile(file.replace(/\.pdf$/, '.json'), JSON.stringify(data, null, 2));
          await runRendered(db, runId, { path: file, sha256: brief.sha256, pageCount: brief.pageCount });
          briefs.push({ tenant: tenant.id, kind, period: data.period.label, file, pages: brief.pageCount });
          bar.step(`${tenant.id} ${KIND_WORD[kind]} ${data.period.label}`);
        } catch (err) {
          await runFailed(db, runId, err);
          throw err;
        }
      }
    }
    bar.done();
    return { database, outDir, briefs };
  } finally {
    await closeSharedBrowserPool();
    await db.close();
  }
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
