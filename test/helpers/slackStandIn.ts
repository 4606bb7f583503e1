/**
 * A local stand-in for the Slack Web API, speaking its wire format for the methods herald uses,
 * so the real @slack/web-api client can be tested end to end (point `slackApiUrl` at `url`).
 *
 * - `POST /api/<method>`: form (`application/x-www-form-urlencoded`, what the client sends),
 *   JSON or multipart bodies; the token from `Authorization: Bearer …` or a `token` field.
 *   Like Slack, a refused call is HTTP 200 with `{ok:false, error}`; every answer carries
 *   `x-oauth-scopes` for a known token.
 * - Methods: auth.test, conversations.info, conversations.history (top-level messages newest
 *   first, `oldest`/`latest` exclusive, `limit` + `cursor` pages, `metadata` with
 *   `include_all_metadata`, `missing_scope` without channels:history / groups:history),
 *   chat.postMessage (keeps `metadata`), files.getUploadURLExternal,
 *   files.completeUploadExternal; `POST /upload/<id>` takes the bytes (multipart field `body`,
 *   or a raw body). Other methods answer `unknown_method` unless given with `handle()`.
 * - Scripted failures: `failNext(method, {status: 429, retryAfter: 3})` answers the next call(s)
 *   with 429 + `Retry-After` and `{ok:false, error:'ratelimited'}`; `{status: 500}` with a 500;
 *   `{error: 'channel_not_found'}` with HTTP 200 `{ok:false, error}`; with `afterHandling` the
 *   call takes effect first (an answer lost on the way back). `method` is a Web API method name
 *   or `'upload'` for the upload URL.
 * - Everything is recorded: `calls` (method, parsed params, headers, token, time, answer status),
 *   `messages` (posted), `uploads` (bytes, and channel/thread once completed).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInChannel {
  name?: string;
  /** Default true: the bot is in the channel. */
  isMember?: boolean;
  isArchived?: boolean;
  isPrivate?: boolean;
}

export interface StandInToken {
  /** Sent as `x-oauth-scopes`, and checked by conversations.history. Default: chat:write, files:write, channels:read, groups:read, channels:history, groups:history. */
  scopes?: string[];
}

export interface SlackStandInOptions {
  /** Port to listen on (default 0: any free port). */
  port?: number;
  /** Valid tokens. Default: `xoxb-test-token` with the default scopes. */
  tokens?: string[] | Record<string, StandInToken>;
  /** Known conversations by id. Default: `C0123ABCD`, the bot a member. */
  channels?: string[] | Record<string, StandInChannel>;
}

export interface SlackCall {
  /** Web API method (`chat.postMessage`) or `upload` for the upload URL. */
  method: string;
  /** Parsed body fields; JSON-valued form fields (blocks, files, attachments, metadata) are parsed. */
  params: Record<string, unknown>;
  /** Request headers, lower-case names. */
  headers: Record<string, string>;
  /** The token the call carried, or null. */
  token: string | null;
  /** Date.now() when the request arrived. */
  at: number;
  /** The HTTP status answered. */
  status: number;
  /** The JSON answered (or the text for the upload URL and HTTP errors). */
  response: unknown;
}

export interface SlackMessage {
  channel: string;
  ts: string;
  text: string | undefined;
  blocks: unknown[] | undefined;
  threadTs: string | undefined;
  params: Record<string, unknown>;
}

export interface SlackUpload {
  fileId: string;
  filename: string;
  length: number;
  /** The bytes received at the upload URL; null until then. */
  bytes: Buffer | null;
  completed: boolean;
  title?: string;
  channelId?: string;
  threadTs?: string;
  initialComment?: string;
}

export interface ScriptedFailure {
  /** HTTP status. Default 429 with retryAfter, 200 with error, else 500. */
  status?: number;
  /** Seconds for the `Retry-After` header (with status 429). */
  retryAfter?: number;
  /** Slack error string for `{ok:false, error}` (HTTP 200 unless status says otherwise). */
  error?: string;
  /** How many of the next calls fail. Default 1. */
  times?: number;
  /**
   * The call takes effect (a message is posted) and then the answer is this failure: an answer
   * lost on its way back. Default false: the call is refused before it does anything.
   */
  afterHandling?: boolean;
}

export type StandInHandler = (params: Record<string, unknown>, ctx: { token: string | null; standIn: SlackStandIn }) => Record<string, unknown>;

export interface SlackStandIn {
  /** Web API base URL: `http://127.0.0.1:PORT/api/` (for `slackApiUrl` / SLACK_API_URL). */
  url: string;
  calls: SlackCall[];
  messages: SlackMessage[];
  uploads: SlackUpload[];
  /** Tokens and channels, editable by tests (e.g. archive a channel mid-test). */
  tokens: Map<string, StandInToken>;
  channels: Map<string, StandInChannel>;
  /** Calls of one method, in order. */
  callsOf(method: string): SlackCall[];
  failNext(method: string, failure: ScriptedFailure): void;
  /** Adds or replaces a method's handler (answer without `ok` gets `ok: true`). */
  handle(method: string, handler: StandInHandler): void;
  /** Forgets calls, messages, uploads and scripted failures. */
  reset(): void;
  close(): Promise<void>;
}

const DEFAULT_TOKEN = 'xoxb-test-token';
const DEFAULT_SCOPES = ['chat:write', 'files:write', 'channels:read', 'groups:read', 'channels:history', 'groups:history'];
const JSON_FIELDS = new Set(['blocks', 'attachments', 'files', 'metadata']);

function toMap<T extends object>(v: string[] | Record<string, T> | undefined, fallback: string): Map<string, T> {
  if (v === undefined) return new Map([[fallback, {} as T]]);
  if (Array.isArray(v)) return new Map(v.map((k) => [k, {} as T]));
  return new Map(Object.entries(v));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Parses a request body like Slack: form, JSON or multipart. Files come back separately. */
async function parseBody(body: Buffer, contentType: string): Promise<{ params: Record<string, unknown>; files: Map<string, Buffer> }> {
  const params: Record<string, unknown> = {};
  const files = new Map<string, Buffer>();
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === 'application/json') {
    const parsed: unknown = body.length ? JSON.parse(body.toString('utf8')) : {};
    if (parsed && typeof parsed === 'object') Object.assign(params, parsed);
    return { params, files };
  }
  if (type === 'multipart/form-data') {
    const form = await new Response(new Uint8Array(body), { headers: { 'content-type': contentType } }).formData();
    for (const [k, v] of form.entries()) {
      if (typeof v === 'string') params[k] = v;
      else files.set(k, Buffer.from(await v.arrayBuffer()));
    }
  } else if (type === 'application/x-www-form-urlencoded' || type === '') {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params[k] = v;
  }
  for (const k of Object.keys(params)) {
    const v = params[k];
    if (JSON_FIELDS.has(k) && typeof v === 'string' && /^\s*[[{]/.test(v)) {
      try { params[k] = JSON.parse(v); } catch { /* left as sent: the handler reports it */ }
    }
  }
  return { params, files };
}

export async function startSlackStandIn(opts: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const tokens = toMap<StandInToken>(opts.tokens, DEFAULT_TOKEN);
  const channels = toMap<StandInChannel>(opts.channels, 'C0123ABCD');
  const calls: SlackCall[] = [];
  const messages: SlackMessage[] = [];
  const uploads: SlackUpload[] = [];
  const scripts = new Map<string, ScriptedFailure[]>();
  const handlers = new Map<string, StandInHandler>();
  let seq = 0;
  let base = '';

  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}`;
  const fail = (error: string, extra: Record<string, unknown> = {}) => ({ ok: false, error, ...extra });
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

  /** A conversation the bot may write to, or the Slack error. */
  function writable(id: string | undefined): string | null {
    if (!id) return 'channel_not_found';
    const ch = channels.get(id);
    if (!ch) return 'channel_not_found';
    if (ch.isArchived) return 'is_archived';
    if (ch.isMember === false) return 'not_in_channel';
    return null;
  }

  handlers.set('auth.test', () => ({
    url: 'https://herald-test.slack.com/', team: 'Herald Test', user: 'herald', team_id: 'T0HERALD', user_id: 'U0HERALD', bot_id: 'B0HERALD', is_enterprise_install: false,
  }));

  handlers.set('conversations.info', (p) => {
    const id = str(p.channel);
    const ch = id ? channels.get(id) : undefined;
    if (!id || !ch) return fail('channel_not_found');
    return {
      channel: {
        id, name: ch.name ?? id.toLowerCase(), is_channel: !ch.isPrivate, is_group: !!ch.isPrivate, is_im: false, is_private: !!ch.isPrivate,
        is_archived: !!ch.isArchived, is_member: ch.isMember !== false, created: 1700000000,
      },
    };
  });

  handlers.set('chat.postMessage', (p) => {
    const channel = str(p.channel);
    const problem = writable(channel);
    if (problem) return fail(problem);
    if (p.blocks !== undefined && !Array.isArray(p.blocks)) return fail('invalid_blocks');
    if (Array.isArray(p.blocks) && p.blocks.length > 50) return fail('invalid_blocks', { errors: ['must provide at most 50 items [json-pointer:/blocks]'] });
    if (!str(p.text) && !(Array.isArray(p.blocks) && p.blocks.length)) return fail('no_text');
    const ts = nextTs();
    const threadTs = str(p.thread_ts);
    messages.push({ channel: channel!, ts, text: str(p.text), blocks: p.blocks as unknown[] | undefined, threadTs, params: p });
    return {
      channel, ts,
      message: { type: 'message', subtype: 'bot_message', text: p.text ?? '', user: 'U0HERALD', bot_id: 'B0HERALD', ts, ...(threadTs ? { thread_ts: threadTs } : {}), ...(Array.isArray(p.blocks) ? { blocks: p.blocks } : {}) },
    };
  });

  handlers.set('conversations.history', (p, { token }) => {
    const id = str(p.channel);
    const ch = id ? channels.get(id) : undefined;
    if (!id || !ch) return fail('channel_not_found');
    const scopes = (token ? tokens.get(token)?.scopes : undefined) ?? DEFAULT_SCOPES;
    const needed = ch.isPrivate ? 'groups:history' : 'channels:history';
    if (!scopes.includes(needed)) return fail('missing_scope', { needed, provided: scopes.join(',') });
    if (ch.isMember === false) return fail('not_in_channel');
    const oldest = Number(p.oldest ?? 0);
    const latest = p.latest === undefined ? Infinity : Number(p.latest);
    const limit = Math.max(1, Math.min(Number(p.limit ?? 100) || 100, 999));
    const withMetadata = p.include_all_metadata === true || p.include_all_metadata === 'true' || p.include_all_metadata === '1';
    const all = messages
      .filter((m) => m.channel === id && m.threadTs === undefined && Number(m.ts) > oldest && Number(m.ts) < latest)
      .sort((a, b) => Number(b.ts) - Number(a.ts));
    const start = typeof p.cursor === 'string' && p.cursor !== '' ? Number(Buffer.from(p.cursor, 'base64').toString('utf8').replace(/^next_ts:/, '')) : 0;
    if (!Number.isInteger(start) || start < 0) return fail('invalid_cursor');
    const page = all.slice(start, start + limit);
    const more = start + limit < all.length;
    return {
      messages: page.map((m) => ({
        type: 'message', subtype: 'bot_message', text: m.text ?? '', ts: m.ts, user: 'U0HERALD', bot_id: 'B0HERALD',
        ...(withMetadata && m.params.metadata ? { metadata: m.params.metadata } : {}),
      })),
      has_more: more,
      pin_count: 0,
      response_metadata: { next_cursor: more ? Buffer.from(`next_ts:${start + limit}`).toString('base64') : '' },
    };
  });

  handlers.set('files.getUploadURLExternal', (p) => {
    const filename = str(p.filename);
    const length = Number(p.length);
    if (!filename || !Number.isInteger(length) || length <= 0) return fail('invalid_arguments');
    const fileId = `F${String(++seq).padStart(9, '0')}`;
    uploads.push({ fileId, filename, length, bytes: null, completed: false });
    return { upload_url: `${base}upload/${fileId}`, file_id: fileId };
  });

  handlers.set('files.completeUploadExternal', (p) => {
    if (!Array.isArray(p.files) || p.files.length === 0) return fail('invalid_arguments');
    const channelId = str(p.channel_id);
    if (channelId) {
      const problem = writable(channelId);
      if (problem) return fail(problem);
    }
    const done: SlackUpload[] = [];
    for (const f of p.files as { id?: unknown; title?: unknown }[]) {
      const u = uploads.find((x) => x.fileId === f.id);
      if (!u || u.bytes === null) return fail('file_not_found');
      if (u.completed) return fail('file_upload_already_completed');
      done.push(u);
    }
    const list = (p.files as { id?: unknown; title?: unknown }[]).map((f, i) => {
      const u = done[i];
      u.completed = true;
      u.title = str(f.title) ?? u.filename;
      u.channelId = channelId;
      u.threadTs = str(p.thread_ts);
      u.initialComment = str(p.initial_comment);
      return { id: u.fileId, title: u.title, name: u.filename, size: u.length, mimetype: u.filename.endsWith('.pdf') ? 'application/pdf' : 'application/octet-stream' };
    });
    return { files: list };
  });

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', ...headers });
    res.end(text);
  }

  /** The next scripted failure of a method, consumed. */
  function scripted(method: string): ScriptedFailure | null {
    const list = scripts.get(method);
    if (!list?.length) return null;
    const f = list[0];
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) list.shift();
    return f;
  }

  function answerFailure(res: ServerResponse, f: ScriptedFailure): { status: number; response: unknown } {
    const status = f.status ?? (f.retryAfter !== undefined ? 429 : f.error ? 200 : 500);
    if (status === 429) {
      const response = fail(f.error ?? 'ratelimited');
      send(res, 429, response, f.retryAfter !== undefined ? { 'retry-after': String(f.retryAfter) } : {});
      return { status, response };
    }
    if (status >= 400) {
      const response = f.error ? fail(f.error) : `stand-in HTTP ${status}`;
      send(res, status, response);
      return { status, response };
    }
    const response = fail(f.error ?? 'internal_error');
    send(res, status, response);
    return { status, response };
  }

  const server = createServer((req, res) => {
    void (async () => {
      const at = Date.now();
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
      const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
      const body = await readBody(req);
      const { params, files } = await parseBody(body, headers['content-type'] ?? '');
      const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1] ?? null;
      const token = bearer ?? str(params.token) ?? null;
      const record = (method: string, status: number, response: unknown) => {
        const { token: _omit, ...rest } = params;
        calls.push({ method, params: rest, headers, token, at, status, response });
      };

      if (req.method !== 'POST') {
        send(res, 405, 'method not allowed');
        return;
      }

      const upload = /^\/upload\/([A-Za-z0-9]+)$/.exec(path);
      if (upload) {
        const failure = scripted('upload');
        if (failure) {
          const r = answerFailure(res, failure);
          record('upload', r.status, r.response);
          return;
        }
        const u = uploads.find((x) => x.fileId === upload[1]);
        if (!u) {
          send(res, 404, 'not found');
          record('upload', 404, 'not found');
          return;
        }
        u.bytes = files.get('body') ?? files.values().next().value ?? body;
        const text = `OK - ${u.bytes.length}`;
        send(res, 200, text);
        record('upload', 200, text);
        return;
      }

      const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
      if (!api) {
        send(res, 404, 'not found');
        return;
      }
      const method = api[1];
      const failure = scripted(method);
      if (failure && !failure.afterHandling) {
        const r = answerFailure(res, failure);
        record(method, r.status, r.response);
        return;
      }
      const scopes = token ? tokens.get(token)?.scopes ?? DEFAULT_SCOPES : null;
      const scopeHeader: Record<string, string> = token && tokens.has(token) ? { 'x-oauth-scopes': (scopes ?? []).join(',') } : {};
      let response: Record<string, unknown>;
      if (!token) response = fail('not_authed');
      else if (!tokens.has(token)) response = fail('invalid_auth');
      else {
        const handler = handlers.get(method);
        response = handler ? handler(params, { token, standIn }) : fail('unknown_method');
        if (!('ok' in response)) response = { ok: true, ...response };
      }
      if (failure) {
        const r = answerFailure(res, failure); // it happened; the answer is lost
        record(method, r.status, r.response);
        return;
      }
      send(res, 200, response, scopeHeader);
      record(method, 200, response);
    })().catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, `stand-in error: ${err instanceof Error ? err.message : String(err)}`);
    });
  });

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}/`;

  const standIn: SlackStandIn = {
    url: `${base}api/`,
    calls,
    messages,
    uploads,
    tokens,
    channels,
    callsOf: (method) => calls.filter((c) => c.method === method),
    failNext(method, failure) {
      const list = scripts.get(method) ?? [];
      list.push({ ...failure, times: failure.times ?? 1 });
      scripts.set(method, list);
    },
    handle(method, handler) {
      handlers.set(method, handler);
    },
    reset() {
      calls.length = 0;
      messages.length = 0;
      uploads.length = 0;
      scripts.clear();
    },
    close: () => new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    }),
  };
  return standIn;
}
