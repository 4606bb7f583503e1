/**
 * The decision review's data object from its facts (pure): the metrics of src/metrics/decisionReview.ts,
 * the scope and the period, and a headline made by rules.
 */
import { computeDecisionReview, type DecisionReviewInput, type DecisionReviewMetrics } from '../../metrics/decisionReview.js';
import { formatPercent, formatUsd, pluralize } from '../../report/format.js';
import type { RiskLevel } from '../../report/types.js';
import { periodToInfo, type Period } from '../../time/periods.js';
import type { DecisionReviewData, ReviewDecision } from './types.js';

export interface DecisionReviewFacts extends Omit<DecisionReviewInput, 'period' | 'next'> {
  scope: 'tenant' | 'portfolio';
  period: Period;
  next: Period;
  now: Date;
  newestEventAt: Date | null;
  newestSummaryDate: string | null;
}

/** Overdue this many days or more, a decision nobody has closed is a warning. */
export const LONG_OVERDUE_DAYS = 30;

export function buildDecisionReview(f: DecisionReviewFacts): DecisionReviewData {
  const range = (p: Period) => ({ start: p.start.toJSDate(), end: p.end.toJSDate() });
  const { all: _all, ...m } = computeDecisionReview({ ...f, period: range(f.period), next: range(f.next), timezone: f.period.timezone });
  const tenant = f.scope === 'tenant' ? f.tenants[0] : null;
  if (f.scope === 'tenant' && !tenant) throw new Error('buildDecisionReview: a tenant review needs its tenant');
  const scopeName = tenant ? tenant.name : 'Portfolio';
  const hasData = m.summary.due_for_review > 0 || m.summary.awaiting_outcome > 0 || m.summary.coming_up > 0 || m.decisions_made.decisions_tracked > 0;
  const { headline, level } = decisionHeadline(m, f.scope, f.settings.decisionSuccessAtPercent, hasData);
  return {
    report: 'decision-review',
    schema_version: 1,
    scope: f.scope,
    tenant: tenant ? { id: tenant.id, name: tenant.name, timezone: tenant.timezone || f.defaultTimezone } : null,
    scope_name: scopeName,
    tenants: f.tenants.map((t) => ({ id: t.id, name: t.name, timezone: t.timezone || f.defaultTimezone })),
    period: periodToInfo(f.period),
    next_period: periodToInfo(f.next),
    generated_at: f.now.toISOString(),
    data_freshness: { newest_summary_date: f.newestSummaryDate, newest_event_at: f.newestEventAt ? f.newestEventAt.toISOString() : null },
    has_data: hasData,
    headline,
    headline_level: level,
    success_threshold_percent: f.settings.decisionSuccessAtPercent,
    ...m,
  };
}

function shortTitle(d: ReviewDecision, scope: 'tenant' | 'portfolio'): string {
  const t = d.title.length > 60 ? `${d.title.slice(0, 59).trimEnd()}…` : d.title;
  return scope === 'portfolio' ? `${d.tenant_name}: “${t}”` : `“${t}”`;
}

/**
 * The one thing to know first. A reviewed decision that lost money leads (the worst one); else
 * how many of the reviewed decisions met their expected return; then what still awaits an
 * outcome. Its level: critical when the reviewed decisions lost money in total, warning when
 * fewer than half succeeded, one lost money, or one is a month overdue, monitor when one fell
 * short or awaits an outcome, else ok.
 */
export function decisionHeadline(m: Omit<DecisionReviewMetrics, 'all'>, scope: 'tenant' | 'portfolio', threshold: number, hasData: boolean): { headline: string; level: RiskLevel } {
  const s = m.summary;
  if (!hasData) return { headline: 'No strategic decisions were due for review, awaiting an outcome or made in this period.', level: 'ok' };
  const parts: string[] = [];
  const losers = m.reviewed.filter((d) => d.outcome && d.outcome.actual_net < 0).sort((a, b) => a.outcome!.actual_net - b.outcome!.actual_net);
  if (losers.length > 0) {
    const d = losers[0];
    parts.push(`${shortTitle(d, scope)} lost ${formatUsd(-d.outcome!.actual_net)} net against ${formatUsd(d.expected_net)} expected`);
  }
  if (s.rated > 0) {
    parts.push(`${s.met} of ${pluralize(s.rated, 'decision')} reviewed met ${threshold}% of the expected return (${formatPercent(s.success_rate, 0)})`);
  } else if (s.with_outcome > 0) {
    parts.push(`${pluralize(s.with_outcome, 'decision')} reviewed, none with an expected net return to measure against`);
  } else if (s.due_for_review === 0) {
    parts.push(`No decision came up for review; ${pluralize(m.decisions_made.decisions_tracked, 'decision')} made`);
  }
  if (s.awaiting_outcome > 0) {
    const oldest = s.max_days_overdue ?? 0;
    parts.push(`${pluralize(s.awaiting_outcome, 'decision')} ${s.awaiting_outcome === 1 ? 'awaits' : 'await'} an outcome${s.awaiting_outcome === 1 ? `, ${pluralize(oldest, 'day')} overdue` : `, the oldest ${pluralize(oldest, 'day')} overdue`}`);
  } else if (s.due_for_review > 0 && s.with_outcome === s.due_for_review) {
    parts.push('every decision due has an outcome');
  }
  const text = parts.map((p, i) => (i === 0 ? p : p.charAt(0).toLowerCase() + p.slice(1)));
  // A quoted title first keeps its capitals; later parts join in lower case.
  const headline = `${text.join('; ')}.`.replace(/^./, (c) => c.toUpperCase());
  let level: RiskLevel = 'ok';
  if (s.with_outcome > 0 && s.actual_net_total < 0) level = 'critical';
  else if ((s.success_rate !== null && s.success_rate < 0.5) || losers.length > 0 || (s.max_days_overdue ?? 0) >= LONG_OVERDUE_DAYS) level = 'warning';
  else if ((s.success_rate !== null && s.success_rate < 1) || s.awaiting_outcome > 0) level = 'monitor';
  return { headline, level };
}
