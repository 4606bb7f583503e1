import { WebClient } from '@slack/web-api';
import { escapeSlack } from '../delivery/slack/slackDigest.js';
import { slackRetryConfig } from '../delivery/slack/slackChannel.js';
import type { Notice, NoticeForwarder } from './operatorNotices.js';

/** Operator notices also go to the ops Slack channel (`delivery.opsSlackChannel`), as plain escaped text. */
export function slackNoticeForwarder(opts: { token: string; apiUrl?: string; channel: string; client?: WebClient }): NoticeForwarder {
  const client = opts.client ?? new WebClient(opts.token, { slackApiUrl: opts.apiUrl, retryConfig: slackRetryConfig(2) });
  return async (notice: Notice) => {
    try {
      await client.chat.postMessage({
        channel: opts.channel,
        text: `Herald operator notice (${notice.kind}): ${escapeSlack(notice.message)}`,
        mrkdwn: false,
        unfurl_links: false,
        unfurl_media: false,
      });
    } catch (err) {
      // The caller logs it; never let the token ride along in the message.
      throw new Error(`ops Slack channel ${opts.channel}: ${String((err as { code?: string; data?: { error?: string } }).data?.error ?? (err as { code?: string }).code ?? 'error')}`);
    }
  };
}
