import { defineReportJob } from '../src/scheduler/reportJob.js';
import { executiveSummary } from '../src/reports/executive-summary/index.js';

/** The monthly executive summary of one tenant: the previous calendar month, as a PDF brief. */
export default defineReportJob({
  name: 'executive-summary-monthly',
  report: executiveSummary,
  kind: 'month',
});
