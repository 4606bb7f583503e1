import type { EmailMessage, InlineImage, SlackMessage } from '../delivery/Channel.js';
import { renderEmail, type EmailKind } from '../delivery/email/renderEmail.js';
import { slackDigest } from '../delivery/slack/slackDigest.js';
import type { ExecutiveSummaryData } from './types.js';

export interface ExecutiveSummaryMessageOptions {
  /** Confidentiality line; `{tenant}` becomes the tenant's name. */
  confidentiality?: string;
  /**
   * The brief's key chart as a PNG (emailKeyChart, made from the brief's rendered charts): the
   * email shows it by `cid:` and carries it inline. Null or absent: the email has no picture.
   * A delayed notice never shows one.
   */
  keyChart?: InlineImage | null;
}

/**
 * The executive summary's outgoing messages, one per channel, rendered from its data object
 * before they reach the outbox: the email (HTML summary with its key chart inline + text part;
 * the PDF is attached from the archive) and the Slack digest (the PDF follows in its thread). A
 * delayed notice is a short message of its own.
 */
export function executiveSummaryMessages(data: ExecutiveSummaryData, kind: EmailKind, opts: ExecutiveSummaryMessageOptions = {}): { email: EmailMessage; slack: SlackMessage } {
  const chart = kind === 'brief' ? opts.keyChart ?? null : null;
  const email = renderEmail(data, kind, { confidentiality: opts.confidentiality, keyChart: chart });
  const slack = slackDigest(data, kind, { confidentiality: opts.confidentiality });
  return {
    email: { channel: 'email', subject: email.subject, html: email.html, text: email.text, ...(chart ? { inline: [chart] } : {}) },
    slack: { channel: 'slack', text: slack.text, blocks: slack.blocks },
  };
}
