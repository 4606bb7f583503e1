import type { ExecutiveSummaryData } from '../report/types.js';
import type { Recipient } from '../recipients/Recipient.js';

export type ChannelName = 'email' | 'slack' | 'sms';

/** One outbox row, resolved into everything a channel needs to send it. */
export interface Delivery {
  id: number;
  /** `schedule:report:scope:period:channel:recipient`; the same key is recognisably the same message. */
  deliveryKey: string;
  channel: ChannelName;
  kind: 'brief' | 'delayed-notice';
  recipient: Recipient;
  /** The report data object the artifact was rendered from (email body, Slack digest). */
  data: ExecutiveSummaryData;
  /** The archived PDF (absent for a delayed notice). */
  pdf?: { bytes: Buffer; filename: string; sha256: string };
  /** 1 for the first attempt; more when an earlier one failed or its worker died mid-send. */
  attempt: number;
  /** The run whose artifact this sends; a forced resend is a new run of the same key. */
  runId: number;
  /** When that run started: nothing of this delivery can have reached the provider before. */
  queuedAt: Date;
  /** Steps a previous attempt completed (e.g. Slack: the message was posted, the upload was not). */
  progress: Record<string, unknown> | null;
  /** Persists completed steps before the next one, so a retry does not repeat them. */
  checkpoint(progress: Record<string, unknown>): Promise<void>;
}

export interface SendResult {
  /** The provider's id for what it accepted: SMTP Message-ID / queue id, Slack message ts, Twilio SID. */
  providerId: string;
}

/** Why a send failed, as a metric label. */
export type FailureReason = 'rate_limited' | 'unavailable' | 'network' | 'auth' | 'invalid_recipient' | 'rejected' | 'bad_request' | 'unknown';

/**
 * A failed send, classified at the channel's edge: whose fault, and is it worth retrying.
 * 4xx-style answers (bad address, unknown channel, bad credentials) are permanent; timeouts,
 * refused connections, 5xx and rate limits are transient.
 */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly reason: FailureReason,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, { cause: options?.cause });
    this.retryAfterMs = options?.retryAfterMs;
  }
  readonly retryAfterMs: number | undefined;
}

/** A delivery channel: one small interface; the outbox decides retries from DeliveryError. */
export interface Channel {
  readonly name: ChannelName;
  /** Sends one delivery or throws DeliveryError (anything else counts as retryable 'unknown'). */
  send(delivery: Delivery): Promise<SendResult>;
  /** Start-up and `config check --live` health check: credentials, scopes, destinations. */
  check?(destinations: string[]): Promise<{ ok: boolean; problems: string[] }>;
  /** Releases what the channel holds open (pooled SMTP connections); idempotent. */
  close?(): void;
}
