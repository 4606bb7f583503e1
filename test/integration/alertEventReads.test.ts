/**
 * How the alert poller reads the export table under load (bench/alerts.bench.ts found both):
 * - eventsByIds is a prepared statement (pgDb names it); from its sixth run PostgreSQL may plan
 *   it generically, and `uuid = ANY($4)` of a parameter is then a linear search of the uuid list
 *   for every row of the range: at 100,000 events a minute a tick 28,000 events behind spent 52 s
 *   in that one read. The uuid list is not searched row by row in SQL any more.
 * - a tick reads its new events in full from the spans of their timestamps, not from the whole
 *   look-back window, and a late arrival inside the window is still read and evaluated, once.
 * Real PostgreSQL; a fresh database for this file.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import type { Db } from '../../src/db/Db.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { AlertPoller, freshSpans } from '../../src/alerts/AlertPoller.js';
import { BusinessSource } from '../../src/sources/BusinessSource.js';
import { PosthogExportStore } from '../../src/sources/posthogExportStore.js';
import { HeraldMetrics } from '../../src/ops/metrics.js';
import { OperatorNotices } from '../../src/ops/operatorNotices.js';
import { silentLogger } from '../../src/ops/logger.js';
import type { Clock } from '../../src/time/clock.js';

let t: TestDatabase;
const NAMES = ['email_deliverability_event', 'revenue_impact_event'];

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.exec(`INSERT INTO tenants (id, name, timezone) VALUES ('acme', 'Acme Mail Co', 'UTC')`);
});
afterAll(async () => {
  await t?.drop();
});
beforeEach(async () => {
  await t.db.exec(`TRUNCATE herald.alerts, herald.alert_events, herald.alert_notifications, herald.sms_intents, herald.alert_poller,
    herald.alert_seen_events RESTART IDENTITY CASCADE; TRUNCATE posthog_events;`);
});

async function insertEvents(rows: { uuid?: string; event?: string; bounce?: number; at: Date }[]): Promise<string[]> {
  const uuids = rows.map((r) => r.uuid ?? randomUUID());
  await t.db.query(
    `INSERT INTO posthog_events (uuid, event, distinct_id, properties, "timestamp")
     SELECT u, e, 'acme', jsonb_build_object('tenant_id', 'acme', 'bounce_rate', b, 'spam_rate', 0.001, 'email_count', 10000), ts
       FROM unnest($1::text[], $2::text[], $3::float8[], $4::timestamptz[]) AS x(u, e, b, ts)`,
    [uuids, rows.map((r) => r.event ?? 'email_deliverability_event'), rows.map((r) => r.bounce ?? 0.01), rows.map((r) => r.at)]);
  return uuids;
}

/** A Db that remembers every statement it runs. */
function recordingDb(inner: Db, statements: { text: string; values: readonly unknown[] }[]): Db {
  return { ...inner, query: (text, values) => { statements.push({ text, values: values ?? [] }); return inner.query(text, values); } };
}

describe('eventsByIds', () => {
  it('has no per-row search of the uuid list in its generic plan (what a prepared statement gets from its sixth run)', async () => {
    const now = Date.now();
    const uuids = await insertEvents(Array.from({ length: 200 }, (_, i) => ({ at: new Date(now - i * 500) })));
    await t.db.exec('ANALYZE posthog_events');
    const statements: { text: string; values: readonly unknown[] }[] = [];
    const store = new PosthogExportStore(recordingDb(t.db, statements));
    await store.eventsByIds(NAMES, new Date(now - 120_000), new Date(now), uuids.slice(0, 20));
    const { text, values } = statements.at(-1)!;

    const literal = (v: unknown) => (v instanceof Date ? `'${v.toISOString()}'` : Array.isArray(v) ? `'{${v.join(',')}}'` : `'${String(v)}'`);
    const plan = await t.db.transaction(async (tx) => {
      await tx.exec('SET LOCAL plan_cache_mode = force_generic_plan');
      await tx.exec(`PREPARE events_by_ids AS ${text}`);
      const { rows } = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE events_by_ids(${values.map(literal).join(', ')})`);
      await tx.exec('DEALLOCATE events_by_ids');
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).not.toMatch(/uuid\)?(::text)? = (ANY|\(?unnest)/);
    expect(plan).not.toMatch(/Nested Loop/);
  });

  it('gives the same events, each once at its first time, on every run (custom plans, then generic ones)', async () => {
    const now = Date.now();
    const uuids = await insertEvents(Array.from({ length: 300 }, (_, i) => ({ at: new Date(now - i * 300), event: i % 3 === 2 ? 'resource_usage_event' : NAMES[i % 2] })));
    // The export has no primary key: the same event twice, later.
    await insertEvents([{ uuid: uuids[28], at: new Date(now - 5) }]);
    const store = new PosthogExportStore(t.db);
    const wanted = uuids.filter((_, i) => i % 7 === 0);
    const expected = wanted.filter((_, k) => (k * 7) % 3 !== 2).map((u) => ({ uuid: u, at: now - uuids.indexOf(u) * 300 })).sort((a, b) => a.at - b.at);
    for (let run = 0; run < 8; run++) {
      const got = await store.eventsByIds(NAMES, new Date(now - 120_000), new Date(now), wanted);
      expect(got.map((e) => e.uuid)).toEqual(expected.map((e) => e.uuid));
      expect(got.map((e) => e.timestamp.getTime())).toEqual(expected.map((e) => e.at));
    }
  });
});

describe('the poller reading new events', () => {
  function setup() {
    let now = new Date('2026-12-01T14:00:00Z');
    const clock: Clock & { advance(ms: number): void } = { now: () => now, advance: (ms) => { now = new Date(now.getTime() + ms); } };
    const config = parseConfig({ timezone: 'UTC', alerts: { pollEvery: '1s', lookBack: '2m' } });
    const reads: { after: Date; until: Date; uuids: number }[] = [];
    class RecordingStore extends PosthogExportStore {
      override eventsByIds(names: readonly string[], after: Date, until: Date, uuids: readonly string[]) {
        reads.push({ after, until, uuids: uuids.length });
        return super.eventsByIds(names, after, until, uuids);
      }
    }
    const metrics = new HeraldMetrics();
    const poller = new AlertPoller({
      db: t.db, events: new RecordingStore(t.db), business: new BusinessSource(t.db), config, clock, logger: silentLogger, metrics,
      notices: new OperatorNotices({ db: t.db, logger: silentLogger, metrics }),
    });
    return { clock, poller, reads };
  }
  const ago = (clock: Clock, ms: number) => new Date(clock.now().getTime() - ms);

  it('reads them in full from their own time span, not the whole look-back window', async () => {
    const { clock, poller, reads } = setup();
    await insertEvents(Array.from({ length: 100 }, (_, i) => ({ at: ago(clock, 1000 + i * 1000) })));
    expect((await poller.tick())?.events).toBe(100);

    clock.advance(1000);
    const newest = ago(clock, 400);
    const oldest = ago(clock, 700);
    await insertEvents([{ at: oldest }, { at: newest }, { at: ago(clock, 550) }]);
    expect((await poller.tick())?.events).toBe(3);
    const read = reads.at(-1)!;
    expect(read.uuids).toBe(3);
    expect(read.after.getTime()).toBe(oldest.getTime() - 1);
    expect(read.until.getTime()).toBe(newest.getTime() + 1);
  });

  it('still reads and evaluates a late arrival inside the window, once, from a span of its own', async () => {
    const { clock, poller, reads } = setup();
    await insertEvents(Array.from({ length: 50 }, (_, i) => ({ at: ago(clock, 1000 + i * 1000) })));
    await poller.tick();

    clock.advance(1000);
    const late = ago(clock, 90_000);          // written now, timed 90 s ago: inside lookBack (2 min)
    const recent = ago(clock, 300);
    reads.length = 0;
    await insertEvents([{ at: late, bounce: 0.2 }, { at: recent }]);
    expect((await poller.tick())?.evaluated).toBe(2);
    expect(reads.map((r) => [r.after.getTime(), r.until.getTime(), r.uuids])).toEqual([
      [late.getTime() - 1, late.getTime() + 1, 1],
      [recent.getTime() - 1, recent.getTime() + 1, 1],
    ]);
    const alerts = (await t.db.query<{ rule: string; severity: string; tenant_id: string }>(`SELECT rule, severity, tenant_id FROM herald.alerts`)).rows;
    expect(alerts).toEqual([{ rule: 'deliverability', severity: 'critical', tenant_id: 'acme' }]);

    clock.advance(1000);
    expect((await poller.tick())?.events).toBe(0);
  });
});

describe('freshSpans', () => {
  const at = (ms: number) => ({ uuid: `u${ms}`, timestamp: new Date(ms) });
  it('splits at gaps over a second, at most eight spans (the widest gaps), each widened by 1 ms within (after, now]', () => {
    expect(freshSpans([at(5000), at(5400), at(1000), at(9999)], new Date(999), new Date(9999))
      .map((s) => [s.after.getTime(), s.until.getTime(), s.uuids])).toEqual([
      [999, 1001, ['u1000']],
      [4999, 5401, ['u5000', 'u5400']],
      [9998, 9999, ['u9999']],
    ]);
    // 20 isolated events, gaps growing: the 7 widest gaps split, the rest share spans.
    const spread = Array.from({ length: 20 }, (_, i) => at(i * 2000 + i * i));
    const spans = freshSpans(spread, new Date(-1), new Date(1_000_000));
    expect(spans).toHaveLength(8);
    expect(spans.flatMap((s) => s.uuids)).toEqual(spread.map((e) => e.uuid));
    expect(spans.slice(1).map((s) => s.uuids.length)).toEqual([1, 1, 1, 1, 1, 1, 1]);
    expect(freshSpans([], new Date(0), new Date(1))).toEqual([]);
  });
});
