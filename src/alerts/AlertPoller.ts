/**
 * The always-on threshold poller (SPEC §8) inside `herald worker`. Every `pollEvery` (node-cron,
 * no overlapping ticks) one tick, in one transaction under the alerts lock (a second poller skips
 * the tick; any number may run):
 *
 *   1. events: who is in the window (after the cursor, minus `lookBack` for late arrivals), by
 *      uuid; the ones never seen (here, then in herald.alert_seen_events) are read in full and
 *      evaluated, each once, by time
 *   2. cost overrun from the business database, every `costEvery`
 *   3. source health: a source failing `failAfter` polls in a row, or silent for `silentAfter`
 *   4. timers of every open alert: pending → firing, repeats, escalation, ack timeout, quiet
 *   5. the SMS grouping stage
 *   6. now and then, the late audit: events behind the window that were never seen are logged
 *      and counted (they are not alerted on: they are too old to act on)
 *
 * The decisions are pure (rules.ts, lifecycle.ts); AlertEngine applies them.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Db } from '../db/Db.js';
import type { HeraldConfig } from '../config/schema.js';
import type { Logger } from '../ops/logger.js';
import { repeatedFailureLog } from '../ops/logger.js';
import type { HeraldMetrics } from '../ops/metrics.js';
import type { Notice, OperatorNotices } from '../ops/operatorNotices.js';
import type { BusinessSource } from '../sources/BusinessSource.js';
import type { EventStore } from '../sources/EventStore.js';
import type { AlertCandidateEvent, TenantRow } from '../sources/types.js';
import type { Clock } from '../time/clock.js';
import { AlertEngine, type Opening, type TenantInfo } from './AlertEngine.js';
import { markSeen, openAlerts, pollerState, pollerStateReadOnly, pruneSeen, savePollerState, seenAmong, seenCount, type StoredAlert } from './alertStore.js';
import { observe, timers, type Decision, type RulePolicy, type TimingPolicy } from './lifecycle.js';
import { ALERTABLE_EVENTS, RULE_KIND, costOverrun, evaluateEvent, type Evaluation } from './rules.js';
import type { RuleName } from './settings.js';
import { stepKind } from './alertMessages.js';

export interface AlertPollerOptions {
  /** Herald's database (alerts, outbox). */
  db: Db;
  events: EventStore;
  business: BusinessSource;
  config: HeraldConfig;
  clock: Clock;
  logger: Logger;
  metrics: HeraldMetrics;
  notices: OperatorNotices;
  /** Told when a tick queued deliveries (the dispatcher looks at once). */
  onQueued?(): void;
}

export interface TickResult {
  events: number;
  evaluated: number;
  queued: number;
  late: number;
  open: number;
}

/** A catch-up after a long stop reads at most this far back; older events count as late. */
const MAX_CATCH_UP_MS = 3600_000;
const AUDIT_EVERY_MS = 60_000;
/** New events further apart than this are read in full by separate reads (freshSpans)… */
const SPAN_GAP_MS = 1000;
/** …at most this many a tick (the widest gaps split). */
const MAX_SPANS = 8;
const SILENCE_EVERY_MS = 60_000;
const TENANTS_EVERY_MS = 60_000;
const SOURCES = ['events', 'business'] as const;
type SourceName = (typeof SOURCES)[number];

/** What a tick's read phase found. */
interface TickRead {
  tenants: Map<string, TenantRow> | null;
  events: { candidates: { uuid: string; timestamp: Date }[]; full: AlertCandidateEvent[]; newest: number | null; after: Date } | null;
  costs: { tenant_id: string; monthly_budget: number; monthly_cost: number }[] | null;
  audit: { start: Date; end: Date; inStore: number | null; ids: { uuid: string; timestamp: Date }[] | null } | null;
  failed: Record<SourceName, boolean>;
}

export class AlertPoller {
  readonly #o: AlertPollerOptions;
  readonly engine: AlertEngine;
  /** uuid → event time of events this process knows were processed (the DB table is the truth). */
  readonly #seen = new Map<string, number>();
  #tenants: Map<string, TenantRow> | null = null;
  #tenantsAt = 0;
  #silenceAt = 0;
  #newestEvent: Date | null = null;
  /** An audit range whose counts differed: its ids are read at the next tick. */
  #auditRange: { start: Date; end: Date } | null = null;
  #auditIds: { start: Date; ids: { uuid: string; timestamp: Date }[] } | null = null;
  #task: ScheduledTask | undefined;
  #running: Promise<unknown> | undefined;
  #lastTickAt: Date | null = null;
  readonly #failed: (err: Error) => void;

  constructor(o: AlertPollerOptions) {
    this.#o = o;
    this.engine = new AlertEngine({ config: o.config, logger: o.logger, tenant: (id) => this.#tenant(id) });
    this.#failed = repeatedFailureLog(o.logger, 'error', 'alert poller tick failed; trying again at the next tick');
  }

  /** When this process last completed a tick. */
  get lastTickAt(): Date | null {
    return this.#lastTickAt;
  }

  /** Ticks every `alerts.pollEvery` until stop(); a tick still running when the next is due is skipped. */
  start(): void {
    if (this.#task) return;
    const seconds = Math.max(1, Math.round(this.#o.config.alerts.pollEvery / 1000));
    const expr = seconds >= 60 ? '0 * * * * *' : `*/${seconds} * * * * *`;
    this.#task = cron.schedule(expr, () => {
      this.#running = this.tick().catch((err: Error) => this.#failed(err));
      return this.#running as Promise<void>;
    }, { noOverlap: true, name: 'herald-alert-poller' });
  }

  /** Stops ticking and waits for a tick in progress. Idempotent. */
  async stop(): Promise<void> {
    const task = this.#task;
    this.#task = undefined;
    if (task) await task.destroy();
    await this.#running?.catch(() => undefined);
  }

  /** From the map the read phase refreshed: nothing is read from a source under the lock. */
  async #tenant(id: string): Promise<TenantInfo | null> {
    const t = this.#tenants?.get(id);
    return t ? { name: t.name, timezone: t.timezone || this.#o.config.timezone } : null;
  }

  async #tenantMap(): Promise<Map<string, TenantRow>> {
    if (!this.#tenants || Date.now() - this.#tenantsAt > TENANTS_EVERY_MS) {
      this.#tenants = new Map((await this.#o.business.tenants()).map((t) => [t.id, t]));
      this.#tenantsAt = Date.now();
    }
    return this.#tenants;
  }

  #policy(rule: string): RulePolicy {
    const a = this.#o.config.alerts;
    if (rule === 'source-health') return { kind: 'condition', forMs: 0, resolveAfter: 1, quietForMs: 0 };
    const r = a.rules[rule as RuleName];
    if (!r) return { kind: 'condition', forMs: 0, resolveAfter: a.resolveAfter, quietForMs: 3600_000 };
    return { kind: RULE_KIND[rule as RuleName], forMs: r.for, resolveAfter: r.resolveAfter ?? a.resolveAfter, quietForMs: r.quietFor };
  }

  #timing(): TimingPolicy {
    const a = this.#o.config.alerts;
    return { repeatEveryMs: a.repeatEvery, escalateAfterMs: a.escalateAfter, ackTimeoutMs: a.ackTimeout, tiers: a.tiers.length };
  }

  /**
   * One tick (see the file comment), in two phases. First the sources are read, with no lock and
   * no transaction held: a slow business database or event store never holds herald's lock, and
   * a single-connection database (the demo's PGlite) is never asked for two things at once. Then
   * herald's transaction under the alerts lock decides: the events it had not seen (markSeen says
   * which, whoever read them), the costs, the sources' health, the timers. Null when another
   * poller holds the lock.
   */
  async tick(): Promise<TickResult | null> {
    const o = this.#o;
    const now = o.clock.now();
    const started = performance.now();
    const read = await this.#read(now);
    const learned: { uuid: string; timestamp: Date }[] = [];
    // Raised after the commit: a notice is written through its own connection, and one raised by a
    // tick that rolls back would tell of something that did not happen.
    const notices: Notice[] = [];
    let queued = 0;
    const result = await AlertEngine.locked(o.db, async (tx) => {
      const state = await pollerState(tx, now);
      const open = new Map((await openAlerts(tx)).map((a) => [a.fingerprint, a]));
      const out: TickResult = { events: 0, evaluated: 0, queued: 0, late: 0, open: 0 };
      const apply = async (alert: StoredAlert | null, d: Decision, opening?: Opening) => {
        const r = await this.engine.apply(tx, alert, d, now, opening);
        const fp = r.alert ? (alert?.fingerprint ?? opening?.fingerprint) : undefined;
        if (r.alert && fp) {
          if (r.alert.state === 'resolved') open.delete(fp);
          else open.set(fp, { ...(alert ?? r.alert), ...r.alert } as StoredAlert);
          if (d.notify.some((s) => s.step === 'fire')) o.metrics.alertsFired.labels(r.alert.rule, r.alert.severity).inc();
          for (const s of d.notify) o.metrics.alertNotifications.labels(stepKind(s.step)).inc();
        }
        out.queued += r.queued;
      };
      const evaluate = async (rule: string, tenantId: string | null, tenantName: string | null, ev: Evaluation, fingerprint = `${rule}:${tenantId ?? ''}`) => {
        const alert = open.get(fingerprint) ?? null;
        await apply(alert, observe(alert, ev, now, this.#policy(rule)), { rule, tenantId, fingerprint, tenantName });
      };
      for (const name of SOURCES) state.sourceFailures[name] = read.failed[name] ? (state.sourceFailures[name] ?? 0) + 1 : 0;
      const tenants = read.tenants;

      // 1. events: the ones no poller processed before, by time
      if (read.events) {
        const fresh = await markSeen(tx, read.events.candidates);
        learned.push(...read.events.candidates);
        const newest = read.events.newest;
        if (newest !== null) state.cursorAt = new Date(Math.min(Math.max(newest, state.cursorAt?.getTime() ?? 0), now.getTime()));
        for (const e of read.events.full) {
          if (!fresh.has(e.uuid)) continue;
          out.events += 1;
          const tenantId = typeof e.properties.tenant_id === 'string' ? e.properties.tenant_id : null;
          const tenant = tenantId && tenants ? tenants.get(tenantId) : undefined;
          if (!tenantId || (tenants && !tenant)) {
            o.metrics.alertEvents.labels('unknown_tenant').inc();
            continue;
          }
          const r = evaluateEvent(e, o.config.alerts.rules, o.config.metrics);
          if (!r) continue;
          out.evaluated += 1;
          o.metrics.alertEvents.labels('evaluated').inc();
          await evaluate(r.rule, tenantId, tenant?.name ?? null, r.evaluation);
        }
      }

      // 2. cost overrun
      if (read.costs && tenants) {
        for (const c of read.costs) {
          await evaluate('cost-overrun', c.tenant_id, tenants.get(c.tenant_id)?.name ?? null, costOverrun(c.monthly_cost, c.monthly_budget, o.config.alerts.rules['cost-overrun']));
        }
        state.lastCostAt = now;
      }

      // 3. source health: one alert per source, whatever the number of rules and tenants
      for (const name of SOURCES) {
        const failures = state.sourceFailures[name] ?? 0;
        const silent = name === 'events' && this.#newestEvent !== null
          && now.getTime() - this.#newestEvent.getTime() > o.config.alerts.sourceHealth.silentAfter;
        const sh = o.config.alerts.sourceHealth;
        let ev: Evaluation;
        if (failures >= sh.failAfter) {
          ev = { verdict: 'breach', severity: sh.severity, value: failures, threshold: sh.failAfter, atRisk: null,
            short: `${name} source failing for ${failures} polls`, summary: `The ${name} source has failed ${failures} polls in a row; alerts that depend on it are not evaluated.` };
        } else if (silent) {
          const minutes = Math.round((now.getTime() - this.#newestEvent!.getTime()) / 60_000);
          ev = { verdict: 'breach', severity: sh.severity, value: minutes, threshold: Math.round(sh.silentAfter / 60_000), atRisk: null,
            short: `no event for ${minutes} min`, summary: `No alertable event has arrived for ${minutes} min (the newest is from ${this.#newestEvent!.toISOString()}); the event pipeline may be down.` };
        } else {
          ev = failures === 0 ? { verdict: 'clear' } : { verdict: 'hold' };
        }
        const before = open.get(`source-health:${name}`);
        await evaluate('source-health', null, `${name} source`, ev, `source-health:${name}`);
        if (!before && open.has(`source-health:${name}`)) {
          notices.push({ kind: 'source-health', dedupeKey: `source-health:${name}:${now.toISOString()}`, message: `alert poller: ${ev.verdict === 'breach' ? ev.summary : name}`, details: { source: name } });
        }
      }

      // 4. timers
      for (const alert of [...open.values()]) await apply(alert, timers(alert, now, this.#policy(alert.rule), this.#timing()));

      // 5. SMS grouping
      out.queued += await this.engine.groupSms(tx, now);

      // 6. late audit: compares the store's count behind the window with what was seen; the
      // events themselves are read at the next tick's read phase when the counts differ.
      if (read.audit) {
        out.late = await this.#audit(tx, read.audit, learned, notices);
        state.lastAuditAt = now;
      }

      state.lastTickAt = now;
      state.ticks += 1;
      await savePollerState(tx, state);
      out.open = open.size;
      queued = out.queued;
      return out;
    }, { wait: false });
    if (result === null) return null;
    for (const n of notices) await o.notices.raise(n);
    // Only now that the tick committed does this process remember what it processed.
    for (const e of learned) this.#seen.set(e.uuid, e.timestamp.getTime());
    this.#lastTickAt = now;
    o.metrics.pollerTick.set(now.getTime() / 1000);
    o.metrics.pollerTickSeconds.observe((performance.now() - started) / 1000);
    if (queued > 0) o.onQueued?.();
    return result;
  }

  /** What the read phase found; a source that failed is marked, its part null. */
  async #read(now: Date): Promise<TickRead> {
    const o = this.#o;
    const out: TickRead = { tenants: null, events: null, costs: null, audit: null, failed: { events: false, business: false } };
    const state = await pollerStateReadOnly(o.db);
    try {
      out.tenants = await this.#tenantMap();
    } catch (err) {
      out.failed.business = true;
      o.logger.warn({ err: (err as Error).message }, 'alert poller: the business database did not answer');
    }
    try {
      out.events = await this.#readEvents(state?.cursorAt ?? null, now);
    } catch (err) {
      out.failed.events = true;
      o.logger.warn({ err: (err as Error).message }, 'alert poller: the event store did not answer');
    }
    if (out.tenants && (!state?.lastCostAt || now.getTime() - state.lastCostAt.getTime() >= o.config.alerts.costEvery)) {
      try {
        out.costs = await o.business.monthlyCostsAgainstBudget();
      } catch (err) {
        out.failed.business = true;
        o.logger.warn({ err: (err as Error).message }, 'alert poller: cost overrun could not be evaluated');
      }
    }
    await this.#checkSilence();
    if (out.events && state && (!state.lastAuditAt || now.getTime() - state.lastAuditAt.getTime() >= AUDIT_EVERY_MS)) {
      const end = out.events.after;
      const start = new Date(Math.max(end.getTime() - o.config.alerts.lateAudit, state.startedAt.getTime()));
      if (start < end) {
        try {
          const inStore = await o.events.countEvents(ALERTABLE_EVENTS, start, end);
          out.audit = { start, end, inStore, ids: this.#auditIds?.start.getTime() === start.getTime() ? this.#auditIds.ids : null };
        } catch {
          // the event read above counts a failing source
        }
      }
    }
    // Ids of an audit range whose counts differed last time: read now, compared under the lock.
    if (this.#auditRange && out.events) {
      try {
        this.#auditIds = { start: this.#auditRange.start, ids: await o.events.eventIds(ALERTABLE_EVENTS, this.#auditRange.start, this.#auditRange.end) };
      } catch {
        this.#auditIds = null;
      }
      if (out.audit && this.#auditIds && out.audit.start.getTime() === this.#auditIds.start.getTime()) out.audit.ids = this.#auditIds.ids;
      else if (!out.audit && this.#auditIds) out.audit = { ...this.#auditRange, inStore: null, ids: this.#auditIds.ids };
      this.#auditRange = null;
    }
    return out;
  }

  /**
   * The window's events this process has not processed: in (cursor − lookBack, now], read by
   * uuid and time first (cheap), then in full for those not known here.
   */
  async #readEvents(cursorAt: Date | null, now: Date): Promise<NonNullable<TickRead['events']>> {
    const o = this.#o;
    const lookBack = o.config.alerts.lookBack;
    const cursor = cursorAt ?? now;
    let afterMs = Math.min(cursor.getTime(), now.getTime()) - lookBack;
    if (afterMs < now.getTime() - MAX_CATCH_UP_MS - lookBack) {
      o.logger.warn({ cursor: cursor.toISOString() }, `alert poller: catching up at most ${MAX_CATCH_UP_MS / 60_000} min of events; older ones are counted as late`);
      afterMs = now.getTime() - MAX_CATCH_UP_MS - lookBack;
    }
    const after = new Date(afterMs);
    for (const [uuid, t] of this.#seen) if (t <= afterMs) this.#seen.delete(uuid);
    const ids = await o.events.eventIds(ALERTABLE_EVENTS, after, now);
    const candidates = ids.filter((i) => !this.#seen.has(i.uuid));
    const full: AlertCandidateEvent[] = [];
    for (const span of freshSpans(candidates, after, now)) {
      for (const e of await o.events.eventsByIds(ALERTABLE_EVENTS, span.after, span.until, span.uuids)) full.push(e);
    }
    full.sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime() || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
    const newest = ids.length === 0 ? null : ids.reduce((m, i) => Math.max(m, i.timestamp.getTime()), 0);
    return { candidates, full, newest, after };
  }

  /** The newest event of any tenant (once a minute): the events source has gone silent when it is old. */
  async #checkSilence(): Promise<void> {
    if (Date.now() - this.#silenceAt < SILENCE_EVERY_MS && this.#silenceAt !== 0) return;
    this.#silenceAt = Date.now();
    try {
      this.#newestEvent = await this.#o.events.newestEventAt(ALERTABLE_EVENTS);
    } catch {
      // a failing source is counted by the event read itself
    }
  }

  /**
   * Events behind the window (lateAudit of it) that were never seen arrived later than
   * `lookBack`: too late to alert on. When the store holds more of them than were seen, their ids
   * are read at the next tick and each unseen one is logged (the first ten) and counted, once.
   */
  async #audit(tx: Db, audit: NonNullable<TickRead['audit']>, learned: { uuid: string; timestamp: Date }[], notices: Notice[]): Promise<number> {
    const o = this.#o;
    const { start, end } = audit;
    let late = 0;
    if (audit.ids) {
      const known = await seenAmong(tx, audit.ids.map((i) => i.uuid));
      const unseen = audit.ids.filter((i) => !known.has(i.uuid));
      late = unseen.length;
      if (late > 0) {
        await markSeen(tx, unseen);
        learned.push(...unseen);
        o.metrics.alertEvents.labels('late').inc(late);
        for (const e of unseen.slice(0, 10)) {
          o.logger.warn({ event: e.uuid, timestamp: e.timestamp.toISOString(), look_back_ms: o.config.alerts.lookBack }, 'alert poller: an event arrived after its look-back window; it was not evaluated');
        }
        notices.push({
          kind: 'alert-events-late', dedupeKey: `late:${start.toISOString()}:${end.toISOString()}:${unseen[0].uuid}`,
          message: `alert poller: ${late} event(s) arrived later than alerts.lookBack (${Math.round(o.config.alerts.lookBack / 1000)} s) and were not evaluated; raise lookBack if this repeats`,
          details: { late, from: start.toISOString(), to: end.toISOString() },
        });
      }
    } else if (audit.inStore !== null && audit.inStore > await seenCount(tx, start, end)) {
      this.#auditRange = { start, end }; // the next tick reads which ones
    }
    await pruneSeen(tx, new Date(start.getTime() - 60_000));
    return late;
  }
}

/**
 * Where a tick reads its new events in full: the spans of their timestamps, not the whole
 * look-back window. At 100,000 events a minute the window holds ~130,000 events and a tick's new
 * ones are the last second or two of them, plus now and then a late arrival further back, which
 * gets a span of its own. Spans split where new events are more than SPAN_GAP_MS apart, at the
 * MAX_SPANS − 1 widest such gaps. Each candidate's timestamp is its first in the window
 * (eventIds), so its span holds that first occurrence and the read keeps the same one.
 * JavaScript dates stop at the millisecond: each span is widened by one on each side, within
 * (after, now].
 */
export function freshSpans(fresh: readonly { uuid: string; timestamp: Date }[], after: Date, now: Date): { after: Date; until: Date; uuids: string[] }[] {
  if (fresh.length === 0) return [];
  const sorted = [...fresh].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  const at = (i: number) => sorted[i].timestamp.getTime();
  const cuts = sorted.map((_, i) => i).filter((i) => i > 0 && at(i) - at(i - 1) > SPAN_GAP_MS)
    .sort((a, b) => (at(b) - at(b - 1)) - (at(a) - at(a - 1))).slice(0, MAX_SPANS - 1).sort((a, b) => a - b);
  const spans: { after: Date; until: Date; uuids: string[] }[] = [];
  let start = 0;
  for (const end of [...cuts, sorted.length]) {
    spans.push({
      after: new Date(Math.max(after.getTime(), at(start) - 1)),
      until: new Date(Math.min(now.getTime(), at(end - 1) + 1)),
      uuids: sorted.slice(start, end).map((c) => c.uuid),
    });
    start = end;
  }
  return spans;
}
