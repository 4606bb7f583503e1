/**
 * The headline of a brief (SPEC §4): one sentence, made by rules from the data object, naming the
 * one thing a reader must know first. Pure: the data object in, the sentence out. Rules, first
 * match wins:
 *
 * 1. no-data: nothing was recorded in the period.
 * 2. critical-now: deliverability is critical now (risk_level_now): which rate is above which
 *    line since when, or the critical alert still open, and the revenue at risk.
 * 3. losing-money: costs exceed recognized revenue (a negative gross margin), and by how much.
 * 4. warning-now: deliverability is at the warning level now, and the revenue at risk.
 * 5. largest-change: the KPI that moved most against the previous period (measured relative to
 *    where it was, so a rate and an amount compare), bad news first on a tie, among the notable
 *    moves: at least NOTABLE times its stable band (10% for an amount, 0.5 pp for bounce), or new.
 * 6. steady: no notable move; it names the largest move when there is one beyond its band.
 * 7. no-comparison: nothing to compare with (no KPI has a previous value).
 */
import type { ExecutiveSummaryData, HeadlineRule, Kpi, RiskLevel } from './types.js';
import { formatDate, formatKpiValue, formatPercent, formatTrendChange, formatUsd } from './format.js';

export type HeadlineInput = Pick<ExecutiveSummaryData, 'has_data' | 'period' | 'previous_period' | 'revenue_protection' | 'cost' | 'kpis' | 'critical_alerts' | 'tenant' | 'thresholds'>;

/** A move is worth a headline from this many times its stable band: 10% for an amount, 0.5 pp for bounce. */
export const NOTABLE = 5;

export interface Headline {
  text: string;
  rule: HeadlineRule;
  level: RiskLevel;
}

/** The headline of a brief's data object. */
export function makeHeadline(d: HeadlineInput): Headline {
  if (!d.has_data) return { rule: 'no-data', level: 'monitor', text: `No activity was recorded in ${d.period.words}.` };

  const rp = d.revenue_protection;
  const atRisk = `${formatUsd(rp.revenue_at_risk)} of revenue at risk`;
  if (rp.risk_level_now === 'critical') return { rule: 'critical-now', level: 'critical', text: `${stateSentence(d, 'critical')}; ${atRisk}.` };

  const margin = d.cost.gross_margin;
  if (margin !== null && margin < 0) {
    const loss = d.cost.total_cost - d.cost.recognized_revenue;
    return {
      rule: 'losing-money',
      level: 'critical',
      text: `Costs exceed recognized revenue by ${formatUsd(loss)} ${inPeriod(d)} (gross margin ${formatPercent(margin, 1)}): ${formatUsd(d.cost.monthly_total_cost)} a month against ${formatUsd(d.cost.mrr)} of monthly recurring revenue.`,
    };
  }

  if (rp.risk_level_now === 'warning') return { rule: 'warning-now', level: 'warning', text: `${stateSentence(d, 'warning')}; ${atRisk}.` };

  const compared = d.kpis.filter((k) => k.trend.kind !== null && k.trend.direction !== null);
  if (compared.length === 0) {
    return { rule: 'no-comparison', level: 'ok', text: `Nothing to compare with in ${d.previous_period.words}; see the indicators below.` };
  }
  const moved = compared.filter((k) => k.trend.direction !== 'stable');
  const byMove = [...moved].sort((a, b) => magnitude(b) - magnitude(a) || declining(b) - declining(a));
  const top = byMove.find((k) => notable(k, d.thresholds.trend_stable));
  if (top) return { rule: 'largest-change', level: top.trend.direction === 'declining' ? 'monitor' : 'ok', text: changeSentence(top, d.previous_period.words) };
  if (byMove.length === 0) {
    return { rule: 'steady', level: 'ok', text: `Steady: no indicator moved beyond its stable band against ${d.previous_period.words}.` };
  }
  const small = byMove[0];
  return { rule: 'steady', level: 'ok', text: `Steady against ${d.previous_period.words}: the largest move, ${lowerFirst(small.label)} ${formatTrendChange(small.trend)}, is small.` };
}

/** Whether a KPI's move is worth the headline: NOTABLE times its stable band, or new. */
function notable(k: Kpi, bands: HeadlineInput['thresholds']['trend_stable']): boolean {
  const t = k.trend;
  if (t.kind === 'new') return true;
  const change = Math.abs(t.change ?? 0);
  const band = t.unit === 'pct' ? bands.amount_pct
    : t.unit === 'pts' ? bands.score_points
    : k.key === 'bounce_rate' || k.key === 'spam_rate' ? bands.bounce_spam_pp : bands.other_rates_pp;
  return change >= NOTABLE * band;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** "Bounce has been above the 15% critical line since 21 Nov", and its variants. */
function stateSentence(d: HeadlineInput, level: 'critical' | 'warning'): string {
  const now = d.revenue_protection.risk_now;
  if (now.days_level === level && now.metric && now.threshold !== null && now.on) {
    const what = now.metric === 'bounce_rate' ? 'Bounce' : 'Spam';
    const line = `the ${formatPercent(now.threshold, now.threshold < 0.1 ? 1 : 0).replace(/\.0%$/, '%')} ${level} line`;
    if (!now.ongoing) return `${what} was above ${line} from ${dayMonth(now.since ?? now.on)} to ${dayMonth(now.on)}`;
    if (now.since && now.since !== now.on) return `${what} has been above ${line} since ${dayMonth(now.since)}`;
    return `${what} rose above ${line} on ${dayMonth(now.on)} (${formatPercent(now.value, 1)})`;
  }
  // Critical by an alert still open at the period's end, while the daily rates are not (yet).
  const opened = now.open_critical_since ? ` opened on ${dayMonth(formatDate(now.open_critical_since, d.tenant.timezone))}` : '';
  const n = now.open_critical_alerts ?? 0;
  return n > 1
    ? `${n} critical deliverability alerts were still open at the end of ${periodName(d)}`
    : `A critical deliverability alert${opened} was still open at the end of ${periodName(d)}`;
}

/** "Bounce rate rose from 2.0% to 6.2% (+4.2 pp) against October 2026." */
function changeSentence(k: Kpi, previousWords: string): string {
  const cur = formatKpiValue(k.value, k.unit);
  if (k.trend.kind === 'new') return `${k.label} of ${cur}, from none in ${previousWords}.`;
  const prev = formatKpiValue(k.trend.previous, k.unit);
  const up = (k.trend.change ?? 0) > 0;
  return `${k.label} ${up ? 'rose' : 'fell'} from ${prev} to ${cur} (${formatTrendChange(k.trend)}) against ${previousWords}.`;
}

/**
 * How far a KPI moved, relative to where it was: an amount's percent as a fraction; a rate's or a
 * score's change over its previous value (2.0% → 6.2% is 2.1); from zero, 1.
 */
function magnitude(k: Kpi): number {
  const t = k.trend;
  if (t.kind === 'new') return 1;
  const change = Math.abs(t.change ?? 0);
  if (t.unit === 'pct') return change / 100;
  const previous = Math.abs(t.previous ?? 0) * (t.unit === 'pp' ? 100 : 1);
  return change / Math.max(previous, t.unit === 'pp' ? 0.1 : 1);
}

const declining = (k: Kpi) => (k.trend.direction === 'declining' ? 1 : 0);

/** "21 Nov" from a calendar date or a formatted date ("21 Nov 2026"). */
function dayMonth(date: string): string {
  const text = /^\d{4}-\d{2}-\d{2}$/.test(date) ? formatDate(date) : date;
  return text.replace(/ \d{4}$/, '');
}

/** "November 2026", "Week 47, 16–22 Nov 2026", "Tuesday 1 Dec 2026": the period as its words say. */
function periodName(d: HeadlineInput): string {
  return d.period.words;
}

/** "in November 2026", "in Week 47, 16–22 Nov 2026", "on Tuesday 1 Dec 2026". */
function inPeriod(d: HeadlineInput): string {
  return `${d.period.kind === 'day' ? 'on' : 'in'} ${d.period.words}`;
}
