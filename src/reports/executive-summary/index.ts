/**
 * The executive summary (SPEC §5): one tenant's day, week or month for its leadership. Its parts
 * live where they were built (src/report/, src/render/, src/charts/, src/delivery/email|slack/);
 * this module puts them behind the report interface. The views load on first use, so that
 * `herald preview --format json` loads neither Vega nor Handlebars nor Puppeteer.
 */
import type { ReportModule } from '../Report.js';
import { InputError } from '../../report/ReportContext.js';
import { loadExecutiveSummary } from '../../report/loadExecutiveSummary.js';
import type { ExecutiveSummaryData } from '../../report/types.js';

export const executiveSummary: ReportModule<ExecutiveSummaryData> = {
  id: 'executive-summary',
  title: 'Executive summary',
  scopes: ['tenant'],
  periodKinds: ['day', 'week', 'month'],
  async load(ctx, scope, period) {
    if (scope.kind !== 'tenant') throw new InputError('--portfolio', 'executive-summary is a per-tenant report; use --tenant ID');
    return loadExecutiveSummary(ctx, scope.tenantId, period);
  },
  warm: () => import('../../render/renderBrief.js'),
  async html(data, opts) {
    return (await import('../../render/renderBrief.js')).executiveSummaryHtml(data, opts);
  },
  async render(data, opts) {
    return (await import('../../render/renderBrief.js')).renderExecutiveBrief(data, opts);
  },
  async chartRows(data) {
    const values = (await import('../../charts/executiveChartValues.js')).executiveChartValues(data);
    return Object.fromEntries(Object.entries(values).map(([name, rows]) => [name, rows.length]));
  },
  async messages(data, kind, opts) {
    return (await import('../../report/executiveSummaryMessages.js')).executiveSummaryMessages(data, kind, opts);
  },
  async keyChart(data, charts, opts) {
    return (await import('../../delivery/email/emailKeyChart.js')).emailKeyChart(data, charts, opts);
  },
};
