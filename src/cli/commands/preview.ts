import { access, constants, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { HeraldConfig } from '../../config/schema.js';
import { reportNames } from '../../config/schema.js';
import { InputError } from '../../report/ReportContext.js';
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

/** `herald preview <report> --tenant ID --period P [--format pdf|html|json] [--out FILE]` */
export async function previewCommand(report: string, o: PreviewOptions, config: HeraldConfig, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (!(reportNames as readonly string[]).includes(report)) {
    throw new InputError('report', `unknown report "${report}" (expected one of: ${reportNames.join(', ')})`);
  }
  if (report !== 'executive-summary') throw new InputError('report', `"${report}" is not available in this version (available: executive-summary)`);
  if (o.portfolio) throw new InputError('--portfolio', 'executive-summary is a per-tenant report; use --tenant ID');
  if (!o.tenant) throw new InputError('--tenant', 'required (the tenant id)');
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
    const { loadExecutiveSummary } = await import('../../report/loadExecutiveSummary.js');
    const loading = loadExecutiveSummary(reportContext(config, dbs), o.tenant, o.period, o.timezone, { complete: true, toDate: o.toDate });
    loading.catch(() => undefined); // its error is thrown below: the renderer loads while PostgreSQL answers
    const [{ executiveSummaryHtml, renderExecutiveBrief }, { runFailed, runRendered, runStarted }] = await Promise.all([
      import('../../render/renderBrief.js'),
      import('../../runs/runRecords.js'),
    ]);
    const data = await loading;
    const pdfOpts = { confidentiality: config.report.confidentiality, tagged: o.untagged ? false : config.report.pdf.tagged, timeoutMs: config.report.pdf.timeoutMs, pool };
    if (o.format === 'json') return await emit(JSON.stringify(data, null, 2) + '\n', o.out, out);
    if (o.format === 'html') return await emit((await executiveSummaryHtml(data, pdfOpts)).html, o.out, out);

    const file = o.out ?? `${data.tenant.id}-executive-summary-${data.period.label}.pdf`;
    const runId = await runStarted(dbs.herald, { report, scope: data.tenant.id, tenantId: data.tenant.id, period: data.period, trigger: 'preview' });
    try {
      const brief = await renderExecutiveBrief(data, pdfOpts);
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
