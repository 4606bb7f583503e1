import type { PeriodKind } from '../report/types.js';
import type { ReportModule } from '../reports/Report.js';

/**
 * A scheduled job as jobs/ declares it: which report (its module computes and renders it) for
 * which kind of period. The Agenda job name is the module's file name. A job serves every scope
 * its report has: a schedule's `scope` picks tenants or the portfolio.
 */
export interface ReportJob {
  name: string;
  report: ReportModule;
  kind: PeriodKind;
}

export function defineReportJob(job: ReportJob): ReportJob {
  if (!job.report.periodKinds.includes(job.kind)) throw new Error(`job ${job.name}: ${job.report.id} has no ${job.kind} period`);
  return job;
}
