/**
 * Twilio errors, classified at the channel's edge: whose fault, retry or not.
 *
 * What a failure looks like, from twilio 6.2:
 * - an HTTP answer ≥ 400 with a JSON body is a RestException (`status`, `code` = Twilio's error
 *   code, `message`, `moreInfo`); an RFC 9457 body a TwilioServiceException (same `status`,
 *   `code`); neither carries the response headers;
 * - a 429 is our TwilioRateLimitError (twilioClient.ts), the same shape plus `retryAfterMs`;
 * - no answer at all is the raw AxiosError (`code` ECONNREFUSED, ECONNRESET for "socket hang
 *   up", ECONNABORTED for a timeout…). It holds the request config, whose Authorization header
 *   is the auth token in base64: it is never kept as a cause, nor printed.
 *
 * Messages are built from the status, the Twilio code and a fixed description only, never from
 * Twilio's free text, which quotes phone numbers (21211: "The 'To' number +1… is not valid") and
 * the account SID (20404: "The requested resource /2010-04-01/Accounts/AC…").
 */
import { DeliveryError, type FailureReason } from '../Channel.js';

/** Known Twilio error codes: what they mean, and what to do about them. */
const CODES: Record<number, { about: string; retryable: boolean; reason: FailureReason }> = {
  20003: { about: 'authentication failed', retryable: false, reason: 'auth' },
  20005: { about: 'account not active', retryable: false, reason: 'auth' },
  20429: { about: 'too many requests', retryable: true, reason: 'rate_limited' },
  14107: { about: 'SMS send rate limit exceeded', retryable: true, reason: 'rate_limited' },
  21611: { about: "'From' number has too many messages queued", retryable: true, reason: 'rate_limited' },
  // The recipient's number: fix the recipient, sending again cannot help.
  21211: { about: "invalid 'To' number", retryable: false, reason: 'invalid_recipient' },
  21265: { about: "'To' number is a short code", retryable: false, reason: 'invalid_recipient' },
  21266: { about: "'To' and 'From' are the same number", retryable: false, reason: 'invalid_recipient' },
  21408: { about: "SMS to the 'To' number's region is not enabled (geo permissions)", retryable: false, reason: 'invalid_recipient' },
  21610: { about: 'recipient unsubscribed, replied STOP', retryable: false, reason: 'invalid_recipient' },
  21612: { about: "'To' number cannot be reached from this 'From'", retryable: false, reason: 'invalid_recipient' },
  21614: { about: "'To' number is not a mobile number", retryable: false, reason: 'invalid_recipient' },
  // The sender (TWILIO_FROM) is wrong for this account: every SMS would fail alike, so these
  // count as 'auth', which pauses the channel until it is fixed, rather than kill each delivery.
  21212: { about: "invalid 'From' number", retryable: false, reason: 'auth' },
  21606: { about: "'From' number cannot send SMS for this account", retryable: false, reason: 'auth' },
  21659: { about: "'From' is not a Twilio number", retryable: false, reason: 'auth' },
  21660: { about: "'From' number does not belong to this account", retryable: false, reason: 'auth' },
  // The request itself.
  21602: { about: 'message body is required', retryable: false, reason: 'bad_request' },
  21604: { about: "'To' number is required", retryable: false, reason: 'bad_request' },
  21617: { about: 'message body exceeds 1600 characters', retryable: false, reason: 'bad_request' },
};

/** Error codes of a request that got no answer: all worth retrying. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH',
  'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'ESOCKETTIMEDOUT', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'ERR_NETWORK',
  'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT',
]);
const NETWORK_MESSAGES = /socket hang up|timeout|timed out|network error|aborted/i;

interface TwilioLikeError {
  status?: unknown;
  code?: unknown;
  retryAfterMs?: unknown;
  message?: unknown;
  cause?: { code?: unknown };
}

/** What a failure was, in safe parts (no free text); also the DeliveryError's cause. */
export interface TwilioFailure {
  status?: number;
  twilioCode?: number;
  networkCode?: string;
  retryAfterMs?: number;
}

function describe(err: unknown): TwilioFailure {
  const e: TwilioLikeError = typeof err === 'object' && err !== null ? (err as TwilioLikeError) : {};
  const out: TwilioFailure = {};
  if (typeof e.status === 'number' && e.status >= 100 && e.status < 600) out.status = e.status;
  if (typeof e.code === 'number' && Number.isInteger(e.code) && e.code > 0) out.twilioCode = e.code;
  if (out.status === undefined) {
    const code = typeof e.code === 'string' ? e.code : typeof e.cause?.code === 'string' ? e.cause.code : undefined;
    if (code !== undefined && /^[A-Z][A-Z0-9_]+$/.test(code)) out.networkCode = code;
    else if (typeof e.message === 'string' && NETWORK_MESSAGES.test(e.message)) out.networkCode = /time/i.test(e.message) ? 'timeout' : 'connection lost';
  }
  if (typeof e.retryAfterMs === 'number' && Number.isFinite(e.retryAfterMs) && e.retryAfterMs >= 0) out.retryAfterMs = e.retryAfterMs;
  return out;
}

function classify(f: TwilioFailure): { retryable: boolean; reason: FailureReason } {
  const known = f.twilioCode !== undefined ? CODES[f.twilioCode] : undefined;
  if (f.status !== undefined) {
    if (f.status === 429) return { retryable: true, reason: 'rate_limited' };
    if (f.status === 401 || f.status === 403) return { retryable: false, reason: 'auth' };
    if (known) return { retryable: known.retryable, reason: known.reason };
    if (f.status >= 500 || f.status === 408) return { retryable: true, reason: 'unavailable' };
    if (f.status === 400) return { retryable: false, reason: 'bad_request' };
    if (f.status >= 400) return { retryable: false, reason: 'rejected' };
    return { retryable: true, reason: 'unknown' };
  }
  if (f.networkCode !== undefined && (NETWORK_CODES.has(f.networkCode) || f.networkCode === 'timeout' || f.networkCode === 'connection lost')) {
    return { retryable: true, reason: 'network' };
  }
  // Not an answer, not the network: a bug or an unexpected library error. The outbox retries.
  return { retryable: true, reason: 'unknown' };
}

function summary(f: TwilioFailure, reason: FailureReason): string {
  const parts: string[] = [];
  if (f.status !== undefined) parts.push(`HTTP ${f.status}`);
  if (f.twilioCode !== undefined) {
    const about = CODES[f.twilioCode]?.about;
    parts.push(`Twilio error ${f.twilioCode}${about ? ` (${about})` : ''}, https://www.twilio.com/docs/errors/${f.twilioCode}`);
  }
  if (f.networkCode !== undefined) parts.push(reason === 'network' ? `no answer (${f.networkCode})` : `error ${f.networkCode}`);
  if (parts.length === 0) parts.push('unexpected error');
  return parts.join(', ');
}

/**
 * A DeliveryError for a failed Twilio call. `call` names it (`messages.create to +1•••0101`):
 * HTTP 429 → retryable 'rate_limited' (with `retryAfterMs` when Twilio sent Retry-After); 5xx,
 * 408 and no answer → retryable 'unavailable' / 'network'; 401, 403 and a refused sender →
 * 'auth'; a bad recipient (21211, 21610, 21614…) → 'invalid_recipient'; other 4xx →
 * 'bad_request' (400) or 'rejected'. A DeliveryError is returned as it is.
 */
export function classifyTwilioError(err: unknown, call = 'request'): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const f = describe(err);
  const { retryable, reason } = classify(f);
  const after = reason === 'rate_limited' && f.retryAfterMs !== undefined ? `, retry after ${Math.ceil(f.retryAfterMs / 1000)} s` : '';
  const message = `twilio ${call}: ${summary(f, reason)}${after} (${retryable ? 'will retry' : 'permanent'}, ${reason})`;
  return new DeliveryError(message, retryable, reason, {
    cause: f,
    retryAfterMs: reason === 'rate_limited' ? f.retryAfterMs : undefined,
  });
}
