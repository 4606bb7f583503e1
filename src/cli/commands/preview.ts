import { access, constants, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { HeraldConfig } from '../../config/schema.js';
import { InputError } from '../../report/ReportContext.js';
import { reportModule, reportSupports } from '../../reports/registry.js';
import { PORTFOLIO, scopeKey, scopeOfData, scopeTenantId, type ReportScope } from '../../reports/Report.js';
import { assertTimezone } from '../../time/periods.js';
import type { BrowserPool } from '../../render/BrowserPool.js';
// The rest is imported once the options are good (below): a PDF's Chromium starts before most
// of it loads, and json and html never load Puppeteer.

export interface PreviewOptions {
  tenant?: string;
  portfolio?: boolean;
  period?: string;
  format: string;
  out?: string;
  timezone?: string;
  untagged?: boolean;
  /** A period that is not over yet, cut at now (SPEC §3); refused without it. */
  toDate?: boolean;
}

const FORMATS = ['pdf', 'html', 'json'] as const;

/** `herald preview <report> --tenant ID|--portfolio --period P [--format pdf|html|json] [--out FILE]`, any registered report. */
export async function previewCommand(report: string, o: PreviewOptions, config: HeraldConfig, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const mod = reportModule(report);
  if (o.portfolio && o.tenant) throw new InputError('--portfolio', 'use either --tenant ID or --portfolio');
  const unsupported = reportSupports(mod, o.portfolio ? 'portfolio' : 'tenant');
  if (o.portfolio && unsupported) throw new InputError('--portfolio', unsupported);
  if (!o.portfolio && !o.tenant) throw new InputError('--tenant', mod.scopes.includes('portfolio') ? 'required (the tenant id), or --portfolio' : 'required (the tenant id)');
  const scope: ReportScope = o.portfolio ? PORTFOLIO : { kind: 'tenant', tenantId: o.tenant! };
  if (!o.period) throw new InputError('--period', 'required (2026-11-21, 2026-W47 or 2026-11)');
  if (!(FORMATS as readonly string[]).includes(o.format)) throw new InputError('--format', `"${o.format}" (expected pdf, html or json)`);
  if (o.timezone) assertTimezone(o.timezone);
  if (o.out !== undefined) await checkOut(o.out);

  const { openDatabases, reportContext } = await import('../context.js');
  const dbs = openDatabases(config);
  // Cold start: Chromium (~0.3 s to launch) is started now and comes up while the rest of the
  // modules load, the data is queried and the charts are drawn; the PDF needs it only at the
  // end. A launch that fails here is tried again, and reported, by the render.
  let pool: BrowserPool | undefined;
  try {
    if (o.format === 'pdf') {
      pool = new (await import('../../render/BrowserPool.js')).BrowserPool({ size: 1 });
      pool.warm().catch(() => undefined);
    }
    const { loadReport } = await import('../../reports/loadReport.js');
    const loading = loadReport(reportContext(config, dbs), mod, scope, o.period, { timezone: o.timezone, complete: true, toDate: o.toDate });
    loading.catch(() => undefined); // its error is thrown below: the renderer loads while PostgreSQL answers
    const [{ runFailed, runRendered, runStarted }] = await Promise.all([
      import('../../runs/runRecords.js'),
      o.format === 'json' ? null : mod.warm?.(), // the views' modules load while PostgreSQL answers
    ]);
    const data = await loading;
    const pdfOpts = { confidentiality: config.report.confidentiality, tagged: o.untagged ? false : config.report.pdf.tagged, timeoutMs: config.report.pdf.timeoutMs, pool };
    if (o.format === 'json') return await emit(JSON.stringify(data, null, 2) + '\n', o.out, out);
    if (o.format === 'html') return await emit((await mod.html(data, pdfOpts)).html, o.out, out);

    const key = scopeKey(scopeOfData(data));
    const file = o.out ?? `${key}-${mod.id}-${data.period.label}.pdf`;
    const runId = await runStarted(dbs.herald, { report: mod.id, scope: key, tenantId: scopeTenantId(scope), period: data.period, trigger: 'preview' });
    try {
      const brief = await mod.render(data, pdfOpts);
      await mkdir(path.dirname(path.resolve(file)), { recursive: true });
      await writeFile(file, brief.pdf);
      await runRendered(dbs.herald, runId, { path: path.resolve(file), sha256: brief.sha256, pageCount: brief.pageCount });
      out.write(`${file} (${brief.pageCount} pages, ${Math.round(brief.pdf.length / 1024)} KB, sha256 ${brief.sha256.slice(0, 12)}…)\n`);
    } catch (err) {
      await runFailed(dbs.herald, runId, err);
      throw err;
    }
  } finally {
    await pool?.close();
    await dbs.close();
  }
}

async function emit(text: string, file: string | undefined, out: NodeJS.WritableStream): Promise<void> {
  if (file) {
    await mkdir(path.dirname(path.resolve(file)), { recursive: true });
    await writeFile(file, text);
  } else {
    out.write(text);
  }
}

/**
 * `--out` is checked before anything is rendered: a directory, or a place this process cannot
 * write, would fail only after the work (and leave a run record behind).
 */
async function checkOut(out: string): Promise<void> {
  const file = path.resolve(out);
  const info = await stat(file).catch(() => null);
  if (info?.isDirectory()) throw new InputError('--out', `"${out}" is a directory (give a file name)`);
  if (info) {
    await access(file, constants.W_OK).catch(() => { throw new InputError('--out', `"${out}" cannot be written`); });
    return;
  }
  // The nearest folder that exists must be writable (missing ones are made).
  let dir = path.dirname(file);
  for (let d = await stat(dir).catch(() => null); !d; d = await stat(dir).catch(() => null)) {
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const d = await stat(dir).catch(() => null);
  if (d && !d.isDirectory()) throw new InputError('--out', `"${path.relative(process.cwd(), dir) || dir}" is not a directory`);
  await access(dir, constants.W_OK).catch(() => { throw new InputError('--out', `cannot write in "${dir}"`); });
}
