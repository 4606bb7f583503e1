import { defineReportJob } from '../src/scheduler/reportJob.js';
import { costOptimization } from '../src/reports/cost-optimization/index.js';

/**
 * The monthly cost-optimization report: the previous calendar month, as a PDF with its email and Slack digest. A schedule
 * with `scope: portfolio` gets the portfolio's (every tenant ranked; the platform's own recipients
 * only), otherwise each tenant's.
 */
export default defineReportJob({
  name: 'cost-optimization-monthly',
  report: costOptimization,
  kind: 'month',
});
