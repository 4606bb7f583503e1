import type { Db } from '../db/Db.js';
import type { HeraldConfig } from '../config/schema.js';
import type { OperatorNotices } from '../ops/operatorNotices.js';
import type { ChannelName, Channels } from './Channel.js';

export interface ChannelReport { channel: ChannelName; ok: boolean; problems: string[] }

/**
 * Channel health (SPEC §7), at worker start and by `herald config check --live`: every channel a
 * schedule delivers through is configured, its credentials work, and (Slack) every recipient's
 * channel id exists and the bot can post there.
 */
export async function checkChannels(db: Db, config: HeraldConfig, channels: Channels): Promise<ChannelReport[]> {
  const used = new Set([
    ...config.schedules.flatMap((s) => s.deliver.map((d) => d.channel)),
    ...(config.alerts.enabled ? Object.values(config.alerts.routes).flat() : []),
  ]);
  const reports: ChannelReport[] = [];
  for (const name of ['email', 'slack', 'sms'] as const) {
    const channel = channels[name];
    if (!channel) {
      if (used.has(name)) reports.push({ channel: name, ok: false, problems: [`${name}: a schedule or an alert route delivers by ${name} but it is not configured (${name === 'email' ? 'SMTP_URL' : name === 'slack' ? 'SLACK_TOKEN' : 'TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM'} unset)`] });
      continue;
    }
    const column = name === 'slack' ? 'slack_channel' : name === 'sms' ? 'phone' : null;
    const destinations = column
      ? (await db.query<{ d: string }>(`SELECT DISTINCT ${column} AS d FROM herald.recipients WHERE ${column} IS NOT NULL AND removed_at IS NULL ORDER BY 1`)).rows.map((r) => r.d)
      : [];
    const result = channel.check ? await channel.check(destinations) : { ok: true, problems: [] };
    reports.push({ channel: name, ok: result.ok, problems: result.problems });
  }
  return reports;
}

/** Raises one operator notice per problem (once a day per problem, so a restart loop does not flood). */
export async function noticeChannelProblems(notices: OperatorNotices, reports: ChannelReport[], today: string): Promise<void> {
  for (const r of reports) {
    for (const problem of r.problems) {
      await notices.raise({ kind: 'channel-unhealthy', dedupeKey: `channel:${r.channel}:${problem}:${today}`, message: problem, details: { channel: r.channel } });
    }
  }
}
