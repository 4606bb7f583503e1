import type { Db } from '../db/Db.js';
import type { ChannelName, OutgoingMessage } from './Channel.js';
import type { RetryPolicyName } from './backoff.js';

export type OutboxKind = 'brief' | 'delayed-notice' | 'alert';

/** One row of herald.outbox, as the dispatcher claims it. */
export interface OutboxRow {
  id: number;
  delivery_key: string;
  schedule_id: string | null;
  report: string | null;
  tenant_id: string | null;
  period_label: string | null;
  channel: ChannelName;
  recipient_id: number;
  run_id: number | null;
  message_id: number | null;
  fallback_message_id: number | null;
  kind: OutboxKind;
  priority: number;
  retry_policy: string;
  status: 'pending' | 'sending' | 'sent' | 'dead' | 'superseded';
  attempts: number;
  progress: Record<string, unknown> | null;
  provider_id: string | null;
}

/** Claim order: lower first. A critical SMS goes before anything a fan-out queued. */
export const PRIORITY = { critical: 0, high: 10, notice: 20, brief: 50 } as const;

export interface NewDelivery {
  deliveryKey: string;
  /** The stored message this row sends (saveMessage). */
  messageId: number;
  channel: ChannelName;
  recipientId: number;
  tenantId: string | null;
  kind: OutboxKind;
  /** PRIORITY.*; default brief. */
  priority?: number;
  /** Default 'brief'. */
  retryPolicy?: RetryPolicyName;
  /** Sent instead, through its own channel, when this one fails permanently. */
  fallbackMessageId?: number | null;
  /** Brief rows: the schedule, report, period and run they belong to (runs show, deadlines). */
  scheduleId?: string | null;
  report?: string | null;
  periodLabel?: string | null;
  runId?: number | null;
}

/**
 * Stores a rendered message once, for any number of deliveries; `artifactRunId` attaches that
 * run's archived PDF when it is sent. Returns its id.
 */
export async function saveMessage(db: Db, message: OutgoingMessage, artifactRunId: number | null = null): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO herald.messages (channel, content, artifact_run_id) VALUES ($1, $2, $3) RETURNING id`,
    [message.channel, JSON.stringify(message), artifactRunId]);
  return Number(rows[0].id);
}

export interface StoredMessage { id: number; content: OutgoingMessage; artifactRunId: number | null; createdAt: Date }

export async function loadMessage(db: Db, id: number): Promise<StoredMessage | null> {
  const { rows } = await db.query<{ content: OutgoingMessage; artifact_run_id: string | null; created_at: Date }>(
    `SELECT content, artifact_run_id, created_at FROM herald.messages WHERE id = $1`, [id]);
  const r = rows[0];
  return r ? { id, content: r.content, artifactRunId: r.artifact_run_id === null ? null : Number(r.artifact_run_id), createdAt: new Date(r.created_at) } : null;
}

/** `schedule:report:scope:period:channel:recipient` (SPEC §7). A delayed notice gets its own key. */
export function deliveryKey(p: { scheduleId: string | null; report: string; scope: string; period: string; channel: string; recipientId: number; kind?: 'brief' | 'delayed-notice' }): string {
  const key = `${p.scheduleId ?? 'manual'}:${p.report}:${p.scope}:${p.period}:${p.channel}:${p.recipientId}`;
  return p.kind === 'delayed-notice' ? `${key}:delayed` : key;
}

/**
 * Adds deliveries, due at `dueAt` (the caller's clock, not the database's: a fixed or movable
 * clock must see its own rows as due); a row may name its own `dueAt` (held by quiet hours). A key
 * that exists is left alone (sent once, whoever enqueues it again). With `force`, an existing key
 * is reset to pending with the new message and run: a deliberate resend, same key (so the same
 * Message-ID). Returns the ids of rows that will be sent.
 */
export async function enqueueDeliveries(db: Db, rows: (NewDelivery & { dueAt?: Date })[], opts: { dueAt: Date; force?: boolean }): Promise<number[]> {
  if (rows.length === 0) return [];
  const conflict = opts.force
    ? `ON CONFLICT (delivery_key) DO UPDATE SET status = 'pending', attempts = 0, next_attempt_at = EXCLUDED.next_attempt_at, run_id = EXCLUDED.run_id,
         message_id = EXCLUDED.message_id, fallback_message_id = EXCLUDED.fallback_message_id,
         locked_until = NULL, last_error = NULL, error_reason = NULL, progress = NULL, sent_at = NULL, provider_id = NULL`
    : 'ON CONFLICT (delivery_key) DO NOTHING';
  // One statement for all of a brief's deliveries: one round trip, and all or none.
  const col = <T>(f: (r: NewDelivery & { dueAt?: Date }) => T) => rows.map(f);
  const { rows: inserted } = await db.query<{ id: string }>(
    `INSERT INTO herald.outbox (delivery_key, schedule_id, report, tenant_id, period_label, channel, recipient_id, run_id, kind,
                                message_id, priority, retry_policy, fallback_message_id, next_attempt_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[],
                          $10::bigint[], $11::smallint[], $12::text[], $13::bigint[], $14::timestamptz[])
     ${conflict} RETURNING id`,
    [col((r) => r.deliveryKey), col((r) => r.scheduleId ?? null), col((r) => r.report ?? null), col((r) => r.tenantId), col((r) => r.periodLabel ?? null),
      col((r) => r.channel), col((r) => r.recipientId), col((r) => r.runId ?? null), col((r) => r.kind),
      col((r) => r.messageId), col((r) => r.priority ?? PRIORITY.brief), col((r) => r.retryPolicy ?? 'brief'), col((r) => r.fallbackMessageId ?? null),
      col((r) => r.dueAt ?? opts.dueAt)],
  );
  return inserted.map((r) => Number(r.id));
}

/**
 * Claims up to `limit` due deliveries for this worker, most urgent first: pending ones whose time
 * has come, and "sending" ones whose lease expired (their worker died mid-send). SKIP LOCKED lets
 * any number of workers claim concurrently without taking the same row. Only deliveries through
 * `channels` (those this worker can send: a worker without Slack credentials leaves Slack rows to
 * one that has them, rather than failing them). With `runIds` or `outboxIds`, only those (a manual
 * `herald run` or `herald alerts test` sends its own and leaves the rest to the workers).
 */
export async function claimDue(db: Db, now: Date, limit: number, leaseMs: number, channels: readonly string[], runIds: readonly number[] | null = null,
  outboxIds: readonly number[] | null = null): Promise<OutboxRow[]> {
  const { rows } = await db.query<OutboxRow>(
    `UPDATE herald.outbox o SET status = 'sending', attempts = o.attempts + 1, locked_until = $2::timestamptz + make_interval(secs => $3::float8 / 1000)
      WHERE o.id IN (
        SELECT id FROM herald.outbox
         WHERE ((status = 'pending' AND next_attempt_at <= $2) OR (status = 'sending' AND locked_until < $2))
           AND channel = ANY($5::text[])
           AND ($4::bigint[] IS NULL OR run_id = ANY($4::bigint[]))
           AND ($6::bigint[] IS NULL OR id = ANY($6::bigint[]))
         ORDER BY priority, next_attempt_at, id
         FOR UPDATE SKIP LOCKED
         LIMIT $1)
      RETURNING o.id::int AS id, o.delivery_key, o.schedule_id, o.report, o.tenant_id, o.period_label, o.channel,
                o.recipient_id::int AS recipient_id, o.run_id::int AS run_id, o.message_id::int AS message_id,
                o.fallback_message_id::int AS fallback_message_id, o.kind, o.priority, o.retry_policy, o.status, o.attempts, o.progress, o.provider_id`,
    [limit, now, leaseMs, runIds, channels, outboxIds],
  );
  // UPDATE … RETURNING does not keep the subquery's order.
  return rows.sort((a, b) => a.priority - b.priority || a.id - b.id);
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
 * worker's side (its credentials), or something it waits for (the message it replies under).
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

/** A delivery's state by key: a Slack reply finds the message it threads under. */
export async function deliveryByKey(db: Db, key: string): Promise<{ status: OutboxRow['status']; provider_id: string | null; progress: Record<string, unknown> | null } | null> {
  const { rows } = await db.query<{ status: OutboxRow['status']; provider_id: string | null; progress: Record<string, unknown> | null }>(
    `SELECT status, provider_id, progress FROM herald.outbox WHERE delivery_key = $1`, [key]);
  return rows[0] ?? null;
}

export async function outboxCounts(db: Db): Promise<Record<string, number>> {
  const { rows } = await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM herald.outbox GROUP BY status`);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** A delivery that names its message (and fallback) by a key of the batch's `messages`. */
export type BatchDelivery = Omit<NewDelivery, 'messageId' | 'fallbackMessageId'> & { message: string; fallback?: string; dueAt?: Date };

/**
 * Stores a producer's rendered messages and enqueues the deliveries that send them, in one
 * transaction (all or none). A message that no new delivery uses (every key was already sent,
 * a rerun) is not kept. Returns the ids of rows that will be sent.
 */
export async function enqueueMessages(
  db: Db,
  batch: { messages: Record<string, { message: OutgoingMessage; artifactRunId?: number | null }>; deliveries: BatchDelivery[] },
  opts: { dueAt: Date; force?: boolean },
): Promise<number[]> {
  if (batch.deliveries.length === 0) return [];
  return db.transaction(async (tx) => {
    const used = new Set(batch.deliveries.flatMap((d) => (d.fallback ? [d.message, d.fallback] : [d.message])));
    const ids = new Map<string, number>();
    for (const name of used) {
      const m = batch.messages[name];
      if (!m) throw new Error(`enqueueMessages: no message "${name}" in the batch`);
      ids.set(name, await saveMessage(tx, m.message, m.artifactRunId ?? null));
    }
    const inserted = await enqueueDeliveries(tx, batch.deliveries.map(({ message, fallback, ...d }) => ({
      ...d, messageId: ids.get(message)!, fallbackMessageId: fallback ? ids.get(fallback)! : null,
    })), opts);
    await tx.query(
      `DELETE FROM herald.messages m WHERE m.id = ANY($1::bigint[])
          AND NOT EXISTS (SELECT 1 FROM herald.outbox o WHERE o.message_id = m.id OR o.fallback_message_id = m.id)`,
      [[...ids.values()]]);
    return inserted;
  });
}
