/**
 * The Slack channel (SPEC §7): a rendered message (a brief's Block Kit digest, an alert) posted
 * with chat.postMessage, in a thread when the message replies to an earlier one, then an
 * attachment (a brief's PDF) uploaded into that message's thread with filesUploadV2
 * (files.getUploadURLExternal → POST upload_url → files.completeUploadExternal).
 *
 * Idempotency: the post and the upload are two steps. After the message is posted its
 * `{ts, channel}` is checkpointed; a retry that finds a ts in `delivery.progress` only uploads,
 * so an upload failure never posts the digest twice. A completed upload is checkpointed too
 * (`fileId`), so a retry after a crash between "uploaded" and "recorded as sent" sends nothing.
 * The one gap a checkpoint cannot cover, a post Slack made whose answer was lost (a timeout, a
 * worker killed in between), is closed by message metadata: the message carries a tag of its
 * delivery key and stored message, and a later attempt without a checkpoint first looks for that tag in
 * the channel's history since the run started (conversations.history, `channels:history` /
 * `groups:history`). Without that scope it cannot look, and posts: at least once, as before.
 *
 * Retries, two layers:
 * - The outbox does the long-range retries (1 min, 5 min, 30 min, 2 h; SPEC §7) from the
 *   DeliveryError this channel throws.
 * - The WebClient retries 5xx and network errors briefly (`retryConfig`, default 3 retries,
 *   backoff 1–2 s, 2–4 s, 4–8 s: ≤ 14 s; with the 10 s request timeout a call gives up within
 *   about a minute). The client's default (10 retries over ~30 min) would hold a worker slot
 *   for half an hour and duplicate the outbox's backoff.
 * - Rate limits: the client is built with `rejectRateLimitedCalls: true`, because otherwise a
 *   429 pauses its whole request queue for the full Retry-After, however long (an hour), and
 *   then retries only within `retryConfig` (with `retries: 0` it never retries). This channel
 *   waits a Retry-After of at most `maxRetryAfterSeconds` (default 60, ≤ 3 times, the total wait
 *   also ≤ that bound) and retries; a longer one fails at once with a retryable 'rate_limited'
 *   DeliveryError carrying `retryAfterMs`, which the outbox honours. A Retry-After is
 *   remembered per method (per channel for chat.postMessage, whose limit is per channel), so
 *   other deliveries through this channel wait or fail fast without hitting Slack again.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogLevel, WebClient, type ChatPostMessageArguments, type RetryOptions } from '@slack/web-api';
import { DeliveryError, type Channel, type Delivery, type SendResult, type SlackMessage } from '../Channel.js';
import { isRateLimited, retryAfterSeconds, slackErrorCode, toDeliveryError } from './slackErrors.js';

export interface SlackChannelOptions {
  /** Bot token (`SLACK_TOKEN`, `xoxb-…`). Never printed: errors name the call and Slack's error code only. */
  token: string;
  /** Web API base URL (`SLACK_API_URL`), e.g. `http://127.0.0.1:PORT/api/`. Default: `https://slack.com/api/`. */
  apiUrl?: string;
  /**
   * A ready WebClient (tests, shared clients). Build it with `rejectRateLimitedCalls: true`, or a
   * long Retry-After pauses it for the full time and `maxRetryAfterSeconds` cannot apply.
   * Default: one built from `token`, `apiUrl`, `retries` and `timeoutMs`.
   */
  client?: WebClient;
  /** Client-level retries of 5xx and network errors, exponential from 1 s (see above). Default 3; tests use 0. */
  retries?: number;
  /** The longest Retry-After this channel waits out before failing with 'rate_limited'. Default 60. */
  maxRetryAfterSeconds?: number;
  /** Per-request timeout in milliseconds (a timed-out request counts as a network error). Default 10,000. */
  timeoutMs?: number;
  /** How a rate limit is waited out (tests record the waits instead). Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
}

/** What a Slack delivery has completed, persisted through `Delivery.checkpoint`. */
export interface SlackProgress {
  /** The posted digest's ts: a retry does not post again. */
  ts: string;
  /** The channel id Slack answered with. */
  channel: string;
  /** The PDF's file id once the upload completed: a retry does not upload again. */
  fileId?: string;
}

/** Scopes the bot token needs: post the digest, upload the PDF. */
export const REQUIRED_SCOPES = ['chat:write', 'files:write'] as const;
/** Message metadata event type of Herald's digests. */
export const DIGEST_EVENT_TYPE = 'herald_delivery';
/** How many pages of history (200 messages each) a retry reads looking for its digest. */
const HISTORY_PAGES = 5;

/**
 * The tag a post carries in its metadata: its delivery key and stored message, hashed (the
 * channel's readers need not see Herald's ids). A forced resend is a new message, so it does not
 * find the post it resends.
 */
export function digestTag(deliveryKey: string, messageId: number): string {
  return createHash('sha256').update(`${deliveryKey}#${messageId}`, 'utf8').digest('hex').slice(0, 32);
}

/** Conversation ids: C (public), G (private/legacy), D (direct message). Names like #general are not accepted: file uploads need an id. */
const CHANNEL_ID = /^[CGD][A-Z0-9]{6,}$/;
const MAX_RATE_LIMIT_RETRIES = 3;

/** The production retry policy for 5xx and network errors (see the file comment). */
export function slackRetryConfig(retries = 3): RetryOptions {
  return { retries, factor: 2, minTimeout: 1_000, maxTimeout: 8_000, randomize: true };
}

function readProgress(p: Record<string, unknown> | null): SlackProgress | null {
  if (!p || typeof p.ts !== 'string' || p.ts === '' || typeof p.channel !== 'string' || p.channel === '') return null;
  return { ts: p.ts, channel: p.channel, fileId: typeof p.fileId === 'string' ? p.fileId : undefined };
}

export function createSlackChannel(opts: SlackChannelOptions): Channel<'slack'> {
  if (!opts.client && (typeof opts.token !== 'string' || opts.token.trim() === '')) {
    throw new Error('slack: token is required (SLACK_TOKEN)');
  }
  const maxWaitMs = Math.max(0, opts.maxRetryAfterSeconds ?? 60) * 1000;
  const wait = opts.sleep ?? sleep;
  const token = opts.token || undefined;
  const client = opts.client ?? new WebClient(opts.token, {
    slackApiUrl: opts.apiUrl,
    retryConfig: slackRetryConfig(opts.retries ?? 3),
    rejectRateLimitedCalls: true,
    timeout: opts.timeoutMs ?? 10_000,
    logLevel: LogLevel.ERROR,
  });
  /** Rate-limit gates: no call of this kind before this epoch ms. */
  const notBefore = new Map<string, number>();

  /** Why it gives up now: the wait would pass what this channel waits, or it already waited as often as it does. */
  function rateLimited(what: string, waitMs: number, tooLong: boolean, cause?: unknown): DeliveryError {
    const seconds = Math.ceil(waitMs / 1000);
    const why = tooLong ? `longer than the ${maxWaitMs / 1000} s this channel waits` : `after ${MAX_RATE_LIMIT_RETRIES} waits already`;
    return new DeliveryError(`slack ${what}: rate_limited, retry after ${seconds} s (${why})`, true, 'rate_limited', { cause, retryAfterMs: waitMs });
  }

  /** Runs one Slack call, waiting out short rate limits and classifying every failure. */
  async function call<T>(gate: string, what: string, fn: () => Promise<T>): Promise<T> {
    let waitedMs = 0;
    for (let attempt = 0; ; attempt++) {
      const until = notBefore.get(gate) ?? 0;
      const pending = until - Date.now();
      if (pending > 0) {
        if (waitedMs + pending > maxWaitMs || attempt > MAX_RATE_LIMIT_RETRIES) throw rateLimited(what, pending, waitedMs + pending > maxWaitMs);
        await wait(pending);
        waitedMs += pending;
      }
      try {
        return await fn();
      } catch (err) {
        if (!isRateLimited(err)) throw toDeliveryError(err, what, token);
        // A 429 without a usable Retry-After: Slack's documented minimum is about a second.
        const waitMs = Math.max(1, retryAfterSeconds(err) ?? 1) * 1000;
        notBefore.set(gate, Math.max(notBefore.get(gate) ?? 0, Date.now() + waitMs));
        if (waitedMs + waitMs > maxWaitMs || attempt >= MAX_RATE_LIMIT_RETRIES) throw rateLimited(what, waitMs, waitedMs + waitMs > maxWaitMs, err);
      }
    }
  }

  /**
   * The digest an earlier attempt posted, found by its tag in the channel's history since the run
   * started; null when there is none, or when the token may not read the history (it cannot
   * tell: the caller posts). A transient failure throws: better retry later than post twice.
   */
  async function findDigest(channel: string, tag: string, since: Date): Promise<SlackProgress | null> {
    const oldest = String(Math.floor(since.getTime() / 1000) - 60);
    let cursor: string | undefined;
    for (let page = 0; page < HISTORY_PAGES; page++) {
      let res;
      try {
        res = await call(`conversations.history:${channel}`, `conversations.history ${channel}`,
          () => client.conversations.history({ channel, oldest, limit: 200, include_all_metadata: true, cursor }));
      } catch (err) {
        if (err instanceof DeliveryError && !err.retryable) return null;
        throw err;
      }
      const found = res.messages?.find((m) => m.metadata?.event_type === DIGEST_EVENT_TYPE
        && (m.metadata.event_payload as { delivery?: unknown } | undefined)?.delivery === tag);
      if (found?.ts) return { ts: found.ts, channel };
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor) break;
    }
    return null;
  }

  return {
    name: 'slack',

    async send(d: Delivery<SlackMessage>): Promise<SendResult> {
      const target = d.recipient.slackChannel?.trim();
      if (!target) throw new DeliveryError(`slack: recipient ${d.recipient.id} has no Slack channel`, false, 'invalid_recipient');
      if (!CHANNEL_ID.test(target)) throw new DeliveryError(`slack: recipient ${d.recipient.id} has an invalid Slack channel id (expected an id like C0123ABCD)`, false, 'invalid_recipient');

      const tag = digestTag(d.deliveryKey, d.messageId);
      let progress = readProgress(d.progress);
      if (!progress && d.attempt > 1) {
        progress = await findDigest(target, tag, d.queuedAt);
        if (progress) await d.checkpoint({ ...progress });
      }
      if (!progress) {
        const args = {
          channel: d.thread?.channel ?? target,
          text: d.message.text,
          blocks: d.message.blocks,
          ...(d.thread ? { thread_ts: d.thread.ts } : {}),
          metadata: { event_type: DIGEST_EVENT_TYPE, event_payload: { delivery: tag } },
          // Data is escaped by the message's renderer; these stop Slack from adding links or mentions of its own.
          parse: 'none',
          link_names: false,
          unfurl_links: false,
          unfurl_media: false,
        } as unknown as ChatPostMessageArguments;
        const what = `chat.postMessage to ${target}`;
        const res = await call(`chat.postMessage:${target}`, what, () => client.chat.postMessage(args));
        if (typeof res.ts !== 'string' || res.ts === '') {
          throw new DeliveryError(`slack ${what}: answer without a message ts`, true, 'unknown');
        }
        progress = { ts: res.ts, channel: typeof res.channel === 'string' && res.channel !== '' ? res.channel : target };
        await d.checkpoint({ ...progress });
      }

      if (d.attachment && !progress.fileId) {
        const pdf = d.attachment;
        // A reply's attachment goes into the same thread; a top-level post's into its own.
        const { channel } = progress;
        const ts = d.thread?.ts ?? progress.ts;
        const what = `file upload to ${channel} (thread ${ts})`;
        const res = await call('files.uploadV2', what, () => client.filesUploadV2({
          channel_id: channel,
          thread_ts: ts,
          file: pdf.bytes,
          filename: pdf.filename,
          title: pdf.filename.replace(/\.pdf$/i, ''),
        }));
        const fileId = extractFileId(res);
        if (fileId) await d.checkpoint({ ...progress, fileId });
      }
      return { providerId: `${progress.channel}/${progress.ts}` };
    },

    async check(destinations: string[]): Promise<{ ok: boolean; problems: string[] }> {
      const problems: string[] = [];
      let scopes: string[] | undefined;
      try {
        const auth = await call('auth.test', 'auth.test', () => client.auth.test());
        scopes = auth.response_metadata?.scopes;
      } catch (err) {
        problems.push(`slack token: ${codeOf(err)}`);
        return { ok: false, problems };
      }
      // Slack sends the token's scopes in the x-oauth-scopes header; a proxy may drop it.
      if (scopes) {
        const missing = REQUIRED_SCOPES.filter((s) => !scopes.includes(s));
        if (missing.length) problems.push(`slack token: missing scope ${missing.join(', ')}`);
      }
      const historyScopes = new Set<string>();
      const publicPosting = scopes?.includes('chat:write.public') ?? false;
      for (const id of [...new Set(destinations.map((c) => c.trim()))]) {
        if (!CHANNEL_ID.test(id)) {
          problems.push(`slack channel ${id}: not a channel id (expected an id like C0123ABCD)`);
          continue;
        }
        try {
          const info = await call('conversations.info', `conversations.info ${id}`, () => client.conversations.info({ channel: id }));
          const ch = info.channel;
          historyScopes.add(ch?.is_im ? 'im:history' : ch?.is_private ? 'groups:history' : 'channels:history');
          if (ch?.is_archived) problems.push(`slack channel ${id}: is_archived`);
          else if (ch && ch.is_member === false && !(publicPosting && ch.is_channel && !ch.is_private)) {
            problems.push(`slack channel ${id}: not_in_channel (invite the app to the channel)`);
          }
        } catch (err) {
          problems.push(`slack channel ${id}: ${codeOf(err)}`);
        }
      }
      const missingHistory = scopes ? [...historyScopes].filter((s) => !scopes.includes(s)) : [];
      if (missingHistory.length) {
        problems.push(`slack token: missing scope ${missingHistory.join(', ')} (a digest whose answer was lost cannot be recognised: a retry would post it again)`);
      }
      return { ok: problems.length === 0, problems };
    },
  };
}

/** The Slack error code behind a DeliveryError from `call`, for one-line problem reports. */
function codeOf(err: unknown): string {
  if (err instanceof DeliveryError) return err.cause !== undefined ? slackErrorCode(err.cause) : err.reason;
  return slackErrorCode(err);
}

function extractFileId(res: unknown): string | undefined {
  // filesUploadV2 answers { ok, files: [ completeUploadExternal answer, … ] }, each with files: [{ id }].
  const outer = (res as { files?: { files?: { id?: unknown }[] }[] } | undefined)?.files;
  const id = outer?.[0]?.files?.[0]?.id;
  return typeof id === 'string' ? id : undefined;
}
