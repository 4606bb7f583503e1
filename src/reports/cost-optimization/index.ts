/**
 * The cost-optimization report (SPEC §5): a tenant's, or the portfolio's, costs and margins over
 * six periods, where the money goes, budget against actual, savings and the recommendations that
 * would save more. Week and month, tenant and portfolio scope. Its views load on first use, so
 * `herald preview --format json` loads neither Vega nor Handlebars nor Puppeteer.
 */
import type { ReportModule } from '../Report.js';
import { loadCostOptimization } from './load.js';
import type { CostOptimizationData } from './types.js';

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
  async chartRows(data) {
    const values = (await import('./charts.js')).costChartValues(data);
    return Object.fromEntries(Object.entries(values).map(([name, rows]) => [name, rows?.length ?? 0]));
  },
  async messages(data, kind, opts) {
    return (await import('./messages.js')).costOptimizationMessages(data, kind, { confidentiality: opts.confidentiality });
  },
};
