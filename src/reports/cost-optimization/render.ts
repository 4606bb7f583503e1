/**
 * The cost-optimization report's PDF: data → charts (templates/charts/) → HTML
 * (templates/cost-optimization.hbs, the brief's stylesheet and partials) → PDF, with the brief's
 * header and footer. Throws (TemplateError, RenderError) rather than return a bad PDF.
 */
import { createHash } from 'node:crypto';
import { renderReportHtml, briefFooterTemplate, briefHeaderTemplate, type BriefFrame } from '../../render/templates.js';
import { htmlToPdf } from '../../render/htmlToPdf.js';
import { sharedBrowserPool } from '../../render/BrowserPool.js';
import type { BriefOptions, RenderedBrief } from '../../render/renderBrief.js';
import type { ReportHtml } from '../Report.js';
import { RANKING_CHART_TENANTS, renderCostCharts } from './charts.js';
import type { CostOptimizationData } from './types.js';

/** Up to this many tenants the portfolio's ranking is a full table (cost, revenue, budget, savings); beyond, a two-column list. */
export const FULL_RANKING_TABLE = 60;

/** Tenants losing money named in the table on page 1 (all of them come first in the ranking). */
export const LOSING_LISTED = 20;

/** Who a portfolio report is for, where a tenant's report names the tenant. */
export const PORTFOLIO_AUDIENCE = "the platform's";

/** The name a report is for: the tenant's, or the portfolio's ("All tenants"). */
export function scopeName(data: CostOptimizationData): string {
  return data.scope === 'portfolio' ? data.portfolio.name : data.tenant.name;
}

/** The configured confidentiality line with `{tenant}` filled in; the portfolio's is the platform's. */
export function confidentialityFor(data: CostOptimizationData, text?: string): string | undefined {
  if (text === undefined) return data.scope === 'portfolio' ? `Confidential — prepared for ${PORTFOLIO_AUDIENCE} leadership` : undefined;
  return text.replaceAll('{tenant}', data.scope === 'portfolio' ? PORTFOLIO_AUDIENCE.replace(/'s$/, '') : data.tenant.name);
}

/** What the page shows besides the data: names and words decided here, not in the template. */
function view(data: CostOptimizationData) {
  const kind = data.period.kind;
  const plural = kind === 'week' ? 'weeks' : kind === 'month' ? 'months' : 'days';
  return {
    name: scopeName(data),
    for: data.scope === 'portfolio' ? PORTFOLIO_AUDIENCE : data.tenant.name,
    portfolio: data.scope === 'portfolio',
    // Beyond a page of rows, the full table would run to dozens of pages: two columns of one line each.
    compact_ranking: data.scope === 'portfolio' && data.ranking.length > FULL_RANKING_TABLE,
    // The worst losses are named on page 1; the rest, in the ranking (where they come first).
    losing_listed: data.scope === 'portfolio' ? data.losing_money.slice(0, LOSING_LISTED) : [],
    losing_more: data.scope === 'portfolio' && data.losing_money.length > LOSING_LISTED
      ? `…and ${(data.losing_money.length - LOSING_LISTED).toLocaleString('en-US')} more tenants losing money: ranks ${LOSING_LISTED + 1}–${data.losing_money[data.losing_money.length - 1].rank} of the ranking below.`
      : '',
    periods: `${data.trend.length} ${plural}`,
    period_kind: kind === 'week' ? 'Week' : kind === 'month' ? 'Month' : 'Day',
    ranking_chart_note: data.scope === 'portfolio' ? rankingChartNote(data.ranking.filter((l) => l.gross_margin !== null).length, data.ranking.length) : '',
    no_revenue_count: data.scope === 'portfolio' ? count(data.ranking.filter((l) => l.gross_margin === null && l.losing_money).length, 'tenant') : '',
  };
}

function count(n: number, what: string): string {
  return n === 0 ? '' : `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;
}

function rankingChartNote(withMargin: number, all: number): string {
  if (withMargin > RANKING_CHART_TENANTS) return `The ${RANKING_CHART_TENANTS} lowest margins of ${all.toLocaleString('en-US')} tenants; all are listed below`;
  return withMargin === all ? `All ${all} tenants` : `The ${withMargin} tenants with a margin, of ${all.toLocaleString('en-US')}`;
}

/** The header and footer's view: the report, whom it is for, the period. */
export function frameOf(data: CostOptimizationData): BriefFrame {
  return { report: data.report, tenant: { name: scopeName(data) }, period: data.period };
}

export async function costOptimizationHtml(data: CostOptimizationData, opts: BriefOptions = {}): Promise<ReportHtml> {
  const t0 = performance.now();
  const charts = await renderCostCharts(data);
  const t1 = performance.now();
  const html = renderReportHtml('cost-optimization', { ...data, view: view(data) }, charts, { confidentiality: confidentialityFor(data, opts.confidentiality) });
  return { html, charts, chartsMs: t1 - t0, htmlMs: performance.now() - t1 };
}

export async function renderCostOptimization(data: CostOptimizationData, opts: BriefOptions = {}): Promise<RenderedBrief> {
  const { html, charts, chartsMs, htmlMs } = await costOptimizationHtml(data, opts);
  const t2 = performance.now();
  const { pdf, pageCount } = await htmlToPdf(
    html,
    {
      tagged: opts.tagged ?? true,
      timeoutMs: opts.timeoutMs,
      headerTemplate: briefHeaderTemplate(frameOf(data)),
      footerTemplate: briefFooterTemplate(frameOf(data), { confidentiality: confidentialityFor(data, opts.confidentiality) }),
    },
    opts.pool ?? sharedBrowserPool(),
  );
  return { html, charts, pdf, pageCount, sha256: createHash('sha256').update(pdf).digest('hex'), timings: { charts: chartsMs, html: htmlMs, pdf: performance.now() - t2 } };
}
