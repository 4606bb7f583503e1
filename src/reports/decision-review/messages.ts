/**
 * The decision review's outgoing messages (SPEC §5, §7), views of its data object: the email
 * (subject that states the state, HTML body and text part; the PDF is attached from the archive)
 * and the Slack digest (Block Kit; the PDF follows in its thread), or the short delayed notice.
 */
import type { EmailMessage, InlineImage, SlackMessage } from '../../delivery/Channel.js';
import type { EmailKind } from '../../delivery/email/renderEmail.js';
import { clipEscaped, escapeSlack, SLACK_LIMITS } from '../../delivery/slack/slackDigest.js';
import { isolateBidi } from '../../render/bidi.js';
import { renderView } from '../../render/templates.js';
import { formatUsd, statusLabel } from '../../report/format.js';
import type { DecisionReviewData } from './types.js';
import { reviewView } from './view.js';

/** Decisions listed in the email and the digest before "…and N more". */
export const LISTED = { reviewed: 8, awaiting: 5 } as const;

/** One line of header text: control characters become spaces, bidi controls isolated. */
function headerText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return isolateBidi(String(s)).replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

/** "Warning · Bluepeak Commerce · Decision review · November 2026": the state first, as the executive summary's. */
export function decisionReviewSubject(data: DecisionReviewData, kind: EmailKind): string {
  if (kind === 'delayed-notice') return ['Delayed: decision review', headerText(data.scope_name), headerText(data.period.words)].join(' · ');
  const state = data.has_data ? statusLabel(data.headline_level) : 'Nothing due';
  return [state, headerText(data.scope_name), 'Decision review', headerText(data.period.words)].join(' · ');
}

const more = (n: number, shown: number, what: string) => (n > shown ? `…and ${n - shown} more ${what}` : '');

export function decisionReviewMessages(data: DecisionReviewData, kind: EmailKind, opts: { confidentiality?: string; keyChart?: InlineImage | null } = {}): { email: EmailMessage; slack: SlackMessage } {
  const chart = kind === 'brief' ? opts.keyChart ?? null : null;
  const confidentiality = opts.confidentiality?.replaceAll('{tenant}', isolateBidi(data.scope_name));
  const v = reviewView(data);
  const context = {
    ...v,
    delayed: kind === 'delayed-notice',
    email: {
      reviewed: v.reviewed.slice(0, LISTED.reviewed),
      reviewed_more: more(v.reviewed.length, LISTED.reviewed, 'decisions reviewed'),
      awaiting: v.awaiting.slice(0, LISTED.awaiting),
      awaiting_more: more(v.awaiting.length, LISTED.awaiting, 'awaiting an outcome'),
      chart: chart ? { src: `cid:${chart.cid}`, width: chart.width, height: chart.height, alt: chart.alt, title: chart.title ?? '', caption: chart.caption ?? '' } : null,
    },
  };
  const email: EmailMessage = {
    channel: 'email',
    subject: decisionReviewSubject(data, kind),
    html: renderView('email/decision-review.html', context, { confidentiality }),
    text: renderView('email/decision-review.txt', context, { confidentiality, format: 'text' }),
    ...(chart ? { inline: [chart] } : {}),
  };
  return { email, slack: { channel: 'slack', ...slackDigest(data, kind, confidentiality) } };
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text: clipEscaped(text, SLACK_LIMITS.sectionText), verbatim: true });
const esc = (s: unknown, max = 300) => {
  const raw = String(s ?? '').replace(/[^\S\u00a0]+/g, ' ').trim();
  return escapeSlack(raw.length > max ? `${raw.slice(0, max - 1)}…` : raw);
};

/** The Block Kit digest: the state and the headline first, the four figures, then the decisions by result. */
export function slackDigest(data: DecisionReviewData, kind: EmailKind, confidentiality?: string): { text: string; blocks: object[] } {
  const subject = decisionReviewSubject(data, kind);
  const footer = { type: 'context', elements: [mrkdwn(esc(confidentiality ?? `Confidential — prepared for ${data.scope_name} leadership`))] };
  const title = { type: 'header', text: { type: 'plain_text', text: clipEscaped(escapeSlack(`Decision review · ${data.scope_name}`), SLACK_LIMITS.headerText), emoji: false } };
  if (kind === 'delayed-notice') {
    const text = `${subject}: the data for this period is not complete yet; the review follows as soon as it is.`;
    return { text: esc(text, 2000), blocks: [title, { type: 'section', text: mrkdwn(`*${esc(data.period.words)}*: your decision review is delayed. The data for this period is not complete yet; rather than send wrong figures Herald holds it, and it follows automatically.`) }, footer] };
  }
  const v = reviewView(data);
  const s = data.summary;
  const blocks: object[] = [
    title,
    { type: 'section', text: mrkdwn(`*${esc(statusLabel(data.headline_level))} · ${esc(data.period.words)}*\n${esc(data.headline, 600)}`) },
  ];
  if (data.has_data) {
    blocks.push({
      type: 'section',
      fields: [
        mrkdwn(`*Due for review*\n${s.due_for_review} (${esc(v.view.due_note)})`),
        mrkdwn(`*Success rate*\n${esc(v.view.success_rate)} (${esc(v.view.success_note)})`),
        mrkdwn(`*Actual net return*\n${esc(formatUsd(s.actual_net_total))} (${esc(v.view.net_note)})`),
        mrkdwn(`*Awaiting an outcome*\n${s.awaiting_outcome} (${esc(v.view.awaiting_note)})`),
      ],
    });
    const line = (d: (typeof v.reviewed)[number]) => `• ${d.v.tenant ? `${esc(d.v.tenant, 80)} · ` : ''}${esc(d.title, 120)}: *${esc(d.v.result)}* ${esc(d.v.roi)} (expected ${esc(formatUsd(d.expected_net))}, actual ${esc(formatUsd(d.outcome?.actual_net ?? null))})`;
    if (v.reviewed.length) {
      blocks.push({ type: 'section', text: mrkdwn(`*Expected vs actual*\n${v.reviewed.slice(0, LISTED.reviewed).map(line).join('\n')}${v.reviewed.length > LISTED.reviewed ? `\n${more(v.reviewed.length, LISTED.reviewed, 'in the PDF')}` : ''}`) });
    }
    if (v.awaiting.length) {
      const wait = (d: (typeof v.awaiting)[number]) => `• ${d.v.tenant ? `${esc(d.v.tenant, 80)} · ` : ''}${esc(d.title, 120)}: due ${esc(d.v.due)}, *${esc(d.v.detail)}* (\`${esc(d.decision_id, 80)}\`)`;
      blocks.push({ type: 'section', text: mrkdwn(`*Awaiting an outcome*\n${v.awaiting.slice(0, LISTED.awaiting).map(wait).join('\n')}${v.awaiting.length > LISTED.awaiting ? `\n${more(v.awaiting.length, LISTED.awaiting, 'in the PDF')}` : ''}`) });
    }
  }
  blocks.push(footer);
  return { text: esc(`${subject}: ${data.headline}`, 2000), blocks };
}
