import type { Db } from '../db/Db.js';
import type { ChannelName } from './Channel.js';

/** One row of herald.outbox, as the dispatcher claims it. */
export interface OutboxRow {
  id: number;
  delivery_key: string;
  schedule_id: string | null;
  report: string;
  tenant_id: string | null;
  period_label: string;
  channel: ChannelName;
  recipient_id: number;
  run_id: number | null;
  kind: 'brief' | 'delayed-notice';
  status: 'pending' | 'sending' | 'sent' | 'dead' | 'superseded';
  attempts: number;
  progress: Record<string, unknown> | null;
  provider_id: string | null;
}

export interface NewDelivery {
  deliveryKey: string;
  scheduleId: string | null;
  report: string;
  tenantId: string | null;
  periodLabel: string;
  channel: ChannelName;
  recipientId: number;
  runId: number | null;
  kind: 'brief' | 'delayed-notice';
}

/** `schedule:report:scope:period:channel:recipient` (SPEC §7). A delayed notice gets its own key. */
export function deliveryKey(p: { scheduleId: string | null; report: string; scope: string; period: string; channel: string; recipientId: number; kind?: 'brief' | 'delayed-notice' }): string {
  const key = `${p.scheduleId ?? 'manual'}:${p.report}:${p.scope}:${p.period}:${p.channel}:${p.recipientId}`;
  return p.kind === 'delayed-notice' ? `${key}:delayed` : key;
}

/**
 * Adds deliveries, due at `dueAt` (the caller's clock, not the database's: a fixed or movable
 * clock must see its own rows as due); a key that exists is left alone (sent once, whoever
 * enqueues it again). With `force`, an existing key is reset to pending on the new run: a
 * deliberate resend, same key (so the same Message-ID). Returns the ids of rows that will be sent.
 */
export async function enqueueDeliveries(db: Db, rows: NewDelivery[], opts: { dueAt: Date; force?: boolean }): Promise<number[]> {
  if (rows.length === 0) return [];
  const conflict = opts.force
    ? `ON CONFLICT (delivery_key) DO UPDATE SET status = 'pending', attempts = 0, next_attempt_at = EXCLUDED.next_attempt_at, run_id = EXCLUDED.run_id,
         locked_until = NULL, last_error = NULL, error_reason = NULL, progress = NULL, sent_at = NULL`
    : 'ON CONFLICT (delivery_key) DO NOTHING';
  // One statement for all of a brief's deliveries: one round trip, and all or none.
  const column = <K extends keyof NewDelivery>(k: K) => rows.map((r) => r[k]);
  const { rows: inserted } = await db.query<{ id: string }>(
    `INSERT INTO herald.outbox (delivery_key, schedule_id, report, tenant_id, period_label, channel, recipient_id, run_id, kind, next_attempt_at)
     SELECT d.*, $10::timestamptz FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[]) AS d
     ${conflict} RETURNING id`,
    [column('deliveryKey'), column('scheduleId'), column('report'), column('tenantId'), column('periodLabel'), column('channel'),
      column('recipientId'), column('runId'), column('kind'), opts.dueAt],
  );
  return inserted.map((r) => Number(r.id));
}

/**
 * Claims up to `limit` due deliveries for this worker: pending ones whose time has come, and
 * "sending" ones whose lease expired (their worker died mid-send). SKIP LOCKED lets any number
 * of workers claim concurrently without taking the same row. Only deliveries through `channels`
 * (those this worker can send: a worker without Slack credentials leaves Slack rows to one that
 * has them, rather than failing them). With `runIds`, only those runs' deliveries (a manual
 * `herald run` sends its own and leaves the rest to the workers).
 */
export async function claimDue(db: Db, now: Date, limit: number, leaseMs: number, channels: readonly string[], runIds: readonly number[] | null = null): Promise<OutboxRow[]> {
  const { rows } = await db.query<OutboxRow>(
    `UPDATE herald.outbox o SET status = 'sending', attempts = o.attempts + 1, locked_until = $2::timestamptz + make_interval(secs => $3::float8 / 1000)
      WHERE o.id IN (
        SELECT id FROM herald.outbox
         WHERE ((status = 'pending' AND next_attempt_at <= $2) OR (status = 'sending' AND locked_until < $2))
           AND channel = ANY($5::text[])
           AND ($4::bigint[] IS NULL OR run_id = ANY($4::bigint[]))
         ORDER BY next_attempt_at, id
         FOR UPDATE SKIP LOCKED
         LIMIT $1)
      RETURNING o.id::int AS id, o.delivery_key, o.schedule_id, o.report, o.tenant_id, o.period_label, o.channel,
                o.recipient_id::int AS recipient_id, o.run_id::int AS run_id, o.kind, o.status, o.attempts, o.progress, o.provider_id`,
    [limit, now, leaseMs, runIds, channels],
  );
  return rows;
}

export async function markSent(db: Db, id: number, providerId: string, now: Date): Promise<void> {
  await db.query(
    `UPDATE herald.outbox SET status = 'sent', provider_id = $2, sent_at = $3, locked_until = NULL, last_error = NULL, error_reason = NULL WHERE id = $1`,
    [id, providerId, now],
  );
}

export async function markRetry(db: Db, id: number, error: string, reason: string, nextAttemptAt: Date): Promise<void> {
  await db.query(
    `UPDATE herald.outbox SET status = 'pending', next_attempt_at = $2, locked_until = NULL, last_error = $3, error_reason = $4 WHERE id = $1`,
    [id, nextAttemptAt, error.slice(0, 1000), reason],
  );
}

/**
 * Puts a claimed delivery back for later without counting its attempt: what failed was the
 * worker's side (its credentials), not the delivery.
 */
export async function putBack(db: Db, id: number, error: string, reason: string, nextAttemptAt: Date): Promise<void> {
  await db.query(
    `UPDATE herald.outbox SET status = 'pending', attempts = greatest(attempts - 1, 0), next_attempt_at = $2, locked_until = NULL, last_error = $3, error_reason = $4 WHERE id = $1`,
    [id, nextAttemptAt, error.slice(0, 1000), reason],
  );
}

export async function markDead(db: Db, id: number, error: string, reason: string): Promise<void> {
  await db.query(
    `UPDATE herald.outbox SET status = 'dead', locked_until = NULL, last_error = $2, error_reason = $3 WHERE id = $1`,
    [id, error.slice(0, 1000), reason],
  );
}

export async function saveProgress(db: Db, id: number, progress: Record<string, unknown>): Promise<void> {
  await db.query(`UPDATE herald.outbox SET progress = $2 WHERE id = $1`, [id, JSON.stringify(progress)]);
}

export async function outboxCounts(db: Db): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM herald.outbox GROUP BY status`);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
