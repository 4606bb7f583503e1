import type { Db } from '../db/Db.js';
import type { Clock } from '../time/clock.js';
import { repeatedFailureLog, type Logger } from '../ops/logger.js';
import type { HeraldMetrics } from '../ops/metrics.js';
import type { OperatorNotices } from '../ops/operatorNotices.js';
import { noHeraldEvents, type HeraldEvents } from '../ops/heraldEvents.js';
import { recipientById } from '../recipients/recipientsRepo.js';
import { recipientAddress } from '../recipients/Recipient.js';
import { DeliveryError, type Attachment, type Channel, type ChannelName, type Channels, type Delivery, type OutgoingMessage } from './Channel.js';
import {
  claimDue, deliveryByKey, enqueueDeliveries, loadMessage, markDead, markRetry, markSent, putBack, saveProgress,
  type OutboxRow, type StoredMessage,
} from './outboxRepo.js';
import { isRetryPolicy, nextRetry } from './backoff.js';
import { readArchivedPdf } from './archive.js';

export interface DispatcherOptions {
  db: Db;
  channels: Channels;
  clock: Clock;
  logger: Logger;
  metrics: HeraldMetrics;
  notices: OperatorNotices;
  /** Deliveries in flight at once in this process. Default 4. */
  concurrency?: number;
  /** How long a claimed delivery stays ours before another worker may take it over. Default 5 min. */
  leaseMs?: number;
  /** Randomness for retry jitter (tests pass () => 0). */
  random?: () => number;
  /** Send only the deliveries of these runs (`herald run`); default: every due delivery. */
  runIds?: readonly number[];
  /** Send only these deliveries (`herald alerts test`). */
  outboxIds?: readonly number[];
  /** Herald's own events (a report delivered, an alert's notification delivered). Default: none. */
  events?: HeraldEvents;
}

const CACHED = 32;
/** How long a channel whose credentials were refused is left alone before it is tried again. */
export const CREDENTIALS_PAUSE_MS = 10 * 60_000;
/** A Slack reply whose parent message is not posted yet looks again after this long. */
const THREAD_WAIT_MS = 5_000;

/** A small cache of immutable things read for many deliveries (messages, archived PDFs). */
class Memo<T> {
  readonly #map = new Map<string, Promise<T>>();
  get(key: string, load: () => Promise<T>): Promise<T> {
    let hit = this.#map.get(key);
    if (!hit) {
      hit = load();
      this.#map.set(key, hit);
      hit.catch(() => this.#map.delete(key)); // a failure is not remembered
      if (this.#map.size > CACHED) this.#map.delete(this.#map.keys().next().value!);
    }
    return hit;
  }
}

/**
 * Sends the outbox: claims due rows, most urgent first (SKIP LOCKED, so workers never take the
 * same one), resolves each into a Delivery (its stored message, the recipient, an attached PDF),
 * hands it to its channel, and records sent / retry (by the row's retry policy) / dead. Nothing
 * here knows what a brief or an alert is: the producers rendered the messages.
 */
export class OutboxDispatcher {
  readonly #o: Required<Omit<DispatcherOptions, 'random' | 'runIds' | 'outboxIds'>> & { random: () => number; runIds: readonly number[] | null; outboxIds: readonly number[] | null };
  #eventFailed: ((err: Error) => void) | undefined;
  readonly #messages = new Memo<StoredMessage>();
  readonly #artifacts = new Memo<Attachment>();
  readonly #pausedUntil = new Map<ChannelName, number>();
  readonly #pausedWhy = new Map<ChannelName, string>();
  readonly #inFlight = new Set<Promise<void>>();
  #stopped = true;
  #loop: Promise<void> | undefined;
  /** Resolves the loop's current wait (a timer, a wake, a finished send). */
  #interrupt: (() => void) | undefined;
  #woken = false;

  constructor(o: DispatcherOptions) {
    this.#o = { ...o, concurrency: o.concurrency ?? 4, leaseMs: o.leaseMs ?? 5 * 60_000, random: o.random ?? Math.random, runIds: o.runIds ?? null, outboxIds: o.outboxIds ?? null, events: o.events ?? noHeraldEvents };
  }

  /** Claims and sends what is due now (up to the concurrency), waits for those sends; returns how many. */
  async runOnce(): Promise<number> {
    const rows = await this.#claim(this.#o.concurrency);
    await Promise.all(rows.map((row) => this.#deliver(row)));
    return rows.length;
  }

  /**
   * Sends continuously until stop(): whenever a send finishes, its slot claims the most urgent due
   * row, so a critical SMS enqueued in the middle of a fan-out waits for one send, not a batch.
   * When less was due than there were free slots, it sleeps `everyMs`, unless this process
   * enqueued something meanwhile (wake).
   */
  start(everyMs = 1000): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const failed = repeatedFailureLog(this.#o.logger, 'error', 'outbox dispatch failed; trying again at the next poll');
    this.#loop = (async () => {
      while (!this.#stopped) {
        const free = this.#o.concurrency - this.#inFlight.size;
        if (free <= 0) {
          await this.#wait(Infinity); // a send finishing (or stop) interrupts
          continue;
        }
        this.#woken = false;
        let rows: OutboxRow[];
        try {
          rows = await this.#claim(free);
        } catch (err) {
          failed(err as Error);
          await this.#wait(everyMs);
          continue;
        }
        for (const row of rows) {
          const p: Promise<void> = this.#deliver(row).finally(() => {
            this.#inFlight.delete(p);
            this.#interrupt?.();
          });
          this.#inFlight.add(p);
        }
        // A full claim may have left more due: claim again as slots free up. A partial one took
        // all there was: sleep, unless something was enqueued while claiming.
        if (rows.length < free && !this.#woken && !this.#stopped) await this.#wait(everyMs, true);
      }
    })();
  }

  /** Something was just enqueued by this process: look now rather than at the next poll. */
  wake(): void {
    this.#woken = true;
    this.#interrupt?.();
  }

  /** Channels this worker does not send through now (their credentials were refused), with until when and why. */
  pausedChannels(): { channel: ChannelName; until: Date; reason: string }[] {
    const now = this.#o.clock.now().getTime();
    return [...this.#pausedUntil].filter(([, until]) => until > now)
      .map(([channel, until]) => ({ channel, until: new Date(until), reason: this.#pausedWhy.get(channel) ?? 'credentials refused' }));
  }

  /** Stops claiming and waits for the deliveries in flight. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#interrupt?.();
    await this.#loop;
    await Promise.all([...this.#inFlight]);
  }

  /** Waits up to `ms`; a wake (if `wakeable`), a finished send or stop() ends it early. */
  #wait(ms: number, sleeping = false): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.#interrupt = undefined;
        resolve();
      };
      if (Number.isFinite(ms)) timer = setTimeout(done, ms);
      // While sleeping after a partial claim, a finished send means nothing new is due: only a wake
      // or stop ends the sleep. While waiting for a free slot, anything does.
      this.#interrupt = sleeping ? () => { if (this.#woken || this.#stopped) done(); } : done;
    });
  }

  #claim(limit: number): Promise<OutboxRow[]> {
    const o = this.#o;
    const now = o.clock.now();
    // The channels this worker can send through now: configured, and not paused (credentials refused).
    const channels = (Object.keys(o.channels) as ChannelName[]).filter((c) => o.channels[c] && (this.#pausedUntil.get(c) ?? 0) <= now.getTime());
    if (channels.length === 0) return Promise.resolve([]);
    return claimDue(o.db, now, limit, o.leaseMs, channels, o.runIds, o.outboxIds);
  }

  async #deliver(row: OutboxRow): Promise<void> {
    const o = this.#o;
    const log = o.logger.child({ delivery: row.delivery_key, channel: row.channel, attempt: row.attempts });
    try {
      const channel = o.channels[row.channel] as Channel | undefined;
      if (!channel) throw new DeliveryError(`channel ${row.channel} is not configured`, false, 'bad_request');
      const delivery = await this.#resolve(row);
      if (delivery === 'wait') return;
      const result = await channel.send(delivery);
      await markSent(o.db, row.id, result.providerId, o.clock.now());
      o.metrics.deliveries.labels(row.channel, 'sent').inc();
      log.info({ provider_id: result.providerId, recipient: row.recipient_id, kind: row.kind }, 'delivered');
      await this.#announce(row);
    } catch (err) {
      const e = err instanceof DeliveryError ? err : new DeliveryError((err as Error)?.message ?? String(err), true, 'unknown', { cause: err });
      o.metrics.failure(row.channel, e.reason);
      if (e.reason === 'auth') return this.#credentialsRefused(row, e);
      const policy = isRetryPolicy(row.retry_policy) ? row.retry_policy : 'brief';
      const verdict = nextRetry(row.attempts, e.retryable, e.retryAfterMs, o.random() * 2 - 1, policy);
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
      if (!e.retryable && row.fallback_message_id !== null) await this.#fallBack(row, e);
    }
  }

  /**
   * Herald's own event of a delivery recorded as sent: a brief's is `herald_report_delivered`; an
   * alert notification's (fire, upgrade, escalate, repeat, re-alert: a person was told of it) is
   * `herald_alert_dispatched`, one per alert it told of. Never throws: the delivery is done.
   */
  async #announce(row: OutboxRow): Promise<void> {
    const { events, clock, db } = this.#o;
    if (!events.enabled || (row.kind !== 'brief' && row.kind !== 'alert')) return;
    try {
      const at = clock.now();
      const fallback = row.delivery_key.includes(':fallback-');
      const fact = `outbox:${row.id}:message:${row.message_id}`;
      if (row.kind === 'brief') {
        events.capture('herald_report_delivered', {
          tenant_id: row.tenant_id, report: row.report, schedule_id: row.schedule_id, period_label: row.period_label, channel: row.channel,
          outbox_id: row.id, run_id: row.run_id, attempt: row.attempts, fallback,
        }, { at, factKey: fact });
        return;
      }
      // A fallback row tells of the alerts its original row was linked to.
      const { rows } = await db.query<{ alert_id: number; rule: string; severity: 'critical' | 'high' | 'medium'; tenant_id: string | null; test: boolean; step: string }>(
        `SELECT DISTINCT ON (a.id) a.id::int AS alert_id, a.rule, a.severity, a.tenant_id, a.test, n.step
           FROM herald.alert_notifications n JOIN herald.alerts a ON a.id = n.alert_id
          WHERE (n.outbox_id = $1 OR n.outbox_id = (SELECT fallback_of FROM herald.outbox WHERE id = $1))
            AND n.step ~ '^(fire|upgrade|escalate|repeat|realert)($|-)'   -- not a resolved or acknowledged notice
          ORDER BY a.id, n.step`, [row.id]);
      for (const a of rows) {
        events.capture('herald_alert_dispatched', {
          tenant_id: a.tenant_id, alert_id: a.alert_id, rule: a.rule, severity: a.severity, step: a.step, channel: row.channel,
          outbox_id: row.id, attempt: row.attempts, fallback, test: a.test,
        }, { at, factKey: `${fact}:alert:${a.alert_id}` });
      }
    } catch (err) {
      this.#eventFailed ??= repeatedFailureLog(this.#o.logger, 'warn', 'herald events: a delivered message could not be described; its event is skipped');
      this.#eventFailed(err as Error);
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
    this.#pausedWhy.set(row.channel, e.message.slice(0, 200));
    await putBack(o.db, row.id, e.message, e.reason, new Date(until));
    o.logger.error({ channel: row.channel, delivery: row.delivery_key, error: e.message }, 'credentials refused: channel paused, deliveries wait');
    await o.notices.raise({
      kind: 'channel-unhealthy',
      dedupeKey: `credentials:${row.channel}:${new Date(until).toISOString().slice(0, 13)}`,
      message: `${row.channel}: credentials refused (${e.message}); its deliveries wait, fix them and restart the workers`,
      details: { channel: row.channel, reason: e.reason },
    });
  }

  /**
   * A permanent failure of a row that names a fallback (a Slack channel that is gone): its
   * producer's fallback message goes through that message's channel to the same person, if they
   * have an address there and this worker can send it.
   */
  async #fallBack(row: OutboxRow, e: DeliveryError): Promise<void> {
    const o = this.#o;
    const fallback = await this.#message(row.fallback_message_id!);
    const channel = fallback.content.channel;
    const recipient = await recipientById(o.db, row.recipient_id);
    if (!recipient || !recipientAddress(recipient, channel) || !o.channels[channel]) return;
    const key = `${row.delivery_key}:fallback-${channel}`;
    await enqueueDeliveries(o.db, [{
      deliveryKey: key, messageId: fallback.id, channel, recipientId: row.recipient_id, tenantId: row.tenant_id, kind: row.kind,
      priority: row.priority, retryPolicy: isRetryPolicy(row.retry_policy) ? row.retry_policy : 'brief',
      scheduleId: row.schedule_id, report: row.report, periodLabel: row.period_label, runId: row.run_id,
    }], { dueAt: o.clock.now() });
    await o.db.query(`UPDATE herald.outbox SET fallback_of = $2 WHERE delivery_key = $1`, [key, row.id]);
    await o.notices.raise({
      kind: 'channel-fallback',
      dedupeKey: `fallback:${row.delivery_key}`,
      message: `${row.channel} delivery ${row.delivery_key} failed permanently (${e.reason}); sending by ${channel} instead`,
      details: { delivery: row.delivery_key, reason: e.reason, fallback: channel },
    });
  }

  #message(id: number): Promise<StoredMessage> {
    return this.#messages.get(String(id), async () => {
      const m = await loadMessage(this.#o.db, id);
      if (!m) throw new DeliveryError(`message ${id} does not exist`, false, 'bad_request');
      return m;
    });
  }

  /** A run's archived PDF, read and checked against its SHA-256 once for all of its deliveries. */
  #artifact(runId: number, filename: (run: { report: string; scope: string; period_label: string }) => string): Promise<Attachment> {
    return this.#artifacts.get(String(runId), async () => {
      const run = (await this.#o.db.query<{ report: string; scope: string; period_label: string; artifact_path: string | null; artifact_sha256: string | null }>(
        `SELECT report, scope, period_label, artifact_path, artifact_sha256 FROM herald.runs WHERE id = $1`, [runId])).rows[0];
      if (!run?.artifact_path || !run.artifact_sha256) throw new DeliveryError(`run ${runId} has no archived PDF`, false, 'bad_request');
      const bytes = await readArchivedPdf(run.artifact_path, run.artifact_sha256).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        // Rendered by a worker whose archiveDir this one does not share: a retry may land there.
        throw new DeliveryError(`archived PDF ${run.artifact_path} of run ${runId} is not on this worker (archiveDir must be shared by all workers)`, true, 'unknown');
      });
      return { bytes, sha256: run.artifact_sha256, filename: filename(run), contentType: 'application/pdf' };
    });
  }

  /** The Delivery of a row, or 'wait' when it was put back (its Slack parent is not posted yet). */
  async #resolve(row: OutboxRow): Promise<Delivery | 'wait'> {
    const db = this.#o.db;
    if (row.message_id === null) throw new DeliveryError(`delivery ${row.delivery_key} has no message`, false, 'bad_request');
    const [recipient, message] = await Promise.all([recipientById(db, row.recipient_id), this.#message(row.message_id)]);
    if (!recipient) throw new DeliveryError(`recipient ${row.recipient_id} no longer exists`, false, 'invalid_recipient');
    const content: OutgoingMessage = message.content;
    if (content.channel !== row.channel) throw new DeliveryError(`message ${message.id} is for ${content.channel}, not ${row.channel}`, false, 'bad_request');
    const attachment = message.artifactRunId === null ? undefined
      : await this.#artifact(message.artifactRunId, (run) => `${run.report}-${run.scope}-${run.period_label}.pdf`);
    let thread: Delivery['thread'];
    if (content.channel === 'slack' && content.threadOf) {
      const parent = await deliveryByKey(db, content.threadOf);
      const posted = parent?.progress && typeof parent.progress.ts === 'string' && typeof parent.progress.channel === 'string'
        ? { channel: parent.progress.channel, ts: parent.progress.ts } : undefined;
      if (posted) thread = posted;
      else if (parent && (parent.status === 'pending' || parent.status === 'sending')) {
        // Its parent is on its way: look again shortly, without spending an attempt.
        await putBack(db, row.id, `waiting for ${content.threadOf} to be posted`, 'unknown', new Date(this.#o.clock.now().getTime() + THREAD_WAIT_MS));
        return 'wait';
      }
      // A parent that died (or never was) leaves the reply to stand on its own.
    }
    return {
      id: row.id,
      deliveryKey: row.delivery_key,
      channel: row.channel,
      recipient,
      tenantId: row.tenant_id,
      message: content,
      messageId: message.id,
      attachment,
      thread,
      attempt: row.attempts,
      queuedAt: message.createdAt,
      progress: row.progress,
      checkpoint: (progress) => saveProgress(db, row.id, progress),
    };
  }
}
