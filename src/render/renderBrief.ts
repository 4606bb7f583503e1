import { createHash } from 'node:crypto';
import { isolateBidi } from './bidi.js';
import type { ExecutiveSummaryData } from '../report/types.js';
import { renderExecutiveCharts } from '../charts/renderCharts.js';
import { installTextMetrics } from '../charts/textMetrics.js';
import { renderExecutiveSummaryHtml, briefFooterTemplate, briefHeaderTemplate } from './templates.js';
import { htmlToPdf } from './htmlToPdf.js';
import { sharedBrowserPool, type BrowserPool } from './BrowserPool.js';

export interface BriefOptions {
  /** Confidentiality line; `{tenant}` becomes the tenant's name. */
  confidentiality?: string;
  tagged?: boolean;
  timeoutMs?: number;
  pool?: BrowserPool;
}

export interface RenderedBrief {
  html: string;
  /** The chart SVGs inlined in the HTML, for the pre-send check. */
  charts: Record<string, string>;
  pdf: Buffer;
  pageCount: number;
  sha256: string;
  /** Milliseconds spent in each stage, for the benchmark and the logs. */
  timings: { charts: number; html: number; pdf: number };
}

function confidentialityFor(data: ExecutiveSummaryData, text?: string): string | undefined {
  return text?.replaceAll('{tenant}', isolateBidi(data.tenant.name));
}

/** The brief's HTML: charts rendered to SVG and inlined into the Handlebars view of the data. */
export async function executiveSummaryHtml(data: ExecutiveSummaryData, opts: BriefOptions = {}): Promise<{ html: string; charts: Record<string, string>; chartsMs: number; htmlMs: number }> {
  installTextMetrics();
  const t0 = performance.now();
  const charts = await renderExecutiveCharts(data);
  const t1 = performance.now();
  const html = renderExecutiveSummaryHtml(data, charts, { confidentiality: confidentialityFor(data, opts.confidentiality) });
  return { html, charts, chartsMs: t1 - t0, htmlMs: performance.now() - t1 };
}

/** data → charts → HTML → PDF. Throws (TemplateError, RenderError) rather than return a bad PDF. */
export async function renderExecutiveBrief(data: ExecutiveSummaryData, opts: BriefOptions = {}): Promise<RenderedBrief> {
  const { html, charts, chartsMs, htmlMs } = await executiveSummaryHtml(data, opts);
  const t2 = performance.now();
  const { pdf, pageCount } = await htmlToPdf(
    html,
    {
      tagged: opts.tagged ?? true,
      timeoutMs: opts.timeoutMs,
      headerTemplate: briefHeaderTemplate(data),
      footerTemplate: briefFooterTemplate(data, { confidentiality: confidentialityFor(data, opts.confidentiality) }),
    },
    opts.pool ?? sharedBrowserPool(),
  );
  return {
    html,
    charts,
    pdf,
    pageCount,
    sha256: createHash('sha256').update(pdf).digest('hex'),
    timings: { charts: chartsMs, html: htmlMs, pdf: performance.now() - t2 },
  };
}
