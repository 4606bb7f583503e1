/**
 * The twilio client, made to talk to a base URL of our choosing and to tell us Retry-After.
 *
 * twilio 6.2 has no base-URL option (`edge`/`region` only rename twilio.com hosts), and its
 * errors carry no response headers: RestException keeps status, code, message and more_info
 * only. Both are fixed in its HTTP layer, which it lets us replace (`httpClient`):
 * - every `https://*.twilio.com/...` URI is rewritten to `${apiUrl}/...` (TWILIO_API_URL, e.g.
 *   a local stand-in), including the `next_page_uri` of a list;
 * - a 429 answer is thrown here as a TwilioRateLimitError that carries the Retry-After, instead
 *   of reaching RestException without it. (Reading `lastResponse` afterwards would not do: it
 *   is one field per client, overwritten by concurrent requests.)
 */
import RequestClient from 'twilio/lib/base/RequestClient.js';
import type * as TwilioResponse from 'twilio/lib/http/response.js';
import twilio from 'twilio';

/** A 429 answer from Twilio, with its Retry-After when it sent one. Shaped like RestException. */
export class TwilioRateLimitError extends Error {
  override readonly name = 'TwilioRateLimitError';
  readonly status = 429;
  /** Twilio's error code (20429 for the REST API's own limit). */
  readonly code: number | undefined;
  readonly moreInfo: string | undefined;
  /** From the `Retry-After` header (seconds or an HTTP date); undefined without one. */
  readonly retryAfterMs: number | undefined;

  constructor(body: unknown, retryAfterMs: number | undefined) {
    const b = readBody(body);
    super(`[HTTP 429] ${typeof b?.message === 'string' ? b.message : 'Too Many Requests'}`);
    this.code = typeof b?.code === 'number' ? b.code : undefined;
    this.moreInfo = typeof b?.more_info === 'string' ? b.more_info : undefined;
    this.retryAfterMs = retryAfterMs;
  }
}

function readBody(body: unknown): Record<string, unknown> | null {
  if (typeof body === 'string') {
    try {
      const parsed: unknown = JSON.parse(body);
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : null;
}

/** A `Retry-After` value in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v * 1000;
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * `uri` with a twilio.com origin replaced by `apiUrl` (which may carry a path prefix); other
 * URIs unchanged. `https://api.twilio.com/2010-04-01/Accounts/AC…/Messages.json?To=…` →
 * `http://127.0.0.1:PORT/2010-04-01/Accounts/AC…/Messages.json?To=…`.
 */
export function rewriteTwilioUri(uri: string, apiUrl: string): string {
  const u = new URL(uri);
  if (u.hostname !== 'twilio.com' && !u.hostname.endsWith('.twilio.com')) return uri;
  return `${apiUrl.replace(/\/+$/, '')}${u.pathname}${u.search}`;
}

export interface TwilioHttpClientOptions {
  /** Base URL every twilio.com request goes to instead (TWILIO_API_URL). Default: none, Twilio's own hosts. */
  apiUrl?: string;
  /** Per-request timeout in milliseconds. Default 10,000 (twilio's own default is 30,000). */
  timeoutMs?: number;
}

/** twilio's RequestClient with a base URL and Retry-After (see the file comment). */
export class TwilioHttpClient extends RequestClient {
  readonly #apiUrl: string | undefined;

  constructor(opts: TwilioHttpClientOptions = {}) {
    // autoRetry off: a 429 is the outbox's to retry, after the Retry-After (SPEC §7).
    super({ timeout: opts.timeoutMs ?? 10_000, autoRetry: false });
    this.#apiUrl = opts.apiUrl?.trim() || undefined;
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>): Promise<TwilioResponse.default<TData>> {
    const uri = this.#apiUrl ? rewriteTwilioUri(opts.uri, this.#apiUrl) : opts.uri;
    const res = await super.request({ ...opts, uri });
    if (res.statusCode === 429) {
      const headers = (res.headers ?? {}) as Record<string, unknown>;
      throw new TwilioRateLimitError(res.body, parseRetryAfter(headers['retry-after']));
    }
    return res;
  }
}

export interface TwilioClientOptions extends TwilioHttpClientOptions {
  /** Account SID (`AC…`). Required. */
  accountSid: string;
  /** Auth token. Required; sent only as HTTP Basic auth. */
  authToken: string;
}

/** A twilio REST client over TwilioHttpClient. */
export function createTwilioClient(opts: TwilioClientOptions): twilio.Twilio {
  return twilio(opts.accountSid, opts.authToken, {
    httpClient: new TwilioHttpClient({ apiUrl: opts.apiUrl, timeoutMs: opts.timeoutMs }),
    autoRetry: false,
    // TWILIO_LOG_LEVEL=debug would make the client console.log every request (URLs with the
    // account SID and phone numbers) past the logger's redaction: never.
    logLevel: 'info',
  });
}
