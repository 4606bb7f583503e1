/**
 * The SMS channel (SPEC §7, §8): one text to one E.164 number through Twilio's Messages API
 * (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form To, From, Body).
 *
 * Refused before any request, permanently: a recipient without a valid E.164 number
 * ('invalid_recipient', the number masked in the message), a body of more than 2 segments or an
 * empty one ('bad_request'). A TWILIO_FROM that is not an E.164 number, short code or messaging
 * service SID fails as 'auth' (the channel pauses until it is configured right).
 *
 * Sent once. Twilio has no idempotency key, so:
 * - after Twilio accepts a message its SID is checkpointed before returning, and a retry that
 *   finds `progress.sid` returns it without sending;
 * - a send whose answer was lost (a timeout, a dropped connection, a worker killed after Twilio
 *   accepted it) leaves no checkpoint. A later attempt (`attempt > 1`) first lists the messages
 *   to the number from our sender and adopts one with the same body created at or after
 *   `queuedAt - 60 s` (the margin is for clock skew: nothing of this delivery can be older than
 *   its queuing). Messages that failed or were undelivered are not adopted: those are sent again.
 *   Twilio's list filter `DateSent>=` is day-granular (it reads the date), so the list asks from
 *   the start of that UTC day and the exact bound is applied here. When the list call fails
 *   transiently the attempt fails as retryable rather than risk a second SMS; when Twilio refuses
 *   it for good (other than credentials) the SMS is sent: at least once rather than never.
 *
 * Errors name the call and Twilio's code (twilioErrors.ts); the auth token never appears in an
 * error, a problem or a cause, and neither does a whole phone number or the account SID.
 */
import twilio from 'twilio';
import { DeliveryError, type Channel, type Delivery, type SendResult, type SmsMessage } from '../Channel.js';
import { maskPhone, normalizePhone } from './phone.js';
import { smsSegments } from './smsSegments.js';
import { createTwilioClient } from './twilioClient.js';
import { classifyTwilioError } from './twilioErrors.js';

export { classifyTwilioError } from './twilioErrors.js';

export interface SmsChannelOptions {
  /** Account SID (`TWILIO_ACCOUNT_SID`, `AC…`). Required. */
  accountSid: string;
  /** Auth token (`TWILIO_AUTH_TOKEN`). Required. Never printed: not in errors, check problems or causes. */
  authToken: string;
  /**
   * Sender (`TWILIO_FROM`): an E.164 number (`+14155550100`), a short code (`12345`) or a
   * messaging service SID (`MG…`, then Twilio picks the number). Required.
   */
  from: string;
  /** API base URL (`TWILIO_API_URL`), e.g. a stand-in's `http://127.0.0.1:PORT`. Default: Twilio's own hosts. */
  apiUrl?: string;
  /** Per-request timeout in milliseconds; a timed-out request is a retryable 'network' failure. Default 10,000. */
  timeoutMs?: number;
  /**
   * A ready twilio client (tests, a shared client). Build it with `createTwilioClient`, or a 429's
   * Retry-After is not seen and `apiUrl` does not apply. Default: one built from the options above.
   */
  client?: twilio.Twilio;
  /** Segments a body may take. Default 2 (SPEC §7). */
  maxSegments?: number;
}

/** What an SMS delivery completed, persisted through `Delivery.checkpoint`. */
export interface SmsProgress {
  /** The SID of the message Twilio accepted: a retry does not send again. */
  sid: string;
}

type Sender =
  | { kind: 'number'; from: string }
  | { kind: 'service'; messagingServiceSid: string }
  | { kind: 'invalid'; problem: string };

const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
/** Short codes are 3–8 digits depending on the country (5–6 in the US). */
const SHORT_CODE = /^\d{3,8}$/;
/** The margin below `queuedAt` within which an earlier attempt's message is looked for (clock skew). */
const LOOKBACK_MS = 60_000;
/** Messages of an earlier attempt that did not reach the recipient: not adopted, sent again. */
const NOT_DELIVERED = new Set(['failed', 'undelivered', 'canceled']);
/** The most messages a retry reads looking for its earlier attempt (newest first). */
const LIST_LIMIT = 200;

function parseSender(from: string): Sender {
  const s = typeof from === 'string' ? from.trim() : '';
  if (MESSAGING_SERVICE_SID.test(s)) return { kind: 'service', messagingServiceSid: s };
  if (SHORT_CODE.test(s)) return { kind: 'number', from: s };
  const n = normalizePhone(s);
  if (n.ok) return { kind: 'number', from: n.e164 };
  return {
    kind: 'invalid',
    problem: `twilio: TWILIO_FROM ${JSON.stringify(s)} is not an E.164 number, a short code or a messaging service SID (MG…): ${n.reason}`,
  };
}

function readProgress(p: Record<string, unknown> | null): SmsProgress | null {
  return p && typeof p.sid === 'string' && /^(SM|MM)[0-9a-fA-F]{32}$/.test(p.sid) ? { sid: p.sid } : null;
}

/** Midnight UTC of the day `at` falls on: what Twilio's day-granular DateSent filter can take. */
function startOfUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

export function createSmsChannel(opts: SmsChannelOptions): Channel<'sms'> {
  const accountSid = typeof opts.accountSid === 'string' ? opts.accountSid.trim() : '';
  const authToken = typeof opts.authToken === 'string' ? opts.authToken : '';
  if (!opts.client) {
    if (accountSid === '') throw new Error('sms: TWILIO_ACCOUNT_SID is required');
    if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid)) throw new Error('sms: TWILIO_ACCOUNT_SID must be AC followed by 32 hex digits');
    if (authToken.trim() === '') throw new Error('sms: TWILIO_AUTH_TOKEN is required');
  }
  if (typeof opts.from !== 'string' || opts.from.trim() === '') throw new Error('sms: TWILIO_FROM is required');
  const sender = parseSender(opts.from);
  const maxSegments = opts.maxSegments ?? 2;
  const client = opts.client ?? createTwilioClient({ accountSid, authToken, apiUrl: opts.apiUrl, timeoutMs: opts.timeoutMs });

  /** Defence in depth: whatever reaches a message, the secrets do not. */
  const secrets = authToken.trim() === '' ? [] : [authToken, Buffer.from(`${accountSid}:${authToken}`).toString('base64')];
  function redact(text: string): string {
    let out = text;
    for (const s of secrets) out = out.split(s).join('<secret>');
    if (accountSid !== '') out = out.split(accountSid).join(`AC…${accountSid.slice(-4)}`);
    return out;
  }
  function fail(err: unknown, call: string): DeliveryError {
    const e = classifyTwilioError(err, call);
    const message = redact(e.message);
    return message === e.message ? e : new DeliveryError(message, e.retryable, e.reason, { cause: e.cause, retryAfterMs: e.retryAfterMs });
  }

  /**
   * The SID of the message an earlier attempt got Twilio to accept, or null. Throws (retryable)
   * when it cannot tell because of a transient failure, and on refused credentials.
   */
  async function findEarlier(to: string, body: string, queuedAt: Date, masked: string): Promise<string | null> {
    const since = queuedAt.getTime() - LOOKBACK_MS;
    let found;
    try {
      found = await client.messages.list({
        to,
        ...(sender.kind === 'number' ? { from: sender.from } : {}),
        dateSentAfter: startOfUtcDay(new Date(since)),
        pageSize: 100,
        limit: LIST_LIMIT,
      });
    } catch (err) {
      const e = fail(err, `messages.list to ${masked} (looking for an earlier attempt's message)`);
      if (e.retryable || e.reason === 'auth') throw e;
      return null;
    }
    const mine = found
      .filter((m) => m.body === body
        && m.to === to
        && m.direction !== 'inbound'
        && (sender.kind === 'service' ? m.messagingServiceSid === sender.messagingServiceSid : true)
        && m.dateCreated instanceof Date && m.dateCreated.getTime() >= since
        && !NOT_DELIVERED.has(String(m.status)))
      .sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime());
    return mine[0]?.sid ?? null;
  }

  return {
    name: 'sms',

    async send(d: Delivery<SmsMessage>): Promise<SendResult> {
      const who = `recipient ${d.recipient.id}`;
      // The database keeps tenants apart; this is the last line of defence at the edge.
      if (d.recipient.tenantId !== null && d.recipient.tenantId !== d.tenantId) {
        throw new DeliveryError(`sms: ${who} belongs to another tenant than the message`, false, 'invalid_recipient');
      }
      const phone = typeof d.recipient.phone === 'string' ? d.recipient.phone.trim() : '';
      if (phone === '') throw new DeliveryError(`sms: ${who} has no phone number`, false, 'invalid_recipient');
      const number = normalizePhone(phone);
      if (!number.ok) {
        throw new DeliveryError(`sms: ${who}'s phone ${maskPhone(phone)} is ${number.reason}`, false, 'invalid_recipient');
      }
      const to = number.e164;
      const masked = maskPhone(to);
      const body = typeof d.message.body === 'string' ? d.message.body : '';
      if (body.trim() === '') throw new DeliveryError(`sms to ${who}: the message body is empty`, false, 'bad_request');
      const size = smsSegments(body);
      if (size.segments > maxSegments) {
        throw new DeliveryError(
          `sms to ${who}: the body takes ${size.segments} segments (${size.encoding}, ${size.characters} characters), at most ${maxSegments} allowed`,
          false, 'bad_request');
      }
      if (sender.kind === 'invalid') throw new DeliveryError(sender.problem, false, 'auth');

      const done = readProgress(d.progress);
      if (done) return { providerId: done.sid };
      if (d.attempt > 1) {
        const earlier = await findEarlier(to, body, d.queuedAt, masked);
        if (earlier) {
          await d.checkpoint({ ...d.progress, sid: earlier } satisfies SmsProgress);
          return { providerId: earlier };
        }
      }

      let sid: string;
      try {
        const message = await client.messages.create({
          to,
          body,
          ...(sender.kind === 'service' ? { messagingServiceSid: sender.messagingServiceSid } : { from: sender.from }),
        });
        sid = message.sid;
      } catch (err) {
        throw fail(err, `messages.create to ${masked}`);
      }
      if (typeof sid !== 'string' || sid === '') {
        // Accepted, but with no SID to record: a retry's lookup will find it rather than resend.
        throw new DeliveryError(`twilio messages.create to ${masked}: the answer has no message SID (will retry, unknown)`, true, 'unknown');
      }
      await d.checkpoint({ ...d.progress, sid } satisfies SmsProgress);
      return { providerId: sid };
    },

    async check(destinations: string[]): Promise<{ ok: boolean; problems: string[] }> {
      const problems: string[] = [];
      try {
        if (sender.kind === 'invalid') problems.push(sender.problem);
        for (const dest of Array.isArray(destinations) ? destinations : []) {
          const n = normalizePhone(typeof dest === 'string' ? dest : '');
          if (!n.ok) problems.push(`sms: destination ${maskPhone(String(dest ?? ''))} is ${n.reason}`);
        }
        try {
          const account = await client.api.v2010.accounts(accountSid || client.accountSid).fetch();
          if (account.status !== 'active') problems.push(`twilio: the account is ${String(account.status)}, not active`);
        } catch (err) {
          const e = fail(err, 'accounts.fetch');
          const f = e.cause as { status?: number; twilioCode?: number } | undefined;
          problems.push(f?.status === 401 || f?.twilioCode === 20003 ? 'twilio: credentials refused (20003)' : e.message);
        }
      } catch (err) {
        problems.push(redact(`sms: check failed: ${err instanceof Error ? err.name : 'error'}`));
      }
      return { ok: problems.length === 0, problems };
    },

    close(): void {
      // Nothing held open: the twilio client's sockets are pooled by its keep-alive agent and idle out.
    },
  };
}
