/**
 * An alert's life (SPEC §8) as pure decisions, after Alertmanager's `needsUpdate`: the alert as
 * it is, what was measured (or only the time), and `now` in; what changes and which notification
 * step to send out. The poller applies them in one transaction (AlertPoller.ts); replies and the
 * command line apply acknowledge / snooze / escalate (actions below).
 *
 *   (none) ─breach─▶ pending ─for elapsed─▶ firing ─ack─▶ acknowledged ─ackTimeout─▶ firing (realert)
 *                       │                     │  ▲                │
 *                       └──clear──▶ resolved  │  └─repeat/escalate (critical, unacknowledged)
 *                                             └──resolveAfter clear evaluations / quietFor──▶ resolved
 */
import type { Severity } from '../report/types.js';
import { bySeverity, worstSeverity, type Breach, type Evaluation, type RuleKind } from './rules.js';

export type AlertState = 'pending' | 'firing' | 'acknowledged' | 'resolved';

/** An alert as the lifecycle sees it (herald.alerts). */
export interface AlertRecord {
  id: number;
  rule: string;
  tenantId: string | null;
  state: AlertState;
  /** The worst severity reached while open: it decides the routes. */
  severity: Severity;
  /** The severity of the latest breach: repeats and escalation run while it is critical. */
  currentSeverity: Severity;
  value: number | null;
  short: string;
  summary: string;
  atRisk: number | null;
  pendingSince: Date | null;
  firedAt: Date | null;
  lastBreachAt: Date | null;
  /** Clear evaluations in a row (condition rules). */
  clearCount: number;
  acknowledgedAt: Date | null;
  snoozedUntil: Date | null;
  /** The highest tier notified (0: the first). */
  escalationLevel: number;
  repeatCount: number;
  /** When the notified tiers were last told by SMS (fire, repeat, escalation, realert). */
  lastPagedAt: Date | null;
  realertCount: number;
  upgradeCount: number;
  /** A test alert (`herald alerts test`): notified once, never repeated or escalated. */
  test: boolean;
}

/**
 * A notification to send: its step names the outbox keys (`alert:<id>:<step>:<channel>:<recipient>`),
 * so each is sent once whoever decides it. `tiers`: the tier indexes whose members are told;
 * `smsOnly`: repeats go by SMS alone.
 */
export interface Step { step: string; tiers: number[]; smsOnly?: boolean }

export interface TimelineEntry { kind: string; detail?: Record<string, unknown> }

export interface Decision {
  /** Fields to set on the alert (a new alert when `open`). */
  patch: Partial<AlertRecord>;
  open?: boolean;
  notify: Step[];
  timeline: TimelineEntry[];
}

export const NOTHING: Decision = { patch: {}, notify: [], timeline: [] };

/** A test alert (`herald alerts test`) stays open this long for a director to try replying, then closes. */
export const TEST_ALERT_LIFETIME_MS = 3600_000;

export interface RulePolicy {
  kind: RuleKind;
  /** A breach must last this long before firing. */
  forMs: number;
  /** Condition rules: clear evaluations in a row that resolve. */
  resolveAfter: number;
  /** Event rules: quiet this long resolves. */
  quietForMs: number;
}

export interface TimingPolicy {
  repeatEveryMs: number;
  escalateAfterMs: number;
  ackTimeoutMs: number;
  /** How many tiers there are (escalation stops at the last). */
  tiers: number;
}

const allTiersTo = (level: number) => Array.from({ length: level + 1 }, (_, i) => i);
const isOpen = (a: AlertRecord | null | undefined): a is AlertRecord => !!a && a.state !== 'resolved';

function breachFields(b: Breach, now: Date): Partial<AlertRecord> {
  return { value: b.value, short: b.short, summary: b.summary, atRisk: b.atRisk, currentSeverity: b.severity, lastBreachAt: now, clearCount: 0 };
}

/** Firing now: the first notification goes to the first tier. */
function fire(now: Date): Decision {
  return {
    patch: { state: 'firing', firedAt: now, lastPagedAt: now, escalationLevel: 0 },
    notify: [{ step: 'fire', tiers: [0] }],
    timeline: [{ kind: 'fired' }],
  };
}

function merge(...ds: Decision[]): Decision {
  return {
    patch: Object.assign({}, ...ds.map((d) => d.patch)),
    open: ds.some((d) => d.open),
    notify: ds.flatMap((d) => d.notify),
    timeline: ds.flatMap((d) => d.timeline),
  };
}

/** What one evaluation of a rule for one tenant does to its open alert (or to none). */
export function observe(alert: AlertRecord | null, ev: Evaluation, now: Date, p: RulePolicy): Decision {
  if (!isOpen(alert)) {
    if (ev.verdict !== 'breach') return NOTHING;
    const opened: Decision = {
      patch: { state: 'pending', severity: ev.severity, pendingSince: now, ...breachFields(ev, now) },
      open: true,
      notify: [],
      timeline: [{ kind: 'breach', detail: { severity: ev.severity, value: ev.value } }],
    };
    return p.forMs > 0 ? { ...opened, timeline: [...opened.timeline, { kind: 'pending', detail: { for_ms: p.forMs } }] } : merge(opened, fire(now));
  }

  if (ev.verdict === 'breach') {
    const worse = bySeverity(ev.severity, alert.severity) < 0;
    const d: Decision = { patch: { ...breachFields(ev, now), severity: worstSeverity(ev.severity, alert.severity) }, notify: [], timeline: [] };
    if (alert.state === 'pending') {
      return alert.pendingSince && now.getTime() - alert.pendingSince.getTime() >= p.forMs ? merge(d, fire(now)) : d;
    }
    if (worse) {
      // A high alert that turns critical: the critical route (SMS) to every tier told so far.
      const n = alert.upgradeCount + 1;
      return merge(d, {
        patch: { upgradeCount: n, lastPagedAt: now },
        notify: [{ step: `upgrade-${n}`, tiers: allTiersTo(alert.escalationLevel) }],
        timeline: [{ kind: 'upgraded', detail: { from: alert.severity, to: ev.severity } }],
      });
    }
    return d;
  }

  if (p.kind !== 'condition' || ev.verdict === 'none') return NOTHING;
  if (ev.verdict === 'hold') return alert.clearCount === 0 ? NOTHING : { patch: { clearCount: 0 }, notify: [], timeline: [] };
  // clear
  if (alert.state === 'pending') return resolve(alert, now, 'cleared before it fired');
  const clearCount = alert.clearCount + 1;
  if (clearCount >= p.resolveAfter) return resolve(alert, now, `clear for ${clearCount} evaluations`);
  return { patch: { clearCount }, notify: [], timeline: [] };
}

function resolve(alert: AlertRecord, now: Date, why: string): Decision {
  // One that never fired told nobody: nothing to say. Otherwise every channel that was told hears.
  return {
    patch: { state: 'resolved', clearCount: 0 },
    notify: alert.firedAt ? [{ step: 'resolve', tiers: allTiersTo(alert.escalationLevel) }] : [],
    timeline: [{ kind: 'resolved', detail: { why } }],
  };
}

/**
 * What time alone does to an open alert: a pending one fires when its `for` elapsed; a critical,
 * unacknowledged one repeats by SMS every `repeatEvery` and escalates to the next tier after
 * each `escalateAfter` (both silenced while snoozed); an acknowledgement not followed by
 * resolution within `ackTimeout` fires again; an event alert quiet for `quietFor` resolves.
 */
export function timers(alert: AlertRecord, now: Date, p: RulePolicy, t: TimingPolicy): Decision {
  const at = now.getTime();
  if (alert.state === 'resolved') return NOTHING;
  if (alert.state === 'pending') {
    return alert.pendingSince && at - alert.pendingSince.getTime() >= p.forMs ? fire(now) : NOTHING;
  }
  if (alert.test) {
    // A test of the route is told once and closes by itself (no resolved notice: nothing was wrong).
    return at - (alert.firedAt ?? now).getTime() >= TEST_ALERT_LIFETIME_MS
      ? { patch: { state: 'resolved' }, notify: [], timeline: [{ kind: 'resolved', detail: { why: 'test alert closed after an hour' } }] }
      : NOTHING;
  }
  if (p.kind === 'event' && alert.lastBreachAt && at - alert.lastBreachAt.getTime() >= p.quietForMs) {
    return resolve(alert, now, `no breach for ${Math.round(p.quietForMs / 60_000)} min`);
  }
  if (alert.state === 'acknowledged') {
    if (alert.acknowledgedAt && at - alert.acknowledgedAt.getTime() >= t.ackTimeoutMs) {
      const n = alert.realertCount + 1;
      return {
        patch: { state: 'firing', acknowledgedAt: null, snoozedUntil: null, realertCount: n, firedAt: now, lastPagedAt: now, repeatCount: 0 },
        notify: [{ step: `realert-${n}`, tiers: allTiersTo(alert.escalationLevel) }],
        timeline: [{ kind: 'realerted', detail: { why: 'acknowledged but not resolved in time' } }],
      };
    }
    return NOTHING;
  }
  // firing
  if (alert.currentSeverity !== 'critical' && alert.severity !== 'critical') return NOTHING;
  if (alert.currentSeverity !== 'critical') return NOTHING; // no longer critical: no more paging
  if (alert.snoozedUntil && at < alert.snoozedUntil.getTime()) return NOTHING;
  const fired = (alert.firedAt ?? now).getTime();
  const paged = (alert.lastPagedAt ?? alert.firedAt ?? now).getTime();
  const nextLevel = alert.escalationLevel + 1;
  // The tiers told so far get escalateAfter since their last page: a high alert that just turned
  // critical (and paged them) does not escalate on the next tick.
  if (nextLevel < t.tiers && at - fired >= t.escalateAfterMs * nextLevel && at - paged >= t.escalateAfterMs) {
    return {
      patch: { escalationLevel: nextLevel, lastPagedAt: now },
      notify: [{ step: `escalate-${nextLevel}`, tiers: [nextLevel] }],
      timeline: [{ kind: 'escalated', detail: { tier: nextLevel } }],
    };
  }
  if (at - paged >= t.repeatEveryMs) {
    const n = alert.repeatCount + 1;
    return {
      patch: { repeatCount: n, lastPagedAt: now },
      notify: [{ step: `repeat-${n}`, tiers: allTiersTo(alert.escalationLevel), smsOnly: true }],
      timeline: [{ kind: 'repeated', detail: { n } }],
    };
  }
  return NOTHING;
}

/** Someone acknowledged (a reply, the command line): repeats and escalation stop. */
export function acknowledge(alert: AlertRecord, now: Date, by: string): Decision | { refused: string } {
  if (alert.state === 'resolved') return { refused: 'already resolved' };
  if (alert.state === 'acknowledged') return { refused: 'already acknowledged' };
  return {
    patch: { state: 'acknowledged', acknowledgedAt: now },
    notify: [{ step: `ack-${alert.realertCount}`, tiers: [] }],
    timeline: [{ kind: 'acknowledged', detail: { by } }],
  };
}

/** Repeats (and escalation) silenced for a while; the alert stays firing. */
export function snooze(alert: AlertRecord, now: Date, forMs: number, by: string): Decision | { refused: string } {
  if (alert.state === 'resolved') return { refused: 'already resolved' };
  return {
    patch: { snoozedUntil: new Date(now.getTime() + forMs) },
    notify: [],
    timeline: [{ kind: 'snoozed', detail: { by, until: new Date(now.getTime() + forMs).toISOString() } }],
  };
}

/** Escalates to the next tier now (ESC), whatever the timers say. */
export function escalateNow(alert: AlertRecord, now: Date, tiers: number, by: string): Decision | { refused: string } {
  if (alert.state === 'resolved') return { refused: 'already resolved' };
  const nextLevel = alert.escalationLevel + 1;
  if (nextLevel >= tiers) return { refused: 'already at the last tier' };
  return {
    patch: { escalationLevel: nextLevel, lastPagedAt: now },
    notify: [{ step: `escalate-${nextLevel}`, tiers: [nextLevel] }],
    timeline: [{ kind: 'escalated', detail: { tier: nextLevel, by } }],
  };
}
