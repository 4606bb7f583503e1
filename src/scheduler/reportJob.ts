import type { ScheduleConfig } from '../config/schema.js';
import type { ReportContext } from '../report/ReportContext.js';
import type { ExecutiveSummaryData, PeriodKind } from '../report/types.js';
import type { BriefOptions, RenderedBrief } from '../render/renderBrief.js';
import type { Period } from '../time/periods.js';

/**
 * A scheduled job as jobs/ declares it: which report, for which kind of period, and the engine
 * parts that compute and render it. The Agenda job name is the module's file name.
 */
export interface ReportJob {
  name: string;
  report: ScheduleConfig['report'];
  kind: PeriodKind;
  load(ctx: ReportContext, tenantId: string, period: Period): Promise<ExecutiveSummaryData>;
  render(data: ExecutiveSummaryData, opts: BriefOptions): Promise<RenderedBrief>;
}

export function defineReportJob(job: ReportJob): ReportJob {
  return job;
}
