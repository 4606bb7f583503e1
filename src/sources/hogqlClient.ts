/**
 * PostHog's query API (SPEC §2.2): `POST {host}/api/projects/{id}/query/` with a HogQLQuery whose
 * values travel as placeholders, bearer auth with a personal API key.
 *
 * - Every request has a timeout (default 30 s) and is always computed fresh (`refresh:
 *   "force_blocking"`: PostHog otherwise may answer a repeated query from its cache, and the
 *   alert poller asks the same question every few seconds).
 * - 429 and 5xx answers, timeouts and network failures are tried again, up to 5 attempts: a
 *   429 after its Retry-After (seconds or an HTTP date), else after 0.5, 1, 2, 4 s. Herald waits
 *   at most 30 s in all between the attempts of one query; a Retry-After longer than what is
 *   left fails at once, saying so. Worst case for one query: 5 × 30 s + 30 s = 3 minutes.
 * - 401, 403, an unknown project (404) and a refused query (400) fail at once, in one line
 *   that never holds the key.
 * - At most 3 queries in flight per project in this process, whatever the number of clients (a
 *   worker makes a report context per job; PostHog limits concurrent queries per project and
 *   answers 429 beyond).
 */
import { InputError } from '../report/ReportContext.js';

export interface HogqlClientOptions {
  /** PostHog's address (POSTHOG_HOST), e.g. https://us.posthog.com or a self-hosted one. */
  host: string;
  /** POSTHOG_PROJECT_ID. */
  projectId: string;
  /** POSTHOG_PERSONAL_API_KEY (needs the query:read scope). */
  apiKey: string;
  /** Per request. Default 30,000. */
  timeoutMs?: number;
  /** Attempts of one query, the first included. Default 5. */
  maxAttempts?: number;
  /** The most one query waits in all between its attempts. Default 30,000. */
  maxWaitMs?: number;
  /** Queries in flight at once to this project (shared by the process's clients). Default 3. */
  maxConcurrent?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** One HogQL answer: rows as objects keyed by column name, and PostHog's `hasMore`. */
export interface HogqlAnswer {
  columns: string[];
  rows: Record<string, unknown>[];
  /** PostHog's paginator says rows were left out (only when a query has no LIMIT of its own). */
  hasMore: boolean;
}

/** A failure of the query API, one line, never with the key in it. */
export class PosthogApiError extends Error {
  constructor(message: string, readonly status: number | null) {
    super(message);
    this.name = 'PosthogApiError';
  }
}

const ENV = ['POSTHOG_HOST', 'POSTHOG_PROJECT_ID', 'POSTHOG_PERSONAL_API_KEY'] as const;

/** The client's settings from the environment (SPEC §10); a missing or malformed one is an InputError naming it. */
export function hogqlOptionsFromEnv(env: NodeJS.ProcessEnv): Pick<HogqlClientOptions, 'host' | 'projectId' | 'apiKey'> {
  for (const name of ENV) {
    if (!env[name] || env[name]!.trim() === '') throw new InputError(name, 'not set (sources.events.kind is posthog-api: it needs POSTHOG_HOST, POSTHOG_PROJECT_ID and POSTHOG_PERSONAL_API_KEY)');
  }
  const host = env.POSTHOG_HOST!.trim();
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new InputError('POSTHOG_HOST', 'not a URL (e.g. https://us.posthog.com)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InputError('POSTHOG_HOST', 'not an http(s) URL (e.g. https://us.posthog.com)');
  const projectId = env.POSTHOG_PROJECT_ID!.trim();
  if (!/^[0-9]{1,20}$/.test(projectId)) throw new InputError('POSTHOG_PROJECT_ID', 'not a project id (the number in your project settings)');
  return { host, projectId, apiKey: env.POSTHOG_PERSONAL_API_KEY!.trim() };
}

/** Queries in flight and waiting, per project URL (shared by every client of the process). */
const slots = new Map<string, { inFlight: number; queue: (() => void)[] }>();

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A `Retry-After` header in ms (delta-seconds or an HTTP date); undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const s = value.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const at = Date.parse(s);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

export class HogqlClient {
  readonly url: string;
  /** The host as messages name it: its origin only (no credentials a URL might carry). */
  readonly origin: string;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxWaitMs: number;
  private readonly maxConcurrent: number;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly slot: { inFlight: number; queue: (() => void)[] };

  constructor(private readonly o: HogqlClientOptions) {
    const base = new URL(o.host);
    this.origin = base.origin;
    this.url = `${base.origin}${base.pathname.replace(/\/+$/, '')}/api/projects/${encodeURIComponent(o.projectId)}/query/`;
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.maxAttempts = Math.max(1, o.maxAttempts ?? 5);
    this.maxWaitMs = o.maxWaitMs ?? 30_000;
    this.maxConcurrent = Math.max(1, o.maxConcurrent ?? 3);
    this.fetchFn = o.fetch ?? fetch;
    this.sleep = o.sleep ?? sleepFor;
    let slot = slots.get(this.url);
    if (!slot) slots.set(this.url, (slot = { inFlight: 0, queue: [] }));
    this.slot = slot;
  }

  /** Runs one HogQL query; `what` names it in errors ("event facts", …). */
  async query(hogql: string, values: Record<string, unknown>, what: string): Promise<HogqlAnswer> {
    await this.acquire();
    try {
      return await this.attempt(hogql, values, what);
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    if (this.slot.inFlight < this.maxConcurrent) {
      this.slot.inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.slot.queue.push(resolve));
  }

  private release(): void {
    const next = this.slot.queue.shift();
    if (next) next(); // the slot passes on
    else this.slot.inFlight--;
  }

  private fail(message: string, status: number | null): PosthogApiError {
    // One line, and never the key, whatever a server put in its answer.
    const line = message.replace(/\s+/g, ' ').trim();
    return new PosthogApiError(this.o.apiKey ? line.split(this.o.apiKey).join('[redacted]') : line, status);
  }

  private async attempt(hogql: string, values: Record<string, unknown>, what: string): Promise<HogqlAnswer> {
    const body = JSON.stringify({ query: { kind: 'HogQLQuery', query: hogql, values }, refresh: 'force_blocking' });
    let waited = 0;
    let last = '';
    for (let attempt = 1; ; attempt++) {
      let wait: number | undefined;
      let res: Response | undefined;
      try {
        res = await this.fetchFn(this.url, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.o.apiKey}`, 'content-type': 'application/json', accept: 'application/json' },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        const e = err as Error & { cause?: { code?: string; message?: string } };
        last = e.name === 'TimeoutError' || e.name === 'AbortError'
          ? `no answer from ${this.origin} within ${seconds(this.timeoutMs)}`
          : `could not reach ${this.origin} (${e.cause?.code ?? e.cause?.message ?? e.message})`;
      }
      if (res) {
        const text = await res.text().catch(() => '');
        if (res.ok) return this.answer(text, what);
        const detail = detailOf(text);
        if (res.status === 401) throw this.fail(`posthog-api: the personal API key was refused (401)${detail ? `: ${detail}` : ''}; check POSTHOG_PERSONAL_API_KEY`, 401);
        if (res.status === 403) throw this.fail(`posthog-api: the personal API key may not query project ${this.o.projectId} (403)${detail ? `: ${detail}` : ''}; it needs the query:read scope and access to the project`, 403);
        if (res.status === 404) throw this.fail(`posthog-api: project ${this.o.projectId} was not found at ${this.origin} (404); check POSTHOG_PROJECT_ID and POSTHOG_HOST`, 404);
        if (res.status !== 429 && res.status < 500) {
          throw this.fail(`posthog-api: PostHog refused the ${what} query (${res.status})${detail ? `: ${detail.slice(0, 300)}` : ''}`, res.status);
        }
        if (res.status === 429) {
          wait = retryAfterMs(res.headers.get('retry-after'));
          last = `rate limited (429)${detail ? `: ${detail.slice(0, 200)}` : ''}`;
          if (wait !== undefined && waited + wait > this.maxWaitMs) {
            throw this.fail(`posthog-api: rate limited (429): PostHog asks to wait ${seconds(wait)} before the ${what} query, more than the ${seconds(this.maxWaitMs - waited)} Herald still waits for it`, 429);
          }
        } else {
          last = `the server answered ${res.status}${detail ? ` (${detail.slice(0, 200)})` : ''}`;
        }
      }
      if (attempt >= this.maxAttempts) {
        throw this.fail(`posthog-api: ${last}; gave up on the ${what} query after ${attempt} attempts and ${seconds(waited)} of waiting`, res?.status ?? null);
      }
      wait ??= Math.min(8_000, 500 * 2 ** (attempt - 1));
      if (waited + wait > this.maxWaitMs) {
        throw this.fail(`posthog-api: ${last}; gave up on the ${what} query after ${attempt} attempts (the next wait would pass ${seconds(this.maxWaitMs)})`, res?.status ?? null);
      }
      waited += wait;
      await this.sleep(wait);
    }
  }

  private answer(text: string, what: string): HogqlAnswer {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw this.fail(`posthog-api: the answer to the ${what} query is not JSON`, 200);
    }
    const a = json as { results?: unknown; columns?: unknown; hasMore?: unknown; error?: unknown };
    if (typeof a?.error === 'string' && a.error) throw this.fail(`posthog-api: the ${what} query failed: ${a.error.slice(0, 300)}`, 200);
    if (!Array.isArray(a?.results) || !Array.isArray(a.columns) || !a.results.every(Array.isArray)) {
      throw this.fail(`posthog-api: the answer to the ${what} query has no results and columns (was it run asynchronously?)`, 200);
    }
    const columns = a.columns.map(String);
    const rows = (a.results as unknown[][]).map((r) => {
      if (r.length !== columns.length) throw this.fail(`posthog-api: the answer to the ${what} query has rows of ${r.length} values for ${columns.length} columns`, 200);
      return Object.fromEntries(columns.map((c, i) => [c, r[i]]));
    });
    return { columns, rows, hasMore: a.hasMore === true };
  }
}

/** PostHog's error detail (`{"type", "code", "detail", "attr"}`), or a short text. */
function detailOf(text: string): string {
  try {
    const j = JSON.parse(text) as { detail?: unknown; error?: unknown };
    if (typeof j?.detail === 'string') return j.detail;
    if (typeof j?.error === 'string') return j.error;
  } catch {
    // not JSON: an HTML error page from a proxy says nothing useful
  }
  return /^\s*</.test(text) ? '' : text.slice(0, 200);
}
