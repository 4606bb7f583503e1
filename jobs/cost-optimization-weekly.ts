import { defineReportJob } from '../src/scheduler/reportJob.js';
import { costOptimization } from '../src/reports/cost-optimization/index.js';

/**
 * The weekly cost-optimization report: the previous ISO week, as a PDF with its email and Slack digest. A schedule
 * with `scope: portfolio` gets the portfolio's (every tenant ranked; the platform's own recipients
 * only), otherwise each tenant's.
 */
export default defineReportJob({
  name: 'cost-optimization-weekly',
  report: costOptimization,
  kind: 'week',
});
