import type { RevenueProtection, RiskLevel } from '../report/types.js';
import type { AlertAckRow, DailySummaryRow } from '../sources/types.js';
import type { MetricSettings } from './settings.js';
import { ratio } from './trend.js';

/** SPEC §4 risk level: the worst level either rate strictly exceeds. */
export function riskLevel(bounceRate: number | null, spamRate: number | null, t: MetricSettings['riskThresholds']): RiskLevel | null {
  if (bounceRate === null || spamRate === null) return null;
  for (const level of ['critical', 'warning', 'monitor'] as const) {
    if (bounceRate > t.bounceRate[level] || spamRate > t.spamRate[level]) return level;
  }
  return 'ok';
}

/**
 * Revenue protection over a period's daily summaries (rows already limited to the period's days)
 * and the herald alerts that fired in it. `alerts` is null when Herald did not record the
 * period's alerts: no acknowledgement is known, so the rate is null and no alert is counted.
 */
export function computeRevenueProtection(daily: DailySummaryRow[], alerts: AlertAckRow[] | null, s: MetricSettings): RevenueProtection {
  let sent = 0, delivered = 0, bounced = 0, spam = 0;
  for (const d of daily) {
    sent += d.emails_sent;
    delivered += d.emails_delivered;
    bounced += d.emails_bounced;
    spam += d.emails_spam;
  }
  const bounce_rate = ratio(bounced, sent);
  const spam_rate = ratio(spam, sent);
  // Reputation is a state, not a sum: the latest day that reports one.
  const latest = [...daily].sort((a, b) => a.date.localeCompare(b.date)).reverse();
  const ip_reputation = latest.find((d) => d.ip_reputation)?.ip_reputation ?? null;
  const domain_reputation = latest.find((d) => d.domain_reputation)?.domain_reputation ?? null;

  const considered = alerts?.filter((a) => a.rule === 'deliverability' && (a.severity === 'critical' || a.severity === 'high')) ?? null;
  const withinMs = s.ackWithinHours * 3600_000;
  const protectedCount = considered?.filter(
    (a) => a.acknowledged_at !== null && a.acknowledged_at.getTime() - a.fired_at.getTime() <= withinMs,
  ).length ?? 0;

  return {
    emails_sent: sent,
    emails_delivered: delivered,
    emails_bounced: bounced,
    emails_spam: spam,
    deliverability_rate: ratio(delivered, sent),
    bounce_rate,
    spam_rate,
    revenue_at_risk: Math.round((s.revenueAtRisk.perBounce * bounced + s.revenueAtRisk.perSpam * spam) * 100) / 100,
    risk_level: riskLevel(bounce_rate, spam_rate, s.riskThresholds),
    ip_reputation,
    domain_reputation,
    revenue_protection_rate: considered === null ? null : ratio(protectedCount, considered.length),
    alerts_considered: considered === null ? null : considered.length,
  };
}
