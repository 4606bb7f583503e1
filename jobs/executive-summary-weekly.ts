import { defineReportJob } from '../src/scheduler/reportJob.js';
import { loadExecutiveSummary } from '../src/report/loadExecutiveSummary.js';
import { renderExecutiveBrief } from '../src/render/renderBrief.js';

/** The weekly executive summary of one tenant: the previous ISO week, as a PDF brief. */
export default defineReportJob({
  name: 'executive-summary-weekly',
  report: 'executive-summary',
  kind: 'week',
  load: loadExecutiveSummary,
  render: renderExecutiveBrief,
});
