/**
 * Turns whatever nodemailer threw into a DeliveryError: whose fault, and worth retrying or not.
 *
 * Decided only from nodemailer's structured fields (`responseCode`, `code`, `originalCode`,
 * `command`), never from message text:
 * - an SMTP reply: 4xx is transient (421/450/451/452 are what providers answer when they throttle
 *   or greylist: 'rate_limited'; other 4xx 'unavailable'). 5xx is permanent: 'auth' on AUTH or
 *   for 530/534/535/538, 'invalid_recipient' for 501/550/551/553 on RCPT TO (bad syntax, no such
 *   mailbox), 'rejected' otherwise; except 503 (bad sequence of commands: the session was in the
 *   wrong state, the same message can pass on a new connection; nodemailer agrees).
 * - no reply: connection failures and timeouts are 'network' (retryable); missing or refused
 *   credentials are 'auth' (permanent: retrying will not fix a wrong password); an envelope
 *   nodemailer refuses to send (malformed address) is 'invalid_recipient'.
 *
 * The message says what failed and the server's reply, with the known secrets replaced by
 * `<secret>`; it never includes the SMTP URL. The original error is kept as `cause`.
 */
import { DeliveryError, type FailureReason } from '../Channel.js';

/** The fields nodemailer puts on its errors (NodemailerError), all optional. */
interface SmtpErrorFields {
  code?: unknown;
  originalCode?: unknown;
  responseCode?: unknown;
  response?: unknown;
  command?: unknown;
}

const NETWORK_CODES = new Set([
  // nodemailer's own codes for a connection that failed or ended
  'ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROXY',
  // system codes (kept as originalCode by nodemailer, or from a custom transport)
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED',
]);
const AUTH_CODES = new Set(['EAUTH', 'ENOAUTH', 'EOAUTH2']);
const RATE_LIMIT_REPLIES = new Set([421, 450, 451, 452]);
const BAD_MAILBOX_REPLIES = new Set([501, 550, 551, 553]);
/** RFC 4954: authentication required (530), too weak (534), invalid credentials (535), encryption required (538). */
const AUTH_REPLIES = new Set([530, 534, 535, 538]);

export interface ClassifyOptions {
  /** Strings to replace with `<secret>` wherever they appear (the SMTP password, its encodings). */
  secrets?: readonly string[];
  /** How to name the server in messages ("SMTP server 10.0.0.5:587"); never the URL. */
  server?: string;
}

export function classifySmtpError(err: unknown, opts: ClassifyOptions = {}): DeliveryError {
  if (err instanceof DeliveryError) return err;
  const e = (err && typeof err === 'object' ? err : {}) as SmtpErrorFields;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const originalCode = typeof e.originalCode === 'string' ? e.originalCode : undefined;
  const responseCode = typeof e.responseCode === 'number' && Number.isInteger(e.responseCode) ? e.responseCode : undefined;
  const command = typeof e.command === 'string' ? e.command : undefined;
  const server = opts.server ?? 'SMTP server';
  const reply = typeof e.response === 'string' ? oneLine(e.response) : undefined;
  const redact = (s: string) => redactSecrets(s, opts.secrets ?? []);
  const fail = (message: string, retryable: boolean, reason: FailureReason) =>
    new DeliveryError(redact(message), retryable, reason, { cause: err });

  if (responseCode !== undefined && responseCode >= 400 && responseCode < 600) {
    const what = `${server} answered "${reply ?? responseCode}"${command ? ` (${command})` : ''}`;
    const isAuth = (code !== undefined && AUTH_CODES.has(code)) || AUTH_REPLIES.has(responseCode);
    if (responseCode < 500) {
      return fail(what, true, RATE_LIMIT_REPLIES.has(responseCode) ? 'rate_limited' : 'unavailable');
    }
    if (responseCode === 503) return fail(what, true, 'unavailable');
    if (isAuth) return fail(`${what}: authentication failed`, false, 'auth');
    if (command === 'RCPT TO' && BAD_MAILBOX_REPLIES.has(responseCode)) return fail(what, false, 'invalid_recipient');
    return fail(what, false, 'rejected');
  }

  const codes = [code, originalCode].filter((c): c is string => c !== undefined);
  const label = codes.length ? ` (${[...new Set(codes)].join(', ')})` : '';
  if (code !== undefined && AUTH_CODES.has(code)) {
    return fail(`${server}: authentication failed${label}`, false, 'auth');
  }
  if (codes.some((c) => NETWORK_CODES.has(c))) {
    return fail(`${server} unreachable or the connection failed${label}`, true, 'network');
  }
  if (code === 'EENVELOPE') return fail(`the recipient address was refused before sending${label}`, false, 'invalid_recipient');
  if (code === 'EMESSAGE' || code === 'EMAXRECIPIENTS' || code === 'ECONFIG' || code === 'EREQUIRETLS') {
    return fail(`the message cannot be sent as built${label}`, false, 'bad_request');
  }
  const message = err instanceof Error ? oneLine(err.message) : String(err);
  return fail(`sending through ${server} failed${label}: ${message}`, true, 'unknown');
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** Replaces every occurrence of each non-empty secret with `<secret>`. */
export function redactSecrets(s: string, secrets: readonly string[]): string {
  let out = s;
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join('<secret>');
  }
  return out;
}
