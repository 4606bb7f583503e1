import type { ScheduleConfig } from '../config/schema.js';
import type { PeriodKind } from '../report/types.js';
import type { ReportJob } from './reportJob.js';
import executiveSummaryDaily from '../../jobs/executive-summary-daily.js';
import executiveSummaryWeekly from '../../jobs/executive-summary-weekly.js';
import executiveSummaryMonthly from '../../jobs/executive-summary-monthly.js';

/** Every job in jobs/, by name. */
export const REPORT_JOBS: readonly ReportJob[] = [executiveSummaryDaily, executiveSummaryWeekly, executiveSummaryMonthly];

const KIND: Record<string, PeriodKind> = { daily: 'day', weekly: 'week', monthly: 'month' };

/** The kind of period a schedule's brief covers: its `every`, or a day for a cron schedule. */
export function scheduleKind(s: Pick<ScheduleConfig, 'every'>): PeriodKind {
  return s.every ? KIND[s.every] : 'day';
}

/** The job that produces a schedule's briefs, or undefined when this version has none for it. */
export function jobForSchedule(s: Pick<ScheduleConfig, 'report' | 'every' | 'scope'>): ReportJob | undefined {
  if (s.scope === 'portfolio') return undefined;
  const kind = scheduleKind(s);
  return REPORT_JOBS.find((j) => j.report === s.report && j.kind === kind);
}
