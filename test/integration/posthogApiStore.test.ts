/**
 * The posthog-api event store when PostHog is not kind (SPEC §2.2, issue 11.5): rate limits
 * honoured with their Retry-After, server errors retried within a bounded wait, refused keys and
 * unknown projects in one line without the key, timeouts, and HogQL's row limit never cutting an
 * answer. Against the query API stand-in (test/helpers/posthogQueryStandIn.ts), which also
 * imitates PostHog's own limits (100 rows and hasMore without a LIMIT, OFFSET refused).
 * Configuration: `sources.events.kind: posthog-api` and its three variables, through the CLI too.
 * Real PostgreSQL; a fresh database for this file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { insertAcmeFixture } from '../helpers/fixture.js';
import { herald } from '../helpers/cli.js';
import {
  copyExportToStandIn, installStandInSchema, loadStandInEvents, startPosthogQueryStandIn, translateHogql, splicedValues,
  type PosthogQueryStandIn, type StandInEvent,
} from '../helpers/posthogQueryStandIn.js';
import { PosthogApiStore, type PosthogApiStoreOptions } from '../../src/sources/posthogApiStore.js';
import { HogqlClient, PosthogApiError, hogqlOptionsFromEnv } from '../../src/sources/hogqlClient.js';
import { eventStoreFor } from '../../src/cli/context.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { InputError } from '../../src/report/ReportContext.js';
import { configCheckCommand } from '../../src/cli/commands/configCheck.js';
import { Writable } from 'node:stream';

let t: TestDatabase;
let standIn: PosthogQueryStandIn;
let dir: string;
const NAMES = ['revenue_impact_event'];
const AFTER = new Date('2026-11-01T00:00:00Z');
const UNTIL = new Date('2026-12-01T00:00:00Z');

// 23 events of acme, an hour apart; the first one twice.
const EVENTS: StandInEvent[] = Array.from({ length: 23 }, (_, i) => ({
  uuid: `0192f0e2-7c00-7000-8000-${String(i + 1).padStart(12, '0')}`,
  event: 'revenue_impact_event',
  timestamp: new Date(Date.UTC(2026, 10, 10, i)).toISOString(),
  properties: { tenant_id: 'acme', impact_type: i % 2 ? 'positive' : 'negative', impact_amount: 10 * (i + 1) },
}));

beforeAll(async () => {
  t = await createTestDatabase();
  await installStandInSchema(t.db);
  await loadStandInEvents(t.db, [...EVENTS, EVENTS[0]]);
  standIn = await startPosthogQueryStandIn({ databaseUrl: t.url });
  dir = await mkdtemp(path.join(tmpdir(), 'herald-posthog-api-'));
});
afterAll(async () => {
  await standIn?.close();
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  standIn.faults.length = 0;
  standIn.options.maxRows = 50_000;
  standIn.options.scopes = ['query:read'];
});

/** A store on the stand-in whose waits are recorded, not slept. */
function store(o: Partial<PosthogApiStoreOptions> = {}) {
  const waits: number[] = [];
  const s = new PosthogApiStore({
    host: standIn.url, projectId: standIn.projectId, apiKey: standIn.apiKey,
    sleep: async (ms: number) => { waits.push(ms); },
    ...o,
  });
  return { s, waits };
}
const since = () => standIn.requests.length;
const oneLine = (m: string) => expect(m).not.toMatch(/\n/);

describe('retries', () => {
  it('a 429 is tried again after its Retry-After, then succeeds', async () => {
    const { s, waits } = store();
    standIn.faults.push({ status: 429, retryAfter: '1' });
    const from = since();
    expect(await s.countEvents(NAMES, AFTER, UNTIL)).toBe(23);
    expect(waits).toEqual([1000]);   // the wait it asked for (recorded, not slept: no time is asserted)
    expect(standIn.requests.slice(from).map((r) => r.status)).toEqual([429, 200]);
  });

  it('a Retry-After as an HTTP date is honoured too; one longer than Herald waits fails at once, saying so', async () => {
    const { s, waits } = store();
    standIn.faults.push({ status: 429, retryAfter: new Date(Date.now() + 3000).toUTCString() });
    expect(await s.countEvents(NAMES, AFTER, UNTIL)).toBe(23);
    expect(waits[0]).toBeGreaterThan(1000);
    expect(waits[0]).toBeLessThanOrEqual(3000);

    standIn.faults.push({ status: 429, retryAfter: '120' });
    const from = since();
    const err = await s.countEvents(NAMES, AFTER, UNTIL).catch((e) => e);
    expect(err).toBeInstanceOf(PosthogApiError);
    expect(err.message).toBe('posthog-api: rate limited (429): PostHog asks to wait 120 s before the event count query, more than the 30 s Herald still waits for it');
    expect(standIn.requests.length - from).toBe(1);
  });

  it('a 500 and a 502 are tried again with backoff; five in a row give up in one line', async () => {
    const { s, waits } = store();
    standIn.faults.push({ status: 500 }, { status: 502 });
    expect(await s.countEvents(NAMES, AFTER, UNTIL)).toBe(23);
    expect(waits).toEqual([500, 1000]);

    const again = store();
    standIn.faults.push(...Array.from({ length: 5 }, () => ({ status: 503 })));
    const from = since();
    const err = await again.s.newestEventAt(NAMES).catch((e) => e);
    expect(err.message).toBe('posthog-api: the server answered 503 (A server error occurred.); gave up on the newest event query after 5 attempts and 7.5 s of waiting');
    oneLine(err.message);
    expect(again.waits).toEqual([500, 1000, 2000, 4000]);
    expect(standIn.requests.length - from).toBe(5);
  });

  it('a 429 without Retry-After backs off like a 5xx; the total wait is bounded (maxWaitMs)', async () => {
    const { s, waits } = store({ maxWaitMs: 2000 });
    standIn.faults.push({ status: 429 }, { status: 429 }, { status: 429 });
    const err = await s.countEvents(NAMES, AFTER, UNTIL).catch((e) => e);
    expect(waits).toEqual([500, 1000]);
    expect(err.message).toBe('posthog-api: rate limited (429): Request was throttled.; gave up on the event count query after 3 attempts (the next wait would pass 2 s)');
  });

  it('a request that takes longer than the timeout is abandoned and tried again; always too slow gives up in one line', async () => {
    const { s, waits } = store({ timeoutMs: 300 });
    standIn.faults.push({ delayMs: 1000 });
    expect(await s.countEvents(NAMES, AFTER, UNTIL)).toBe(23);
    expect(waits).toEqual([500]);

    const once = store({ timeoutMs: 300, maxAttempts: 2 });
    standIn.faults.push({ delayMs: 1000 }, { delayMs: 1000 });
    const err = await once.s.countEvents(NAMES, AFTER, UNTIL).catch((e) => e);
    expect(err.message).toBe(`posthog-api: no answer from ${standIn.url} within 0.3 s; gave up on the event count query after 2 attempts and 0.5 s of waiting`);
  });

  it('at most 3 queries are in flight at once to a project, whatever the number of clients (PostHog limits concurrent queries per project)', async () => {
    const clients = [store().s, store().s, store().s];
    standIn.faults.push(...Array.from({ length: 6 }, () => ({ delayMs: 300 })));
    const from = since();
    const counts = await Promise.all(Array.from({ length: 6 }, (_, i) => clients[i % 3].countEvents(NAMES, AFTER, UNTIL)));
    expect(counts).toEqual([23, 23, 23, 23, 23, 23]);
    const at = standIn.requests.slice(from).map((r) => r.at);
    expect(at[2] - at[0]).toBeLessThan(200);        // the first three at once
    expect(at[3] - at[0]).toBeGreaterThanOrEqual(250); // the fourth when one of them is answered
  });

  it('PostHog down (nothing listening) is a one-line failure after the retries', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const { s, waits } = store({ host: `http://127.0.0.1:${port}`, maxAttempts: 2 });
    const err = await s.countEvents(NAMES, AFTER, UNTIL).catch((e) => e);
    expect(err.message).toBe(`posthog-api: could not reach http://127.0.0.1:${port} (ECONNREFUSED); gave up on the event count query after 2 attempts and 0.5 s of waiting`);
    expect(waits).toEqual([500]);
  });
});

describe('refusals: one line, at once, never the key', () => {
  it('401: the personal API key was refused', async () => {
    const wrong = `phx_${'s3cret'.repeat(6)}`;
    const { s, waits } = store({ apiKey: wrong });
    const from = since();
    const err = await s.eventFacts('acme', [{ start: AFTER, end: UNTIL }]).catch((e) => e);
    expect(err).toBeInstanceOf(PosthogApiError);
    expect(err.status).toBe(401);
    expect(err.message).toBe('posthog-api: the personal API key was refused (401): Invalid personal API key.; check POSTHOG_PERSONAL_API_KEY');
    expect(err.message).not.toContain(wrong);
    expect(err.message).not.toContain(standIn.apiKey);
    expect(waits).toEqual([]);
    expect(standIn.requests.slice(from).every((r) => r.status === 401 && r.auth === 'wrong')).toBe(true);
  });

  it('403: a key without the query:read scope', async () => {
    standIn.options.scopes = ['event:read'];
    const err = await store().s.countEvents(NAMES, AFTER, UNTIL).catch((e) => e);
    expect(err.message).toBe(`posthog-api: the personal API key may not query project ${standIn.projectId} (403): API key missing required scope 'query:read'; it needs the query:read scope and access to the project`);
    expect(err.message).not.toContain(standIn.apiKey);
  });

  it('404: an unknown project', async () => {
    const err = await store({ projectId: '999' }).s.countEvents(NAMES, AFTER, UNTIL).catch((e) => e);
    expect(err.message).toBe(`posthog-api: project 999 was not found at ${standIn.url} (404); check POSTHOG_PROJECT_ID and POSTHOG_HOST`);
  });

  it('a key a server echoes back is redacted', async () => {
    const { s } = store();
    standIn.faults.push({ status: 400, detail: `bad key ${standIn.apiKey}\nsecond line` });
    const err = await s.countEvents(NAMES, AFTER, UNTIL).catch((e) => e);
    expect(err.message).toBe('posthog-api: PostHog refused the event count query (400): bad key [redacted] second line');
  });
});

describe("HogQL's row limit never cuts an answer", () => {
  it('the stand-in imitates PostHog: 100 rows and hasMore without a LIMIT, the maximum lowered silently, OFFSET refused', async () => {
    const client = new HogqlClient({ host: standIn.url, projectId: standIn.projectId, apiKey: standIn.apiKey });
    standIn.options.defaultRows = 10;
    try {
      const a = await client.query('SELECT toString(uuid) AS id FROM events ORDER BY id', {}, 'test');
      expect(a.rows).toHaveLength(10);
      expect(a.hasMore).toBe(true);
    } finally {
      standIn.options.defaultRows = 100;
    }
    standIn.options.maxRows = 4;
    const b = await client.query('SELECT toString(uuid) AS id FROM events ORDER BY id LIMIT 20', {}, 'test');
    expect(b.rows).toHaveLength(4);
    expect(b.hasMore).toBe(false);
    const err = await client.query('SELECT toString(uuid) AS id FROM events ORDER BY id LIMIT 5 OFFSET 5', {}, 'test').catch((e) => e);
    expect(err.message).toMatch(/^posthog-api: PostHog refused the test query \(400\): OFFSET is not supported on queries made with a personal API key/);
  });

  it('every method reads every row through a maximum of 4 rows a query (keyset pages)', async () => {
    const { s } = store();
    standIn.options.maxRows = 4;
    standIn.violations.length = 0; // the OFFSET refused above
    const from = since();
    const ids = await s.eventIds(NAMES, AFTER, UNTIL);
    expect(ids.map((x) => x.uuid)).toEqual(EVENTS.map((e) => e.uuid));
    expect(standIn.requests.length - from).toBe(6); // 23 rows, 4 a page
    const full = await s.eventsByIds(NAMES, AFTER, UNTIL, ids.map((x) => x.uuid));
    expect(full.map((x) => x.uuid)).toEqual(EVENTS.map((e) => e.uuid));
    const [facts] = await s.eventFacts('acme', [{ start: AFTER, end: UNTIL }]);
    expect(facts.alert_candidates).toHaveLength(23);
    expect(facts.revenue_impact).toEqual({ negative_total: 10 * (1 + 3 + 5 + 7 + 9 + 11 + 13 + 15 + 17 + 19 + 21 + 23), positive_total: 10 * (2 + 4 + 6 + 8 + 10 + 12 + 14 + 16 + 18 + 20 + 22), event_count: 23 });
    expect(standIn.violations).toEqual([]);
  });

  it('a page that comes cut is made good by the next; an answer that stays cut, or says hasMore where there must be no more, is an error', async () => {
    const { s } = store();
    standIn.faults.push({ dropLast: 1 });
    const from = since();
    expect((await s.eventIds(NAMES, AFTER, UNTIL)).map((x) => x.uuid)).toEqual(EVENTS.map((e) => e.uuid));
    expect(standIn.requests.slice(from).map((r) => r.rows)).toEqual([22, 1]);

    standIn.options.maxRows = 4;
    standIn.faults.push(...Array.from({ length: 30 }, () => ({ dropLast: 1 })));
    let err = await s.eventIds(NAMES, AFTER, UNTIL).catch((e) => e);
    expect(err.message).toBe('posthog-api: the event ids answer ended after 22 of 23 rows; refusing a cut answer');
    standIn.faults.length = 0;

    standIn.options.maxRows = 50_000;
    standIn.faults.push({ dropLast: 1 });
    err = await s.countEvents(NAMES, AFTER, UNTIL).catch((e) => e);
    expect(err.message).toBe('posthog-api: the event count answer has no row; refusing it');
    standIn.faults.push({ hasMore: true });
    err = await s.countEvents(NAMES, AFTER, UNTIL).catch((e) => e);
    expect(err.message).toBe('posthog-api: the event count answer came cut (1 rows of 1, and more); refusing it');
  });
});

describe('the stand-in checks what it is sent', () => {
  it('values spliced into the query text are found; placeholders are not values', () => {
    expect(splicedValues("SELECT 1 FROM events WHERE event = 'revenue_impact_event'", { e: 'revenue_impact_event' })).toEqual(['revenue_impact_event']);
    expect(splicedValues('SELECT 1 FROM events WHERE timestamp > 1764547200000', { t: 1764547200000 })).toEqual(['1764547200000']);
    expect(splicedValues('SELECT 1 FROM events WHERE event = {acme}', { acme: 'x' })).toEqual([]);
    expect(splicedValues("SELECT 1 FROM events WHERE JSONExtractString(properties, 'tenant_id') = {t}", { t: 'acme' })).toEqual([]);
  });

  it('an unknown function, another table or properties.x is a query error, as PostHog answers one', () => {
    const o = { maxRows: 100, defaultRows: 100 };
    expect(() => translateHogql('SELECT sleep(3) FROM events', {}, o)).toThrow(/Unsupported function call 'sleep/);
    expect(() => translateHogql('SELECT 1 FROM persons', {}, o)).toThrow(/Unknown table "persons"/);
    expect(() => translateHogql('SELECT 1 FROM events WHERE event = {missing}', {}, o)).toThrow(/Placeholder \{missing\} is not defined/);
    expect(translateHogql('SELECT count() FROM events WHERE has({names}, event) LIMIT 5', { names: ['a'] }, o).sql)
      .toBe('SELECT count(*) FROM posthog_standin.events AS events WHERE (("event") = ANY($1::text[])) LIMIT 5');
  });
});

describe('sources.events.kind: posthog-api', () => {
  const config = parseConfig({ sources: { events: { kind: 'posthog-api' } } });
  const env = { POSTHOG_HOST: 'https://eu.posthog.com', POSTHOG_PROJECT_ID: '12345', POSTHOG_PERSONAL_API_KEY: 'phx_secret_key_value' };

  it('needs its three variables, each named when missing or malformed, the key never shown', () => {
    expect(eventStoreFor(config, t.db, env).kind).toBe('posthog-api');
    expect(eventStoreFor(parseConfig({}), t.db, {}).kind).toBe('posthog-export');
    for (const name of Object.keys(env)) {
      const err = (() => { try { eventStoreFor(config, t.db, { ...env, [name]: '' }); } catch (e) { return e as Error; } })();
      expect(err).toBeInstanceOf(InputError);
      expect(err!.message).toBe(`${name}: not set (sources.events.kind is posthog-api: it needs POSTHOG_HOST, POSTHOG_PROJECT_ID and POSTHOG_PERSONAL_API_KEY)`);
    }
    expect(() => hogqlOptionsFromEnv({ ...env, POSTHOG_HOST: 'eu.posthog.com' })).toThrow('POSTHOG_HOST: not a URL (e.g. https://us.posthog.com)');
    expect(() => hogqlOptionsFromEnv({ ...env, POSTHOG_PROJECT_ID: 'my project' })).toThrow('POSTHOG_PROJECT_ID: not a project id');
  });

  it('herald preview reads PostHog through the API and prints the same brief as from the export table', async () => {
    await insertAcmeFixture(t.db);
    await t.db.exec('TRUNCATE posthog_standin.events');
    await copyExportToStandIn(t.db);
    const file = path.join(dir, 'herald.yaml');
    await writeFile(file, 'sources:\n  events:\n    kind: posthog-api\n');
    const args = ['preview', 'executive-summary', '--tenant', 'acme', '--period', '2026-11', '--format', 'json'];
    const base = { DATABASE_URL: t.url };
    const fromExport = await herald(args, base);
    expect(fromExport.stderr).toBe('');
    const fromApi = await herald(args, { ...base, HERALD_CONFIG: file, POSTHOG_HOST: standIn.url, POSTHOG_PROJECT_ID: standIn.projectId, POSTHOG_PERSONAL_API_KEY: standIn.apiKey });
    expect(fromApi.stderr).toBe('');
    expect(fromApi.code).toBe(0);
    const strip = (s: string) => { const d = JSON.parse(s); delete d.generated_at; return d; };
    expect(strip(fromApi.stdout)).toEqual(strip(fromExport.stdout));

    const missing = await herald(args, { ...base, HERALD_CONFIG: file, POSTHOG_HOST: standIn.url, POSTHOG_PROJECT_ID: standIn.projectId, POSTHOG_PERSONAL_API_KEY: '' });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('herald: POSTHOG_PERSONAL_API_KEY: not set (sources.events.kind is posthog-api: it needs POSTHOG_HOST, POSTHOG_PROJECT_ID and POSTHOG_PERSONAL_API_KEY)\n');

    const refused = await herald(args, { ...base, HERALD_CONFIG: file, POSTHOG_HOST: standIn.url, POSTHOG_PROJECT_ID: standIn.projectId, POSTHOG_PERSONAL_API_KEY: 'phx_wrong_key_123' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('herald: posthog-api: the personal API key was refused (401): Invalid personal API key.; check POSTHOG_PERSONAL_API_KEY\n');
  });

  it('herald config check names a missing variable; --live asks PostHog with the key and says what it answered', async () => {
    const file = path.join(dir, 'check.yaml');
    await writeFile(file, 'sources:\n  events:\n    kind: posthog-api\n');
    const run = async (env: Record<string, string>, live: boolean) => {
      const saved = { ...process.env };
      Object.assign(process.env, { DATABASE_URL: t.url, ...env });
      let out = '', err = '';
      const sink = (add: (s: string) => void) => new Writable({ write(c, _e, cb) { add(String(c)); cb(); } });
      try {
        const code = await configCheckCommand(file, sink((x) => { out += x; }), sink((x) => { err += x; }), { live });
        return { code, out, err };
      } finally {
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
      }
    };
    const good = { POSTHOG_HOST: standIn.url, POSTHOG_PROJECT_ID: standIn.projectId, POSTHOG_PERSONAL_API_KEY: standIn.apiKey };
    expect(await run({ ...good, POSTHOG_PROJECT_ID: '' }, false)).toEqual({ code: 2, out: '',
      err: `${file}: sources.events.kind: posthog-api: POSTHOG_PROJECT_ID: not set (sources.events.kind is posthog-api: it needs POSTHOG_HOST, POSTHOG_PROJECT_ID and POSTHOG_PERSONAL_API_KEY)\n` });
    // (The default alert routes name email, Slack and SMS, unconfigured here: their lines are theirs.)
    expect((await run(good, true)).out).toMatch(/\nposthog-api: ok\n$/);
    const refused = await run({ ...good, POSTHOG_PERSONAL_API_KEY: 'phx_not_the_key' }, true);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/\nposthog-api: PROBLEM\n {2}posthog-api: the personal API key was refused \(401\): Invalid personal API key\.; check POSTHOG_PERSONAL_API_KEY\n$/);
    expect(refused.out).not.toContain('phx_not_the_key');
  });
});
