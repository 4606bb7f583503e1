import type { HeraldConfig } from '../config/schema.js';
import type { Channels } from '../delivery/Channel.js';
import { createEmailChannel } from '../delivery/email/emailChannel.js';
import { createSlackChannel } from '../delivery/slack/slackChannel.js';
import { createSmsChannel } from '../delivery/sms/smsChannel.js';
import { InputError } from '../report/ReportContext.js';

/**
 * The channels whose credentials are in the environment: SMTP_URL (email), SLACK_TOKEN
 * (+ SLACK_API_URL), TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN + TWILIO_FROM (+ TWILIO_API_URL) for SMS.
 * A malformed one is bad input naming its variable.
 */
export function channelsFromEnv(config: HeraldConfig, env: NodeJS.ProcessEnv = process.env): Channels {
  const channels: Channels = {};
  if (env.SMTP_URL) channels.email = createEmailChannel({ smtpUrl: env.SMTP_URL, from: config.delivery.from, maxConnections: config.delivery.outboxConcurrency });
  if (env.SLACK_TOKEN) channels.slack = createSlackChannel({ token: env.SLACK_TOKEN, apiUrl: env.SLACK_API_URL || undefined });
  if (env.TWILIO_ACCOUNT_SID || env.TWILIO_AUTH_TOKEN || env.TWILIO_FROM) {
    for (const name of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'] as const) {
      if (!env[name]) throw new InputError(name, 'not set (SMS needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM)');
    }
    try {
      channels.sms = createSmsChannel({ accountSid: env.TWILIO_ACCOUNT_SID!, authToken: env.TWILIO_AUTH_TOKEN!, from: env.TWILIO_FROM!, apiUrl: env.TWILIO_API_URL || undefined });
    } catch (err) {
      const m = /(TWILIO_[A-Z_]+)/.exec((err as Error).message);
      throw new InputError(m?.[1] ?? 'TWILIO_ACCOUNT_SID', (err as Error).message.replace(/^sms: (TWILIO_[A-Z_]+ )?/, ''));
    }
  }
  return channels;
}

/**
 * Closes the channels channelsFromEnv made. A command must: pooled SMTP connections would keep
 * the process alive until the server's idle timeout (30 s after `herald run` had finished).
 */
export function closeChannels(channels: Channels): void {
  for (const channel of Object.values(channels)) channel?.close?.();
}
