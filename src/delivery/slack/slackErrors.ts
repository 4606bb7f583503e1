/**
 * Slack errors, classified at the channel's edge (STYLE: whose fault, retry or not).
 *
 * Classification reads `error.code` (the @slack/web-api ErrorCode) and, for platform errors,
 * `error.data.error` (Slack's own error string) — never the message text, which is free to
 * change between client versions.
 */
import { ErrorCode } from '@slack/web-api';
import { DeliveryError, type FailureReason } from '../Channel.js';

/** `{ok:false, error}` answers that mean the destination is wrong: fix the recipient, do not retry. */
const RECIPIENT_ERRORS = new Set([
  'channel_not_found', 'not_in_channel', 'is_archived', 'channel_is_archived', 'user_not_found', 'user_not_visible',
  'cannot_dm_bot', 'user_disabled',
]);
/** Answers that mean the token cannot do this: fix the credentials or the app's scopes. */
const AUTH_ERRORS = new Set([
  'invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'missing_scope',
  'restricted_action', 'not_allowed_token_type', 'no_permission', 'ekm_access_denied', 'team_access_not_granted',
  'access_denied', 'org_login_required',
]);
/** Answers that say "try again later". */
const RATE_LIMIT_ERRORS = new Set(['ratelimited', 'rate_limited']);
const TRANSIENT_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org']);

interface SlackLikeError {
  code?: unknown;
  data?: { error?: unknown; response_metadata?: { retryAfter?: unknown } };
  statusCode?: unknown;
  retryAfter?: unknown;
  original?: { name?: unknown; cause?: { code?: unknown } };
}

function asSlack(err: unknown): SlackLikeError {
  return typeof err === 'object' && err !== null ? (err as SlackLikeError) : {};
}

/** Seconds to wait from a rate-limited error (`WebAPIRateLimitedError.retryAfter` or the platform answer's metadata). */
export function retryAfterSeconds(err: unknown): number | undefined {
  const e = asSlack(err);
  const s = e.code === ErrorCode.RateLimitedError ? e.retryAfter : e.data?.response_metadata?.retryAfter;
  return typeof s === 'number' && Number.isFinite(s) && s >= 0 ? s : undefined;
}

/** True for a 429 the client rejected (`rejectRateLimitedCalls`) or an `{ok:false, error:'ratelimited'}` answer. */
export function isRateLimited(err: unknown): boolean {
  const e = asSlack(err);
  if (e.code === ErrorCode.RateLimitedError) return true;
  return e.code === ErrorCode.PlatformError && typeof e.data?.error === 'string' && RATE_LIMIT_ERRORS.has(e.data.error);
}

/**
 * A short code for an error, safe to print: Slack's error string (`channel_not_found`),
 * `http_503`, `network (ECONNREFUSED)`, `rate_limited`, or `unknown`.
 */
export function slackErrorCode(err: unknown): string {
  const e = asSlack(err);
  switch (e.code) {
    case ErrorCode.PlatformError:
      return typeof e.data?.error === 'string' && e.data.error !== '' ? e.data.error : 'unknown_platform_error';
    case ErrorCode.RateLimitedError:
      return 'rate_limited';
    case ErrorCode.HTTPError:
      return `http_${typeof e.statusCode === 'number' ? e.statusCode : 'error'}`;
    case ErrorCode.RequestError: {
      const code = e.original?.cause?.code ?? e.original?.name;
      return typeof code === 'string' && /^[A-Za-z_]+$/.test(code) ? `network (${code})` : 'network';
    }
    case ErrorCode.FileUploadInvalidArgumentsError:
    case ErrorCode.FileUploadReadFileDataError:
      return 'invalid_file_upload';
    default:
      return 'unknown';
  }
}

function classification(err: unknown): { retryable: boolean; reason: FailureReason } {
  const e = asSlack(err);
  switch (e.code) {
    case ErrorCode.PlatformError: {
      const code = typeof e.data?.error === 'string' ? e.data.error : '';
      if (RECIPIENT_ERRORS.has(code)) return { retryable: false, reason: 'invalid_recipient' };
      if (AUTH_ERRORS.has(code)) return { retryable: false, reason: 'auth' };
      if (RATE_LIMIT_ERRORS.has(code)) return { retryable: true, reason: 'rate_limited' };
      if (TRANSIENT_ERRORS.has(code)) return { retryable: true, reason: 'unavailable' };
      // Everything else Slack answers with ok:false is about the request itself
      // (invalid_blocks, msg_too_long, invalid_arguments…): sending it again cannot help.
      return { retryable: false, reason: 'bad_request' };
    }
    case ErrorCode.RateLimitedError:
      return { retryable: true, reason: 'rate_limited' };
    case ErrorCode.RequestError:
      return { retryable: true, reason: 'network' };
    case ErrorCode.HTTPError: {
      const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
      if (status === 429) return { retryable: true, reason: 'rate_limited' };
      if (status >= 500 || status === 408) return { retryable: true, reason: 'unavailable' };
      if (status >= 400) return { retryable: false, reason: 'bad_request' };
      return { retryable: true, reason: 'unavailable' };
    }
    case ErrorCode.FileUploadInvalidArgumentsError:
    case ErrorCode.FileUploadReadFileDataError:
      return { retryable: false, reason: 'bad_request' };
    default:
      return { retryable: true, reason: 'unknown' };
  }
}

/** Replaces every occurrence of a secret in a string. */
export function redactSecret(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('<secret>') : text;
}

/**
 * A DeliveryError for a failed Slack call. `what` names the call ("chat.postMessage to C0123ABCD");
 * the message never contains the token (it is redacted even if a client version put it there).
 */
export function toDeliveryError(err: unknown, what: string, token?: string): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const { retryable, reason } = classification(err);
  const after = retryAfterSeconds(err);
  const message = redactSecret(`slack ${what}: ${slackErrorCode(err)} (${retryable ? 'will retry' : 'permanent'}, ${reason})`, token);
  return new DeliveryError(message, retryable, reason, { cause: err, retryAfterMs: after !== undefined ? after * 1000 : undefined });
}
