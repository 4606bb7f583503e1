/**
 * Who hears of a notification step, through which channel, and when (SPEC §8). Pure: the step,
 * the alert's severity and route, the tenant's recipients and `now` in; targets out.
 *
 * - Tiers are recipient groups in escalation order; a step names the tier indexes it tells.
 * - Channels come from the route of the alert's severity (a rule may override it); a repeat
 *   goes by SMS alone. A recipient without an address on a channel, or opted out of SMS
 *   (STOP), simply gets the others.
 * - Slack: one post per Slack channel (two directors sharing a channel see it once).
 * - Quiet hours (the recipient's zone) hold high and medium notifications until they end;
 *   critical ignores them (a mute stage, as Alertmanager's time intervals).
 */
import type { ChannelName } from '../delivery/Channel.js';
import { recipientAddress, type Recipient } from '../recipients/Recipient.js';
import type { Severity } from '../report/types.js';
import { quietHoursEnd } from '../time/quietHours.js';
import type { Step } from './lifecycle.js';

export interface Target { recipient: Recipient; channel: ChannelName; dueAt: Date; heldForQuietHours: boolean }

export interface RoutingInput {
  step: Step;
  severity: Severity;
  /** Channels for this severity. */
  route: readonly ChannelName[];
  /** Tier group names, in order. */
  tiers: readonly string[];
  /** The alert's tenant's active recipients (the platform's for a platform alert). */
  recipients: readonly (Recipient & { smsOptedOut?: boolean })[];
  now: Date;
  /** Zone for recipients without one. */
  defaultTimezone: string;
}

export function routeStep(input: RoutingInput): Target[] {
  const { step, severity, route, tiers, recipients, now } = input;
  const channels = route.filter((c) => !step.smsOnly || c === 'sms');
  const seen = new Set<string>();
  const slackChannels = new Set<string>();
  const out: Target[] = [];
  for (const tier of step.tiers) {
    const group = tiers[tier];
    if (group === undefined) continue;
    for (const r of recipients.filter((x) => x.groups.includes(group))) {
      for (const channel of channels) {
        const address = recipientAddress(r, channel);
        if (!address || (channel === 'sms' && r.smsOptedOut)) continue;
        const key = `${r.id}:${channel}`;
        if (seen.has(key)) continue;
        if (channel === 'slack') {
          if (slackChannels.has(address)) continue;
          slackChannels.add(address);
        }
        seen.add(key);
        const quietEnd = severity === 'critical' ? null : quietHoursEnd(now, r.quietHours, r.timezone ?? input.defaultTimezone);
        out.push({ recipient: r, channel, dueAt: quietEnd ?? now, heldForQuietHours: quietEnd !== null });
      }
    }
  }
  return out;
}
