import type { RevenueProtection, RiskLevel, RiskNow } from '../report/types.js';
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

const RANK: Record<RiskLevel, number> = { ok: 0, monitor: 1, warning: 2, critical: 3 };

/** The worse of two levels on the severity scale; null counts as nothing known. */
export function worseLevel(a: RiskLevel | null, b: RiskLevel | null): RiskLevel | null {
  if (a === null) return b;
  if (b === null) return a;
  return RANK[a] >= RANK[b] ? a : b;
}

/** A level at least as bad as `floor`. */
export function atLeast(level: RiskLevel | null, floor: RiskLevel): boolean {
  return level !== null && RANK[level] >= RANK[floor];
}

/** How many local days the current state is read from (SPEC §4: the last min(3, days)). */
export const RISK_NOW_DAYS = 3;
/** How far back, in local days from the period's end, `since` looks for the start of a run. */
export const RISK_SINCE_LOOKBACK_DAYS = 31;

/**
 * SPEC §4 risk_level_now: the worst of the risk levels of the period's last min(3, days) local
 * days and of any critical deliverability alert still open at the period's end. A month whose last
 * ten days are critical is critical now, whatever its average.
 *
 * `recent`: daily summaries of the period's days and of the days before it (up to
 * RISK_SINCE_LOOKBACK_DAYS), so that `since` can say when the state began even in a daily brief.
 * `openCritical`: critical deliverability alerts open at the period's end (Herald's records), or
 * null when the period's alerts are derived from the events (unknown).
 */
export function computeRiskNow(
  days: string[],
  recent: DailySummaryRow[],
  openCritical: { count: number; since: string | null } | null,
  t: MetricSettings['riskThresholds'],
): { level: RiskLevel | null; now: RiskNow } {
  const last = days.slice(-Math.min(RISK_NOW_DAYS, days.length));
  const periodEnd = days[days.length - 1] ?? '';
  const byDate = new Map(recent.filter((r) => r.date <= periodEnd).map((r) => [r.date, r]));
  const levelOf = (r: DailySummaryRow | undefined): RiskLevel | null =>
    r && r.emails_sent > 0 ? riskLevel(r.emails_bounced / r.emails_sent, r.emails_spam / r.emails_sent, t) : null;
  let daysLevel: RiskLevel | null = null;
  for (const d of last) daysLevel = worseLevel(daysLevel, levelOf(byDate.get(d)));

  let metric: RiskNow['metric'] = null, value: number | null = null, threshold: number | null = null;
  let since: string | null = null, on: string | null = null;
  if (daysLevel !== null && daysLevel !== 'ok') {
    const level = daysLevel;
    on = [...last].reverse().find((d) => levelOf(byDate.get(d)) === level) ?? null;
    const row = on ? byDate.get(on)! : undefined;
    if (row) {
      const bounce = row.emails_bounced / row.emails_sent, spam = row.emails_spam / row.emails_sent;
      [metric, value, threshold] = bounce > t.bounceRate[level]
        ? ['bounce_rate', bounce, t.bounceRate[level]]
        : ['spam_rate', spam, t.spamRate[level]];
      // Walk back from that day over the days with sends while they stay at the level or worse.
      const dates = [...byDate.keys()].filter((d) => d <= on!).sort().reverse();
      since = on;
      for (const d of dates) {
        const l = levelOf(byDate.get(d));
        if (l === null) continue;
        if (!atLeast(l, level)) break;
        since = d;
      }
    }
  }
  const open = openCritical?.count ?? 0;
  const level = worseLevel(daysLevel, open > 0 ? 'critical' : null);
  const latestWithSends = [...byDate.keys()].filter((d) => levelOf(byDate.get(d)) !== null).sort().pop() ?? null;
  return {
    level,
    now: {
      days: last,
      days_level: daysLevel,
      metric, value, threshold, since, on,
      ongoing: on !== null && on === latestWithSends,
      open_critical_alerts: openCritical === null ? null : openCritical.count,
      open_critical_since: openCritical?.since ?? null,
    },
  };
}

/**
 * Revenue protection over a period's daily summaries (rows already limited to the period's days)
 * and the herald alerts that fired in it. `alerts` is null when Herald did not record the
 * period's alerts: no acknowledgement is known, so the rate is null and no alert is counted.
 */
export function computeRevenueProtection(
  daily: DailySummaryRow[],
  alerts: AlertAckRow[] | null,
  s: MetricSettings,
  now?: { level: RiskLevel | null; now: RiskNow },
): RevenueProtection {
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
    risk_level_now: now?.level ?? null,
    risk_now: now?.now ?? emptyRiskNow(),
    ip_reputation,
    domain_reputation,
    revenue_protection_rate: considered === null ? null : ratio(protectedCount, considered.length),
    alerts_considered: considered === null ? null : considered.length,
  };
}

function emptyRiskNow(): RiskNow {
  return { days: [], days_level: null, metric: null, value: null, threshold: null, since: null, on: null, ongoing: false, open_critical_alerts: null, open_critical_since: null };
}
