/**
 * What the decision review's views show besides its data object, prepared here so the templates
 * decide nothing: each decision's result in words and on the severity scale, its ROI achievement
 * to 0.1% (success is judged at that precision, so "80.0%" never hides a 79.6% miss), dates in the
 * review's zone, and the summary's tones. Pure.
 */
import { formatDate, formatPercent, formatPercentValue, formatUsd, humanize, pluralize, statusColor } from '../../report/format.js';
import type { DecisionReviewData, ReviewDecision } from './types.js';
import { CHARTED_DECISIONS } from './charts.js';

export type Tone = 'good' | 'warning' | 'critical' | 'muted';

export interface DecisionView {
  result: string;
  tone: Tone;
  /** Why it has this result, when that needs saying ("expected net is zero", "26 days overdue"). */
  detail: string;
  roi: string;
  due: string;
  decided: string;
  type: string;
  /** "Bluepeak Commerce · " in a portfolio review, else "". */
  tenant: string;
  recorded: string;
  color: string;
}

const NOT_RATED: Record<string, string> = {
  expected_net_zero: 'expected net is zero',
  expected_net_negative: 'expected a net loss',
  expected_missing: 'no expected impact',
};

/** A success rate on the review's scale: at or above the success threshold good, from half warning, else critical. */
export function rateTone(rate: number | null, thresholdPercent: number): Tone {
  if (rate === null) return 'muted';
  return rate >= thresholdPercent / 100 ? 'good' : rate >= 0.5 ? 'warning' : 'critical';
}

export function decisionView(d: ReviewDecision, data: Pick<DecisionReviewData, 'scope' | 'period'>): DecisionView {
  const zone = data.period.timezone;
  let result: string;
  let tone: Tone;
  let detail = '';
  switch (d.state) {
    case 'met': result = 'Met'; tone = 'good'; break;
    case 'missed': result = 'Missed'; tone = d.outcome && d.outcome.actual_net < 0 ? 'critical' : 'warning'; break;
    case 'not_rated': result = 'Not rated'; tone = 'muted'; detail = NOT_RATED[d.not_rated ?? ''] ?? ''; break;
    default:
      result = 'Awaiting';
      tone = (d.days_overdue ?? 0) >= 30 ? 'critical' : 'warning';
      detail = d.days_overdue === null ? '' : `${pluralize(d.days_overdue, 'day')} overdue`;
  }
  const o = d.outcome;
  const recorded = o
    ? `${formatDate(o.recorded_at, zone)}, ${o.source === 'command' ? `by ${o.recorded_by ?? 'unknown'}` : 'by event'}${o.records > 1 ? ` (latest of ${o.records})` : ''}`
    : '';
  return {
    result, tone, detail,
    roi: formatPercentValue(d.roi_achievement, 1),
    due: d.due_at ? formatDate(d.due_at, zone) : `unknown (“${d.outcome_timeframe ?? 'no timeframe'}”)`,
    decided: formatDate(d.decision_date, zone),
    type: humanize(d.decision_type),
    tenant: data.scope === 'portfolio' ? d.tenant_name : '',
    recorded,
    color: statusColor(tone),
  };
}

/** The data object plus `view`: the page's and the email's words and tones. */
export function reviewView(data: DecisionReviewData) {
  const s = data.summary;
  const item = (d: ReviewDecision) => ({ ...d, v: decisionView(d, data) });
  const rate = rateTone(s.success_rate, data.success_threshold_percent);
  return {
    ...data,
    reviewed: data.reviewed.map(item),
    awaiting: data.awaiting.map(item),
    coming_up: data.coming_up.map(item),
    by_type: data.by_type.map((t) => ({ ...t, v: { type: humanize(t.decision_type), rate: formatPercent(t.success_rate, 0), tone: rateTone(t.success_rate, data.success_threshold_percent) } })),
    by_tenant: data.by_tenant.map((t) => ({ ...t, v: { rate: formatPercent(t.success_rate, 0), tone: rateTone(t.success_rate, data.success_threshold_percent) } })),
    view: {
      portfolio: data.scope === 'portfolio',
      success_rate: formatPercent(s.success_rate, 0),
      success_tone: rate,
      success_note: s.rated > 0 ? `${s.met} of ${pluralize(s.rated, 'decision')} rated met ${data.success_threshold_percent}% of the expected net` : 'no decision could be rated',
      net_tone: s.with_outcome === 0 ? 'muted' : s.actual_net_total < 0 ? 'critical' : (s.roi_achievement_total ?? 100) < data.success_threshold_percent ? 'warning' : 'good',
      net_note: s.with_outcome === 0 ? 'no outcome recorded' : `of ${formatUsd(s.expected_net_total)} expected · ${formatPercentValue(s.roi_achievement_total, 1)} achieved`,
      awaiting_tone: s.awaiting_outcome === 0 ? 'good' : (s.max_days_overdue ?? 0) >= 30 ? 'critical' : 'warning',
      awaiting_note: s.awaiting_outcome === 0 ? 'every decision past due has an outcome' : `the oldest ${pluralize(s.max_days_overdue ?? 0, 'day')} overdue`,
      due_note: `${s.with_outcome} with an outcome${s.coming_up > 0 ? ` · ${s.coming_up} due in ${data.next_period.words}` : ''}`,
      velocity_target: `target < ${data.decisions_made.velocity_target_hours} h`,
      velocity_missed: data.decisions_made.velocity_target_met === false,
      headline_color: statusColor(data.headline_level),
      net_caption: `Revenue minus cost of each decision reviewed, in USD; a loss is drawn left of zero, its figure in red.${data.reviewed.filter((d) => d.outcome && d.expected_net !== null).length > CHARTED_DECISIONS ? ` The first ${CHARTED_DECISIONS} are drawn; the table lists all.` : ''}`,
      type_chart: data.by_type.some((t) => t.met > 0),
      type_none_met: data.by_type.some((t) => t.rated > 0) && !data.by_type.some((t) => t.met > 0),
      type_caption: `Share of the rated decisions of each type that reached ${data.success_threshold_percent}% of their expected net.`,
    },
  };
}
