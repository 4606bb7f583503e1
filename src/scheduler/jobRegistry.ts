import type { ScheduleConfig } from '../config/schema.js';
import type { PeriodKind } from '../report/types.js';
import type { ReportJob } from './reportJob.js';
import { findReport, notRegistered, reportSupports } from '../reports/registry.js';
import executiveSummaryDaily from '../../jobs/executive-summary-daily.js';
import executiveSummaryWeekly from '../../jobs/executive-summary-weekly.js';
import executiveSummaryMonthly from '../../jobs/executive-summary-monthly.js';
import decisionReviewWeekly from '../../jobs/decision-review-weekly.js';
import decisionReviewMonthly from '../../jobs/decision-review-monthly.js';
import costOptimizationWeekly from '../../jobs/cost-optimization-weekly.js';
import costOptimizationMonthly from '../../jobs/cost-optimization-monthly.js';

/** Every job in jobs/, by name (a new file in jobs/ is listed here). */
export const REPORT_JOBS: readonly ReportJob[] = [executiveSummaryDaily, executiveSummaryWeekly, executiveSummaryMonthly, decisionReviewWeekly, decisionReviewMonthly, costOptimizationWeekly, costOptimizationMonthly];

const KIND: Record<string, PeriodKind> = { daily: 'day', weekly: 'week', monthly: 'month' };

/** The kind of period a schedule's brief covers: its `every`, or a day for a cron schedule. */
export function scheduleKind(s: Pick<ScheduleConfig, 'every'>): PeriodKind {
  return s.every ? KIND[s.every] : 'day';
}

/**
 * The job that produces a schedule's briefs, or undefined when this version has none for it: no
 * job of its report for its kind of period, or a report without the schedule's scope.
 */
export function jobForSchedule(s: Pick<ScheduleConfig, 'report' | 'every' | 'scope'>): ReportJob | undefined {
  const kind = scheduleKind(s);
  const job = REPORT_JOBS.find((j) => j.report.id === s.report && j.kind === kind);
  return job && !reportSupports(job.report, s.scope === 'portfolio' ? 'portfolio' : 'tenant', kind) ? job : undefined;
}

/** Why a schedule has no job, in a line: its report is not in this version, lacks its scope or kind of period, or has no job in jobs/ for it. */
export function whyNoJob(s: Pick<ScheduleConfig, 'report' | 'every' | 'scope'>): string {
  const report = findReport(s.report);
  if (!report) return notRegistered(s.report);
  const kind = scheduleKind(s);
  return reportSupports(report, s.scope === 'portfolio' ? 'portfolio' : 'tenant', kind) ?? `no job in jobs/ delivers ${s.report} for a ${kind}`;
}
