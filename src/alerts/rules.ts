/**
 * The alert rules of SPEC §8, as pure functions: an event (or a measured cost) and the rule's
 * settings in, a verdict out. No clock, no I/O: the lifecycle decides what a verdict does to an
 * alert (lifecycle.ts), the poller feeds them (AlertPoller.ts).
 */
import type { Severity } from '../report/types.js';
import type { AlertCandidateEvent } from '../sources/types.js';
import type { MetricSettings } from '../metrics/settings.js';
import type { RuleName, RuleSettings } from './settings.js';

/** A measurement that breached a rule: what the alert says, at which severity. */
export interface Breach {
  verdict: 'breach';
  severity: Severity;
  /** The measured value (a rate as a fraction, USD, a ratio or a score). */
  value: number;
  /** The threshold it crossed. */
  threshold: number;
  /** For an SMS: "bounce 17.0% > 15%, $112 at risk". */
  short: string;
  /** For email and Slack: "Bounce rate 17.0% is above the 15% critical threshold; $112 of revenue at risk." */
  summary: string;
  /** USD at stake, when the rule can say. */
  atRisk: number | null;
}

/**
 * What one evaluation says. `clear`: below the clear threshold (counts toward resolving a
 * condition alert); `hold`: between the clear and the lowest firing threshold (hysteresis:
 * neither fires nor counts as clear); `none`: nothing to say (an event rule's event that is no
 * incident, a malformed measurement).
 */
export type Evaluation = Breach | { verdict: 'clear' } | { verdict: 'hold' } | { verdict: 'none' };

export type RuleKind = 'condition' | 'event';

/** How each rule measures: condition rules are a state that clears; event rules are incidents. */
export const RULE_KIND: Record<RuleName, RuleKind> = {
  deliverability: 'condition',
  'revenue-impact': 'event',
  'cost-overrun': 'condition',
  efficiency: 'condition',
  optimization: 'event',
};

/** Which event feeds which rule (cost overrun is read from the business database). */
export const EVENT_RULES: Record<string, RuleName> = {
  email_deliverability_event: 'deliverability',
  revenue_impact_event: 'revenue-impact',
  operational_efficiency_event: 'efficiency',
  cost_optimization_event: 'optimization',
};
export const ALERTABLE_EVENTS = Object.keys(EVENT_RULES);

const SEVERITIES: Severity[] = ['critical', 'high', 'medium'];

/** A finite number from an untrusted event property, else null (strings like "12.5" count). */
export function num(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** "17.0%"; thresholds print without a trailing zero ("15%", "1.5%"). */
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const pctLimit = (x: number) => `${+(x * 100).toFixed(2)}%`;
const usd = (x: number) => `$${Math.round(x).toLocaleString('en-US')}`;
/** 45 → "45", 69.6 → "69.6": never rounded up to the threshold it is below. */
const scoreText = (x: number) => (Number.isInteger(x) ? String(x) : (Math.floor(x * 10) / 10).toFixed(1));

/** Evaluates one event against the rule it feeds; null for an event no rule reads. */
export function evaluateEvent(e: AlertCandidateEvent, rules: RuleSettings, m: Pick<MetricSettings, 'revenueAtRisk'>): { rule: RuleName; evaluation: Evaluation } | null {
  const rule = EVENT_RULES[e.event];
  if (!rule || !rules[rule].enabled) return null;
  const p = e.properties;
  switch (rule) {
    case 'deliverability': return { rule, evaluation: deliverability(num(p.bounce_rate), num(p.spam_rate), num(p.email_count), rules.deliverability, m) };
    case 'revenue-impact': return { rule, evaluation: revenueImpact(p.impact_type, num(p.impact_amount), rules['revenue-impact']) };
    case 'efficiency': return { rule, evaluation: efficiency(num(p.efficiency_score), rules.efficiency) };
    case 'optimization': return { rule, evaluation: optimization(p.optimization_type, num(p.savings_amount), rules.optimization) };
    default: return null;
  }
}

/** Rates strictly above a level reach it; both rates under the clear levels clear. */
export function deliverability(bounce: number | null, spam: number | null, emails: number | null, r: RuleSettings['deliverability'], m: Pick<MetricSettings, 'revenueAtRisk'>): Evaluation {
  // A rate outside [0, 1] is not a measurement (a percent sent as 17, a typo): say nothing.
  const valid = (x: number | null): x is number => x !== null && x >= 0 && x <= 1;
  // Either rate out of range makes the whole measurement suspect: it must not count as clear either.
  if ((!valid(bounce) && !valid(spam)) || (bounce !== null && !valid(bounce)) || (spam !== null && !valid(spam))) return { verdict: 'none' };
  const b = valid(bounce) ? bounce : 0;
  const s = valid(spam) ? spam : 0;
  const count = emails !== null && emails > 0 && emails < 1e12 ? emails : null;
  const atRisk = count === null ? null : Math.round((m.revenueAtRisk.perBounce * b + m.revenueAtRisk.perSpam * s) * count * 100) / 100;
  for (const severity of SEVERITIES) {
    const level = r.levels[severity];
    const bounceOver = b > level.bounceRate;
    if (bounceOver || s > level.spamRate) {
      const [what, value, threshold] = bounceOver ? ['bounce', b, level.bounceRate] as const : ['spam', s, level.spamRate] as const;
      const risk = atRisk === null ? '' : `, ${usd(atRisk)} at risk`;
      return {
        verdict: 'breach', severity, value, threshold, atRisk,
        short: `${what} ${pct(value)} > ${pctLimit(threshold)}${risk}`,
        summary: `${what === 'bounce' ? 'Bounce' : 'Spam'} rate ${pct(value)} is above the ${pctLimit(threshold)} ${severity} threshold${atRisk === null ? '' : `; ${usd(atRisk)} of revenue at risk`}.`,
      };
    }
  }
  return b <= r.clear.bounceRate && s <= r.clear.spamRate ? { verdict: 'clear' } : { verdict: 'hold' };
}

/** A negative impact above a level reaches it; a positive one, or a small one, is no incident. */
export function revenueImpact(type: unknown, amount: number | null, r: RuleSettings['revenue-impact']): Evaluation {
  if (type !== 'negative' || amount === null || amount < 0 || amount > 1e12) return { verdict: 'none' };
  for (const severity of SEVERITIES) {
    const threshold = r.levels[severity];
    if (amount > threshold) {
      return {
        verdict: 'breach', severity, value: amount, threshold, atRisk: amount,
        short: `revenue impact -${usd(amount)} (> ${usd(threshold)})`,
        summary: `A negative revenue impact of ${usd(amount)} was recorded (${severity} above ${usd(threshold)}).`,
      };
    }
  }
  return { verdict: 'none' };
}

/** A score below the level fires (high); at or above the clear level clears. */
export function efficiency(score: number | null, r: RuleSettings['efficiency']): Evaluation {
  if (score === null || score < 0 || score > 100) return { verdict: 'none' };
  if (score < r.levels.high) {
    return {
      verdict: 'breach', severity: 'high', value: score, threshold: r.levels.high, atRisk: null,
      short: `efficiency score ${scoreText(score)} < ${r.levels.high}`,
      // One event's score, not a brief's efficiency score of the period (a different measure):
      // said so, or "efficiency score 45" beside a brief's "Efficiency score 89" reads as a contradiction.
      summary: `An operational efficiency event reported a score of ${scoreText(score)}, below ${r.levels.high}.`,
    };
  }
  return score >= r.clear ? { verdict: 'clear' } : { verdict: 'hold' };
}

/** An identified saving above the level is an opportunity worth a director's attention (high). */
export function optimization(type: unknown, amount: number | null, r: RuleSettings['optimization']): Evaluation {
  if (type !== 'identified' || amount === null || amount < 0 || amount > 1e12 || amount <= r.levels.high) return { verdict: 'none' };
  return {
    verdict: 'breach', severity: 'high', value: amount, threshold: r.levels.high, atRisk: null,
    short: `${usd(amount)} saving identified (> ${usd(r.levels.high)})`,
    summary: `A cost saving of ${usd(amount)} was identified (above ${usd(r.levels.high)}).`,
  };
}

/**
 * Month-to-date cost against the budget prorated to date. Costs are monthly rates prorated by
 * day, so the ratio is the running monthly cost over the monthly budget.
 */
export function costOverrun(monthlyCost: number, monthlyBudget: number | null, r: RuleSettings['cost-overrun']): Evaluation {
  if (!r.enabled || monthlyBudget === null || !(monthlyBudget > 0) || !Number.isFinite(monthlyCost)) return { verdict: 'none' };
  const ratio = monthlyCost / monthlyBudget;
  if (ratio > r.levels.critical) {
    return {
      verdict: 'breach', severity: 'critical', value: ratio, threshold: r.levels.critical, atRisk: Math.round(monthlyCost - monthlyBudget),
      short: `cost ${usd(monthlyCost)}/mo is ${Math.round(ratio * 100)}% of budget (> ${Math.round(r.levels.critical * 100)}%)`,
      summary: `Running cost ${usd(monthlyCost)} a month is ${Math.round(ratio * 100)}% of the ${usd(monthlyBudget)} budget (above ${Math.round(r.levels.critical * 100)}%).`,
    };
  }
  return ratio <= r.clear ? { verdict: 'clear' } : { verdict: 'hold' };
}

/** For the brief's record of a period without alert records: which rule and severity an event reached. */
export interface Classified {
  rule: RuleName;
  severity: Severity;
  value: number;
  summary: string;
}

export function classifyEvent(e: AlertCandidateEvent, rules: RuleSettings, m: Pick<MetricSettings, 'revenueAtRisk'>): Classified | null {
  const r = evaluateEvent(e, rules, m);
  if (!r || r.evaluation.verdict !== 'breach') return null;
  return { rule: r.rule, severity: r.evaluation.severity, value: r.evaluation.value, summary: r.evaluation.summary };
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2 };
export function bySeverity(a: Severity, b: Severity): number {
  return SEVERITY_RANK[a] - SEVERITY_RANK[b];
}
/** The more severe of two. */
export function worstSeverity(a: Severity, b: Severity): Severity {
  return bySeverity(a, b) <= 0 ? a : b;
}

/** Is a value worse than another for a rule? (efficiency is worse when lower) */
export function worse(rule: string, a: number, b: number): boolean {
  return rule === 'efficiency' ? a < b : a > b;
}
