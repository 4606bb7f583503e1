import type { EmailMessage, SlackMessage } from '../delivery/Channel.js';
import { renderEmail, type EmailKind } from '../delivery/email/renderEmail.js';
import { slackDigest } from '../delivery/slack/slackDigest.js';
import type { ExecutiveSummaryData } from './types.js';

/**
 * The executive summary's outgoing messages, one per channel, rendered from its data object
 * before they reach the outbox: the email (HTML summary + text part; the PDF is attached from the
 * archive) and the Slack digest (the PDF follows in its thread). A delayed notice is a short
 * message of its own.
 */
export function executiveSummaryMessages(data: ExecutiveSummaryData, kind: EmailKind, opts: { confidentiality?: string } = {}): { email: EmailMessage; slack: SlackMessage } {
  const email = renderEmail(data, kind, opts);
  const slack = slackDigest(data, kind, opts);
  return {
    email: { channel: 'email', subject: email.subject, html: email.html, text: email.text },
    slack: { channel: 'slack', text: slack.text, blocks: slack.blocks },
  };
}
