/**
 * The cost-optimization report's outgoing messages (SPEC §5, §7), tenant or portfolio, from its
 * data object: the email (subject that states the state, HTML and text parts leading with the
 * headline; the PDF is attached from the archive) and the Slack digest (Block Kit; the PDF follows
 * in its thread). A delayed notice is a short message of its own. Pure.
 */
import type { EmailMessage, InlineImage, SlackMessage } from '../../delivery/Channel.js';
import type { EmailKind } from '../../delivery/email/renderEmail.js';
import { subjectPeriod } from '../../delivery/email/renderEmail.js';
import { SLACK_LIMITS, clipEscaped, escapeSlack } from '../../delivery/slack/slackDigest.js';
import { trendInWords } from '../../delivery/trendWords.js';
import { renderView } from '../../render/templates.js';
import { isolateBidi } from '../../render/bidi.js';
import { formatKpiValue, formatList, formatPercent, formatUsd, statusLabel } from '../../report/format.js';
import type { Status } from '../../report/types.js';
import { PORTFOLIO_AUDIENCE, confidentialityFor, scopeName } from './render.js';
import type { CostOptimizationData } from './types.js';

/** Items an email or digest list shows before "…and N more" (the PDF has them all). */
const LISTED = 5;

interface Line { title: string; detail: string; value: string; status: Status }
interface List { title: string; items: Line[]; more: string }

/** "Critical", "Warning", "Monitor", "OK" from the headline's level; "No activity" without data. */
export function stateWord(data: CostOptimizationData): string {
  return data.has_data ? statusLabel(data.headline_level) : 'No activity';
}

/** One line of header text: bidi isolated, control characters to spaces. */
function headerText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return isolateBidi(String(s)).replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

/** "Critical · Copperleaf & Sons · Cost optimization · November 2026"; "Delayed: cost optimization · …". */
export function costEmailSubject(data: CostOptimizationData, kind: EmailKind): string {
  const name = headerText(scopeName(data));
  if (kind === 'delayed-notice') return ['Delayed: cost optimization', name, headerText(data.period.words)].join(' · ');
  return [stateWord(data), name, data.scope === 'portfolio' ? 'Cost optimization (portfolio)' : 'Cost optimization', headerText(subjectPeriod(data.period))].join(' · ');
}

function figures(data: CostOptimizationData): { label: string; value: string; status: Status; change: string }[] {
  const out = data.changes.map((c) => ({
    label: c.label,
    value: formatKpiValue(c.value, c.unit),
    status: c.status,
    change: trendInWords(c),
  }));
  if (data.scope === 'tenant' && data.budget.monthly_budget !== null) {
    const b = data.budget;
    out.push({ label: b.month_complete ? `Budget used, ${b.month_words}` : `Budget, projected for ${b.month_words}`, value: formatPercent(b.projected_vs_budget, 0), status: b.status, change: `${formatUsd(b.projected_month_end)} of ${formatUsd(b.monthly_budget)}` });
  }
  if (data.scope === 'portfolio') {
    out.push({ label: 'Tenants losing money', value: `${data.totals.tenants_losing_money} of ${data.totals.tenants}`, status: data.totals.tenants_losing_money > 0 ? 'critical' : 'ok', change: '' });
  }
  return out;
}

function lists(data: CostOptimizationData): List[] {
  const more = (n: number, one: string, many: string) => (n > LISTED ? `…and ${n - LISTED} more ${n - LISTED === 1 ? one : many} in the PDF` : '');
  if (data.scope === 'tenant') {
    const recs = data.recommendations;
    if (recs.length === 0) return [];
    return [{
      title: `Recommendations · ${formatUsd(data.recommended_monthly_saving)} a month estimated`,
      items: recs.slice(0, LISTED).map((r) => ({
        title: r.title,
        detail: `${r.detail} Names: ${formatList(r.resources.slice(0, 6))}${r.resources.length > 6 ? ` and ${r.resources.length - 6} more` : ''}.`,
        value: r.estimated_monthly_saving === null ? 'not monthly' : `${formatUsd(r.estimated_monthly_saving)}/mo`,
        status: r.estimated_monthly_saving === null ? 'neutral' : 'ok',
      })),
      more: more(recs.length, 'recommendation', 'recommendations'),
    }];
  }
  const out: List[] = [];
  if (data.losing_money.length > 0) {
    out.push({
      title: `Losing money (${data.losing_money.length})`,
      items: data.losing_money.slice(0, LISTED).map((l) => ({
        title: l.name,
        detail: `Cost ${formatUsd(l.total_cost)}, recognized revenue ${formatUsd(l.recognized_revenue)}, gross margin ${l.gross_margin === null ? 'n/a (no revenue)' : formatPercent(l.gross_margin)}`,
        value: formatUsd(l.net),
        status: 'critical',
      })),
      more: more(data.losing_money.length, 'tenant losing money', 'tenants losing money'),
    });
  }
  if (data.opportunities.length > 0) {
    out.push({
      title: 'Largest savings opportunities',
      items: data.opportunities.slice(0, LISTED).map((o) => ({ title: `${o.tenant_name}: ${o.title}`, detail: `Rule ${o.rule}`, value: `${formatUsd(o.estimated_monthly_saving)}/mo`, status: 'ok' })),
      more: more(data.opportunities.length, 'opportunity', 'opportunities'),
    });
  }
  return out;
}

function emailView(data: CostOptimizationData, kind: EmailKind) {
  return {
    ...data,
    email: {
      name: scopeName(data),
      for: data.scope === 'portfolio' ? PORTFOLIO_AUDIENCE : data.tenant.name,
      portfolio: data.scope === 'portfolio',
      delayed: kind === 'delayed-notice',
      figures: figures(data),
      lists: lists(data),
    },
  };
}

// ---- Slack ------------------------------------------------------------------------------------

const clip = (s: string, max = 400) => {
  const raw = String(s ?? '').replace(/[^\S\u00a0]+/g, ' ').trim();
  return escapeSlack(isolateBidi(raw.length > max ? `${raw.slice(0, max - 1)}…` : raw));
};
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text: clipEscaped(text, SLACK_LIMITS.sectionText), verbatim: true } });
const context = (text: string) => ({ type: 'context', elements: [{ type: 'mrkdwn', text: clipEscaped(text, SLACK_LIMITS.sectionText), verbatim: true }] });

function slackView(data: CostOptimizationData, kind: EmailKind, confidentiality: string): { text: string; blocks: object[] } {
  const title = `Cost optimization · ${scopeName(data)}`;
  const header = { type: 'header', text: { type: 'plain_text', text: clipEscaped(clip(title, 140), SLACK_LIMITS.headerText), emoji: false } };
  const conf = clip(confidentiality, 300);
  if (kind === 'delayed-notice') {
    const body = `*Your cost-optimization report for ${clip(data.period.words, 200)} is delayed.*\nThe data for this period is incomplete, so the report was held rather than sent with wrong figures. It will follow as soon as the data arrives.`;
    return { text: clipEscaped(`${clip(title)} — the report for ${clip(data.period.words, 200)} is delayed: the data is incomplete.`, SLACK_LIMITS.fallbackText), blocks: [header, section(body), context(conf)] };
  }
  const lead = `${escapeSlack(stateWord(data))} · ${clip(scopeName(data), 200)} · Cost optimization · ${clip(subjectPeriod(data.period), 200)}`;
  const fields = figures(data).slice(0, SLACK_LIMITS.fields).map((f) => ({ type: 'mrkdwn', text: clipEscaped(`*${clip(f.label)}*\n${clip(f.value)}${f.change ? ` · ${clip(f.change)}` : ''}`, SLACK_LIMITS.fieldText), verbatim: true }));
  const blocks: object[] = [header, section(`*${clip(data.headline, 600)}*`), context(`${clip(data.period.words, 200)} · compared with ${clip(data.previous_period.words, 200)}`)];
  if (fields.length) blocks.push({ type: 'section', fields });
  for (const l of lists(data)) {
    blocks.push({ type: 'divider' });
    const lines = l.items.map((i) => `• *${clip(i.title, 300)}* · ${clip(i.value)}`);
    blocks.push(section(`*${clip(l.title)}*\n${lines.join('\n')}${l.more ? `\n_${clip(l.more)}_` : ''}`));
  }
  if (data.data_notes.length) blocks.push(context(`*Data notes*\n${data.data_notes.map((n) => clip(n.text)).join('\n')}`));
  blocks.push(context(`The full report (PDF) is in the thread · ${conf}`));
  return { text: clipEscaped(`${lead}: ${clip(data.headline, 600)} The PDF is in the thread.`, SLACK_LIMITS.fallbackText), blocks: blocks.slice(0, SLACK_LIMITS.blocks) };
}

/** The email and the Slack digest of a report, or of its delayed notice. */
export function costOptimizationMessages(data: CostOptimizationData, kind: EmailKind, opts: { confidentiality?: string; keyChart?: InlineImage | null } = {}): { email: EmailMessage; slack: SlackMessage } {
  const confidentiality = confidentialityFor(data, opts.confidentiality);
  // The key chart by cid: (costKeyChart); a delayed notice shows none.
  const chart = kind === 'brief' ? opts.keyChart ?? null : null;
  const view = { ...emailView(data, kind), chart: chart ? { src: `cid:${chart.cid}`, width: chart.width, height: chart.height, alt: chart.alt, title: chart.title ?? '', caption: chart.caption ?? '' } : null };
  const html = renderView('email/cost-optimization.html', view, { confidentiality });
  const text = renderView('email/cost-optimization.txt', view, { confidentiality, format: 'text' });
  const slack = slackView(data, kind, confidentiality ?? `Confidential — prepared for ${scopeName(data)} leadership`);
  return {
    email: { channel: 'email', subject: costEmailSubject(data, kind), html, text, ...(chart ? { inline: [chart] } : {}) },
    slack: { channel: 'slack', text: slack.text, blocks: slack.blocks },
  };
}
