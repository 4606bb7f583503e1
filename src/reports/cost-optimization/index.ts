/**
 * The cost-optimization report (SPEC §5): a tenant's, or the portfolio's, costs and margins over
 * six periods, where the money goes, budget against actual, savings and the recommendations that
 * would save more. Week and month, tenant and portfolio scope. Its views load on first use, so
 * `herald preview --format json` loads neither Vega nor Handlebars nor Puppeteer.
 */
import type { ReportModule } from '../Report.js';
import { loadCostOptimization } from './load.js';
import type { CostOptimizationData } from './types.js';

/** Fewest tenants a printed page of the portfolio's ranking holds (two columns of about 75 lines; measured). */
export const RANKING_ROWS_PER_PAGE = 140;

export const costOptimization: ReportModule<CostOptimizationData> = {
  id: 'cost-optimization',
  title: 'Cost optimization',
  scopes: ['tenant', 'portfolio'],
  periodKinds: ['week', 'month'],
  load: (ctx, scope, period) => loadCostOptimization(ctx, scope, period),
  warm: () => import('./render.js'),
  async html(data, opts) {
    return (await import('./render.js')).costOptimizationHtml(data, opts);
  },
  async render(data, opts) {
    return (await import('./render.js')).renderCostOptimization(data, opts);
  },
  // The portfolio lists every tenant: its ranking's pages come on top of the configured budget.
  pages: (data, configured) => (data.scope === 'portfolio'
    ? { min: configured.min, max: configured.max + 1 + Math.ceil(data.ranking.length / RANKING_ROWS_PER_PAGE) }
    : configured),
  async chartRows(data) {
    const values = (await import('./charts.js')).costChartValues(data);
    return Object.fromEntries(Object.entries(values).map(([name, rows]) => [name, rows?.length ?? 0]));
  },
  async keyChart(data) {
    return (await import('./keyChart.js')).costKeyChart(data);
  },
  async messages(data, kind, opts) {
    return (await import('./messages.js')).costOptimizationMessages(data, kind, { confidentiality: opts.confidentiality, keyChart: opts.keyChart });
  },
};
