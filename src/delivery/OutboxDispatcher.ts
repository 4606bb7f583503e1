import type { Db } from '../db/Db.js';
import type { Clock } from '../time/clock.js';
import { repeatedFailureLog, type Logger } from '../ops/logger.js';
import type { HeraldMetrics } from '../ops/metrics.js';
import type { OperatorNotices } from '../ops/operatorNotices.js';
import type { ExecutiveSummaryData } from '../report/types.js';
import { recipientById } from '../recipients/recipientsRepo.js';
import { DeliveryError, type Channel, type ChannelName, type Delivery } from './Channel.js';
import { claimDue, enqueueDeliveries, markDead, markRetry, markSent, putBack, saveProgress, type OutboxRow } from './outboxRepo.js';
import { nextRetry } from './backoff.js';
import { readArchivedPdf } from './archive.js';

export interface DispatcherOptions {
  db: Db;
  channels: Partial<Record<ChannelName, Channel>>;
  clock: Clock;
  logger: Logger;
  metrics: HeraldMetrics;
  notices: OperatorNotices;
  /** Deliveries sent at once by this worker. Default 4. */
  concurrency?: number;
  /** How long a claimed delivery stays ours before another worker may take it over. Default 5 min. */
  leaseMs?: number;
  /** Randomness for retry jitter (tests pass () => 0). */
  random?: () => number;
  /** Send only the deliveries of these runs (`herald run`); default: every due delivery. */
  runIds?: readonly number[];
}

interface RunArtifact { data: ExecutiveSummaryData; startedAt: Date; pdf?: { bytes: Buffer; sha256: string } }
const ARTIFACTS_KEPT = 16;
/** How long a channel whose credentials were refused is left alone before it is tried again. */
export const CREDENTIALS_PAUSE_MS = 10 * 60_000;

/**
 * Sends the outbox: claims due rows (SKIP LOCKED, so workers never take the same one), resolves
 * each into a Delivery, sends it through its channel, and records sent / retry / dead. A Slack
 * delivery that fails permanently falls back to email for the same recipient (SPEC §7).
 */
export class OutboxDispatcher {
  readonly #o: Required<Omit<DispatcherOptions, 'random' | 'runIds'>> & { random: () => number; runIds: readonly number[] | null };
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = false;
  #loop: (() => Promise<void>) | undefined;
  #sleeping = false;
  #woken = false;
  readonly #artifacts = new Map<string, Promise<RunArtifact>>();
  readonly #pausedUntil = new Map<ChannelName, number>();

  constructor(o: DispatcherOptions) {
    this.#o = { concurrency: 4, leaseMs: 5 * 60_000, random: Math.random, ...o, runIds: o.runIds ?? null };
  }

  /** Claims and sends what is due now; returns how many deliveries were attempted. */
  async runOnce(): Promise<number> {
    const o = this.#o;
    const now = o.clock.now();
    // The channels this worker can send through now: configured, and not paused (credentials refused).
    const channels = Object.keys(o.channels).filter((c) => o.channels[c as ChannelName] && (this.#pausedUntil.get(c as ChannelName) ?? 0) <= now.getTime());
    const rows = await claimDue(o.db, now, o.concurrency, o.leaseMs, channels, o.runIds);
    await Promise.all(rows.map((row) => this.#deliver(row)));
    return rows.length;
  }

  /**
   * Polls every `everyMs` until stop(). A full batch may have left more due: it looks again at
   * once. A partial batch took all there was: it sleeps, unless this process enqueued something
   * meanwhile (wake), rather than spend a query finding nothing.
   */
  start(everyMs = 1000): void {
    this.#stopped = false;
    const failed = repeatedFailureLog(this.#o.logger, 'error', 'outbox dispatch failed; trying again at the next poll');
    const next = (ms: number) => {
      this.#sleeping = ms > 0;
      this.#timer = setTimeout(loop, ms);
    };
    const loop = async () => {
      this.#sleeping = false;
      this.#woken = false;
      if (this.#stopped) return;
      try {
        this.#running = this.runOnce();
        const n = (await this.#running) as number;
        if (!this.#stopped) next(n >= this.#o.concurrency || this.#woken ? 0 : everyMs);
      } catch (err) {
        failed(err as Error);
        if (!this.#stopped) next(everyMs);
      }
    };
    this.#loop = loop;
    next(0);
  }

  /** Something was just enqueued by this process: look now rather than at the next poll. */
  wake(): void {
    if (this.#stopped || !this.#loop) return;
    if (!this.#sleeping) {
      this.#woken = true; // mid-batch: the loop looks again as soon as the batch is done
      return;
    }
    clearTimeout(this.#timer);
    this.#sleeping = false;
    this.#timer = setTimeout(this.#loop, 0);
  }

  /** Stops polling and waits for the deliveries in flight. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  async #deliver(row: OutboxRow): Promise<void> {
    const o = this.#o;
    const log = o.logger.child({ delivery: row.delivery_key, channel: row.channel, attempt: row.attempts });
    try {
      const channel = o.channels[row.channel];
      if (!channel) throw new DeliveryError(`channel ${row.channel} is not configured`, false, 'bad_request');
      const delivery = await this.#resolve(row);
      const result = await channel.send(delivery);
      await markSent(o.db, row.id, result.providerId, o.clock.now());
      o.metrics.deliveries.labels(row.channel, 'sent').inc();
      log.info({ provider_id: result.providerId, recipient: row.recipient_id }, 'delivered');
    } catch (err) {
      const e = err instanceof DeliveryError ? err : new DeliveryError((err as Error)?.message ?? String(err), true, 'unknown', { cause: err });
      o.metrics.failure(row.channel, e.reason);
      if (e.reason === 'auth') return this.#credentialsRefused(row, e);
      const verdict = nextRetry(row.attempts, e.retryable, e.retryAfterMs, o.random() * 2 - 1);
      if (verdict.kind === 'retry') {
        const at = new Date(o.clock.now().getTime() + verdict.delayMs);
        await markRetry(o.db, row.id, e.message, e.reason, at);
        log.warn({ reason: e.reason, retry_at: at.toISOString(), error: e.message }, 'delivery failed; will retry');
        return;
      }
      await markDead(o.db, row.id, e.message, e.reason);
      o.metrics.deliveries.labels(row.channel, 'dead').inc();
      o.metrics.deadDeliveries.labels(row.channel).inc();
      await o.notices.raise({
        kind: 'delivery-dead',
        dedupeKey: `dead:${row.delivery_key}:${row.attempts}`,
        message: `delivery ${row.delivery_key} is dead after ${row.attempts} attempt(s): ${e.reason}`,
        details: { delivery: row.delivery_key, channel: row.channel, reason: e.reason, error: e.message },
      });
      if (row.channel === 'slack' && !e.retryable) await this.#fallBackToEmail(row, e);
    }
  }

  /**
   * The provider refused this worker's credentials: not the delivery's fault, so it is put back
   * without counting the attempt, and the channel pauses (no claims) for CREDENTIALS_PAUSE_MS
   * rather than fail every delivery at once (they would be dead, and a dead key is not resent) or
   * retry each one (a burst of failed logins gets accounts locked). Fixed credentials take effect
   * when the worker restarts with them.
   */
  async #credentialsRefused(row: OutboxRow, e: DeliveryError): Promise<void> {
    const o = this.#o;
    const until = o.clock.now().getTime() + CREDENTIALS_PAUSE_MS;
    this.#pausedUntil.set(row.channel, Math.max(this.#pausedUntil.get(row.channel) ?? 0, until));
    await putBack(o.db, row.id, e.message, e.reason, new Date(until));
    o.logger.error({ channel: row.channel, delivery: row.delivery_key, error: e.message }, 'credentials refused: channel paused, deliveries wait');
    await o.notices.raise({
      kind: 'channel-unhealthy',
      dedupeKey: `credentials:${row.channel}:${new Date(until).toISOString().slice(0, 13)}`,
      message: `${row.channel}: credentials refused (${e.message}); its deliveries wait, fix them and restart the workers`,
      details: { channel: row.channel, reason: e.reason },
    });
  }

  /** A permanent Slack failure: the same brief by email, if the recipient has an address. */
  async #fallBackToEmail(row: OutboxRow, e: DeliveryError): Promise<void> {
    const o = this.#o;
    const { rows } = await o.db.query<{ email: string | null }>(`SELECT email FROM herald.recipients WHERE id = $1`, [row.recipient_id]);
    if (!rows[0]?.email || !o.channels.email) return;
    const key = `${row.delivery_key}:fallback-email`;
    await enqueueDeliveries(o.db, [{
      deliveryKey: key, scheduleId: row.schedule_id, report: row.report, tenantId: row.tenant_id, periodLabel: row.period_label,
      channel: 'email', recipientId: row.recipient_id, runId: row.run_id, kind: row.kind,
    }], { dueAt: o.clock.now() });
    await o.db.query(`UPDATE herald.outbox SET fallback_of = $2 WHERE delivery_key = $1`, [key, row.id]);
    await o.notices.raise({
      kind: 'channel-fallback',
      dedupeKey: `fallback:${row.delivery_key}`,
      message: `Slack delivery ${row.delivery_key} failed permanently (${e.reason}); sending by email instead`,
      details: { delivery: row.delivery_key, reason: e.reason },
    });
  }

  /**
   * A run's data and archived PDF, read (and the PDF's SHA-256 checked) once for all of its
   * deliveries: both are immutable once rendered (a forced resend is a new run). The few runs
   * being sent at a time are kept.
   */
  #artifact(runId: number | null, withPdf: boolean): Promise<RunArtifact> {
    const key = `${runId}:${withPdf}`;
    let hit = this.#artifacts.get(key);
    if (!hit) {
      hit = this.#readArtifact(runId, withPdf);
      this.#artifacts.set(key, hit);
      hit.catch(() => this.#artifacts.delete(key)); // a failure is not remembered
      if (this.#artifacts.size > ARTIFACTS_KEPT) this.#artifacts.delete(this.#artifacts.keys().next().value!);
    }
    return hit;
  }

  async #readArtifact(runId: number | null, withPdf: boolean): Promise<RunArtifact> {
    const run = (await this.#o.db.query<{ data: ExecutiveSummaryData; artifact_path: string | null; artifact_sha256: string | null; started_at: Date }>(
      `SELECT data, artifact_path, artifact_sha256, started_at FROM herald.runs WHERE id = $1`, [runId])).rows[0];
    if (!run?.data) throw new DeliveryError(`run ${runId} has no report data`, false, 'bad_request');
    if (!withPdf) return { data: run.data, startedAt: run.started_at };
    if (!run.artifact_path || !run.artifact_sha256) throw new DeliveryError(`run ${runId} has no archived PDF`, false, 'bad_request');
    const bytes = await readArchivedPdf(run.artifact_path, run.artifact_sha256).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      // Rendered by a worker whose archiveDir this one does not share: a retry may land there.
      throw new DeliveryError(`archived PDF ${run.artifact_path} of run ${runId} is not on this worker (archiveDir must be shared by all workers)`, true, 'unknown');
    });
    return { data: run.data, startedAt: run.started_at, pdf: { bytes, sha256: run.artifact_sha256 } };
  }

  async #resolve(row: OutboxRow): Promise<Delivery> {
    const db = this.#o.db;
    const [recipient, run] = await Promise.all([
      recipientById(db, row.recipient_id),
      this.#artifact(row.run_id, row.kind === 'brief'),
    ]);
    if (!recipient) throw new DeliveryError(`recipient ${row.recipient_id} no longer exists`, false, 'invalid_recipient');
    const pdf: Delivery['pdf'] = run.pdf && { ...run.pdf, filename: `${row.report}-${row.tenant_id ?? 'portfolio'}-${row.period_label}.pdf` };
    return {
      id: row.id,
      deliveryKey: row.delivery_key,
      channel: row.channel,
      kind: row.kind,
      recipient,
      data: run.data,
      pdf,
      attempt: row.attempts,
      runId: row.run_id!,
      queuedAt: run.startedAt,
      progress: row.progress,
      checkpoint: (progress) => saveProgress(db, row.id, progress),
    };
  }
}
