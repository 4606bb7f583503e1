/**
 * A local stand-in for Twilio's REST API (Messages and Accounts), speaking its wire format so
 * that the real twilio package can be tested end to end (point TWILIO_API_URL / the channel's
 * `apiUrl` at `url`). An in-process node http server on 127.0.0.1.
 *
 * - HTTP Basic auth `AccountSid:AuthToken` on every call; wrong → 401
 *   `{"code":20003,"message":"Authenticate",…,"status":401}`. A path naming another account → 404 20404.
 * - `POST /2010-04-01/Accounts/{sid}/Messages.json` (form To, From or MessagingServiceSid, Body,
 *   optional StatusCallback) → 201 with Twilio's snake_case message (`sid` SM + 32 hex, status
 *   `queued`, `num_segments` as a string, RFC 2822 dates, `date_sent` null). Refusals as Twilio
 *   words them: To not E.164 → 400 21211; an opted-out To (`optOut`) → 400 21610; bad From →
 *   21212; missing To / From / Body → 21604 / 21603 / 21602; a body over 1600 characters → 21617.
 * - `GET …/Messages.json` with `To`, `From`, `DateSent`, `DateSent>`, `DateSent<` (compared by
 *   UTC day, as Twilio does: only the date of the value counts), `PageSize` (default 50), `Page`;
 *   newest first, Twilio's paging fields (`next_page_uri` null on the last page). Listed
 *   messages have been "sent": status `sent`, `date_sent` set.
 * - `GET …/Messages/{MessageSid}.json` and `GET /2010-04-01/Accounts/{sid}.json` (the account,
 *   with `auth_token` in it, as Twilio answers; `accountStatus` can be changed).
 * - Scripted failures, `failNext(n, failure)` for the next n calls of one kind (`on`, default
 *   the message create): `{status: 429, retryAfter}` (429 + `Retry-After` + code 20429),
 *   `{status: 500}`, `{status: 400, code: 21211}`, and `afterHandling: true` (the message is
 *   accepted and recorded first); without a status the connection is destroyed with no answer
 *   (with `afterHandling`: an answer lost on its way back); `hang: true` never answers (the
 *   client's timeout).
 * - Records every request (`requests`) and every accepted message (`messages`).
 *
 * Also helpers to play Twilio's inbound webhook: `inboundSmsParams` and `signTwilioRequest`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parsePhoneNumber } from 'awesome-phonenumber';
import { SegmentedMessage } from 'sms-segments-calculator';
import twilio from 'twilio';

export interface TwilioStandInOptions {
  /** Default: a fresh `AC` + 32 hex. */
  accountSid?: string;
  /** Default: a fresh 32 hex (unique, so a test can look for it in every error). */
  authToken?: string;
  /** Port (default 0: any free port). */
  port?: number;
  /** The number messages sent through a messaging service come from. Default `+12025550100`. */
  serviceNumber?: string;
}

export interface StandInRequest {
  method: string;
  /** Path without the query. */
  path: string;
  /** Query fields, decoded (`DateSent>` is a key). */
  query: Record<string, string>;
  /** Form fields of a POST, decoded. */
  form: Record<string, string>;
  /** The Basic auth matched the account. */
  authOk: boolean;
  /** Date.now() when the request arrived. */
  at: number;
  /** The HTTP status answered; 0 while unanswered or when the connection was destroyed instead. */
  status: number;
}

export interface StandInMessage {
  sid: string;
  to: string;
  /** The sender number (for a messaging service: `serviceNumber`). */
  from: string;
  body: string;
  /** Date.now() when it was accepted. */
  at: number;
  messagingServiceSid: string | null;
  statusCallback: string | null;
}

export interface ScriptedFailure {
  /** HTTP status to answer. Without one, the connection is destroyed with no answer. */
  status?: number;
  /** Twilio error code in the body. Default: 20429 for 429, 20500 for 5xx, 21211 for 400, else 20001. */
  code?: number;
  /** Seconds for the `Retry-After` header. */
  retryAfter?: number;
  /** The call takes effect (the message is accepted and recorded) before the failure. Default false. */
  afterHandling?: boolean;
  /**
   * Never answer: the request is held open until the client gives up (its timeout) or the
   * stand-in closes. Takes precedence over `status`. Default false.
   */
  hang?: boolean;
  /** Which calls fail. Default `'create'` (POST Messages.json). */
  on?: 'create' | 'list' | 'account' | 'any';
}

export interface TwilioStandIn {
  /** Base URL, `http://127.0.0.1:PORT` (TWILIO_API_URL). */
  url: string;
  accountSid: string;
  authToken: string;
  requests: StandInRequest[];
  messages: StandInMessage[];
  /** What `GET /Accounts/{sid}.json` answers as `status`. Default `active`. */
  accountStatus: 'active' | 'suspended' | 'closed';
  /** The next `n` calls of `failure.on` fail as scripted. */
  failNext(n: number, failure: ScriptedFailure): void;
  /** The number has replied STOP: sends to it are refused with 21610. */
  optOut(number: string): void;
  /** Forgets requests, messages, scripted failures and opt-outs. */
  reset(): void;
  close(): Promise<void>;
}

type Route = 'create' | 'list' | 'account' | 'fetch' | null;

const API = '/2010-04-01';
const MESSAGES = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/;
const MESSAGE = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([A-Za-z0-9]+)\.json$/;
const ACCOUNT = /^\/2010-04-01\/Accounts\/([^/.]+)\.json$/;
const E164 = /^\+[1-9]\d{1,14}$/;

/** Twilio's date format: RFC 2822 with `+0000`. */
export function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function errorBody(status: number, code: number, message: string): Record<string, unknown> {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

function defaultCode(status: number): number {
  if (status === 429) return 20429;
  if (status >= 500) return 20500;
  if (status === 400) return 21211;
  if (status === 401) return 20003;
  if (status === 404) return 20404;
  return 20001;
}

function messageFor(code: number, status: number, form: Record<string, string>): string {
  const to = form.To ?? '';
  const from = form.From ?? '';
  switch (code) {
    case 20003: return 'Authenticate';
    case 20429: return 'Too Many Requests';
    case 20500: return 'Internal Server Error';
    case 21211: return `The 'To' number ${to} is not a valid phone number.`;
    case 21212: return `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`;
    case 21408: return `Permission to send an SMS has not been enabled for the region indicated by the 'To' number: ${to}.`;
    case 21602: return 'Message body is required.';
    case 21603: return "A 'From' phone number is required.";
    case 21604: return "A 'To' phone number is required.";
    case 21610: return 'Attempt to send to unsubscribed recipient';
    case 21612: return `The 'To' phone number: ${to}, is not currently reachable using the 'From' phone number: ${from} via SMS.`;
    case 21614: return `'To' number ${to} is not a valid mobile number`;
    case 21617: return 'The concatenated message body exceeds the 1600 character limit.';
    default: return status >= 500 ? 'Service Unavailable' : 'Bad Request';
  }
}

function isValidE164(n: string): boolean {
  return E164.test(n) && parsePhoneNumber(n).valid;
}

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function fields(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) out[k] = v;
  return out;
}

export async function startTwilioStandIn(opts: TwilioStandInOptions = {}): Promise<TwilioStandIn> {
  const accountSid = opts.accountSid ?? `AC${hex(16)}`;
  const authToken = opts.authToken ?? hex(16);
  const serviceNumber = opts.serviceNumber ?? '+12025550100';
  const requests: StandInRequest[] = [];
  const messages: StandInMessage[] = [];
  const optedOut = new Set<string>();
  let failures: { remaining: number; failure: ScriptedFailure }[] = [];

  const state = { accountStatus: 'active' as TwilioStandIn['accountStatus'] };
  const accountCreated = Date.now();

  function takeFailure(route: Route): ScriptedFailure | null {
    if (route === null) return null;
    const hit = failures.find((f) => f.remaining > 0 && ((f.failure.on ?? 'create') === 'any' || (f.failure.on ?? 'create') === route));
    if (!hit) return null;
    hit.remaining--;
    failures = failures.filter((f) => f.remaining > 0);
    return hit.failure;
  }

  function messageJson(m: StandInMessage, sent: boolean): Record<string, unknown> {
    const uri = `${API}/Accounts/${accountSid}/Messages/${m.sid}.json`;
    return {
      account_sid: accountSid,
      api_version: '2010-04-01',
      body: m.body,
      date_created: rfc2822(m.at),
      date_sent: sent ? rfc2822(m.at) : null,
      date_updated: rfc2822(m.at),
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: sent || m.messagingServiceSid === null ? m.from : null,
      messaging_service_sid: m.messagingServiceSid,
      num_media: '0',
      num_segments: String(new SegmentedMessage(m.body).segmentsCount),
      price: null,
      price_unit: 'USD',
      sid: m.sid,
      status: sent ? 'sent' : 'queued',
      subresource_uris: { media: `${API}/Accounts/${accountSid}/Messages/${m.sid}/Media.json` },
      to: m.to,
      uri,
    };
  }

  function create(form: Record<string, string>): { status: number; body: Record<string, unknown>; message?: StandInMessage } {
    const refuse = (code: number) => ({ status: 400, body: errorBody(400, code, messageFor(code, 400, form)) });
    const to = form.To;
    const service = form.MessagingServiceSid;
    if (!to) return refuse(21604);
    if (!isValidE164(to)) return refuse(21211);
    if (!form.From && !service) return refuse(21603);
    if (form.From && !isValidE164(form.From) && !/^\d{3,8}$/.test(form.From)) return refuse(21212);
    if (!form.Body) return refuse(21602);
    if (form.Body.length > 1600) return refuse(21617);
    if (optedOut.has(to)) return refuse(21610);
    const message: StandInMessage = {
      sid: `SM${hex(16)}`,
      to,
      from: form.From || serviceNumber,
      body: form.Body,
      at: Date.now(),
      messagingServiceSid: service || null,
      statusCallback: form.StatusCallback || null,
    };
    messages.push(message);
    return { status: 201, body: messageJson(message, false), message };
  }

  function list(query: Record<string, string>): { status: number; body: Record<string, unknown> } {
    const day = (v: string | undefined) => (v === undefined ? undefined : /^\d{4}-\d{2}-\d{2}/.exec(v)?.[0] ?? 'invalid');
    const on = day(query.DateSent);
    const after = day(query['DateSent>']);
    const before = day(query['DateSent<']);
    if ([on, after, before].includes('invalid')) return { status: 400, body: errorBody(400, 20001, 'Invalid DateSent') };
    const pageSize = Math.min(1000, Math.max(1, Number(query.PageSize ?? 50) || 50));
    const page = Math.max(0, Number(query.Page ?? 0) || 0);
    const matching = messages
      .filter((m) => (query.To === undefined || m.to === query.To)
        && (query.From === undefined || m.from === query.From)
        && (on === undefined || utcDay(m.at) === on)
        && (after === undefined || utcDay(m.at) >= after)
        && (before === undefined || utcDay(m.at) <= before))
      .sort((a, b) => b.at - a.at);
    const start = page * pageSize;
    const slice = matching.slice(start, start + pageSize);
    const filters = new URLSearchParams();
    for (const k of ['To', 'From', 'DateSent', 'DateSent>', 'DateSent<']) if (query[k] !== undefined) filters.set(k, query[k]);
    const pageUri = (p: number, token?: string) => {
      const q = new URLSearchParams(filters);
      q.set('PageSize', String(pageSize));
      q.set('Page', String(p));
      if (token) q.set('PageToken', token);
      return `${API}/Accounts/${accountSid}/Messages.json?${q.toString()}`;
    };
    const last = slice[slice.length - 1];
    const hasNext = start + pageSize < matching.length;
    return {
      status: 200,
      body: {
        first_page_uri: pageUri(0),
        end: start + Math.max(slice.length, 1) - 1,
        previous_page_uri: page > 0 ? pageUri(page - 1) : null,
        messages: slice.map((m) => messageJson(m, true)),
        uri: pageUri(page, query.PageToken),
        page_size: pageSize,
        start,
        next_page_uri: hasNext && last ? pageUri(page + 1, `PA${last.sid}`) : null,
        page,
      },
    };
  }

  function account(): { status: number; body: Record<string, unknown> } {
    const uri = `${API}/Accounts/${accountSid}.json`;
    return {
      status: 200,
      body: {
        auth_token: authToken,
        date_created: rfc2822(accountCreated),
        date_updated: rfc2822(accountCreated),
        friendly_name: 'Herald test account',
        owner_account_sid: accountSid,
        sid: accountSid,
        status: state.accountStatus,
        subresource_uris: { messages: `${API}/Accounts/${accountSid}/Messages.json` },
        type: 'Full',
        uri,
      },
    };
  }

  function authOk(req: IncomingMessage): boolean {
    const h = req.headers.authorization ?? '';
    const m = /^Basic\s+(.+)$/i.exec(h);
    if (!m) return false;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    return i > 0 && decoded.slice(0, i) === accountSid && decoded.slice(i + 1) === authToken;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await readBody(req);
    const form = method === 'POST' ? fields(new URLSearchParams(raw)) : {};
    const query = fields(url.searchParams);
    const record: StandInRequest = { method, path: url.pathname, query, form, authOk: authOk(req), at: Date.now(), status: 0 };
    requests.push(record);

    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
      res.end(JSON.stringify(body));
    };

    if (!record.authOk) {
      send(401, errorBody(401, 20003, 'Authenticate'), { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
      return;
    }
    let route: Route = null;
    let pathSid: string | undefined;
    let m: RegExpExecArray | null;
    if ((m = MESSAGES.exec(url.pathname))) {
      pathSid = m[1];
      route = method === 'POST' ? 'create' : method === 'GET' ? 'list' : null;
    } else if ((m = MESSAGE.exec(url.pathname)) && method === 'GET') {
      pathSid = m[1];
      route = 'fetch';
    } else if ((m = ACCOUNT.exec(url.pathname)) && method === 'GET') {
      pathSid = m[1];
      route = 'account';
    }
    if (route === null || pathSid !== accountSid) {
      send(404, errorBody(404, 20404, `The requested resource ${url.pathname} was not found`));
      return;
    }

    const failure = takeFailure(route);
    const answerFailure = (f: ScriptedFailure) => {
      if (f.hang) return;                           // held open; close() ends it
      if (f.status === undefined) {
        // No answer: the client sees the connection drop (after handling: an answer lost on its way back).
        req.socket.destroy();
        return;
      }
      const code = f.code ?? defaultCode(f.status);
      const headers: Record<string, string> = f.retryAfter !== undefined ? { 'Retry-After': String(f.retryAfter) } : {};
      send(f.status, errorBody(f.status, code, messageFor(code, f.status, form)), headers);
    };
    if (failure && !failure.afterHandling) {
      answerFailure(failure);
      return;
    }
    let answer: { status: number; body: unknown };
    if (route === 'create') answer = create(form);
    else if (route === 'list') answer = list(query);
    else if (route === 'account') answer = account();
    else {
      const sid = MESSAGE.exec(url.pathname)?.[2];
      const found = messages.find((x) => x.sid === sid);
      answer = found ? { status: 200, body: messageJson(found, true) } : { status: 404, body: errorBody(404, 20404, `The requested resource ${url.pathname} was not found`) };
    }
    if (failure) {
      answerFailure(failure);
      return;
    }
    send(answer.status, answer.body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(errorBody(500, 20500, `stand-in error: ${String(err)}`)));
      } else {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    requests,
    messages,
    get accountStatus() {
      return state.accountStatus;
    },
    set accountStatus(v) {
      state.accountStatus = v;
    },
    failNext(n: number, failure: ScriptedFailure) {
      if (n > 0) failures.push({ remaining: n, failure });
    },
    optOut(number: string) {
      optedOut.add(number);
    },
    reset() {
      requests.length = 0;
      messages.length = 0;
      failures = [];
      optedOut.clear();
      state.accountStatus = 'active';
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}

/** The `X-Twilio-Signature` Twilio would send for a webhook POST of `params` to `url` (the exact public URL). */
export function signTwilioRequest(authToken: string, url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

export interface InboundSms {
  from: string;
  to: string;
  body: string;
  /** Default: a fresh `AC` + 32 hex; pass the stand-in's `accountSid` to match it. */
  accountSid?: string;
  /** Default: a fresh `SM` + 32 hex. */
  messageSid?: string;
  /** Set when the number belongs to a messaging service. */
  messagingServiceSid?: string;
}

/** The form fields Twilio posts to an incoming-message webhook for an SMS (no media). */
export function inboundSmsParams(p: InboundSms): Record<string, string> {
  const sid = p.messageSid ?? `SM${hex(16)}`;
  const country = (n: string) => {
    const parsed = parsePhoneNumber(n);
    return parsed.valid ? parsed.regionCode : '';
  };
  const params: Record<string, string> = {
    ToCountry: country(p.to),
    ToState: '',
    SmsMessageSid: sid,
    NumMedia: '0',
    ToCity: '',
    FromZip: '',
    SmsSid: sid,
    FromState: '',
    SmsStatus: 'received',
    FromCity: '',
    Body: p.body,
    FromCountry: country(p.from),
    To: p.to,
    ToZip: '',
    NumSegments: String(new SegmentedMessage(p.body).segmentsCount),
    ReferralNumMedia: '0',
    MessageSid: sid,
    AccountSid: p.accountSid ?? `AC${hex(16)}`,
    From: p.from,
    ApiVersion: '2010-04-01',
  };
  if (p.messagingServiceSid) params.MessagingServiceSid = p.messagingServiceSid;
  return params;
}
