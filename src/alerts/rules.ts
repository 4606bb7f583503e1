import type { Severity } from '../report/types.js';
import type { AlertCandidateEvent } from '../sources/types.js';
import type { MetricSettings } from '../metrics/settings.js';

/** Alert rule thresholds (SPEC §8). Deliverability reuses the risk thresholds of the metrics. */
export interface AlertRuleSettings {
  revenueImpact: { critical: number; high: number; medium: number };   // USD of a negative impact
  efficiencyBelow: number;                                             // efficiency_score
  optimizationAbove: number;                                           // identified savings_amount, USD
  costOverrunRatio: number;                                            // month-to-date cost / prorated budget
}

export const defaultAlertRuleSettings: AlertRuleSettings = {
  revenueImpact: { critical: 10_000, high: 1_000, medium: 100 },
  efficiencyBelow: 70,
  optimizationAbove: 5_000,
  costOverrunRatio: 1.2,
};

export interface Classified {
  rule: 'deliverability' | 'revenue-impact' | 'efficiency' | 'optimization' | 'cost-overrun';
  severity: Severity;
  /** The measured value that breached, for the summary line. */
  value: number;
  summary: string;
}

/** A finite number from an untrusted event property, else null (strings like "12.5" count). */
export function num(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const usd = (x: number) => `$${Math.round(x).toLocaleString('en-US')}`;

/** Which rule and severity an event triggers, if any. Pure: the event and the thresholds in, a verdict out. */
export function classifyEvent(e: AlertCandidateEvent, m: MetricSettings, r: AlertRuleSettings): Classified | null {
  const p = e.properties;
  switch (e.event) {
    case 'email_deliverability_event': {
      const bounce = num(p.bounce_rate) ?? 0;
      const spam = num(p.spam_rate) ?? 0;
      const t = m.riskThresholds;
      const levels: [Severity, 'critical' | 'warning' | 'monitor'][] = [['critical', 'critical'], ['high', 'warning'], ['medium', 'monitor']];
      for (const [severity, level] of levels) {
        const b = bounce > t.bounceRate[level], s = spam > t.spamRate[level];
        if (b || s) {
          const summary = b
            ? `Bounce rate ${pct(bounce)} (threshold ${pct(t.bounceRate[level])})`
            : `Spam rate ${pct(spam)} (threshold ${pct(t.spamRate[level])})`;
          return { rule: 'deliverability', severity, value: b ? bounce : spam, summary };
        }
      }
      return null;
    }
    case 'revenue_impact_event': {
      const amount = num(p.impact_amount);
      if (p.impact_type !== 'negative' || amount === null) return null;
      for (const severity of ['critical', 'high', 'medium'] as const) {
        if (amount > r.revenueImpact[severity]) {
          return { rule: 'revenue-impact', severity, value: amount, summary: `Revenue impact −${usd(amount)}` };
        }
      }
      return null;
    }
    case 'operational_efficiency_event': {
      const score = num(p.efficiency_score);
      if (score === null || score >= r.efficiencyBelow) return null;
      return { rule: 'efficiency', severity: 'high', value: score, summary: `Efficiency score ${score.toFixed(0)} (below ${r.efficiencyBelow})` };
    }
    case 'cost_optimization_event': {
      const amount = num(p.savings_amount);
      if (p.optimization_type !== 'identified' || amount === null || amount <= r.optimizationAbove) return null;
      return { rule: 'optimization', severity: 'high', value: amount, summary: `Savings opportunity ${usd(amount)} identified` };
    }
    default:
      return null;
  }
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2 };
export function bySeverity(a: Severity, b: Severity): number {
  return SEVERITY_RANK[a] - SEVERITY_RANK[b];
}

/** Is a value worse than another for a rule? (efficiency is worse when lower) */
export function worse(rule: Classified['rule'], a: number, b: number): boolean {
  return rule === 'efficiency' ? a < b : a > b;
}
