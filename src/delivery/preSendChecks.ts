import { DateTime } from 'luxon';
import type { ReportDataBase } from '../reports/Report.js';
import { chartMarkCount } from '../charts/renderCharts.js';

export interface FreshnessSettings {
  /** The newest business event may lag the period's end by this much. */
  eventLagHours: number;
  /** The daily summary of the period's last day must exist. */
  requireDailySummary: boolean;
}

export interface CheckProblem { check: 'pages' | 'charts' | 'freshness'; message: string }

export interface CheckResult { ok: boolean; stale: boolean; problems: CheckProblem[] }

/**
 * A brief is checked, not trusted, before it is sent (SPEC §5): the PDF has the expected page
 * count, every chart that has data drew marks, and the data reaches the period's end. Pure.
 * `stale` separates "the data is not there yet" (wait, or send a delayed notice) from a broken brief.
 * Any report: `chartRows` (its module's chartRows) says how many rows each chart draws.
 */
export function preSendChecks(
  input: { data: ReportDataBase; chartRows: Record<string, number>; pageCount: number; charts: Record<string, string> },
  opts: { pages: { min: number; max: number }; freshness: FreshnessSettings },
): CheckResult {
  const problems: CheckProblem[] = [];
  const { data } = input;
  if (input.pageCount < opts.pages.min || input.pageCount > opts.pages.max) {
    problems.push({ check: 'pages', message: `PDF has ${input.pageCount} pages, expected ${opts.pages.min}–${opts.pages.max}` });
  }
  for (const [name, rows] of Object.entries(input.chartRows)) {
    if (rows === 0) continue;                 // "No data" is a correct drawing of nothing
    const svg = input.charts[name];
    if (!svg) problems.push({ check: 'charts', message: `chart ${name} is missing` });
    else if (chartMarkCount(svg) === 0) problems.push({ check: 'charts', message: `chart ${name} has data but drew no marks` });
  }
  const lastDay = lastLocalDay(data);
  const fresh: string[] = [];
  if (opts.freshness.requireDailySummary && (data.data_freshness.newest_summary_date ?? '') < lastDay) {
    fresh.push(`daily summaries reach ${data.data_freshness.newest_summary_date ?? 'nothing'}, the period ends ${lastDay}`);
  }
  const end = Date.parse(data.period.end);
  const newestEvent = data.data_freshness.newest_event_at ? Date.parse(data.data_freshness.newest_event_at) : null;
  if (newestEvent === null || newestEvent < end - opts.freshness.eventLagHours * 3600_000) {
    fresh.push(`newest event ${data.data_freshness.newest_event_at ?? 'none'} is more than ${opts.freshness.eventLagHours} h before the period's end ${data.period.end}`);
  }
  for (const message of fresh) problems.push({ check: 'freshness', message });
  const stale = fresh.length > 0;
  return { ok: problems.length === 0, stale: stale && problems.every((p) => p.check === 'freshness'), problems };
}

/** The last local calendar day of the period: the day of its last instant (its end is exclusive). */
function lastLocalDay(data: ReportDataBase): string {
  return DateTime.fromISO(data.period.end, { zone: data.period.timezone }).minus({ milliseconds: 1 }).toISODate() ?? data.period.start.slice(0, 10);
}
