import { describe, expect, it } from 'vitest';
import { costOverrun, deliverability, efficiency, evaluateEvent, optimization, revenueImpact, type Evaluation } from '../../src/alerts/rules.js';
import { defaultRuleSettings, formatDuration, parseDuration, type RuleSettings } from '../../src/alerts/settings.js';
import { defaultMetricSettings } from '../../src/metrics/settings.js';
import type { AlertCandidateEvent } from '../../src/sources/types.js';

const rules = defaultRuleSettings;
const metrics = defaultMetricSettings;
const T0 = new Date('2026-03-10T10:00:00Z');

const event = (name: string, properties: Record<string, unknown>): AlertCandidateEvent =>
  ({ uuid: '00000000-0000-4000-8000-000000000001', event: name, timestamp: T0, properties: { tenant_id: 'acme', ...properties } });

/** The verdict, with the severity when it is a breach: 'critical', 'high', 'medium', 'clear', 'hold' or 'none'. */
const level = (e: Evaluation): string => (e.verdict === 'breach' ? e.severity : e.verdict);

const deliv = (bounce: number | null, spam: number | null, emails: number | null = 10_000) => deliverability(bounce, spam, emails, rules.deliverability, metrics);

// SPEC §8 default thresholds, as the table gives them; the rule code must not drift from them.
describe('default rule settings', () => {
  it('match the SPEC §8 table', () => {
    expect(rules.deliverability.levels).toEqual({
      critical: { bounceRate: 0.15, spamRate: 0.02 }, high: { bounceRate: 0.1, spamRate: 0.015 }, medium: { bounceRate: 0.05, spamRate: 0.01 },
    });
    expect(rules['revenue-impact'].levels).toEqual({ critical: 10_000, high: 1_000, medium: 100 });
    expect(rules['cost-overrun'].levels).toEqual({ critical: 1.2 });
    expect(rules.efficiency.levels).toEqual({ high: 70 });
    expect(rules.optimization.levels).toEqual({ high: 5_000 });
    expect(metrics.revenueAtRisk).toEqual({ perBounce: 0.05, perSpam: 0.25 });
  });
});

// Deliverability: strictly above a level reaches it; exactly at a level is the level below;
// between the clear levels (4% / 0.8%) and medium (5% / 1%) is hysteresis ('hold').
describe('deliverability', () => {
  it.each([
    // bounce alone (spam 0)
    [0.1501, 0, 'critical'], [0.15, 0, 'high'], [0.1499, 0, 'high'],
    [0.1001, 0, 'high'], [0.1, 0, 'medium'], [0.0999, 0, 'medium'],
    [0.0501, 0, 'medium'], [0.05, 0, 'hold'], [0.0499, 0, 'hold'],
    [0.0401, 0, 'hold'], [0.04, 0, 'clear'], [0.0399, 0, 'clear'], [0, 0, 'clear'],
    // spam alone (bounce 0)
    [0, 0.0201, 'critical'], [0, 0.02, 'high'], [0, 0.0199, 'high'],
    [0, 0.0151, 'high'], [0, 0.015, 'medium'], [0, 0.0149, 'medium'],
    [0, 0.0101, 'medium'], [0, 0.01, 'hold'], [0, 0.0099, 'hold'],
    [0, 0.0081, 'hold'], [0, 0.008, 'clear'], [0, 0.0079, 'clear'],
  ])('bounce %f, spam %f → %s', (bounce, spam, expected) => {
    expect(level(deliv(bounce, spam))).toBe(expected);
  });

  it('takes the worse of the two rates', () => {
    // bounce is only high, spam is critical: critical, told by spam.
    const e = deliv(0.12, 0.025);
    expect(e).toMatchObject({ verdict: 'breach', severity: 'critical', value: 0.025, threshold: 0.02 });
    // bounce clear, spam in the hysteresis band: hold, not clear.
    expect(level(deliv(0.01, 0.009))).toBe('hold');
    // both under their clear levels: clear.
    expect(level(deliv(0.03, 0.005))).toBe('clear');
  });

  it('says the rate, the threshold and the $ at risk = (0.05·bounce + 0.25·spam)·email_count', () => {
    // (0.05 × 0.17 + 0.25 × 0) × 10 000 = 85
    const e = deliv(0.17, null, 10_000);
    expect(e).toMatchObject({ verdict: 'breach', severity: 'critical', value: 0.17, threshold: 0.15, atRisk: 85 });
    expect(e.verdict === 'breach' && e.short).toBe('bounce 17.0% > 15%, $85 at risk');
    expect(e.verdict === 'breach' && e.summary).toBe('Bounce rate 17.0% is above the 15% critical threshold; $85 of revenue at risk.');
  });

  it('counts spam into the $ at risk', () => {
    // (0.05 × 0.17 + 0.25 × 0.01) × 10 000 = 85 + 25 = 110
    const e = deliv(0.17, 0.01, 10_000);
    expect(e.verdict === 'breach' && e.atRisk).toBe(110);
    expect(e.verdict === 'breach' && e.short).toBe('bounce 17.0% > 15%, $110 at risk');
    // spam-driven, threshold with a decimal: (0.05 × 0.02 + 0.25 × 0.016) × 20 000 = 20 + 80 = 100
    const s = deliv(0.02, 0.016, 20_000);
    expect(s).toMatchObject({ verdict: 'breach', severity: 'high', atRisk: 100 });
    expect(s.verdict === 'breach' && s.short).toBe('spam 1.6% > 1.5%, $100 at risk');
  });

  it('leaves out the $ at risk without an email count', () => {
    for (const emails of [null, 0, -5]) {
      const e = deliv(0.12, 0, emails);
      expect(e).toMatchObject({ verdict: 'breach', severity: 'high', atRisk: null });
      expect(e.verdict === 'breach' && e.short).toBe('bounce 12.0% > 10%');
    }
  });

  it.each([
    [17, null], [-0.1, null], [null, 1.5], [1.01, -0.2], [null, null], [Number.NaN, null],
  ])('a rate outside [0, 1] is no measurement: bounce %s, spam %s → none', (bounce, spam) => {
    expect(deliv(bounce, spam)).toEqual({ verdict: 'none' });
  });

  it('reads the rates from the event (strings too) through evaluateEvent', () => {
    const r = evaluateEvent(event('email_deliverability_event', { bounce_rate: '0.17', spam_rate: 0, email_count: 10_000 }), rules, metrics);
    expect(r?.rule).toBe('deliverability');
    expect(r?.evaluation).toMatchObject({ verdict: 'breach', severity: 'critical', atRisk: 85, short: 'bounce 17.0% > 15%, $85 at risk' });
    expect(evaluateEvent(event('email_deliverability_event', { bounce_rate: 'n/a' }), rules, metrics)?.evaluation).toEqual({ verdict: 'none' });
  });
});

// Revenue impact: an event rule; only a negative impact strictly above 10k / 1k / 100 is an incident.
describe('revenue-impact', () => {
  it.each([
    [10_000.01, 'critical'], [10_000, 'high'], [9_999.99, 'high'],
    [1_000.01, 'high'], [1_000, 'medium'], [999.99, 'medium'],
    [100.01, 'medium'], [100, 'none'], [99.99, 'none'], [0, 'none'],
  ])('negative %f → %s', (amount, expected) => {
    expect(level(revenueImpact('negative', amount, rules['revenue-impact']))).toBe(expected);
  });

  it('ignores a positive impact, however large, and a malformed amount', () => {
    expect(revenueImpact('positive', 50_000, rules['revenue-impact'])).toEqual({ verdict: 'none' });
    expect(revenueImpact(undefined, 50_000, rules['revenue-impact'])).toEqual({ verdict: 'none' });
    expect(revenueImpact('negative', null, rules['revenue-impact'])).toEqual({ verdict: 'none' });
    expect(revenueImpact('negative', -50_000, rules['revenue-impact'])).toEqual({ verdict: 'none' });
  });

  it('never says clear or hold (an event rule resolves by quietFor)', () => {
    for (const amount of [0, 50, 100]) expect(revenueImpact('negative', amount, rules['revenue-impact']).verdict).toBe('none');
  });

  it('says the amount and the threshold', () => {
    const e = revenueImpact('negative', 12_500, rules['revenue-impact']);
    expect(e).toMatchObject({ verdict: 'breach', severity: 'critical', value: 12_500, threshold: 10_000, atRisk: 12_500 });
    expect(e.verdict === 'breach' && e.short).toBe('revenue impact -$12,500 (> $10,000)');
  });

  it('is fed by revenue_impact_event', () => {
    const r = evaluateEvent(event('revenue_impact_event', { impact_type: 'negative', impact_amount: 2500 }), rules, metrics);
    expect(r).toMatchObject({ rule: 'revenue-impact', evaluation: { verdict: 'breach', severity: 'high' } });
  });
});

// Efficiency: a condition rule; < 70 fires (high), ≥ 75 clears, 70–74.99 is hysteresis.
describe('efficiency', () => {
  it.each([
    [69.99, 'high'], [50, 'high'], [0, 'high'],
    [70, 'hold'], [72, 'hold'], [74.99, 'hold'],
    [75, 'clear'], [87, 'clear'], [100, 'clear'],
    [-1, 'none'], [101, 'none'],
  ])('score %f → %s', (score, expected) => {
    expect(level(efficiency(score, rules.efficiency))).toBe(expected);
  });

  it('says the score and the threshold', () => {
    const e = efficiency(65, rules.efficiency);
    expect(e).toMatchObject({ verdict: 'breach', severity: 'high', value: 65, threshold: 70, atRisk: null });
    expect(e.verdict === 'breach' && e.short).toBe('efficiency score 65 < 70');
  });

  it('is fed by operational_efficiency_event', () => {
    expect(evaluateEvent(event('operational_efficiency_event', { efficiency_score: 87 }), rules, metrics)).toEqual({ rule: 'efficiency', evaluation: { verdict: 'clear' } });
    expect(evaluateEvent(event('operational_efficiency_event', {}), rules, metrics)).toEqual({ rule: 'efficiency', evaluation: { verdict: 'none' } });
  });
});

// Optimization: an identified saving strictly above $5,000 is an opportunity (high); nothing else is.
describe('optimization', () => {
  it.each([
    ['identified', 5_000.01, 'high'], ['identified', 5_000, 'none'], ['identified', 4_999, 'none'],
    ['implemented', 50_000, 'none'], [undefined, 50_000, 'none'],
  ])('%s %f → %s', (type, amount, expected) => {
    expect(level(optimization(type, amount, rules.optimization))).toBe(expected);
  });

  it('says the saving', () => {
    const e = optimization('identified', 7_200, rules.optimization);
    expect(e.verdict === 'breach' && e.short).toBe('$7,200 saving identified (> $5,000)');
  });

  it('is fed by cost_optimization_event', () => {
    const r = evaluateEvent(event('cost_optimization_event', { optimization_type: 'identified', savings_amount: 6000 }), rules, metrics);
    expect(r).toMatchObject({ rule: 'optimization', evaluation: { verdict: 'breach', severity: 'high', value: 6000 } });
  });
});

// Cost overrun: running monthly cost / monthly budget; > 1.2 critical, ≤ 1.1 clear, between: hold.
describe('cost-overrun', () => {
  const r = rules['cost-overrun'];
  it.each([
    [1_201, 'critical'], [1_200, 'hold'], [1_150, 'hold'], [1_101, 'hold'],
    [1_100, 'clear'], [1_000, 'clear'], [0, 'clear'],
  ])('cost %i on a 1000 budget → %s', (cost, expected) => {
    expect(level(costOverrun(cost, 1_000, r))).toBe(expected);
  });

  it('says nothing without a budget (or a zero one) or with a non-finite cost', () => {
    expect(costOverrun(5_000, null, r)).toEqual({ verdict: 'none' });
    expect(costOverrun(5_000, 0, r)).toEqual({ verdict: 'none' });
    expect(costOverrun(Number.NaN, 1_000, r)).toEqual({ verdict: 'none' });
  });

  it('says the ratio and the overrun', () => {
    const e = costOverrun(1_300, 1_000, r);
    expect(e).toMatchObject({ verdict: 'breach', severity: 'critical', threshold: 1.2, atRisk: 300 });
    expect(e.verdict === 'breach' && e.value).toBeCloseTo(1.3, 10);
    expect(e.verdict === 'breach' && e.short).toBe('cost $1,300/mo is 130% of budget (> 120%)');
  });

  it('says nothing when disabled', () => {
    expect(costOverrun(5_000, 1_000, { ...r, enabled: false })).toEqual({ verdict: 'none' });
  });
});

// evaluateEvent: a disabled rule, or an event no rule reads, is no evaluation at all (null).
describe('evaluateEvent: disabled rules and other events', () => {
  const disabled = (name: keyof RuleSettings): RuleSettings => ({ ...rules, [name]: { ...rules[name], enabled: false } });

  it.each([
    ['deliverability', 'email_deliverability_event', { bounce_rate: 0.3 }],
    ['revenue-impact', 'revenue_impact_event', { impact_type: 'negative', impact_amount: 50_000 }],
    ['efficiency', 'operational_efficiency_event', { efficiency_score: 10 }],
    ['optimization', 'cost_optimization_event', { optimization_type: 'identified', savings_amount: 50_000 }],
  ] as const)('disabled %s → null', (rule, name, props) => {
    expect(evaluateEvent(event(name, props), rules, metrics)?.evaluation.verdict).toBe('breach');
    expect(evaluateEvent(event(name, props), disabled(rule), metrics)).toBeNull();
  });

  it('returns null for an event no rule reads', () => {
    expect(evaluateEvent(event('strategic_decision_event', {}), rules, metrics)).toBeNull();
  });
});

// Durations as configured ("30m") and as printed in messages ("30 min").
describe('parseDuration / formatDuration', () => {
  it.each([
    ['250ms', 250], ['5s', 5_000], ['30m', 1_800_000], ['4h', 14_400_000], ['1d', 86_400_000], [' 1.5h ', 5_400_000], [5, 5_000], [0, 0],
  ])('parses %j as %i ms', (v, ms) => {
    expect(parseDuration(v)).toBe(ms);
  });

  it.each([['5'], ['5x'], ['-1h'], [''], [-1], [Number.POSITIVE_INFINITY], [null], [{}]])('rejects %j', (v) => {
    expect(parseDuration(v)).toBeNull();
  });

  it.each([
    [45_000, '45 s'], [900_000, '15 min'], [14_400_000, '4 h'], [5_400_000, '1 h 30 min'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
