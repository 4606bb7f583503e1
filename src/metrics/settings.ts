/** Every tunable number of SPEC §4, with its default. config/herald.yaml `metrics:` overrides them. */
export interface MetricSettings {
  /** USD lost per bounced and per spam-flagged email. */
  revenueAtRisk: { perBounce: number; perSpam: number };
  /** Risk levels, as fractions; a rate strictly above the level reaches it. */
  riskThresholds: {
    bounceRate: { critical: number; warning: number; monitor: number };
    spamRate: { critical: number; warning: number; monitor: number };
  };
  /** Relative change of an amount (costs, revenue, savings, revenue at risk) under which a trend is `stable`. */
  trendStableBelow: number;
  /** Change of a rate, in percentage points, under which a trend is `stable` (SPEC §3). */
  trendStableBelowPp: { bounceAndSpam: number; otherRates: number };
  /** Change of a 0–100 score, in points, under which a trend is `stable`. */
  trendStableBelowPoints: number;
  grossMarginTarget: number;
  savingsRateTarget: { min: number; max: number };
  decisionVelocityTargetHours: number;
  /** An alert acknowledged within this many hours counts as protected. */
  ackWithinHours: number;
  /** Optimal utilization band, percent. */
  utilizationBand: { low: number; high: number };
  /** Recommendation rules. */
  rightSize: { cpuBelowPercent: number; savingShare: number };
  underusedIp: { warmupBelowPercent: number };
  decisionSuccessAtPercent: number;
}

export const defaultMetricSettings: MetricSettings = {
  revenueAtRisk: { perBounce: 0.05, perSpam: 0.25 },
  riskThresholds: {
    bounceRate: { critical: 0.15, warning: 0.1, monitor: 0.05 },
    spamRate: { critical: 0.02, warning: 0.015, monitor: 0.01 },
  },
  trendStableBelow: 0.02,
  trendStableBelowPp: { bounceAndSpam: 0.1, otherRates: 1 },
  trendStableBelowPoints: 1,
  grossMarginTarget: 0.7,
  savingsRateTarget: { min: 0.1, max: 0.15 },
  decisionVelocityTargetHours: 48,
  ackWithinHours: 2,
  utilizationBand: { low: 60, high: 85 },
  rightSize: { cpuBelowPercent: 30, savingShare: 0.5 },
  underusedIp: { warmupBelowPercent: 50 },
  decisionSuccessAtPercent: 80,
};
