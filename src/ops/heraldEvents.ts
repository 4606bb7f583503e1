/**
 * Herald's own product events (SPEC §2.2), captured with posthog-node when `POSTHOG_API_KEY` is
 * set (to `POSTHOG_HOST`, default PostHog's US cloud): a report delivered, an alert's notification
 * delivered, an alert acknowledged. Without the key nothing is created and nothing is sent.
 *
 * - Ids only: the property types below admit ids, labels and counts, never an address, a phone
 *   number, a name, a Slack channel or message text. The distinct id is the tenant
 *   (`herald:tenant:<id>`, `herald:platform` for the platform's own), not a person: a recipient's
 *   id would make PostHog keep a profile per executive, and `$process_person_profile: false`
 *   tells it to keep none at all.
 * - Never in a delivery's way: capture() queues in memory and returns; sending happens in the
 *   background (every `flushAt` events or `flushIntervalMs`) and on shutdown (bounded). A failure is
 *   logged once a window (repeatedFailureLog) through Herald's logger, without the key, and
 *   posthog-node's own console output is kept out of the way (automatic flushes report to us).
 * - One uuid per fact (a delivery's message, an acknowledgement): a send repeated by a worker that
 *   lost its lease carries the same uuid, so PostHog can tell the copy.
 *
 * Created once per process (the worker, or a command that delivers or acknowledges) with
 * heraldEventsFromEnv and passed to what captures; shutdown() before the process exits.
 */
import { createHash } from 'node:crypto';
import { PostHog } from 'posthog-node';
import type { ChannelName } from '../delivery/Channel.js';
import { repeatedFailureLog, type Logger } from './logger.js';

/** posthog-node's default: PostHog's US cloud ingestion host. */
export const POSTHOG_DEFAULT_HOST = 'https://us.i.posthog.com';

type Severity = 'critical' | 'high' | 'medium';

/** What each event carries. Ids, labels and counts only (see the module's comment). */
export interface HeraldEventProperties {
  /** A brief's delivery recorded as sent by the outbox (one per recipient and channel). */
  herald_report_delivered: {
    tenant_id: string | null;
    report: string | null;
    schedule_id: string | null;
    period_label: string | null;
    channel: ChannelName;
    outbox_id: number;
    run_id: number | null;
    /** The attempt that succeeded (1: the first). */
    attempt: number;
    /** Sent through the recipient's next channel after the first failed permanently. */
    fallback: boolean;
  };
  /** An alert's notification (fire, upgrade, escalate, repeat, re-alert) recorded as sent: a person was told. */
  herald_alert_dispatched: {
    tenant_id: string | null;
    alert_id: number;
    rule: string;
    severity: Severity;
    /** The lifecycle step: `fire`, `upgrade-1`, `escalate-1`, `repeat-2`, `realert-1`. */
    step: string;
    channel: ChannelName;
    outbox_id: number;
    attempt: number;
    fallback: boolean;
    test: boolean;
  };
  /** An alert acknowledged, by SMS reply or `herald alerts ack`. */
  herald_alert_acknowledged: {
    tenant_id: string | null;
    alert_id: number;
    rule: string;
    severity: Severity;
    via: 'sms' | 'command-line';
    /** Tiers it had escalated to when acknowledged (0: the first). */
    escalation_level: number;
    /** From its first notification to the acknowledgement; null if it never notified. */
    seconds_to_acknowledge: number | null;
    test: boolean;
  };
}
export type HeraldEventName = keyof HeraldEventProperties;

export interface CaptureOptions {
  /** When it happened (the caller's clock). Default: now. */
  at?: Date;
  /** Names the fact once (e.g. `outbox:12:message:7`): the event's uuid is derived from it. */
  factKey?: string;
}

export interface HeraldEvents {
  /** False when `POSTHOG_API_KEY` is unset: capture() does nothing (callers may skip work for it). */
  readonly enabled: boolean;
  /** Queues an event; never throws, never waits. */
  capture<E extends HeraldEventName>(event: E, props: HeraldEventProperties[E], opts?: CaptureOptions): void;
  /** Sends what is queued, waiting at most `timeoutMs`; then captures nothing more. Never throws. */
  shutdown(timeoutMs?: number): Promise<void>;
}

/** The implementation when `POSTHOG_API_KEY` is unset: no client, nothing sent. */
export const noHeraldEvents: HeraldEvents = Object.freeze({
  enabled: false,
  capture() { /* not configured */ },
  async shutdown() { /* nothing to send */ },
});

export interface PosthogEventsOptions {
  apiKey: string;
  host?: string;
  logger: Logger;
  /** Send once this many events are queued. Default 20. */
  flushAt?: number;
  /** Send what is queued at least this often. Default 10 s. */
  flushIntervalMs?: number;
  /** Retries of a failed send (5xx, 429, 408, network). Default 2, a second apart. */
  retries?: number;
  retryDelayMs?: number;
  /** One request's timeout. Default 5 s. */
  requestTimeoutMs?: number;
  /** shutdown()'s default bound. Default 5 s. */
  shutdownTimeoutMs?: number;
}

/**
 * The process's HeraldEvents from its environment: posthog-node when `POSTHOG_API_KEY` is set
 * (`POSTHOG_HOST`, default PostHog's US cloud), else the no-op (no client is created).
 */
export function heraldEventsFromEnv(env: NodeJS.ProcessEnv, logger: Logger, opts: Omit<PosthogEventsOptions, 'apiKey' | 'host' | 'logger'> = {}): HeraldEvents {
  const apiKey = env.POSTHOG_API_KEY?.trim();
  if (!apiKey) return noHeraldEvents;
  return new PosthogHeraldEvents({ ...opts, apiKey, host: env.POSTHOG_HOST?.trim() || POSTHOG_DEFAULT_HOST, logger });
}

/** posthog-node, with its automatic flushes' failures told to us instead of printed to the console. */
class HeraldPostHog extends PostHog {
  onFlushError: (err: unknown) => void = () => undefined;
  protected override flushAutomatic(): Promise<void> {
    return super.flushAutomatic().catch((err: unknown) => this.onFlushError(err));
  }
}

const distinctId = (tenantId: string | null) => (tenantId === null ? 'herald:platform' : `herald:tenant:${tenantId}`);

/** A UUID (version 8, name-based) from a fact's key: the same fact, the same uuid. */
function factUuid(event: string, key: string): string {
  const h = createHash('sha256').update(`herald:${event}:${key}`).digest('hex').slice(0, 32).split('');
  h[12] = '8';
  h[16] = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  const s = h.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

class PosthogHeraldEvents implements HeraldEvents {
  readonly enabled = true;
  readonly #client: HeraldPostHog;
  readonly #logger: Logger;
  readonly #failed: (err: Error) => void;
  readonly #shutdownMs: number;
  readonly #secret: string;
  #closing: Promise<void> | undefined;

  constructor(o: PosthogEventsOptions) {
    this.#logger = o.logger.child({ component: 'herald-events' });
    this.#secret = o.apiKey;
    this.#shutdownMs = o.shutdownTimeoutMs ?? 5_000;
    const warn = repeatedFailureLog(this.#logger, 'warn', 'herald events: sending to PostHog failed; the events of that batch are dropped or retried, deliveries are not affected', { windowMs: 10 * 60_000 });
    this.#failed = (err) => warn(new Error(this.#clean(err)));
    this.#client = new HeraldPostHog(o.apiKey, {
      host: o.host ?? POSTHOG_DEFAULT_HOST,
      flushAt: o.flushAt ?? 20,
      flushInterval: o.flushIntervalMs ?? 10_000,
      fetchRetryCount: o.retries ?? 2,
      fetchRetryDelay: o.retryDelayMs ?? 1_000,
      requestTimeout: o.requestTimeoutMs ?? 5_000,
      maxQueueSize: 10_000,
      disableGeoip: true,
      enableExceptionAutocapture: false,
    });
    this.#client.onFlushError = (err) => this.#failed(err as Error);
  }

  capture<E extends HeraldEventName>(event: E, props: HeraldEventProperties[E], opts: CaptureOptions = {}): void {
    if (this.#closing) return;
    try {
      this.#client.capture({
        distinctId: distinctId(props.tenant_id),
        event,
        properties: { ...props, $process_person_profile: false },
        timestamp: opts.at,
        uuid: opts.factKey === undefined ? undefined : factUuid(event, opts.factKey),
      });
    } catch (err) {
      this.#failed(err as Error);
    }
  }

  shutdown(timeoutMs = this.#shutdownMs): Promise<void> {
    this.#closing ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const sent = this.#client.flush().then(() => 'sent' as const, (err: unknown) => {
        this.#failed(err as Error);
        return 'failed' as const;
      });
      const outcome = await Promise.race([sent, new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); })]);
      clearTimeout(timer);
      if (outcome === 'timeout') this.#logger.warn({ timeout_ms: timeoutMs }, 'herald events: PostHog did not take the last events in time; they are dropped');
      // Nothing is left to send: the client stops (timers). After a failure it is left as is:
      // its own shutdown would try again and print to the console.
      if (outcome === 'sent') await this.#client.shutdown(timeoutMs).catch(() => undefined);
    })().catch(() => undefined);
    return this.#closing;
  }

  /** An error's message, one line, without the key (it travels in the request body, but be sure). */
  #clean(err: unknown): string {
    const text = (err instanceof Error ? `${err.name}: ${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err)).split('\n')[0];
    return text.split(this.#secret).join('<secret>').slice(0, 300);
  }
}
