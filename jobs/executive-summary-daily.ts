import { defineReportJob } from '../src/scheduler/reportJob.js';
import { executiveSummary } from '../src/reports/executive-summary/index.js';

/** The daily executive summary of one tenant: the previous local day, as a PDF brief. */
export default defineReportJob({
  name: 'executive-summary-daily',
  report: executiveSummary,
  kind: 'day',
});
