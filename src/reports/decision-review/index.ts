/**
 * The decision review (SPEC §4 "Strategic decisions", §5): for a tenant or the portfolio, a week
 * or a month, the decisions due for review (expected vs actual, ROI achievement), success by
 * decision type, and what still awaits an outcome. Views load on first use, so that
 * `herald preview decision-review --format json` loads neither Vega nor Handlebars nor Puppeteer.
 */
import type { ReportModule } from '../Report.js';
import { loadDecisionReview } from './load.js';
import type { DecisionReviewData } from './types.js';

/** Table rows a printed page of the review holds at least (a decision with its note takes three lines). */
export const ROWS_PER_PAGE = 12;

export const decisionReview: ReportModule<DecisionReviewData> = {
  id: 'decision-review',
  title: 'Decision review',
  scopes: ['tenant', 'portfolio'],
  periodKinds: ['week', 'month'],
  load: (ctx, scope, period) => loadDecisionReview(ctx, scope, period),
  warm: () => import('./render.js'),
  // A quiet week is one page (nothing due: a line that says so); every decision listed, and every
  // tenant of the portfolio, may add to the configured budget.
  pages: (data, configured) => ({
    min: 1,
    max: configured.max + Math.ceil(Math.max(0, data.reviewed.length + data.awaiting.length + data.coming_up.length + (data.scope === 'portfolio' ? data.by_tenant.length : 0) - ROWS_PER_PAGE) / ROWS_PER_PAGE),
  }),
  async html(data, opts) {
    return (await import('./render.js')).decisionReviewHtml(data, opts);
  },
  async render(data, opts) {
    return (await import('./render.js')).renderDecisionReview(data, opts);
  },
  async chartRows(data) {
    const values = (await import('./charts.js')).decisionChartValues(data);
    return Object.fromEntries(Object.entries(values).map(([name, rows]) => [name, rows.length]));
  },
  async keyChart(data) {
    return (await import('./charts.js')).decisionKeyChart(data);
  },
  async messages(data, kind, opts) {
    return (await import('./messages.js')).decisionReviewMessages(data, kind, opts);
  },
};
