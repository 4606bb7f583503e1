import { describe, expect, it } from 'vitest';
import {
  acknowledge, escalateNow, NOTHING, observe, snooze, TEST_ALERT_LIFETIME_MS, timers,
  type AlertRecord, type Decision, type RulePolicy, type TimingPolicy,
} from '../../src/alerts/lifecycle.js';
import { deliverability, type Breach, type Evaluation } from '../../src/alerts/rules.js';
import { defaultRuleSettings } from '../../src/alerts/settings.js';
import { defaultMetricSettings } from '../../src/metrics/settings.js';
import type { Severity } from '../../src/report/types.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const T0 = new Date('2026-03-10T10:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

const CONDITION: RulePolicy = { kind: 'condition', forMs: 0, resolveAfter: 3, quietForMs: H };
const EVENT: RulePolicy = { kind: 'event', forMs: 0, resolveAfter: 3, quietForMs: H };
/** The defaults: repeat every 30 min, escalate after 15 min, ack timeout 4 h; two tiers (oncall, c-suite). */
const TIMING: TimingPolicy = { repeatEveryMs: 30 * M, escalateAfterMs: 15 * M, ackTimeoutMs: 4 * H, tiers: 2 };

const breach = (severity: Severity, value = 0.17): Breach =>
  ({ verdict: 'breach', severity, value, threshold: 0.15, short: `bounce ${value}`, summary: `Bounce ${value}`, atRisk: null });
const CLEAR: Evaluation = { verdict: 'clear' };
const HOLD: Evaluation = { verdict: 'hold' };

/** Applies a decision as the poller does: a new alert when `open`, else the patch over the alert. */
function apply(alert: AlertRecord | null, d: Decision): AlertRecord | null {
  if (d.open) {
    return {
      id: 1, rule: 'deliverability', tenantId: 'acme', state: 'pending', severity: 'medium', currentSeverity: 'medium',
      value: null, short: '', summary: '', atRisk: null, pendingSince: null, firedAt: null, lastBreachAt: null, clearCount: 0,
      acknowledgedAt: null, snoozedUntil: null, escalationLevel: 0, repeatCount: 0, lastPagedAt: null, realertCount: 0,
      upgradeCount: 0, test: false, ...d.patch,
    };
  }
  return alert ? { ...alert, ...d.patch } : null;
}

/** An alert that fired (critical, tier 0) at T0. */
function firing(over: Partial<AlertRecord> = {}): AlertRecord {
  const a = apply(null, observe(null, breach(over.severity ?? 'critical'), T0, CONDITION))!;
  return { ...a, ...over };
}

const refused = (d: Decision | { refused: string }): d is { refused: string } => 'refused' in d;
const decided = (d: Decision | { refused: string }): Decision => {
  if (refused(d)) throw new Error(`refused: ${d.refused}`);
  return d;
};

// Opening: a breach with for=0 fires at once to tier 0; with `for` it waits in `pending` and fires
// only once a later breach, or the timers, find `for` elapsed; cleared before then, nobody hears.
describe('opening and pending', () => {
  it('fires at once to tier 0 when for = 0', () => {
    const d = observe(null, breach('critical'), T0, CONDITION);
    expect(d.open).toBe(true);
    expect(d.notify).toEqual([{ step: 'fire', tiers: [0] }]);
    expect(d.patch).toMatchObject({ state: 'firing', severity: 'critical', currentSeverity: 'critical', firedAt: T0, lastPagedAt: T0, escalationLevel: 0, pendingSince: T0 });
  });

  it('does nothing on a clear, hold or none without an open alert', () => {
    for (const ev of [CLEAR, HOLD, { verdict: 'none' } as const]) expect(observe(null, ev, T0, CONDITION)).toEqual(NOTHING);
  });

  it('waits in pending for `for`, then fires on a later breach', () => {
    const p = { ...CONDITION, forMs: 5 * M };
    const d = observe(null, breach('high'), T0, p);
    expect(d.patch.state).toBe('pending');
    expect(d.notify).toEqual([]);
    let a = apply(null, d)!;

    const early = observe(a, breach('high'), at(4 * M + 59 * S), p);
    expect(early.notify).toEqual([]);
    expect(early.patch.state).toBeUndefined();
    a = apply(a, early)!;

    const late = observe(a, breach('high'), at(5 * M), p);
    expect(late.notify).toEqual([{ step: 'fire', tiers: [0] }]);
    expect(late.patch).toMatchObject({ state: 'firing', firedAt: at(5 * M) });
  });

  it('fires from pending when timers() find `for` elapsed', () => {
    const p = { ...CONDITION, forMs: 5 * M };
    const a = apply(null, observe(null, breach('critical'), T0, p))!;
    expect(timers(a, at(4 * M), p, TIMING)).toEqual(NOTHING);
    const d = timers(a, at(5 * M), p, TIMING);
    expect(d.notify).toEqual([{ step: 'fire', tiers: [0] }]);
    expect(d.patch).toMatchObject({ state: 'firing', firedAt: at(5 * M), escalationLevel: 0 });
  });

  it('resolves a pending alert on a clear, telling nobody', () => {
    const p = { ...CONDITION, forMs: 5 * M };
    const a = apply(null, observe(null, breach('critical'), T0, p))!;
    const d = observe(a, CLEAR, at(M), p);
    expect(d.patch.state).toBe('resolved');
    expect(d.notify).toEqual([]);
  });
});

// Resolution of a condition alert: `resolveAfter` clear evaluations in a row; a hold (the band
// between the clear and the fire thresholds) or a breach resets the count, so a value hovering at
// the line does not flap.
describe('resolution with hysteresis', () => {
  it('resolves after resolveAfter clear evaluations in a row and tells tier 0', () => {
    let a = firing();
    for (let i = 1; i <= 2; i++) {
      const d = observe(a, CLEAR, at(i * M), CONDITION);
      expect(d.patch).toEqual({ clearCount: i });
      expect(d.notify).toEqual([]);
      a = apply(a, d)!;
    }
    const d = observe(a, CLEAR, at(3 * M), CONDITION);
    expect(d.patch.state).toBe('resolved');
    expect(d.notify).toEqual([{ step: 'resolve', tiers: [0] }]);
  });

  it('resets the count on a hold in between', () => {
    let a = firing();
    a = apply(a, observe(a, CLEAR, at(1 * M), CONDITION))!;
    a = apply(a, observe(a, CLEAR, at(2 * M), CONDITION))!;
    expect(a.clearCount).toBe(2);
    a = apply(a, observe(a, HOLD, at(3 * M), CONDITION))!;
    expect(a.clearCount).toBe(0);
    a = apply(a, observe(a, CLEAR, at(4 * M), CONDITION))!;
    a = apply(a, observe(a, CLEAR, at(5 * M), CONDITION))!;
    expect(a.state).toBe('firing');
    const d = observe(a, CLEAR, at(6 * M), CONDITION);
    expect(d.patch.state).toBe('resolved');
  });

  it('fires once and resolves once for bounce 16%, 4.5%, 3%, 16%, 3%, 3%, 3%', () => {
    const sequence = [0.16, 0.045, 0.03, 0.16, 0.03, 0.03, 0.03];
    let a: AlertRecord | null = null;
    const steps: string[] = [];
    const states: string[] = [];
    sequence.forEach((bounce, i) => {
      const ev = deliverability(bounce, 0, 10_000, defaultRuleSettings.deliverability, defaultMetricSettings);
      const d = observe(a, ev, at(i * M), CONDITION);
      steps.push(...d.notify.map((n) => n.step));
      a = apply(a, d);
      states.push(a?.state ?? '-');
    });
    expect(steps).toEqual(['fire', 'resolve']);
    expect(states).toEqual(['firing', 'firing', 'firing', 'firing', 'firing', 'firing', 'resolved']);
  });

  it('does not flap for a value hovering around the medium line, even with resolveAfter 1', () => {
    // 5.5% breaches medium, 4.5% is under it but above the 4% clear line: hold, never a resolve.
    const p = { ...CONDITION, resolveAfter: 1 };
    let a: AlertRecord | null = null;
    const steps: string[] = [];
    for (const [i, bounce] of [0.055, 0.045, 0.055, 0.045, 0.055, 0.045].entries()) {
      const d = observe(a, deliverability(bounce, 0, null, defaultRuleSettings.deliverability, defaultMetricSettings), at(i * M), p);
      steps.push(...d.notify.map((n) => n.step));
      a = apply(a, d);
    }
    expect(steps).toEqual(['fire']);
    expect(a!.state).toBe('firing');
  });

  it('does not count clears for an event rule (it resolves by quietFor)', () => {
    const a = firing();
    expect(observe(a, CLEAR, at(M), EVENT)).toEqual(NOTHING);
    expect(observe(a, { verdict: 'none' }, at(M), CONDITION)).toEqual(NOTHING);
  });

  it('sends the resolved notice to every tier told after an escalation', () => {
    let a = firing();
    a = apply(a, timers(a, at(15 * M), CONDITION, TIMING))!;
    expect(a.escalationLevel).toBe(1);
    a = apply(a, observe(a, CLEAR, at(16 * M), CONDITION))!;
    a = apply(a, observe(a, CLEAR, at(17 * M), CONDITION))!;
    const d = observe(a, CLEAR, at(18 * M), CONDITION);
    expect(d.notify).toEqual([{ step: 'resolve', tiers: [0, 1] }]);
  });
});

// A breach that persists does not re-notify; one that gets worse tells every tier reached.
describe('severity changes while open', () => {
  it('does not notify again on a persisting breach of the same severity', () => {
    const a = firing();
    const d = observe(a, breach('critical', 0.18), at(M), CONDITION);
    expect(d.notify).toEqual([]);
    expect(d.patch).toMatchObject({ value: 0.18, lastBreachAt: at(M), clearCount: 0 });
  });

  it('notifies upgrade-1 to all tiers reached when high turns critical', () => {
    const a = firing({ severity: 'high', currentSeverity: 'high', escalationLevel: 1 });
    const d = observe(a, breach('critical'), at(M), CONDITION);
    expect(d.notify).toEqual([{ step: 'upgrade-1', tiers: [0, 1] }]);
    expect(d.patch).toMatchObject({ severity: 'critical', currentSeverity: 'critical', upgradeCount: 1, lastPagedAt: at(M) });
  });

  it('keeps the worst severity reached when the breach eases', () => {
    const a = firing();
    const d = observe(a, breach('high', 0.12), at(M), CONDITION);
    expect(d.notify).toEqual([]);
    expect(d.patch).toMatchObject({ severity: 'critical', currentSeverity: 'high' });
  });
});

// Time alone: a critical unacknowledged alert repeats by SMS every repeatEvery and escalates one
// tier per escalateAfter, up to the last tier; an acknowledgement stops both, a snooze pauses them.
describe('repeats and escalation', () => {
  const ONE_TIER: TimingPolicy = { ...TIMING, tiers: 1 };

  it('repeats by SMS alone every repeatEvery while unacknowledged', () => {
    let a = firing();
    expect(timers(a, at(29 * M + 59 * S), CONDITION, ONE_TIER)).toEqual(NOTHING);
    const d1 = timers(a, at(30 * M), CONDITION, ONE_TIER);
    expect(d1.notify).toEqual([{ step: 'repeat-1', tiers: [0], smsOnly: true }]);
    a = apply(a, d1)!;
    expect(timers(a, at(59 * M), CONDITION, ONE_TIER)).toEqual(NOTHING);
    const d2 = timers(a, at(60 * M), CONDITION, ONE_TIER);
    expect(d2.notify).toEqual([{ step: 'repeat-2', tiers: [0], smsOnly: true }]);
  });

  it('does not repeat a high alert', () => {
    const a = firing({ severity: 'high', currentSeverity: 'high' });
    expect(timers(a, at(3 * H), CONDITION, TIMING)).toEqual(NOTHING);
  });

  it('escalates to tier 1 after escalateAfter, and no further with two tiers', () => {
    let a = firing();
    expect(timers(a, at(14 * M), CONDITION, TIMING)).toEqual(NOTHING);
    const d = timers(a, at(15 * M), CONDITION, TIMING);
    expect(d.notify).toEqual([{ step: 'escalate-1', tiers: [1] }]);
    a = apply(a, d)!;
    expect(a.escalationLevel).toBe(1);
    // The escalation paged at 15 min: the next page is a repeat, 30 min later, to both tiers.
    expect(timers(a, at(30 * M), CONDITION, TIMING)).toEqual(NOTHING);
    const r = timers(a, at(45 * M), CONDITION, TIMING);
    expect(r.notify).toEqual([{ step: 'repeat-1', tiers: [0, 1], smsOnly: true }]);
    expect(r.notify.some((n) => n.step.startsWith('escalate'))).toBe(false);
  });

  it('escalates to tier 2 only when there are three tiers', () => {
    const THREE: TimingPolicy = { ...TIMING, tiers: 3 };
    let a = firing();
    a = apply(a, timers(a, at(15 * M), CONDITION, THREE))!;
    expect(timers(a, at(29 * M), CONDITION, THREE)).toEqual(NOTHING);
    const d = timers(a, at(30 * M), CONDITION, THREE);
    expect(d.notify).toEqual([{ step: 'escalate-2', tiers: [2] }]);
    a = apply(a, d)!;
    // At the last tier: repeats only.
    const r = timers(a, at(60 * M), CONDITION, THREE);
    expect(r.notify).toEqual([{ step: 'repeat-1', tiers: [0, 1, 2], smsOnly: true }]);
  });

  it('stops repeats and escalation once acknowledged', () => {
    const a = firing();
    const d = decided(acknowledge(a, at(5 * M), 'Dana'));
    expect(d.patch).toMatchObject({ state: 'acknowledged', acknowledgedAt: at(5 * M) });
    expect(d.notify).toEqual([{ step: 'ack-0', tiers: [] }]);
    const acked = apply(a, d)!;
    for (const t of [15 * M, 30 * M, 2 * H, 4 * H + 4 * M]) expect(timers(acked, at(t), CONDITION, TIMING)).toEqual(NOTHING);
  });

  it('re-alerts an acknowledgement not followed by resolution within ackTimeout', () => {
    const acked = apply(firing(), decided(acknowledge(firing(), at(5 * M), 'Dana')))!;
    const d = timers(acked, at(5 * M + 4 * H), CONDITION, TIMING);
    expect(d.notify).toEqual([{ step: 'realert-1', tiers: [0] }]);
    expect(d.patch).toMatchObject({ state: 'firing', acknowledgedAt: null, realertCount: 1, firedAt: at(5 * M + 4 * H) });
    // The next acknowledgement is a step of its own.
    const again = apply(acked, d)!;
    expect(decided(acknowledge(again, at(5 * H), 'Dana')).notify).toEqual([{ step: 'ack-1', tiers: [] }]);
  });

  it('refuses to acknowledge twice or after resolution', () => {
    const acked = apply(firing(), decided(acknowledge(firing(), at(M), 'Dana')))!;
    expect(acknowledge(acked, at(2 * M), 'Eli')).toEqual({ refused: 'already acknowledged' });
    expect(acknowledge({ ...acked, state: 'resolved' }, at(2 * M), 'Eli')).toEqual({ refused: 'already resolved' });
  });

  it('silences repeats and escalation while snoozed, and resumes after', () => {
    const ONE = ONE_TIER;
    const d = decided(snooze(firing(), at(10 * M), H, 'Dana'));
    expect(d.patch).toEqual({ snoozedUntil: at(70 * M) });
    expect(d.notify).toEqual([]);
    const a = apply(firing(), d)!;
    expect(a.state).toBe('firing');
    expect(timers(a, at(30 * M), CONDITION, ONE)).toEqual(NOTHING);
    expect(timers(a, at(69 * M), CONDITION, ONE)).toEqual(NOTHING);
    expect(timers(a, at(15 * M), CONDITION, TIMING)).toEqual(NOTHING);   // no escalation either
    expect(timers(a, at(70 * M), CONDITION, ONE).notify).toEqual([{ step: 'repeat-1', tiers: [0], smsOnly: true }]);
  });

  it('escalates now on ESC, and refuses at the last tier or once resolved', () => {
    const a = firing();
    const d = decided(escalateNow(a, at(2 * M), 2, 'Dana'));
    expect(d.notify).toEqual([{ step: 'escalate-1', tiers: [1] }]);
    expect(d.patch).toMatchObject({ escalationLevel: 1, lastPagedAt: at(2 * M) });
    const top = apply(a, d)!;
    expect(escalateNow(top, at(3 * M), 2, 'Dana')).toEqual({ refused: 'already at the last tier' });
    expect(escalateNow({ ...a, state: 'resolved' }, at(3 * M), 2, 'Dana')).toEqual({ refused: 'already resolved' });
    // The timers do not escalate again what ESC already did.
    expect(timers(top, at(15 * M), CONDITION, TIMING)).toEqual(NOTHING);
  });
});

// Event rules have no clear verdict: no breaching event for quietFor resolves them.
describe('event rules resolve by quietFor', () => {
  it('resolves after quietFor without a breach, telling the tiers reached', () => {
    const a = firing({ severity: 'high', currentSeverity: 'high' });
    expect(timers(a, at(59 * M), EVENT, TIMING)).toEqual(NOTHING);
    const d = timers(a, at(H), EVENT, TIMING);
    expect(d.patch.state).toBe('resolved');
    expect(d.notify).toEqual([{ step: 'resolve', tiers: [0] }]);
  });

  it('restarts the quiet period on each new breach', () => {
    let a = firing({ severity: 'high', currentSeverity: 'high' });
    a = apply(a, observe(a, breach('high'), at(50 * M), EVENT))!;
    expect(timers(a, at(H + 49 * M), EVENT, TIMING)).toEqual(NOTHING);
    expect(timers(a, at(H + 50 * M), EVENT, TIMING).patch.state).toBe('resolved');
  });
});

// A test alert (`herald alerts test`) is told once: never repeated or escalated, and it closes by
// itself after TEST_ALERT_LIFETIME_MS with no resolved notice (nothing was wrong).
describe('test alerts', () => {
  it('never repeats or escalates, and closes after its lifetime without a notice', () => {
    const a = firing({ test: true });
    for (const t of [15 * M, 30 * M, TEST_ALERT_LIFETIME_MS - 1]) expect(timers(a, at(t), CONDITION, TIMING)).toEqual(NOTHING);
    const d = timers(a, at(TEST_ALERT_LIFETIME_MS), CONDITION, TIMING);
    expect(d.patch.state).toBe('resolved');
    expect(d.notify).toEqual([]);
  });

  it('closes without a notice even when acknowledged', () => {
    const a = apply(firing({ test: true }), decided(acknowledge(firing({ test: true }), at(M), 'Dana')))!;
    const d = timers(a, at(TEST_ALERT_LIFETIME_MS), CONDITION, TIMING);
    expect(d.patch.state).toBe('resolved');
    expect(d.notify).toEqual([]);
  });

  // The poller gives a test alert its rule's own policy; `herald alerts test revenue-impact` is an
  // event rule whose quietFor (1 h) equals the test lifetime: it must still close without a notice.
  it('closes without a notice under an event rule policy too (revenue-impact: quietFor 1 h)', () => {
    const a = firing({ test: true });
    for (const t of [30 * M, TEST_ALERT_LIFETIME_MS - 1]) expect(timers(a, at(t), EVENT, TIMING)).toEqual(NOTHING);
    const d = timers(a, at(TEST_ALERT_LIFETIME_MS), EVENT, TIMING);
    expect(d.patch.state).toBe('resolved');
    expect(d.notify).toEqual([]);
  });
});

describe('resolved alerts', () => {
  it('are left alone by the timers', () => {
    expect(timers(firing({ state: 'resolved' }), at(5 * H), CONDITION, TIMING)).toEqual(NOTHING);
  });
});
