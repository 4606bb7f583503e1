import { defineReportJob } from '../src/scheduler/reportJob.js';
import { decisionReview } from '../src/reports/decision-review/index.js';

/**
 * The monthly decision review: the previous calendar month, as a PDF with its email and Slack digest: the
 * decisions due for review (expected vs actual, ROI achievement), success by type, and what still
 * awaits an outcome. A schedule with `scope: portfolio` gets the portfolio's (every tenant; the
 * platform's own recipients only), otherwise each tenant's.
 */
export default defineReportJob({
  name: 'decision-review-monthly',
  report: decisionReview,
  kind: 'month',
});
