import { defineReportJob } from '../src/scheduler/reportJob.js';
import { loadExecutiveSummary } from '../src/report/loadExecutiveSummary.js';
import { renderExecutiveBrief } from '../src/render/renderBrief.js';

/** The monthly executive summary of one tenant: the previous calendar month, as a PDF brief. */
export default defineReportJob({
  name: 'executive-summary-monthly',
  report: 'executive-summary',
  kind: 'month',
  load: loadExecutiveSummary,
  render: renderExecutiveBrief,
});
