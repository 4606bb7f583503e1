import type { ChannelName } from '../delivery/Channel.js';
import type { Severity } from '../report/types.js';

/** Bounce and spam rates, as fractions. */
export interface Rates { bounceRate: number; spamRate: number }

/** What every rule may set. Durations are milliseconds. */
export interface RuleCommon {
  enabled: boolean;
  /** A breach must last this long before the alert fires (state `pending` meanwhile). Default 0. */
  for: number;
  /** Condition rules: clear evaluations in a row that resolve the alert. Default: alerts.resolveAfter. */
  resolveAfter?: number;
  /** Event rules: no breaching event for this long resolves the alert. */
  quietFor: number;
  /** Channels by severity, instead of alerts.routes. */
  routes?: Partial<Record<Severity, ChannelName[]>>;
}

/**
 * The rules of SPEC §8. Condition rules measure a state on every evaluation (a deliverability
 * event carries the rates, cost is read from the business database, an efficiency event carries
 * the score) and resolve after `resolveAfter` clear evaluations below the clear threshold
 * (hysteresis). Event rules fire on incidents (a revenue loss, an opportunity) and resolve when
 * none has come for `quietFor`.
 */
export interface RuleSettings {
  deliverability: RuleCommon & { levels: Record<Severity, Rates>; clear: Rates };
  'revenue-impact': RuleCommon & { levels: Record<Severity, number> };            // USD of a negative impact
  'cost-overrun': RuleCommon & { levels: { critical: number }; clear: number };   // month-to-date cost / prorated budget
  efficiency: RuleCommon & { levels: { high: number }; clear: number };           // efficiency_score below
  optimization: RuleCommon & { levels: { high: number } };                        // identified savings_amount above, USD
}
export type RuleName = keyof RuleSettings;
export const RULE_NAMES: readonly RuleName[] = ['deliverability', 'revenue-impact', 'cost-overrun', 'efficiency', 'optimization'];

/** Alerting, whole (config `alerts:`). Durations are milliseconds. */
export interface AlertSettings {
  /** Whether `herald worker` runs the poller. Default true. */
  enabled: boolean;
  /** How often the poller ticks (node-cron; 1 s to 60 s). Default 5 s. */
  pollEvery: number;
  /** Events this much older than the newest one seen are read again each tick: late arrivals. Default 2 min. */
  lookBack: number;
  /** Behind the look-back window, this much more is checked now and then for events never seen (logged, counted). Default 15 min. */
  lateAudit: number;
  /** How often cost overrun is evaluated from the business database. Default 5 min. */
  costEvery: number;
  /** The worker's public base URL, as Twilio posts to it (`https://herald.example.com`): signatures are checked against it. */
  publicUrl: string | null;
  /** Recipient groups, in escalation order. Default [oncall, c-suite]. */
  tiers: string[];
  /** Channels by severity. Default critical: SMS, email, Slack; high: email, Slack; medium: none (listed in the next brief). */
  routes: Record<Severity, ChannelName[]>;
  /** A critical alert repeats by SMS this often until acknowledged or resolved. Default 30 min. */
  repeatEvery: number;
  /** Unacknowledged this long (again), a critical alert escalates to the next tier. Default 15 min. */
  escalateAfter: number;
  /** Acknowledged and not resolved this long, it fires again. Default 4 h. */
  ackTimeout: number;
  /** Clear evaluations in a row that resolve a condition alert. Default 3. */
  resolveAfter: number;
  /** SMS for one recipient within this long of the first are sent as one, by severity. Default critical 0 s, high 30 s, medium 5 min. */
  groupWait: Record<Severity, number>;
  /** SMS per recipient per hour; the overflow is folded into the next one allowed. Default 10. */
  maxSmsPerHour: number;
  /** A source failing `failAfter` polls in a row, or silent (no event) for `silentAfter`, raises one `source-health` alert. */
  sourceHealth: { failAfter: number; silentAfter: number; severity: Severity };
  rules: RuleSettings;
}

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const common = (over: Partial<RuleCommon> = {}): RuleCommon => ({ enabled: true, for: 0, quietFor: H, ...over });

export const defaultRuleSettings: RuleSettings = {
  deliverability: {
    ...common(),
    levels: { critical: { bounceRate: 0.15, spamRate: 0.02 }, high: { bounceRate: 0.1, spamRate: 0.015 }, medium: { bounceRate: 0.05, spamRate: 0.01 } },
    clear: { bounceRate: 0.04, spamRate: 0.008 },
  },
  'revenue-impact': { ...common(), levels: { critical: 10_000, high: 1_000, medium: 100 } },
  'cost-overrun': { ...common(), levels: { critical: 1.2 }, clear: 1.1 },
  efficiency: { ...common(), levels: { high: 70 }, clear: 75 },
  optimization: { ...common({ quietFor: 24 * H }), levels: { high: 5_000 } },
};

export const defaultAlertSettings: AlertSettings = {
  enabled: true,
  pollEvery: 5 * S,
  lookBack: 2 * M,
  lateAudit: 15 * M,
  costEvery: 5 * M,
  publicUrl: null,
  tiers: ['oncall', 'c-suite'],
  routes: { critical: ['sms', 'email', 'slack'], high: ['email', 'slack'], medium: [] },
  repeatEvery: 30 * M,
  escalateAfter: 15 * M,
  ackTimeout: 4 * H,
  resolveAfter: 3,
  groupWait: { critical: 0, high: 30 * S, medium: 5 * M },
  maxSmsPerHour: 10,
  sourceHealth: { failAfter: 3, silentAfter: 30 * M, severity: 'high' },
  rules: defaultRuleSettings,
};

/** "5s", "30m", "4h", "1d", "250ms" or a number of seconds, in milliseconds; null when it does not parse. */
export function parseDuration(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v * 1000) : null;
  if (typeof v !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(v);
  if (!m) return null;
  const unit = { ms: 1, s: S, m: M, h: H, d: 24 * H }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Math.round(Number(m[1]) * unit);
}

/** A duration in words for messages: "45 s", "15 min", "4 h", "1 h 30 min". */
export function formatDuration(ms: number): string {
  if (ms < M) return `${Math.round(ms / S)} s`;
  if (ms < H) return `${Math.round(ms / M)} min`;
  const h = Math.floor(ms / H);
  const min = Math.round((ms - h * H) / M);
  return min === 0 ? `${h} h` : `${h} h ${min} min`;
}
