import type { HeraldConfig } from '../config/schema.js';
import type { Channels } from '../delivery/Channel.js';
import { createEmailChannel } from '../delivery/email/emailChannel.js';
import { createSlackChannel } from '../delivery/slack/slackChannel.js';

/** The channels whose credentials are in the environment: SMTP_URL (email), SLACK_TOKEN (+ SLACK_API_URL). */
export function channelsFromEnv(config: HeraldConfig, env: NodeJS.ProcessEnv = process.env): Channels {
  const channels: Channels = {};
  if (env.SMTP_URL) channels.email = createEmailChannel({ smtpUrl: env.SMTP_URL, from: config.delivery.from, maxConnections: config.delivery.outboxConcurrency });
  if (env.SLACK_TOKEN) channels.slack = createSlackChannel({ token: env.SLACK_TOKEN, apiUrl: env.SLACK_API_URL || undefined });
  return channels;
}

/**
 * Closes the channels channelsFromEnv made. A command must: pooled SMTP connections would keep
 * the process alive until the server's idle timeout (30 s after `herald run` had finished).
 */
export function closeChannels(channels: Channels): void {
  for (const channel of Object.values(channels)) channel?.close?.();
}
