/** A person who receives briefs (SPEC §7). tenant null: one of the platform's own executives. */
export interface Recipient {
  id: number;
  tenantId: string | null;
  name: string;
  role: string | null;
  email: string | null;
  slackChannel: string | null;
  phone: string | null;          // E.164
  timezone: string | null;
  quietHours: { start: string; end: string } | null;   // local "HH:MM"
  groups: string[];
  /** True only when they replied STOP to an alert SMS: nothing more is texted until START. */
  smsOptedOut?: boolean;
  /** Set (ISO instant) only on a removed recipient, which receives nothing more (listed with --removed). */
  removedAt?: string;
}

/** Where a recipient is reached through a channel, or null when they have no address there. */
export function recipientAddress(r: Pick<Recipient, 'email' | 'slackChannel' | 'phone'>, channel: 'email' | 'slack' | 'sms'): string | null {
  return channel === 'email' ? r.email : channel === 'slack' ? r.slackChannel : r.phone;
}
