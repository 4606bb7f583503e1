/**
 * The SMS grouping stage (SPEC §8), pure: what each recipient has waiting to be texted, what they
 * were texted in the last hour, and `now` in; the SMS to send now out.
 *
 * - Grouping: a recipient's waiting notices go out together once the oldest has waited its
 *   severity's `groupWait` (0 s for critical: at once, with whatever else is waiting).
 * - Cap: at most `maxPerHour` SMS per recipient in any hour. What waits meanwhile is folded into
 *   the next one allowed (one line per alert: its latest notice); the last one before the cap
 *   says so, and when texts resume.
 */
import type { Severity } from '../report/types.js';
import { formatInZone } from '../time/periods.js';
import { smsBody, type AlertNotice } from './alertMessages.js';

export interface SmsIntent {
  id: number;
  recipientId: number;
  severity: Severity;
  createdAt: Date;
  notice: AlertNotice;
}

export interface PlannedSms { recipientId: number; intentIds: number[]; body: string; severity: Severity }

export interface GroupingPolicy {
  groupWaitMs: Record<Severity, number>;
  maxPerHour: number;
  /** Segments per SMS. Default 2. */
  maxSegments?: number;
}

const HOUR = 3600_000;
const RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2 };

/**
 * @param waiting intents not yet in an SMS
 * @param sentAt when each recipient's SMS of the last hour were sent (grouped), by recipient id
 * @param zoneOf the recipient's zone, for "texts resume at 14:05"
 */
export function planSms(waiting: SmsIntent[], sentAt: Map<number, Date[]>, now: Date, p: GroupingPolicy, zoneOf: (recipientId: number) => string): PlannedSms[] {
  const byRecipient = new Map<number, SmsIntent[]>();
  for (const i of waiting) byRecipient.set(i.recipientId, [...(byRecipient.get(i.recipientId) ?? []), i]);
  const out: PlannedSms[] = [];
  for (const [recipientId, intents] of byRecipient) {
    intents.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id - b.id);
    const worst = intents.reduce<Severity>((w, i) => (RANK[i.severity] < RANK[w] ? i.severity : w), 'medium');
    const oldest = intents[0].createdAt.getTime();
    if (now.getTime() - oldest < p.groupWaitMs[worst]) continue;
    const recent = (sentAt.get(recipientId) ?? []).filter((d) => now.getTime() - d.getTime() < HOUR).sort((a, b) => a.getTime() - b.getTime());
    if (recent.length >= p.maxPerHour) continue; // folded into the next one allowed
    let capNote: string | undefined;
    if (recent.length + 1 >= p.maxPerHour) {
      // This is the last text of the hour: say when they resume (the oldest of the hour ages out).
      const resume = new Date((recent[0] ?? now).getTime() + HOUR);
      capNote = `SMS limit ${p.maxPerHour}/h reached; more by email/Slack, texts resume ${formatInZone(resume, zoneOf(recipientId), 'HH:mm')}`;
    }
    // One line per alert, its latest notice: repeats that waited behind the cap are one alert, not ten.
    const latest = new Map<number, SmsIntent>();
    for (const i of intents) latest.set(i.notice.alertId, i);
    out.push({
      recipientId,
      intentIds: intents.map((i) => i.id),
      severity: worst,
      body: smsBody([...latest.values()].map((i) => i.notice), { capNote, maxSegments: p.maxSegments }),
    });
  }
  return out;
}
