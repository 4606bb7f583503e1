/**
 * The views of an alert notification (SPEC §8): the SMS a director reads on a lock screen, the
 * email and the Slack message. Pure: a notice in, a rendered message out, before it reaches the
 * outbox. An SMS is at most two segments: what does not fit is cut, never the reply code.
 */
import { isolateBidi, stripBidi } from '../render/bidi.js';
import type { EmailMessage, SlackMessage } from '../delivery/Channel.js';
import { clipEscaped, escapeSlack } from '../delivery/slack/slackDigest.js';
import { shortenToSegments } from '../delivery/sms/smsSegments.js';
import { renderView } from '../render/templates.js';
import type { Severity } from '../report/types.js';
import { formatInZone } from '../time/periods.js';
import { formatDuration } from './settings.js';

/** What a notification says of one alert at one step. JSON-serialisable (kept with an SMS intent). */
export interface AlertNotice {
  alertId: number;
  code: string;
  rule: string;
  tenantName: string;
  /** Zone the times are printed in. */
  timezone: string;
  severity: Severity;
  /** fire | upgrade-n | repeat-n | escalate-n | realert-n | resolve | ack-n */
  step: string;
  short: string;
  summary: string;
  atRisk: number | null;
  firedAt: string | null;
  /** When this notice was made (ISO). */
  at: string;
  acknowledgedBy?: string | null;
  test: boolean;
}

export type StepKind = 'fire' | 'upgrade' | 'repeat' | 'escalate' | 'realert' | 'resolve' | 'ack';
export function stepKind(step: string): StepKind {
  return step.replace(/-\d+$/, '') as StepKind;
}

const RULE_LABEL: Record<string, string> = {
  deliverability: 'Deliverability', 'revenue-impact': 'Revenue impact', 'cost-overrun': 'Cost overrun',
  efficiency: 'Operational efficiency', optimization: 'Cost optimization', 'source-health': 'Data source health',
};
export const ruleLabel = (rule: string) => RULE_LABEL[rule] ?? rule;

/** Plain one-line text for an SMS: no control characters (bidi ones included), no runs of spaces. */
function line(s: string): string {
  return stripBidi(oneLineText(s));
}

function oneLineText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return String(s).replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

function openFor(n: AlertNotice): string {
  return n.firedAt ? formatDuration(Math.max(0, Date.parse(n.at) - Date.parse(n.firedAt))) : '';
}

/** The SMS words of one notice, without the reply instruction. */
function smsLine(n: AlertNotice): string {
  const sev = n.severity.toUpperCase();
  const who = line(n.tenantName);
  const what = line(n.short);
  const k = stepKind(n.step);
  const test = n.test ? 'TEST ' : '';
  switch (k) {
    case 'resolve': return `${test}RESOLVED ${who}: ${ruleLabel(n.rule).toLowerCase()} alert ${n.code} cleared after ${openFor(n)}.`;
    case 'repeat': return `${test}${sev} (unacknowledged ${openFor(n)}) ${who}: ${what}.`;
    case 'escalate': return `${test}${sev} escalated to you, unacknowledged ${openFor(n)}. ${who}: ${what}.`;
    case 'realert': return `${test}${sev} again (acknowledged, not resolved) ${who}: ${what}.`;
    case 'upgrade': return `${test}${sev} now ${who}: ${what}.`;
    default: return `${test}${sev} ${who}: ${what}.`;
  }
}

/** A notice as one item of a folded SMS: what, its state, its code. */
function itemLine(n: AlertNotice, withTenant: boolean): string {
  const who = withTenant ? `${line(n.tenantName)}: ` : '';
  const what = line(n.short);
  switch (stepKind(n.step)) {
    case 'resolve': return `${who}resolved: ${ruleLabel(n.rule).toLowerCase()} [${n.code}]`;
    case 'repeat': return `${who}${what} (unacknowledged ${openFor(n)}) [${n.code}]`;
    case 'escalate': return `${who}${what} (escalated to you) [${n.code}]`;
    case 'realert': return `${who}${what} (again, not resolved) [${n.code}]`;
    default: return `${who}${what} [${n.code}]`;
  }
}

/**
 * One SMS for one recipient: a single notice reads "CRITICAL Acme Mail Co: bounce 17.0% > 15%,
 * $112 at risk. Reply ACK 4821"; several are folded into one text, "CRITICAL 3 alerts for Acme
 * Mail Co: … [4821]; … [4822]. Reply ACK <code>: 4821, 4822". `capNote` (the per-hour limit was
 * reached) is said too. Cut to `maxSegments`, keeping the reply instruction whole.
 */
export function smsBody(notices: AlertNotice[], opts: { capNote?: string; maxSegments?: number } = {}): string {
  if (notices.length === 0) throw new Error('smsBody: no notice');
  const open = notices.filter((n) => stepKind(n.step) !== 'resolve');
  const reply = open.length === 0 ? '' : open.length === 1 ? `Reply ACK ${open[0].code}` : `Reply ACK <code>: ${open.map((n) => n.code).join(', ')}`;
  let body: string;
  if (notices.length === 1) {
    body = smsLine(notices[0]).replace(/\.$/, '');
  } else {
    const tenants = new Set(notices.map((n) => n.tenantName));
    const rank = { critical: 0, high: 1, medium: 2 } as const;
    const worstOpen = open.reduce<Severity | null>((w, n) => (w === null || rank[n.severity] < rank[w] ? n.severity : w), null);
    const worst = worstOpen ? worstOpen.toUpperCase() : 'RESOLVED';
    const test = notices.every((n) => n.test) ? 'TEST ' : '';
    const lead = `${test}${worst} ${notices.length} alerts${tenants.size === 1 ? ` for ${line(notices[0].tenantName)}` : ''}`;
    body = `${lead}: ${notices.map((n) => itemLine(n, tenants.size > 1)).join('; ')}`;
  }
  const fit = (tail: string) => shortenToSegments(tail ? `${body}. ${tail}` : `${body}.`, opts.maxSegments ?? 2, tail ? { keepSuffix: tail } : undefined);
  const cap = opts.capNote ? line(opts.capNote) : '';
  try {
    return fit([reply, cap].filter(Boolean).join('. '));
  } catch (err) {
    // Too many codes to list in two segments (dozens of alerts at once): the email lists them.
    if (!(err instanceof RangeError)) throw err;
    return fit([open.length ? 'Reply ACK <code> (codes in the email)' : '', cap ? 'SMS limit reached' : ''].filter(Boolean).join('. '));
  }
}

function headline(n: AlertNotice): string {
  const k = stepKind(n.step);
  const sev = n.severity.toUpperCase();
  const test = n.test ? 'TEST · ' : '';
  switch (k) {
    case 'resolve': return `${test}Resolved · ${ruleLabel(n.rule)}`;
    case 'ack': return `${test}Acknowledged · ${ruleLabel(n.rule)}`;
    case 'repeat': return `${test}${sev} · still unacknowledged · ${ruleLabel(n.rule)}`;
    case 'escalate': return `${test}${sev} · escalated · ${ruleLabel(n.rule)}`;
    case 'realert': return `${test}${sev} · again, not resolved · ${ruleLabel(n.rule)}`;
    case 'upgrade': return `${test}${sev} · worse · ${ruleLabel(n.rule)}`;
    default: return `${test}${sev} · ${ruleLabel(n.rule)}`;
  }
}

/** The view model the email templates print (no decisions in the templates). */
function emailView(n: AlertNotice, opts: { alertCommand: boolean }) {
  const k = stepKind(n.step);
  // The zone by name: "GMT+1" and "EST" side by side on one page tell a reader less than "Europe/Berlin".
  const local = (iso: string | null) => (iso ? `${formatInZone(new Date(iso), n.timezone, 'ccc d LLL yyyy, HH:mm')} (${n.timezone})` : null);
  return {
    headline: headline(n),
    tenant: { name: n.tenantName },
    severity: n.severity,
    severityStatus: n.severity === 'critical' ? 'critical' : 'warning',
    status: k === 'resolve' || k === 'ack' ? 'good' : n.severity === 'critical' ? 'critical' : 'warning',
    rule: ruleLabel(n.rule),
    summary: n.summary,
    resolved: k === 'resolve',
    acknowledged: k === 'ack',
    acknowledgedBy: n.acknowledgedBy ?? null,
    code: n.code,
    firedAt: local(n.firedAt),
    at: local(n.at),
    openFor: openFor(n),
    test: n.test,
    action: k === 'resolve' || k === 'ack' ? null
      : `reply ACK ${n.code} to the alert SMS${opts.alertCommand ? ` (or your Herald operator runs: herald alerts ack ${n.alertId})` : ''}.`,
  };
}

export function alertEmail(n: AlertNotice): EmailMessage {
  const view = emailView(n, { alertCommand: true });
  // A subject honours isolates (as the brief's does): the name is isolated, not stripped as in an SMS.
  const subject = [headline(n), isolateBidi(oneLineText(n.tenantName)), `alert ${n.code}`].join(' · ');
  return {
    channel: 'email',
    subject,
    html: renderView('email/alert.html', view),
    text: renderView('email/alert.txt', view, { format: 'text' }),
  };
}

/**
 * The Slack message. Acknowledgements and resolutions are posted in the thread of the alert's
 * first message in that channel (`threadOf`, set by the caller).
 */
export function alertSlack(n: AlertNotice, threadOf?: string): SlackMessage {
  const v = emailView(n, { alertCommand: true });
  const mark = v.status === 'good' ? ':white_check_mark:' : n.severity === 'critical' ? ':red_circle:' : ':large_orange_circle:';
  const k = stepKind(n.step);
  // Each part escaped (and isolated) on its own: a name's bidi override ends with the name.
  const text = `${escapeSlack(v.headline)} · ${escapeSlack(n.tenantName)}: ${escapeSlack(k === 'ack' ? `acknowledged by ${n.acknowledgedBy ?? 'a director'}` : n.summary)}`;
  const mrkdwn = (t: string) => ({ type: 'mrkdwn', text: t, verbatim: true });
  const blocks: unknown[] = [
    { type: 'section', text: mrkdwn(`${mark} *${escapeSlack(v.headline)}* · ${escapeSlack(n.tenantName)}`) },
  ];
  if (k === 'ack') {
    blocks.push({ type: 'section', text: mrkdwn(`Acknowledged by ${escapeSlack(n.acknowledgedBy ?? 'a director')} at ${escapeSlack(v.at ?? '')}: repeats and escalation stop.`) });
  } else if (k === 'resolve') {
    blocks.push({ type: 'section', text: mrkdwn(`Resolved after ${escapeSlack(v.openFor)}. ${escapeSlack(n.summary)}`) });
  } else {
    blocks.push({ type: 'section', text: mrkdwn(escapeSlack(n.summary)) });
    blocks.push({ type: 'context', elements: [mrkdwn(`Alert ${escapeSlack(n.code)} · fired ${escapeSlack(v.firedAt ?? '')} · ${escapeSlack(v.action ?? '')}`)] });
  }
  return { channel: 'slack', text: clipEscaped(text, 3000), blocks, ...(threadOf ? { threadOf } : {}) };
}
