/**
 * The decision review's printable views: charts → HTML (templates/decision-review.hbs) → PDF
 * through the shared browser pool, with the brief's header and footer.
 */
import { createHash } from 'node:crypto';
import { briefFooterTemplate, briefHeaderTemplate, renderReportHtml } from '../../render/templates.js';
import { htmlToPdf } from '../../render/htmlToPdf.js';
import { isolateBidi } from '../../render/bidi.js';
import { sharedBrowserPool } from '../../render/BrowserPool.js';
import type { BriefOptions, RenderedBrief } from '../../render/renderBrief.js';
import { renderDecisionCharts } from './charts.js';
import { reviewView } from './view.js';
import type { DecisionReviewData } from './types.js';

const confidentialityFor = (data: DecisionReviewData, text?: string) => text?.replaceAll('{tenant}', isolateBidi(data.scope_name));

/** What the header and footer print: the report, whom it is for, the period. */
const frame = (data: DecisionReviewData) => ({ report: data.report, tenant: { name: data.scope_name }, period: { words: data.period.words } });

export async function decisionReviewHtml(data: DecisionReviewData, opts: BriefOptions = {}): Promise<{ html: string; charts: Record<string, string>; chartsMs: number; htmlMs: number }> {
  const t0 = performance.now();
  const charts = await renderDecisionCharts(data);
  const t1 = performance.now();
  const html = renderReportHtml('decision-review', reviewView(data), charts, { confidentiality: confidentialityFor(data, opts.confidentiality) });
  return { html, charts, chartsMs: t1 - t0, htmlMs: performance.now() - t1 };
}

export async function renderDecisionReview(data: DecisionReviewData, opts: BriefOptions = {}): Promise<RenderedBrief> {
  const { html, charts, chartsMs, htmlMs } = await decisionReviewHtml(data, opts);
  const t2 = performance.now();
  const { pdf, pageCount } = await htmlToPdf(html, {
    tagged: opts.tagged ?? true,
    timeoutMs: opts.timeoutMs,
    headerTemplate: briefHeaderTemplate(frame(data)),
    footerTemplate: briefFooterTemplate(frame(data), { confidentiality: confidentialityFor(data, opts.confidentiality) }),
  }, opts.pool ?? sharedBrowserPool());
  return { html, charts, pdf, pageCount, sha256: createHash('sha256').update(pdf).digest('hex'), timings: { charts: chartsMs, html: htmlMs, pdf: performance.now() - t2 } };
}
