import { defineReportJob } from '../src/scheduler/reportJob.js';
import { executiveSummary } from '../src/reports/executive-summary/index.js';

/** The weekly executive summary of one tenant: the previous ISO week, as a PDF brief. */
export default defineReportJob({
  name: 'executive-summary-weekly',
  report: executiveSummary,
  kind: 'week',
});
