import type { Recipient } from '../recipients/Recipient.js';

export type ChannelName = 'email' | 'slack' | 'sms';
export const CHANNEL_NAMES: readonly ChannelName[] = ['email', 'slack', 'sms'];

/**
 * What is sent, rendered by whoever owns it (a report's brief, an alert) before it reaches the
 * outbox: a channel only carries it. One message may go to many recipients (a brief's email to
 * its c-suite); the outbox row says to whom.
 */
export interface EmailMessage {
  channel: 'email';
  subject: string;
  html: string;
  text: string;
  /**
   * Pictures the HTML shows by `cid:` (a brief's key chart as a PNG: mail clients drop inline SVG
   * and many block data: URIs). Stored with the message, sent as inline parts of a
   * multipart/related body. Absent or empty: none.
   */
  inline?: InlineImage[];
}

/** A picture an email's HTML refers to as `<img src="cid:…">`. */
export interface InlineImage {
  /** Content-ID without angle brackets ("key-chart.1a2b3c4d@herald"); the HTML says `cid:` + this. */
  cid: string;
  filename: string;
  contentType: 'image/png';
  /** The bytes, base64 (the message is stored as JSON). */
  contentBase64: string;
  /** What the picture shows, for the HTML's alt text. */
  alt: string;
  /** Its size in the HTML (CSS px); the PNG has twice as many pixels for sharp screens. */
  width: number;
  height: number;
  /** Shown above the picture ("Bounce and spam rate by day"). */
  title?: string;
  /** Shown under it: what the picture does not label itself ("Shaded: Week 48, 23–29 Nov 2026"). */
  caption?: string;
}

export interface SlackMessage {
  channel: 'slack';
  /** Notification fallback and screen-reader text. */
  text: string;
  /** Block Kit blocks. */
  blocks: unknown[];
  /**
   * Posts into the thread of the message that this earlier delivery posted (an alert's
   * acknowledgement under its alert). The delivery waits while that one is unsent; when it died,
   * the reply is posted on its own.
   */
  threadOf?: string;
}

export interface SmsMessage {
  channel: 'sms';
  /** At most two segments (GSM-7 or UCS-2), checked by whoever renders it. */
  body: string;
}

export type OutgoingMessage = EmailMessage | SlackMessage | SmsMessage;
export type MessageFor<C extends ChannelName> = Extract<OutgoingMessage, { channel: C }>;

/** A rendered artifact that travels with a message: the archived PDF of a brief. */
export interface Attachment {
  bytes: Buffer;
  filename: string;
  contentType: 'application/pdf';
  sha256: string;
}

/** One outbox row, resolved into everything a channel needs to send it. */
export interface Delivery<M extends OutgoingMessage = OutgoingMessage> {
  id: number;
  /** Unique per send (`schedule:report:scope:period:channel:recipient`, `alert:…`); the same key is recognisably the same message. */
  deliveryKey: string;
  channel: M['channel'];
  recipient: Recipient;
  /** The tenant whose message this is (null: the platform's); the channel's last check of isolation. */
  tenantId: string | null;
  message: M;
  /** The stored message's id: a forced resend is a new message under the same key. */
  messageId: number;
  attachment?: Attachment;
  /** Slack: the message to reply under, resolved from `message.threadOf`. */
  thread?: { channel: string; ts: string };
  /** 1 for the first attempt; more when an earlier one failed or its worker died mid-send. */
  attempt: number;
  /** When the message was stored: nothing of this delivery can have reached the provider before. */
  queuedAt: Date;
  /** Steps a previous attempt completed (e.g. Slack: the message was posted, the upload was not). */
  progress: Record<string, unknown> | null;
  /** Persists completed steps before the next one, so a retry does not repeat them. */
  checkpoint(progress: Record<string, unknown>): Promise<void>;
}

export interface SendResult {
  /** The provider's id for what it accepted: SMTP Message-ID / queue id, Slack channel/ts, Twilio SID. */
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

/**
 * A transport: sends one rendered message to one recipient. It decides nothing about content;
 * it says, through DeliveryError, whether a failure is worth retrying.
 */
export interface Channel<C extends ChannelName = ChannelName> {
  readonly name: C;
  /** Sends one delivery or throws DeliveryError (anything else counts as retryable 'unknown'). */
  send(delivery: Delivery<MessageFor<C>>): Promise<SendResult>;
  /** Start-up and `config check --live` health check: credentials, scopes, destinations. */
  check?(destinations: string[]): Promise<{ ok: boolean; problems: string[] }>;
  /** Releases what the channel holds open (pooled SMTP connections); idempotent. */
  close?(): void;
}

/** The channels a process can send through, by name. */
export type Channels = { [C in ChannelName]?: Channel<C> };
