/**
 * The Slack view of a report data object (SPEC §5, §7): a Block Kit digest posted with
 * chat.postMessage; the PDF follows in the message's thread (see slackChannel.ts).
 *
 * Pure: data in, `{ text, blocks }` out. No decisions are made here; statuses, directions and
 * labels come with the data and the shared formatters in src/report/format.ts print them.
 *
 * It leads with the headline (right under the title), then the state now: business health and
 * the deliverability risk now and over the period, as page 1 of the PDF says them. Slack shows
 * no colour in text, so a trend says in words whether it is good: "▲ +4.2 pp (worse)".
 *
 * Two traps this file exists to avoid:
 * - Slack treats `&`, `<` and `>` as control characters in every text field (plain_text too):
 *   `<!channel>` pings a whole channel, `<@U123>` a person, `<https://x|y>` makes a link. All
 *   data (tenant name, alert summaries, action titles, the confidentiality line) is escaped to
 *   `&amp;` `&lt;` `&gt;`, and mrkdwn objects are `verbatim` so Slack does not auto-link
 *   URLs or channel names in data either.
 * - Block Kit rejects the whole message (`invalid_blocks`) when a limit is exceeded: ≤ 50 blocks,
 *   header ≤ 150 characters, section text ≤ 3000, ≤ 10 fields of ≤ 2000 each. Lists are capped
 *   ("…and N more") and every text is clipped without cutting an escape in half.
 */
import { isolateBidi } from '../../render/bidi.js';
import type { AlertItem, ExecutiveSummaryData, Kpi, Recommendation } from '../../report/types.js';
import {
  LISTED_ALERTS,
  NA,
  alertCompactWhen,
  alertWhenLine,
  alertsNotListed,
  listedAlerts,
  formatDate,
  formatKpiValue,
  formatNumber,
  formatPercent,
  formatScore,
  formatTarget,
  formatUsd,
  formatUsdCompact,
  directionLabel,
  humanize,
  isFiniteNumber,
  pluralize,
  statusLabel,
} from '../../report/format.js';
import { healthWord, subjectPeriod } from '../email/renderEmail.js';
import { trendInWords } from '../trendWords.js';

/** Block Kit limits (docs.slack.dev/reference/block-kit). */
export const SLACK_LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  /** Notification fallback: Slack truncates `text` far later (40,000), but a preview is short. */
  fallbackText: 3000,
} as const;

/**
 * Items listed in the digest before "…and N more". Actions: the PDF in the thread has them all.
 * Alerts: as many as the PDF lists (LISTED_ALERTS), with the same "…and N more" line.
 */
const MAX_ACTIONS = 5;
/** Raw characters of one data string (alert summary, action detail) before it is clipped. */
const MAX_ITEM_CHARS = 400;

export type SlackDigestKind = 'brief' | 'delayed-notice';

export interface SlackDigestOptions {
  /** Confidentiality line; `{tenant}` becomes the tenant's name. Default: "Confidential — prepared for <tenant> leadership" (as in the PDF). */
  confidentiality?: string;
}

type TextObject = { type: 'plain_text'; text: string; emoji?: boolean } | { type: 'mrkdwn'; text: string; verbatim: true };

/** Escapes Slack's three control characters; nothing else (Slack decodes only these). */
export function escapeSlack(s: unknown): string {
  return isolateBidi(String(s ?? '')).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Clips already-escaped text to `max` characters with an ellipsis, never inside an entity
 * (`&am…` would show as garbage) or a surrogate pair.
 */
export function clipEscaped(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, max - 1);
  const amp = cut.lastIndexOf('&');
  if (amp !== -1 && amp >= cut.length - 4 && !cut.slice(amp).includes(';')) cut = cut.slice(0, amp);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** Escapes data and clips it to `max` raw characters (so the escaped form stays bounded too). */
function esc(s: unknown, max = MAX_ITEM_CHARS): string {
  // Runs of white space become one space; a no-break space stays (it keeps "4.2 pp" together).
  const raw = String(s ?? '').replace(/[^\S\u00a0]+/g, ' ').trim();
  return escapeSlack(raw.length > max ? `${raw.slice(0, max - 1)}…` : raw);
}

const plain = (text: string): TextObject => ({ type: 'plain_text', text, emoji: false });
const mrkdwn = (text: string): TextObject => ({ type: 'mrkdwn', text, verbatim: true });

function header(text: string): object {
  return { type: 'header', text: plain(clipEscaped(text, SLACK_LIMITS.headerText)) };
}
function section(text: string): object {
  return { type: 'section', text: mrkdwn(clipEscaped(text, SLACK_LIMITS.sectionText)) };
}
function context(...texts: string[]): object {
  return { type: 'context', elements: texts.slice(0, SLACK_LIMITS.contextElements).map((t) => mrkdwn(clipEscaped(t, SLACK_LIMITS.sectionText))) };
}
const divider = (): object => ({ type: 'divider' });

function confidentialityLine(data: ExecutiveSummaryData, opts?: SlackDigestOptions): string {
  const custom = typeof opts?.confidentiality === 'string' && opts.confidentiality.trim() !== '' ? opts.confidentiality : null;
  const line = custom ? custom.replaceAll('{tenant}', isolateBidi(data.tenant.name)) : `Confidential — prepared for ${isolateBidi(data.tenant.name)} leadership`;
  return escapeSlack(line);
}

function title(data: ExecutiveSummaryData): string {
  return `Executive summary · ${escapeSlack(data.tenant.name)}`;
}

/** "▲ +4.1% (better)", "▲ +4.2 pp (worse)", "▲ new (better)", or "" when the comparison is missing. */
function trendText(kpi: Kpi): string {
  const text = trendInWords(kpi);
  return text === NA ? '' : text;
}

function kpiField(kpi: Kpi): TextObject {
  const parts = [formatKpiValue(kpi.value, kpi.unit)];
  const trend = trendText(kpi);
  if (trend) parts.push(trend);
  let text = `*${esc(kpi.label, 100)}*\n${parts.join('  ')}`;
  const notes: string[] = [];
  if (kpi.status === 'warning' || kpi.status === 'critical') notes.push(`_${statusLabel(kpi.status)}_`);
  // A miss says so, with the target: "_below target &gt; 95%_".
  if (kpi.target) notes.push(kpi.target_met === false ? `_${esc(formatTarget(kpi.target, false, kpi.polarity), 60)}_` : `target ${esc(kpi.target, 40)}`);
  if (notes.length) text += `\n${notes.join(' · ')}`;
  return mrkdwn(clipEscaped(text, SLACK_LIMITS.fieldText));
}

function kpiSection(kpis: Kpi[]): object | null {
  if (kpis.length === 0) return null;
  const max = SLACK_LIMITS.fields;
  const shown = kpis.length > max ? kpis.slice(0, max - 1) : kpis;
  const fields = shown.map(kpiField);
  if (kpis.length > max) fields.push(mrkdwn(`…and ${kpis.length - shown.length} more in the PDF`));
  return { type: 'section', fields };
}

/**
 * Lines under a bold title, packed into as few sections as the 3000-character limit allows.
 * Lines beyond `maxLines` become "…and N more".
 */
function listSections(heading: string, lines: string[], total: number, footer?: string): object[] {
  const out: object[] = [];
  const all = [...lines];
  if (total > lines.length) all.push(`…and ${total - lines.length} more in the PDF`);
  if (footer) all.push(footer);
  let current = heading;
  for (const line of all) {
    const next = `${current}\n${line}`;
    if (next.length > SLACK_LIMITS.sectionText && current !== '') {
      out.push(section(current));
      current = line;
    } else {
      current = next;
    }
  }
  if (current !== '') out.push(section(current));
  return out;
}

/** "• *Critical* · summary — Thu 19 Nov, 09:32 · acknowledged by Nora Chen (SMS) at 09:50 · resolved 11:02". */
function alertLine(a: AlertItem, zone: string): string {
  return `• *${escapeSlack(humanize(a.severity))}* · ${esc(a.summary)} — ${esc(alertWhenLine(a, zone))}`;
}

/** A medium alert, compact: "• summary — Thu 19 Nov, 09:32 · resolved 14:30". */
function mediumLine(a: AlertItem, zone: string): string {
  return `• ${esc(a.summary)} — ${esc(alertCompactWhen(a, zone))}`;
}

function actionLine(r: Recommendation): string {
  const saving = isFiniteNumber(r.estimated_monthly_saving) ? `est. saving ${formatUsdCompact(r.estimated_monthly_saving)} a month` : 'saving not estimated';
  const detail = r.detail ? `\n      ${esc(r.detail, 280)}` : '';
  return `• *${esc(r.title, 200)}* — ${saving} · ${escapeSlack(humanize(r.priority))} priority${detail}`;
}

/** A target as words, a miss marked: "target > 70%", "below target > 95%"; "" without one. */
const targetNote = (t: { target: string; met: boolean | null; polarity: string } | undefined): string =>
  t ? esc(formatTarget(t.target, t.met, t.polarity), 200) : '';

function briefBlocks(data: ExecutiveSummaryData, opts?: SlackDigestOptions): object[] {
  const zone = data.tenant.timezone;
  const rp = data.revenue_protection;
  const blocks: object[] = [
    header(`${title(data)} · ${escapeSlack(data.period.words)}`),
    // The headline first: the one thing to know.
    section(`*${esc(data.headline, 600)}*`),
    context(`Change vs ${esc(data.previous_period?.words, 200)} · times in ${esc(zone, 80)}`),
  ];
  if (!data.has_data) {
    blocks.push(section(`*No activity was recorded for ${esc(data.tenant.name)} in ${esc(data.period.words, 200)}.*\nFigures that need activity to be measured show ${NA}; costs and subscriptions are shown as recorded.`));
  }

  const h = data.health;
  const score = isFiniteNumber(h?.business_health) ? `${formatScore(h.business_health)} / 100 · ${statusLabel(h.status)}` : NA;
  const c = data.cost;
  const margin = targetNote(data.targets?.gross_margin);
  blocks.push(section(
    `*Business health: ${score}*\n`
    + `Deliverability risk now: *${statusLabel(rp?.risk_level_now)}* (over the period: ${statusLabel(rp?.risk_level)})\n`
    + `Revenue health ${formatScore(h?.revenue_health)} · Cost efficiency ${formatScore(h?.cost_efficiency)} · Efficiency ${formatScore(h?.efficiency_score)}\n`
    + `Trends: revenue ${directionLabel(data.trends?.revenue).toLowerCase()}, cost ${directionLabel(data.trends?.cost).toLowerCase()}, efficiency ${directionLabel(data.trends?.efficiency).toLowerCase()}\n`
    + `Recognized revenue ${formatUsd(c?.recognized_revenue)} · cash collected ${formatUsd(c?.revenue)} · total cost ${formatUsd(c?.total_cost)} · gross margin ${formatPercent(c?.gross_margin, 1)}${margin ? ` (${margin})` : ''}`,
  ));
  const kpis = kpiSection(data.kpis ?? []);
  if (kpis) blocks.push(kpis);

  blocks.push(divider());
  const alerts = data.critical_alerts ?? [];
  // Derived from the events (a period before Herald recorded alerts): say so under the title.
  const note = data.alerts_source?.note ? `\n_${esc(data.alerts_source.note)}_` : '';
  const rate = `\nRevenue protection rate ${formatPercent(rp?.revenue_protection_rate, 1)}${data.targets?.revenue_protection_rate ? ` (${targetNote(data.targets.revenue_protection_rate)})` : ''}`;
  if (alerts.length === 0) {
    blocks.push(section(`*Critical and high alerts*${note}${rate}\nNo critical or high alerts in this period`));
  } else {
    const listed = listedAlerts(alerts, LISTED_ALERTS.critical);
    const more = alertsNotListed(alerts, LISTED_ALERTS.critical, 'critical or high');
    blocks.push(...listSections(`*Critical and high alerts (${alerts.length})*${note}${rate}`, listed.map((a) => alertLine(a, zone)), listed.length, more ? `_${escapeSlack(more)}_` : undefined));
  }
  const medium = data.medium_alerts ?? [];
  if (medium.length > 0) {
    const count = isFiniteNumber(data.medium_alert_count) ? data.medium_alert_count : medium.length;
    const listed = listedAlerts(medium, LISTED_ALERTS.medium);
    const more = alertsNotListed(medium, LISTED_ALERTS.medium, 'medium');
    blocks.push(...listSections(
      `*Medium alerts (${formatNumber(count)})* · no immediate message was sent; listed for awareness`,
      listed.map((a) => mediumLine(a, zone)), listed.length, more ? `_${escapeSlack(more)}_` : undefined,
    ));
  }

  blocks.push(divider());
  const actions = data.recommended_actions ?? [];
  if (actions.length === 0) {
    blocks.push(section('*Recommended actions*\nNo recommended actions for this period.'));
  } else {
    const savings = actions.map((a) => a.estimated_monthly_saving).filter(isFiniteNumber);
    const total = savings.length ? ` · est. ${formatUsdCompact(savings.reduce((s, n) => s + n, 0))} a month in total` : '';
    blocks.push(...listSections(`*Recommended actions (${actions.length})*${total}`, actions.slice(0, MAX_ACTIONS).map(actionLine), actions.length));
  }

  const notes = (data.data_notes ?? []).map((n) => esc(n.text));
  if (notes.length > 0) blocks.push(context(`*Data notes*\n${notes.join('\n')}`));

  blocks.push(context(`The full brief (PDF) is in the thread · ${confidentialityLine(data, opts)}`));
  return capBlocks(blocks);
}

/** Keeps the last block (the confidentiality line) when anything has to go. */
function capBlocks(blocks: object[]): object[] {
  if (blocks.length <= SLACK_LIMITS.blocks) return blocks;
  return [...blocks.slice(0, SLACK_LIMITS.blocks - 1), blocks[blocks.length - 1]];
}

/** The notification: the health word first, as the email's subject, then the headline. */
function briefText(data: ExecutiveSummaryData): string {
  const h = data.health;
  const health = isFiniteNumber(h?.business_health) ? `business health ${formatScore(h.business_health)}/100` : 'no business health score';
  const alerts = pluralize((data.critical_alerts ?? []).length, 'critical or high alert', 'critical or high alerts');
  // As the email's subject: "Critical · Bluepeak Commerce · Executive summary · Week 48, 23–29 Nov 2026".
  const lead = `${escapeSlack(healthWord(data))} · ${esc(data.tenant.name)} · Executive summary · ${esc(subjectPeriod(data.period), 200)}`;
  return clipEscaped(`${lead}: ${esc(data.headline, 600)} (${health}, ${alerts}). The PDF is in the thread.`, SLACK_LIMITS.fallbackText);
}

function delayedNotice(data: ExecutiveSummaryData, opts?: SlackDigestOptions): { text: string; blocks: object[] } {
  const period = esc(data.period.words, 200);
  const newest = data.data_freshness?.newest_summary_date;
  const freshness = newest ? ` The newest complete data is from ${formatDate(newest, data.tenant.timezone)}.` : '';
  const body = `*Your brief for ${period} is delayed.*\nThe data for this period is incomplete, so the brief was held rather than sent with wrong figures. It will follow as soon as the data arrives.${freshness}`;
  return {
    text: clipEscaped(`${title(data)} — the brief for ${period} is delayed: the data is incomplete. It will follow as soon as the data arrives.`, SLACK_LIMITS.fallbackText),
    blocks: [header(title(data)), section(body), context(confidentialityLine(data, opts))],
  };
}

/** The Block Kit digest of a brief, or the short "your brief is delayed" notice. */
export function slackDigest(data: ExecutiveSummaryData, kind: SlackDigestKind, opts?: SlackDigestOptions): { text: string; blocks: object[] } {
  if (kind === 'delayed-notice') return delayedNotice(data, opts);
  return { text: briefText(data), blocks: briefBlocks(data, opts) };
}
