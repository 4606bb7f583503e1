/**
 * The email views of an executive summary (SPEC §5, §7): subject, HTML body and plain-text part,
 * all from the report data object. Pure: no I/O beyond reading the templates once.
 *
 * The HTML and text bodies are Handlebars views in templates/email/, rendered with the same
 * helpers (and the same formatters) as the PDF, so a figure reads the same everywhere. What the
 * views need beyond the data object (the alerts listed as the PDF lists them, each KPI's target
 * line, the key chart's `cid:`) is prepared here as `email.*`, so the templates decide nothing.
 * The subject is a header, not HTML: it carries the tenant's name as is (nodemailer encodes it),
 * with control characters removed so a hostile name cannot add header lines.
 */
import { isolateBidi } from '../../render/bidi.js';
import { renderView } from '../../render/templates.js';
import { LISTED_ALERTS, alertsNotListed, formatTarget, listedAlerts, statusColor, statusLabel } from '../../report/format.js';
import type { ExecutiveSummaryData, TargetCheck } from '../../report/types.js';
import type { InlineImage } from '../Channel.js';
import { trendInWords } from '../trendWords.js';

export type EmailKind = 'brief' | 'delayed-notice';

export interface RenderEmailOptions {
  /** Confidentiality line; `{tenant}` becomes the tenant's name. Default: as in the PDF. */
  confidentiality?: string;
  /** The key chart, attached inline by the caller; the HTML shows it as `<img src="cid:…">`. */
  keyChart?: InlineImage | null;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const VIEWS: Record<EmailKind, string> = {
  brief: 'email/executive-summary',
  'delayed-notice': 'email/delayed-notice',
};

/** Throws TemplateError (naming the template and the field) when the data lacks a field. */
export function renderEmail(data: ExecutiveSummaryData, kind: EmailKind, opts?: RenderEmailOptions): RenderedEmail {
  const view = VIEWS[kind];
  if (!view) throw new Error(`renderEmail: kind must be 'brief' or 'delayed-notice', got ${JSON.stringify(kind)}`);
  const confidentiality = opts?.confidentiality?.replaceAll('{tenant}', isolateBidi(data.tenant.name));
  const context = kind === 'brief' ? briefView(data, opts?.keyChart ?? null) : data;
  return {
    subject: emailSubject(data, kind),
    html: renderView(`${view}.html`, context, { confidentiality }),
    text: renderView(`${view}.txt`, context, { confidentiality, format: 'text' }),
  };
}

/** A missed target in the critical colour, a met or unknown one muted. */
const MISSED = statusColor('critical');
const MUTED = '#6b7280';

function targetView(t: TargetCheck): { text: string; color: string; missed: boolean } {
  return { text: formatTarget(t.target, t.met, t.polarity), color: t.met === false ? MISSED : MUTED, missed: t.met === false };
}

/** The data object plus `email.*`: what the brief's two email views show besides the data. */
function briefView(data: ExecutiveSummaryData, chart: InlineImage | null) {
  const critical = Array.isArray(data.critical_alerts) ? data.critical_alerts : [];
  const medium = Array.isArray(data.medium_alerts) ? data.medium_alerts : [];
  const rp = data.revenue_protection;
  return {
    ...data,
    email: {
      // As the PDF: at most LISTED_ALERTS of each kind, and a line for the rest.
      critical_alerts: listedAlerts(critical, LISTED_ALERTS.critical),
      medium_alerts: listedAlerts(medium, LISTED_ALERTS.medium),
      critical_more: alertsNotListed(critical, LISTED_ALERTS.critical, 'critical or high'),
      medium_more: alertsNotListed(medium, LISTED_ALERTS.medium, 'medium'),
      kpis: (data.kpis ?? []).map((k) => ({
        ...k,
        target_line: formatTarget(k.target, k.target_met, k.polarity),
        target_color: k.target_met === false ? MISSED : MUTED,
        trend_words: trendInWords(k),
      })),
      targets: {
        gross_margin: targetView(data.targets.gross_margin),
        revenue_protection_rate: targetView(data.targets.revenue_protection_rate),
      },
      risk: {
        now: statusLabel(rp.risk_level_now),
        now_status: rp.risk_level_now ?? 'neutral',
        period: statusLabel(rp.risk_level),
        period_status: rp.risk_level ?? 'neutral',
      },
      chart: chart ? { src: `cid:${chart.cid}`, alt: chart.alt, width: chart.width, height: chart.height, title: chart.title ?? 'Key chart', caption: chart.caption ?? '' } : null,
    },
  };
}

/** "Critical", "Warning", "Monitor", "OK"; a brief without a score says why. */
export function healthWord(data: ExecutiveSummaryData): string {
  const label = statusLabel(data.health?.status);
  if (label !== 'n/a' && data.health?.business_health !== null) return label;
  return data.has_data ? 'Not rated' : 'No activity';
}

const WEEKDAYS: Record<string, string> = {
  Monday: 'Mon', Tuesday: 'Tue', Wednesday: 'Wed', Thursday: 'Thu', Friday: 'Fri', Saturday: 'Sat', Sunday: 'Sun',
};

/** The period as a subject says it: a day "Tue 1 Dec 2026", a week "Week 48, 23–29 Nov 2026", a month "November 2026". */
export function subjectPeriod(period: ExecutiveSummaryData['period']): string {
  const words = String(period.words);
  if (period.kind !== 'day') return words;
  return words.replace(/^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b/, (d) => WEEKDAYS[d]);
}

/**
 * "Critical · Bluepeak Commerce · Executive summary · Tue 1 Dec 2026": the health first, so an
 * inbox says it before the email is opened. A delayed notice: "Delayed: executive summary · …".
 */
export function emailSubject(data: ExecutiveSummaryData, kind: EmailKind): string {
  if (kind === 'delayed-notice') return ['Delayed: executive summary', headerText(data.tenant.name), headerText(data.period.words)].join(' · ');
  return [healthWord(data), headerText(data.tenant.name), 'Executive summary', headerText(subjectPeriod(data.period))].join(' · ');
}

/** One line of header text: control characters (CR, LF, TAB, NUL…) become spaces, runs collapse. */
function headerText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return isolateBidi(String(s)).replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}
