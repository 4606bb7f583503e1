import { defineReportJob } from '../src/scheduler/reportJob.js';
import { loadExecutiveSummary } from '../src/report/loadExecutiveSummary.js';
import { renderExecutiveBrief } from '../src/render/renderBrief.js';

/** The daily executive summary of one tenant: the previous local day, as a PDF brief. */
export default defineReportJob({
  name: 'executive-summary-daily',
  report: 'executive-summary',
  kind: 'day',
  load: loadExecutiveSummary,
  render: renderExecutiveBrief,
});
