/**
 * Display formatting shared by every view of a report (PDF, email body, Slack digest, SMS).
 *
 * Pure functions, no decisions: statuses, directions and labels come with the data object;
 * these only turn them into text and colours. Every function accepts null (and, defensively,
 * undefined, NaN, ±Infinity and non-numbers from malformed data) and then returns `NA`.
 *
 * Glyphs are limited to what Liberation Sans and DejaVu Sans (the only fonts on the print
 * machines) both contain: − (U+2212) for negatives, ▲ ▼ ► for trends, × · – —, no emoji.
 * Deliberately avoided: ▶ (U+25B6, missing from Liberation Sans) and the narrow no-break
 * space U+202F (same); a plain no-break space U+00A0 joins numbers to their units.
 */
import { DateTime } from 'luxon';
import type { Direction, Polarity, RiskLevel, Severity, Status } from './types.js';

/** What every formatter prints for a missing value. */
export const NA = 'n/a';
/** A real minus sign (U+2212): a hyphen looks like a dash in print. */
export const MINUS = '\u2212';
/** No-break space between a number and its unit ("31.5 h"). */
const NBSP = '\u00a0';

export type Nullable<T> = T | null | undefined;

/** True for real numbers only: rejects null, undefined, NaN, ±Infinity and non-numbers. */
export function isFiniteNumber(n: unknown): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

const groupedFormats = new Map<string, Intl.NumberFormat>();
function grouped(n: number, minDigits: number, maxDigits = minDigits): string {
  const key = `${minDigits}:${maxDigits}`;
  let f = groupedFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { minimumFractionDigits: minDigits, maximumFractionDigits: maxDigits, useGrouping: true });
    groupedFormats.set(key, f);
  }
  return f.format(n);
}

/**
 * Formats |n| with `digits` decimals and puts the sign in front: a real minus sign, and `+`
 * when `plus` is set. A value that rounds to zero gets no sign ("0.0%", never "−0.0%").
 */
function signed(n: number, digits: number, plus = false): string {
  const body = grouped(Math.abs(n), digits);
  const roundsToZero = Number(body.replace(/,/g, '')) === 0;
  if (roundsToZero) return body;
  if (n < 0) return MINUS + body;
  return plus ? `+${body}` : body;
}

/**
 * US dollars. Rule: whole dollars from $100 ("$1,390", "$360"), cents below ("$99.99"), nothing as "$0",
 * and two significant digits under $1 so a per-unit cost never collapses to "$0.00"
 * ("$0.00065"). One rule for every figure of a page, so "$360.00" never stands beside "$1,390".
 * Negatives get a real minus sign before the dollar sign ("−$1,234").
 */
export function formatUsd(n: Nullable<number>): string {
  if (!isFiniteNumber(n)) return NA;
  const abs = Math.abs(n);
  let body: string;
  if (Math.round(abs * 100) / 100 >= 100) {
    body = grouped(Math.round(abs), 0);
  } else if (abs === 0) {
    return '$0';
  } else if (Math.round(abs * 100) >= 100) {
    body = grouped(abs, 2);
  } else if (abs < 0.000001) {
    return n < 0 ? `${MINUS}<$0.000001` : '<$0.000001';
  } else {
    const digits = Math.min(6, Math.max(2, -Math.floor(Math.log10(abs)) + 1));
    body = grouped(abs, digits);
  }
  return (n < 0 ? MINUS : '') + '$' + body;
}

/** A cost per email as the cost of 1,000 emails: 0.00065352 → "$0.65 per 1,000 emails". */
export function formatUsdPerThousand(perUnit: Nullable<number>, what = 'emails'): string {
  if (!isFiniteNumber(perUnit)) return NA;
  return `${formatUsd(perUnit * 1000)} per 1,000 ${what}`;
}

/**
 * Compact US dollars for tight spaces (charts, Slack): whole dollars under $1,000 ("$812"),
 * then one decimal with K, M, B, T and a trailing ".0" dropped ("$12K", "$1.2M").
 */
export function formatUsdCompact(n: Nullable<number>): string {
  if (!isFiniteNumber(n)) return NA;
  const abs = Math.abs(n);
  const sign = n < 0 && abs >= 0.5 ? MINUS : '';
  const units: [number, string][] = [[1e3, 'K'], [1e6, 'M'], [1e9, 'B'], [1e12, 'T']];
  let chosen: [number, string] | null = null;
  for (const [div, suffix] of units) {
    const v = Math.round((abs / div) * 10) / 10;
    if (v >= 1) chosen = [v, suffix];
  }
  if (!chosen) return `${sign}$${grouped(Math.round(abs), 0)}`;
  return `${sign}$${grouped(chosen[0], 0, 1)}${chosen[1]}`;
}

/** A fraction as a percentage: 0.125 → "12.5%", −0.031 → "−3.1%". */
export function formatPercent(fraction: Nullable<number>, digits = 1): string {
  if (!isFiniteNumber(fraction)) return NA;
  return `${signed(fraction * 100, digits)}%`;
}

/** A value that is already in percent (ROI 240 → "240%"). */
export function formatPercentValue(percent: Nullable<number>, digits = 0): string {
  if (!isFiniteNumber(percent)) return NA;
  return `${signed(percent, digits)}%`;
}

/** A 0–100 score (or the −100…100 business performance score), whole: 81.6 → "82". */
export function formatScore(n: Nullable<number>): string {
  if (!isFiniteNumber(n)) return NA;
  return signed(n, 0);
}

/** A count or plain number with thousands separators: 4218640 → "4,218,640". */
export function formatNumber(n: Nullable<number>, digits = 0): string {
  if (!isFiniteNumber(n)) return NA;
  return signed(n, digits);
}

/** A plain number with at most two decimals and no trailing zeros: 0.1 → "0.1", 2 → "2", 1234.5 → "1,234.5". */
export function formatDecimal(n: Nullable<number>): string {
  if (!isFiniteNumber(n)) return NA;
  const body = grouped(Math.abs(n), 0, 2);
  return n < 0 && Number(body.replace(/,/g, '')) !== 0 ? MINUS + body : body;
}

/** Hours, one decimal at most: 31.46 → "31.5 h", 36 → "36 h". */
export function formatHours(n: Nullable<number>): string {
  if (!isFiniteNumber(n)) return NA;
  const abs = Math.abs(n);
  const body = grouped(abs, 0, 1);
  const sign = n < 0 && Number(body.replace(/,/g, '')) !== 0 ? MINUS : '';
  return `${sign}${body}${NBSP}h`;
}

/** A multiple: revenue ÷ cost 3.486 → "3.5×". */
export function formatMultiple(n: Nullable<number>, digits = 1): string {
  if (!isFiniteNumber(n)) return NA;
  return `${signed(n, digits)}\u00d7`;
}

/** A change already in percent, always signed: 4.21 → "+4.2%", −3.1 → "−3.1%", 0 → "0.0%". */
export function formatChangePct(pct: Nullable<number>, digits = 1): string {
  if (!isFiniteNumber(pct)) return NA;
  return `${signed(pct, digits, true)}%`;
}

/** A change in percentage points, signed: 4.2 → "+4.2 pp", 0.35 → "+0.35 pp" (two decimals under 1 pp), 0 → "0.0 pp". */
export function formatChangePp(pp: Nullable<number>): string {
  if (!isFiniteNumber(pp)) return NA;
  return `${signed(pp, Math.abs(pp) < 1 && Math.abs(pp) >= 0.005 ? 2 : 1, true)}${NBSP}pp`;
}

/**
 * A change of a 0–100 score in points, signed: −8 → "−8 pts", −3.3 → "−3.3 pts", 1 → "+1 pt";
 * one decimal under 10 points, so a stable −0.6 does not print as "−1 pt".
 */
export function formatChangePoints(points: Nullable<number>): string {
  if (!isFiniteNumber(points)) return NA;
  const tenth = Math.round(points * 10) / 10;
  const body = signed(points, Math.abs(tenth) < 10 && !Number.isInteger(tenth) ? 1 : 0, true);
  return `${body}${NBSP}${body.replace(/^[+\u2212]/, '') === '1' ? 'pt' : 'pts'}`;
}

/** The fields of a Trend (report/types.ts) its change is printed from. */
export interface TrendFields {
  unit?: Nullable<string>;
  change?: Nullable<number>;
  kind?: Nullable<string>;
}

/**
 * A KPI's change against the previous period in its own unit (SPEC §3): "+4.2 pp" for a rate,
 * "−3.1%" for an amount, "−8 pts" for a score, "new" from zero, "n/a" when not comparable.
 */
export function formatTrendChange(t: Nullable<TrendFields>): string {
  if (!t || typeof t !== 'object') return NA;
  if (t.kind === 'new') return 'new';
  if (t.kind !== 'change') return NA;
  switch (t.unit) {
    case 'pp': return formatChangePp(t.change);
    case 'pts': return formatChangePoints(t.change);
    case 'pct': return formatChangePct(t.change);
    default: return NA;
  }
}

/**
 * A target and whether it was met: "target > 70%" when met or unknown; a miss says so, with the
 * target: "below target > 95%" (higher is better), "above target < 5%" (lower is better).
 */
export function formatTarget(target: Nullable<string>, met: Nullable<boolean>, polarity: Nullable<Polarity | string> = 'higher_is_better'): string {
  if (typeof target !== 'string' || target === '') return '';
  if (met === false) return `${polarity === 'lower_is_better' ? 'above' : 'below'} target ${target}`;
  return `target ${target}`;
}

export type KpiUnit = 'usd' | 'ratio' | 'score' | 'count' | 'hours';

/**
 * A KPI value by its unit. Ratios get two decimals under 1% so small rates stay readable
 * (spam rate "0.31%", gross margin "71.3%").
 */
export function formatKpiValue(value: Nullable<number>, unit: KpiUnit | string): string {
  switch (unit) {
    case 'usd': return formatUsd(value);
    case 'ratio': return formatPercent(value, isFiniteNumber(value) && Math.abs(value) < 0.01 ? 2 : 1);
    case 'score': return formatScore(value);
    case 'count': return formatNumber(value);
    case 'hours': return formatHours(value);
    default: return formatNumber(value, 1);
  }
}

/** Trend glyphs; all present in Liberation Sans and DejaVu Sans. */
export const TREND_GLYPHS = { up: '\u25b2', down: '\u25bc', flat: '\u25ba' } as const;

/**
 * The arrow shows which way the value moved; its colour (see `trendStatus`) says whether that
 * is good. With the KPI's polarity an improving bounce rate (lower is better) points down.
 * Returns "" when there is no direction (a side of the comparison is missing).
 */
export function trendArrow(direction: Nullable<Direction | string>, polarity: Nullable<Polarity | string> = 'higher_is_better'): string {
  const lowerIsBetter = polarity === 'lower_is_better';
  switch (direction) {
    case 'improving': return lowerIsBetter ? TREND_GLYPHS.down : TREND_GLYPHS.up;
    case 'declining': return lowerIsBetter ? TREND_GLYPHS.up : TREND_GLYPHS.down;
    case 'stable': return TREND_GLYPHS.flat;
    default: return '';
  }
}

/**
 * Colour of a trend: improving is good, declining is critical, stable is muted (not the blue of
 * "monitor": a steady figure is not a risk).
 */
export function trendStatus(direction: Nullable<Direction | string>): Tone {
  if (direction === 'improving') return 'good';
  if (direction === 'declining') return 'critical';
  return 'muted';
}

export function directionLabel(direction: Nullable<Direction | string>): string {
  switch (direction) {
    case 'improving': return 'Improving';
    case 'declining': return 'Declining';
    case 'stable': return 'Stable';
    default: return NA;
  }
}

/**
 * Presentation tones (CSS classes `tone-*` and inline colours). Every status of the report's one
 * severity scale maps onto one tone, so a level has the same colour everywhere: ok green, monitor
 * blue, warning amber, critical red; `neutral` (not rated, or information) blue, `muted` grey.
 */
export type Tone = 'good' | 'warning' | 'critical' | 'neutral' | 'muted';

const TONE_COLORS: Record<Tone, string> = {
  good: '#16a34a',
  warning: '#d97706',
  critical: '#dc2626',
  neutral: '#2563eb',
  muted: '#94a3b8',
};
/** Light backgrounds for badges and banners, paired with TONE_COLORS. */
const TONE_TINTS: Record<Tone, string> = {
  good: '#dcfce7',
  warning: '#fef3c7',
  critical: '#fee2e2',
  neutral: '#dbeafe',
  muted: '#f1f5f9',
};

/**
 * The tone of a status on the severity scale (ok, monitor, warning, critical, neutral) or of a
 * tone named directly (good, muted: fixed colours a view asks for); unknown values are neutral.
 */
export function toTone(status: unknown): Tone {
  switch (status) {
    case 'ok': case 'good': return 'good';
    case 'monitor': case 'neutral': return 'neutral';
    case 'warning': return 'warning';
    case 'critical': return 'critical';
    case 'muted': return 'muted';
    default: return 'neutral';
  }
}

/** Normalises anything to a status of the severity scale; unknown values are neutral (not rated). */
export function toStatus(status: unknown): Status {
  if (status === 'good') return 'ok';
  return status === 'ok' || status === 'monitor' || status === 'warning' || status === 'critical' ? status : 'neutral';
}

/** ok/good green #16a34a, warning amber #d97706, critical red #dc2626, monitor and neutral blue #2563eb, muted grey. */
export function statusColor(status: Nullable<Status | Tone | string>): string {
  return TONE_COLORS[toTone(status)];
}

export function statusTint(status: Nullable<Status | Tone | string>): string {
  return TONE_TINTS[toTone(status)];
}

/** "OK", "Monitor", "Warning", "Critical"; "n/a" for a status that is not rated. */
export function statusLabel(status: Nullable<Status | string>): string {
  switch (toStatus(status)) {
    case 'ok': return 'OK';
    case 'monitor': return 'Monitor';
    case 'warning': return 'Warning';
    case 'critical': return 'Critical';
    default: return NA;
  }
}

/** A deliverability risk level is a status of the same scale. */
export function riskLevelStatus(level: Nullable<RiskLevel | string>): Status {
  return toStatus(level);
}

export function riskLevelLabel(level: Nullable<RiskLevel | string>): string {
  return statusLabel(level);
}

/** An alert severity on the scale: critical is critical, high is warning, medium is monitor. */
export function severityStatus(severity: Nullable<Severity | string>): Status {
  if (severity === 'critical') return 'critical';
  if (severity === 'high') return 'warning';
  return 'monitor';
}

/** Colour of a recommendation priority: high amber, otherwise information blue. */
export function priorityStatus(priority: Nullable<string>): Status {
  return priority === 'high' ? 'warning' : 'neutral';
}

/** Colour of an IP or domain reputation ('good' | 'fair' | 'poor'). */
export function reputationStatus(reputation: Nullable<string>): Status {
  if (reputation === 'good') return 'ok';
  if (reputation === 'fair') return 'warning';
  if (reputation === 'poor') return 'critical';
  return 'neutral';
}

/** Words that stay upper case when an identifier is turned into words. */
const ACRONYMS = new Set(['ip', 'ips', 'vps', 'smtp', 'roi', 'kpi', 'mrr', 'dns', 'api', 'cpu', 'sms', 'crm', 'ceo', 'cfo', 'cto', 'q1', 'q2', 'q3', 'q4']);

/** "budget_allocation" → "Budget allocation"; "ip_management" → "IP management". null → "n/a". */
export function humanize(s: Nullable<string>): string {
  if (typeof s !== 'string' || s.trim() === '') return NA;
  const words = s
    .trim()
    .replace(/[_-]+/g, ' ')
    .split(/\s+/)
    .map((w) => (ACRONYMS.has(w.toLowerCase()) ? (w.toLowerCase() === 'ips' ? 'IPs' : w.toUpperCase()) : w))
    .join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** ["a", "b", "c"] → "a, b and c". */
export function formatList(items: readonly string[]): string {
  if (items.length === 0) return '';
  if (items.length === 1) return items[0];
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** "1 decision" / "3 decisions". */
export function pluralize(count: Nullable<number>, singular: string, plural = `${singular}s`): string {
  if (!isFiniteNumber(count)) return `${NA} ${plural}`;
  return `${formatNumber(count)} ${Math.abs(count) === 1 ? singular : plural}`;
}

/** Percentage width for a 0–100 bar, clamped: a CSS number, never NaN. */
export function barWidth(score: Nullable<number>, max = 100): number {
  if (!isFiniteNumber(score) || !isFiniteNumber(max) || max <= 0) return 0;
  return Math.round(Math.min(100, Math.max(0, (score / max) * 100)) * 10) / 10;
}

function inZone(iso: Nullable<string>, zone: Nullable<string>): DateTime | null {
  if (typeof iso !== 'string' || iso === '') return null;
  let dt = DateTime.fromISO(iso, { zone: 'utc', setZone: true });
  if (!dt.isValid) return null;
  const zoned = dt.setZone(typeof zone === 'string' && zone !== '' ? zone : 'UTC');
  // An unknown zone must not hide the time: fall back to UTC, which prints its own name.
  dt = zoned.isValid ? zoned : dt.setZone('UTC');
  return dt.setLocale('en-US');
}

/**
 * Formatted instants, remembered: luxon asks Intl for the zone offset on every conversion (tens
 * of µs), and a brief prints the same alert times in its PDF, its email and its text part.
 */
const formattedInstants = new Map<string, string>();

function formatInstant(iso: Nullable<string>, zone: Nullable<string>, pattern: string): string {
  if (typeof iso !== 'string' || iso === '') return NA;
  const key = `${pattern}\u0000${iso}\u0000${zone ?? ''}`;
  let out = formattedInstants.get(key);
  if (out === undefined) {
    const dt = inZone(iso, zone);
    out = dt ? dt.toFormat(pattern) : NA;
    if (formattedInstants.size >= 20_000) formattedInstants.clear();
    formattedInstants.set(key, out);
  }
  return out;
}

/**
 * An instant in a timezone, the zone by its IANA name: "23 Nov 2026, 07:00 (America/New_York)".
 * Abbreviations are not a name: "GMT+1" beside "EST" on one page tells a reader less.
 */
export function formatDateTime(iso: Nullable<string>, zone: Nullable<string>): string {
  return formatInstant(iso, zone, "d LLL yyyy, HH:mm '('z')'");
}

/** A short instant for lists, zone name omitted: "Wed 18 Nov, 14:32". */
export function formatShortDateTime(iso: Nullable<string>, zone: Nullable<string>): string {
  return formatInstant(iso, zone, 'ccc d LLL, HH:mm');
}

/**
 * A date: "17 Nov 2026". A date-only string ("2026-11-17") is a calendar date and is printed
 * as is; an instant is converted to the zone first.
 */
export function formatDate(iso: Nullable<string>, zone?: Nullable<string>): string {
  if (typeof iso === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(iso)) {
    const d = DateTime.fromISO(iso, { zone: 'utc' });
    return d.isValid ? d.setLocale('en-US').toFormat('d LLL yyyy') : NA;
  }
  return formatInstant(iso, zone, 'd LLL yyyy');
}

/**
 * An instant read next to an earlier one (an alert's acknowledgement or resolution next to when
 * it fired): "09:14" on the same local day, else "Tue 17 Nov, 09:14".
 */
export function formatTimeAfter(iso: Nullable<string>, reference: Nullable<string>, zone: Nullable<string>): string {
  const at = inZone(iso, zone);
  if (!at) return NA;
  const ref = inZone(reference, zone);
  return ref && ref.hasSame(at, 'day') ? formatInstant(iso, zone, 'HH:mm') : formatShortDateTime(iso, zone);
}

/** The fields of an alert of the period (AlertItem) its status line is made of. */
export interface AlertStatusFields {
  severity?: Nullable<Severity | string>;
  source?: Nullable<string>;
  occurred_at?: Nullable<string>;
  last_at?: Nullable<string>;
  count?: Nullable<number>;
  fired_at?: Nullable<string>;
  acknowledged_at?: Nullable<string>;
  acknowledged_by?: Nullable<string>;
  resolved_at?: Nullable<string>;
}

const isRecord = (a: AlertStatusFields) => a.source === 'alert';

/** A recorded alert: "acknowledged by Nora Chen (SMS) at 09:14" or "not acknowledged"; "" when derived from events. */
export function alertAcknowledgement(a: AlertStatusFields, zone: Nullable<string>): string {
  if (!isRecord(a)) return '';
  if (typeof a.acknowledged_at !== 'string' || a.acknowledged_at === '') return 'not acknowledged';
  const who = typeof a.acknowledged_by === 'string' && a.acknowledged_by.trim() !== '' ? ` by ${a.acknowledged_by.trim()}` : '';
  return `acknowledged${who} at ${formatTimeAfter(a.acknowledged_at, a.fired_at ?? a.occurred_at, zone)}`;
}

/** A recorded alert: "resolved 11:02" or "open" (when the brief was made); "" when derived from events. */
export function alertResolution(a: AlertStatusFields, zone: Nullable<string>): string {
  if (!isRecord(a)) return '';
  if (typeof a.resolved_at !== 'string' || a.resolved_at === '') return 'open';
  return `resolved ${formatTimeAfter(a.resolved_at, a.fired_at ?? a.occurred_at, zone)}`;
}

/**
 * A line derived from the events, whose summary is the worst of its occurrences: "the worst of 12
 * occurrences, the last Fri 20 Nov, 18:02"; "" for one occurrence or a record.
 */
export function alertOccurrences(a: AlertStatusFields, zone: Nullable<string>): string {
  if (isRecord(a) || !isFiniteNumber(a.count) || a.count <= 1) return '';
  const last = typeof a.last_at === 'string' && a.last_at !== '' ? `, the last ${formatTimeAfter(a.last_at, a.occurred_at, zone)}` : '';
  return `the worst of ${pluralize(a.count, 'occurrence')}${last}`;
}

/**
 * The line under a critical or high alert: "acknowledged by Nora Chen (SMS) at 09:14 · resolved
 * 11:02", "not acknowledged · open"; for one derived from the events, its occurrences (or "").
 */
export function alertStatusLine(a: AlertStatusFields, zone: Nullable<string>): string {
  if (!isRecord(a)) return alertOccurrences(a, zone);
  return `${alertAcknowledgement(a, zone)} · ${alertResolution(a, zone)}`;
}

/**
 * Whether an alert's status line needs a reader's eye: a recorded critical or high alert nobody
 * acknowledged (medium ones send no message, so nobody is asked to).
 */
export function alertUnanswered(a: AlertStatusFields): boolean {
  return isRecord(a) && a.severity !== 'medium' && !(typeof a.acknowledged_at === 'string' && a.acknowledged_at !== '');
}

/**
 * A medium alert in the compact list: when it fired and what became of it ("Tue 17 Nov, 10:02 ·
 * resolved 14:30", "… · open"); derived: its first occurrence and how many ("… · 5 occurrences").
 */
export function alertCompactWhen(a: AlertStatusFields, zone: Nullable<string>): string {
  const when = formatShortDateTime(a.occurred_at, zone);
  const after = isRecord(a) ? alertResolution(a, zone) : isFiniteNumber(a.count) && a.count > 1 ? `the worst of ${pluralize(a.count, 'occurrence')}` : '';
  return after ? `${when} · ${after}` : when;
}

/** A critical or high alert in one line of text: "Thu 19 Nov, 09:32 · acknowledged by … at 09:50 · resolved 11:02". */
export function alertWhenLine(a: AlertStatusFields, zone: Nullable<string>): string {
  const status = alertStatusLine(a, zone);
  const when = formatShortDateTime(a.occurred_at, zone);
  return status ? `${when} · ${status}` : when;
}

/**
 * How many alerts a printed brief (and the Slack digest) lists one by one: a crisis month must
 * not push the PDF past its page budget (a brief outside it is held, not sent). The data object
 * and the email keep every alert. One more than the limit is shown rather than "…and 1 more".
 */
export const LISTED_ALERTS = { critical: 8, medium: 5 } as const;

const SEVERITY_ORDER: Record<string, number> = { critical: 0, high: 1, medium: 2 };

/**
 * The alerts listed when there are more than `max` (+1): the most severe, and among equals the
 * latest (what is happening now matters more than how it began), in the list's own order.
 */
export function listedAlerts<T extends AlertStatusFields>(alerts: readonly T[], max: number): T[] {
  if (alerts.length <= max + 1) return [...alerts];
  const rank = (a: T) => SEVERITY_ORDER[String(a.severity)] ?? 3;
  const chosen = new Set([...alerts].sort((a, b) => rank(a) - rank(b) || String(b.occurred_at ?? '').localeCompare(String(a.occurred_at ?? ''))).slice(0, max));
  return alerts.filter((a) => chosen.has(a));
}

/**
 * What the alerts left out of a list were: "…and 6 more critical or high alerts in this period (4
 * acknowledged, 6 resolved)"; "" when none was left out.
 */
export function alertsNotListed(alerts: readonly AlertStatusFields[], max: number, kind: 'critical or high' | 'medium'): string {
  const listed = new Set(listedAlerts(alerts, max));
  const rest = alerts.filter((a) => !listed.has(a));
  if (rest.length === 0) return '';
  const records = rest.filter(isRecord);
  const acknowledged = records.filter((a) => typeof a.acknowledged_at === 'string' && a.acknowledged_at !== '').length;
  const resolved = records.filter((a) => typeof a.resolved_at === 'string' && a.resolved_at !== '').length;
  const detail = records.length === 0 ? '' : kind === 'medium' ? ` (${resolved} resolved)` : ` (${acknowledged} acknowledged, ${resolved} resolved)`;
  return `…and ${formatNumber(rest.length)} more ${kind} ${rest.length === 1 ? 'alert' : 'alerts'} in this period${detail}`;
}
