/**
 * Herald's alert records in PostgreSQL (herald.alerts, alert_events, alert_notifications,
 * sms_intents, alert_poller, alert_seen_events). SQL only; the decisions are in lifecycle.ts.
 */
import { randomInt } from 'node:crypto';
import type { Db } from '../db/Db.js';
import type { Severity } from '../report/types.js';
import type { AlertRecord, AlertState, TimelineEntry } from './lifecycle.js';
import type { AlertNotice } from './alertMessages.js';
import type { SmsIntent } from './smsGrouping.js';

/** An alert as stored: the lifecycle's record and what identifies and describes it. */
export interface StoredAlert extends AlertRecord {
  fingerprint: string;
  code: string;
  tenantName: string | null;
  raisedAt: Date;
  resolvedAt: Date | null;
  acknowledgedBy: string | null;
}

const COLUMNS = `id::int AS id, rule, tenant_id, state, severity, current_severity, value, short, summary, at_risk, pending_since, fired_at,
  last_breach_at, clear_count, acknowledged_at, acknowledged_by, snoozed_until, escalation_level, repeat_count, last_paged_at, realert_count,
  upgrade_count, test, fingerprint, code, tenant_name, raised_at, resolved_at`;

interface Row {
  id: number; rule: string; tenant_id: string | null; state: AlertState; severity: Severity; current_severity: Severity;
  value: number | null; short: string | null; summary: string; at_risk: number | null; pending_since: Date | null; fired_at: Date | null;
  last_breach_at: Date | null; clear_count: number; acknowledged_at: Date | null; acknowledged_by: string | null; snoozed_until: Date | null;
  escalation_level: number; repeat_count: number; last_paged_at: Date | null; realert_count: number; upgrade_count: number; test: boolean;
  fingerprint: string; code: string | null; tenant_name: string | null; raised_at: Date; resolved_at: Date | null;
}

const date = (d: Date | string | null) => (d === null ? null : new Date(d));

function fromRow(r: Row): StoredAlert {
  return {
    id: r.id, rule: r.rule, tenantId: r.tenant_id, state: r.state, severity: r.severity, currentSeverity: r.current_severity,
    value: r.value, short: r.short ?? r.summary, summary: r.summary, atRisk: r.at_risk, pendingSince: date(r.pending_since),
    firedAt: date(r.fired_at), lastBreachAt: date(r.last_breach_at), clearCount: r.clear_count, acknowledgedAt: date(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by, snoozedUntil: date(r.snoozed_until), escalationLevel: r.escalation_level, repeatCount: r.repeat_count,
    lastPagedAt: date(r.last_paged_at), realertCount: r.realert_count, upgradeCount: r.upgrade_count, test: r.test,
    fingerprint: r.fingerprint, code: r.code ?? '', tenantName: r.tenant_name, raisedAt: new Date(r.raised_at), resolvedAt: date(r.resolved_at),
  };
}

export async function openAlerts(db: Db): Promise<StoredAlert[]> {
  return (await db.query<Row>(`SELECT ${COLUMNS} FROM herald.alerts WHERE state <> 'resolved' ORDER BY id`)).rows.map(fromRow);
}

export async function alertById(db: Db, id: number): Promise<StoredAlert | null> {
  const r = (await db.query<Row>(`SELECT ${COLUMNS} FROM herald.alerts WHERE id = $1`, [id])).rows[0];
  return r ? fromRow(r) : null;
}

/** The open alert a reply's code names. */
export async function openAlertByCode(db: Db, code: string): Promise<StoredAlert | null> {
  const r = (await db.query<Row>(`SELECT ${COLUMNS} FROM herald.alerts WHERE code = $1 AND state <> 'resolved'`, [code])).rows[0];
  return r ? fromRow(r) : null;
}

const PATCHABLE: Record<string, string> = {
  state: 'state', severity: 'severity', currentSeverity: 'current_severity', value: 'value', short: 'short', summary: 'summary', atRisk: 'at_risk',
  pendingSince: 'pending_since', firedAt: 'fired_at', lastBreachAt: 'last_breach_at', clearCount: 'clear_count', acknowledgedAt: 'acknowledged_at',
  acknowledgedBy: 'acknowledged_by', snoozedUntil: 'snoozed_until', escalationLevel: 'escalation_level', repeatCount: 'repeat_count',
  lastPagedAt: 'last_paged_at', realertCount: 'realert_count', upgradeCount: 'upgrade_count', tenantName: 'tenant_name',
};

/**
 * Opens an alert with a reply code no open alert has. A second open alert for the same fingerprint
 * is refused by the database: null then. Callers hold the alerts lock (AlertEngine.locked), so
 * the free code found stays free until the INSERT; the unique index is the backstop.
 */
export async function insertAlert(db: Db, a: { rule: string; tenantId: string | null; fingerprint: string; tenantName: string | null; test?: boolean } & Partial<AlertRecord>, now: Date): Promise<StoredAlert | null> {
  const code = await freeAlertCode(db);
  const { rows } = await db.query<Row>(
    `INSERT INTO herald.alerts (rule, tenant_id, fingerprint, code, tenant_name, test, state, severity, current_severity, summary, short, value, at_risk,
                                pending_since, fired_at, last_breach_at, last_paged_at, raised_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)
     ON CONFLICT (fingerprint) WHERE state <> 'resolved' DO NOTHING
     RETURNING ${COLUMNS}`,
    [a.rule, a.tenantId, a.fingerprint, code, a.tenantName, a.test ?? false, a.state ?? 'pending', a.severity ?? 'medium', a.currentSeverity ?? a.severity ?? 'medium',
      a.summary ?? '', a.short ?? null, a.value ?? null, a.atRisk ?? null, a.pendingSince ?? now, a.firedAt ?? null, a.lastBreachAt ?? now, a.lastPagedAt ?? null, now]);
  return rows[0] ? fromRow(rows[0]) : null;
}

/**
 * A random reply code (1000–9999) that no open alert has: 20 draws checked in one statement, else
 * a search of all 9,000. It is looked up, not tried: an INSERT refused by the unique index aborts
 * the caller's transaction, and the poller's whole tick with it (bench:alerts lost one tick in
 * 40–100 that way with 100–200 alerts open; with thousands open, nearly every tick opening one).
 */
async function freeAlertCode(db: Db): Promise<string> {
  const draws = Array.from({ length: 20 }, () => String(randomInt(1000, 10_000)));
  const drawn = await db.query<{ code: string }>(
    `SELECT c.code FROM unnest($1::text[]) WITH ORDINALITY AS c(code, i)
      WHERE NOT EXISTS (SELECT 1 FROM herald.alerts a WHERE a.code = c.code AND a.state <> 'resolved')
      ORDER BY c.i LIMIT 1`, [draws]);
  if (drawn.rows[0]) return drawn.rows[0].code;
  const any = await db.query<{ code: string }>(
    `SELECT c::text AS code FROM generate_series(1000, 9999) AS c
      WHERE NOT EXISTS (SELECT 1 FROM herald.alerts a WHERE a.code = c::text AND a.state <> 'resolved')
      ORDER BY random() LIMIT 1`, []);
  if (any.rows[0]) return any.rows[0].code;
  throw new Error('no free alert code: 9,000 alerts are open');
}

export async function updateAlert(db: Db, id: number, patch: Partial<AlertRecord> & { acknowledgedBy?: string | null; tenantName?: string | null }, now: Date): Promise<void> {
  const sets: string[] = [];
  const values: unknown[] = [id];
  for (const [k, v] of Object.entries(patch)) {
    const col = PATCHABLE[k];
    if (!col || v === undefined) continue;
    values.push(v);
    sets.push(`${col} = $${values.length}`);
  }
  if (patch.state === 'resolved') {
    values.push(now);
    sets.push(`resolved_at = $${values.length}`);
  }
  values.push(now);
  sets.push(`updated_at = $${values.length}`);
  await db.query(`UPDATE herald.alerts SET ${sets.join(', ')} WHERE id = $1`, values);
}

export async function addTimeline(db: Db, alertId: number, entries: TimelineEntry[], at: Date): Promise<void> {
  if (entries.length === 0) return;
  await db.query(
    `INSERT INTO herald.alert_events (alert_id, at, kind, detail) SELECT $1, $2, k, d FROM unnest($3::text[], $4::jsonb[]) AS x(k, d)`,
    [alertId, at, entries.map((e) => e.kind), entries.map((e) => (e.detail ? JSON.stringify(e.detail) : null))]);
}

export async function linkNotifications(db: Db, links: { alertId: number; outboxId: number; step: string }[]): Promise<void> {
  if (links.length === 0) return;
  await db.query(
    `INSERT INTO herald.alert_notifications (alert_id, outbox_id, step) SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[]) ON CONFLICT DO NOTHING`,
    [links.map((l) => l.alertId), links.map((l) => l.outboxId), links.map((l) => l.step)]);
}

/** Who was told of an alert, through which channel, by which delivery (not dead or superseded). */
export async function notifiedTargets(db: Db, alertId: number): Promise<{ recipientId: number; channel: string; deliveryKey: string }[]> {
  return (await db.query<{ recipientId: number; channel: string; deliveryKey: string }>(
    `SELECT DISTINCT ON (o.recipient_id, o.channel) o.recipient_id::int AS "recipientId", o.channel, o.delivery_key AS "deliveryKey"
       FROM herald.alert_notifications n JOIN herald.outbox o ON o.id = n.outbox_id
      WHERE n.alert_id = $1 AND o.status IN ('pending', 'sending', 'sent') AND n.step NOT LIKE 'resolve%' AND n.step NOT LIKE 'ack%'
      ORDER BY o.recipient_id, o.channel, o.id`, [alertId])).rows;
}

export async function addSmsIntents(db: Db, intents: { alertId: number; step: string; recipientId: number; severity: Severity; notice: AlertNotice }[], now: Date): Promise<number> {
  if (intents.length === 0) return 0;
  const { rows } = await db.query(
    `INSERT INTO herald.sms_intents (alert_id, step, recipient_id, severity, notice, created_at)
     SELECT a, s, r, sev, n, $6 FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[]) AS x(a, s, r, sev, n)
     ON CONFLICT DO NOTHING RETURNING id`,
    [intents.map((i) => i.alertId), intents.map((i) => i.step), intents.map((i) => i.recipientId), intents.map((i) => i.severity),
      intents.map((i) => JSON.stringify(i.notice)), now]);
  return rows.length;
}

export async function waitingSmsIntents(db: Db): Promise<(SmsIntent & { alertId: number; step: string })[]> {
  const { rows } = await db.query<{ id: number; alert_id: number; step: string; recipient_id: number; severity: Severity; notice: AlertNotice; created_at: Date }>(
    `SELECT id::int AS id, alert_id::int AS alert_id, step, recipient_id::int AS recipient_id, severity, notice, created_at
       FROM herald.sms_intents WHERE outbox_id IS NULL ORDER BY created_at, id`);
  return rows.map((r) => ({ id: r.id, alertId: r.alert_id, step: r.step, recipientId: r.recipient_id, severity: r.severity, createdAt: new Date(r.created_at), notice: r.notice }));
}

/** When each of these recipients was texted in the hour before `now` (one entry per SMS). */
export async function smsSentSince(db: Db, recipientIds: number[], since: Date): Promise<Map<number, Date[]>> {
  const { rows } = await db.query<{ recipient_id: number; at: Date }>(
    `SELECT DISTINCT recipient_id::int AS recipient_id, outbox_id, grouped_at AS at FROM herald.sms_intents
      WHERE recipient_id = ANY($1::bigint[]) AND grouped_at >= $2`, [recipientIds, since]);
  const out = new Map<number, Date[]>();
  for (const r of rows) out.set(r.recipient_id, [...(out.get(r.recipient_id) ?? []), new Date(r.at)]);
  return out;
}

/**
 * The time zone of each of these recipients (removed ones too: a notice queued before a removal is
 * still grouped). Only these: listing every recipient with its groups for the zones of a few
 * took ~90 ms a tick with 1,000 recipients, and grows with their square (bench:alerts).
 */
export async function recipientZones(db: Db, ids: number[]): Promise<Map<number, string | null>> {
  const { rows } = await db.query<{ id: number; timezone: string | null }>(
    `SELECT id::int AS id, timezone FROM herald.recipients WHERE id = ANY($1::bigint[])`, [ids]);
  return new Map(rows.map((r) => [r.id, r.timezone]));
}

export async function markIntentsGrouped(db: Db, ids: number[], outboxId: number, now: Date): Promise<void> {
  await db.query(`UPDATE herald.sms_intents SET outbox_id = $2, grouped_at = $3 WHERE id = ANY($1::bigint[])`, [ids, outboxId, now]);
}

// ---------------------------------------------------------------------------------------------
// The poller's state

export interface PollerState {
  startedAt: Date;
  cursorAt: Date | null;
  lastTickAt: Date | null;
  lastCostAt: Date | null;
  lastAuditAt: Date | null;
  sourceFailures: Record<string, number>;
  ticks: number;
}

/** The poller's row, made on its first tick (from then on alerts are recorded). */
export async function pollerState(db: Db, now: Date): Promise<PollerState> {
  await db.query(`INSERT INTO herald.alert_poller (id, started_at) VALUES (1, $1) ON CONFLICT DO NOTHING`, [now]);
  const r = (await db.query<{ started_at: Date; cursor_at: Date | null; last_tick_at: Date | null; last_cost_at: Date | null; last_audit_at: Date | null; source_failures: Record<string, number>; ticks: string }>(
    `SELECT started_at, cursor_at, last_tick_at, last_cost_at, last_audit_at, source_failures, ticks FROM herald.alert_poller WHERE id = 1`)).rows[0];
  return {
    startedAt: new Date(r.started_at), cursorAt: date(r.cursor_at), lastTickAt: date(r.last_tick_at), lastCostAt: date(r.last_cost_at),
    lastAuditAt: date(r.last_audit_at), sourceFailures: r.source_failures ?? {}, ticks: Number(r.ticks),
  };
}

/** The poller's row as it is (null before the first tick), read outside the tick's transaction. */
export async function pollerStateReadOnly(db: Db): Promise<PollerState | null> {
  const r = (await db.query<{ started_at: Date; cursor_at: Date | null; last_tick_at: Date | null; last_cost_at: Date | null; last_audit_at: Date | null; source_failures: Record<string, number>; ticks: string }>(
    `SELECT started_at, cursor_at, last_tick_at, last_cost_at, last_audit_at, source_failures, ticks FROM herald.alert_poller WHERE id = 1`, [])).rows[0];
  return r ? {
    startedAt: new Date(r.started_at), cursorAt: date(r.cursor_at), lastTickAt: date(r.last_tick_at), lastCostAt: date(r.last_cost_at),
    lastAuditAt: date(r.last_audit_at), sourceFailures: r.source_failures ?? {}, ticks: Number(r.ticks),
  } : null;
}

export async function savePollerState(db: Db, s: PollerState): Promise<void> {
  await db.query(
    `UPDATE herald.alert_poller SET cursor_at = $1, last_tick_at = $2, last_cost_at = $3, last_audit_at = $4, source_failures = $5, ticks = $6 WHERE id = 1`,
    [s.cursorAt, s.lastTickAt, s.lastCostAt, s.lastAuditAt, JSON.stringify(s.sourceFailures), s.ticks]);
}

/** The poller's heartbeat and the instant alerts were first recorded (null: never ran). */
export async function pollerHeartbeat(db: Db): Promise<{ lastTickAt: Date | null; startedAt: Date } | null> {
  const r = (await db.query<{ last_tick_at: Date | null; started_at: Date }>(`SELECT last_tick_at, started_at FROM herald.alert_poller WHERE id = 1`)).rows[0];
  return r ? { lastTickAt: date(r.last_tick_at), startedAt: new Date(r.started_at) } : null;
}

/** Records events as processed; returns the uuids that were not yet (the ones to process now). */
export async function markSeen(db: Db, events: { uuid: string; timestamp: Date }[]): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const { rows } = await db.query<{ uuid: string }>(
    `INSERT INTO herald.alert_seen_events (uuid, event_at) SELECT * FROM unnest($1::text[], $2::timestamptz[]) ON CONFLICT DO NOTHING RETURNING uuid`,
    [events.map((e) => e.uuid), events.map((e) => e.timestamp)]);
  return new Set(rows.map((r) => r.uuid));
}

export async function seenCount(db: Db, after: Date, until: Date): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM herald.alert_seen_events WHERE event_at > $1 AND event_at <= $2`, [after, until])).rows[0].n;
}

export async function seenAmong(db: Db, uuids: string[]): Promise<Set<string>> {
  if (uuids.length === 0) return new Set();
  return new Set((await db.query<{ uuid: string }>(`SELECT uuid FROM herald.alert_seen_events WHERE uuid = ANY($1::text[])`, [uuids])).rows.map((r) => r.uuid));
}

export async function pruneSeen(db: Db, before: Date): Promise<void> {
  await db.query(`DELETE FROM herald.alert_seen_events WHERE event_at < $1`, [before]);
}
