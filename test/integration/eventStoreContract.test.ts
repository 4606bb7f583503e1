/**
 * One contract, both event stores (SPEC §2.2): the same hand-built events are loaded into the
 * export table (jsonb) and into the PostHog query API stand-in (JSON text, as PostHog keeps it),
 * and every EventStore method must give the same answer from both; so must the report built on
 * them. The events are made to hurt: copies of one uuid (exact, and a later one with other
 * values; a copy outside the ranges), instants on the ranges' edges, amounts as strings, "NaN",
 * "1e3", 1e3 written as a JSON number, 1e12, objects, negatives, hostile strings (quotes,
 * backslashes, markup, a tenant id made of them), several tenants, a numeric tenant id, ties in
 * time. The stand-in answers at most 7 rows per query (PostHog's 50,000, made small) so every
 * list is read in several keyset pages here.
 * Real PostgreSQL; a fresh database for this file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { insertAcmeFixture, HOSTILE } from '../helpers/fixture.js';
import {
  copyExportToStandIn, installStandInSchema, loadStandInEvents, propertiesText, startPosthogQueryStandIn,
  type PosthogQueryStandIn, type StandInEvent,
} from '../helpers/posthogQueryStandIn.js';
import { PosthogExportStore } from '../../src/sources/posthogExportStore.js';
import { PosthogApiStore } from '../../src/sources/posthogApiStore.js';
import type { EventStore, InstantRange } from '../../src/sources/EventStore.js';
import { reportContext } from '../../src/cli/context.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { fixedClock } from '../../src/time/clock.js';
import { loadExecutiveSummary } from '../../src/report/loadExecutiveSummary.js';
import type { Db } from '../../src/db/Db.js';
import { loadCostOptimization } from '../../src/reports/cost-optimization/load.js';
import { loadDecisionReview } from '../../src/reports/decision-review/load.js';
import { registeredReports } from '../../src/reports/registry.js';
import type { ReportScope } from '../../src/reports/Report.js';
import { parsePeriod } from '../../src/time/periods.js';

let t: TestDatabase;
let standIn: PosthogQueryStandIn;
const stores = {} as Record<'posthog-export' | 'posthog-api', EventStore>;

/** A tenant id made of what breaks string handling: quotes, a backslash, markup, non-ASCII. */
const EVIL = `o'brien "&" \\ <b>ü</b>`;
const NOV: InstantRange = { start: new Date('2026-11-01T04:00:00Z'), end: new Date('2026-12-01T05:00:00Z') };  // November, New York
const OCT: InstantRange = { start: new Date('2026-10-01T04:00:00Z'), end: new Date('2026-11-01T04:00:00Z') };
const ms = (d: Date, delta: number) => new Date(d.getTime() + delta).toISOString();

let n = 0;
const uuid = () => `0192f0e2-7c00-7000-8000-${String(++n).padStart(12, '0')}`;
function ev(event: string, timestamp: string, properties: StandInEvent['properties'], id = uuid()): StandInEvent {
  return { uuid: id, event, timestamp, properties };
}
const rev = (tenant: string, at: string, amount: unknown, type = 'negative', id?: string) =>
  ev('revenue_impact_event', at, { tenant_id: tenant, impact_type: type, impact_amount: amount }, id);

const DUP = uuid(), LATE_DUP = uuid(), OUTSIDE_DUP = uuid(), TIE_A = `0192f0e2-7c00-7000-8000-aaaaaaaaaaaa`, TIE_B = `0192f0e2-7c00-7000-8000-bbbbbbbbbbbb`;

const EVENTS: StandInEvent[] = [
  // revenue impact, acme
  rev('acme', '2026-11-21T15:00:00Z', 12000, 'negative', DUP),
  rev('acme', '2026-11-21T15:00:00Z', 12000, 'negative', DUP),          // an exact copy
  rev('acme', '2026-11-05T15:00:00Z', '3000.50', 'positive'),           // a number as a string
  rev('acme', '2026-11-06T15:00:00Z', 'NaN'),
  rev('acme', '2026-11-06T16:00:00Z', -5),
  rev('acme', '2026-11-06T17:00:00Z', { amount: 5 }),
  rev('acme', '2026-11-06T18:00:00Z', '1e3'),                           // a string in exponent form: not a plain number
  ev('revenue_impact_event', '2026-11-06T19:00:00Z', '{"tenant_id": "acme", "impact_type": "positive", "impact_amount": 1e3}'), // a JSON number written so
  rev('acme', '2026-11-06T20:00:00Z', 1e12),                            // a trillion: left out
  rev('acme', '2026-11-06T21:00:00Z', 999999999999.5, 'positive'),
  rev('acme', '2026-11-06T22:00:00Z', ''),
  rev('acme', '2026-11-06T23:00:00Z', null),
  rev('acme', '2026-11-07T00:00:00Z', ' 12'),
  rev('acme', '2026-11-07T01:00:00Z', 77, 'sideways'),                  // valid amount, neither type
  ev('revenue_impact_event', '2026-11-07T02:00:00Z', { tenant_id: 'acme', impact_type: 5, impact_amount: '8' }),
  rev('acme', NOV.start.toISOString(), 101, 'positive'),               // first instant of November: in
  rev('acme', ms(NOV.start, -1), 202, 'positive'),                     // last millisecond of October
  rev('acme', NOV.end.toISOString(), 303, 'positive'),                 // first instant of December: out of both
  rev('acme', ms(NOV.end, -1), 404, 'positive'),
  rev('acme', '2026-11-10T12:00:00Z', 100, 'negative', LATE_DUP),
  rev('acme', '2026-11-11T12:00:00Z', 999, 'negative', LATE_DUP),      // a later copy with another amount: the first wins
  rev('acme', '2026-09-15T12:00:00Z', 555, 'negative', OUTSIDE_DUP),   // a copy before both ranges …
  rev('acme', '2026-10-15T12:00:00Z', 55, 'negative', OUTSIDE_DUP),    // … so the October one counts
  rev('acme', '2026-10-20T12:00:00.123Z', 1.25, 'positive'),
  // resource usage
  ...[70, '50', 150, 'abc', -1, 0, 100, '99.5', '1e2', true].map((u, i) =>
    ev('resource_usage_event', `2026-11-${String(3 + i).padStart(2, '0')}T15:00:00Z`, { tenant_id: 'acme', utilization_percentage: u })),
  ev('resource_usage_event', '2026-10-03T15:00:00Z', { tenant_id: 'acme', utilization_percentage: 40 }),
  // cost optimization
  ev('cost_optimization_event', '2026-11-12T15:00:00Z', { tenant_id: 'acme', optimization_category: 'infrastructure', optimization_type: 'implemented', savings_amount: 1200, baseline_cost: 5000, roi: 240 }),
  ev('cost_optimization_event', '2026-11-13T15:00:00Z', { tenant_id: 'acme', optimization_category: 'ip_pool', optimization_type: 'identified', savings_amount: '6000', baseline_cost: '9000', roi: '100' }),
  ev('cost_optimization_event', '2026-11-14T15:00:00Z', { tenant_id: 'acme', optimization_category: '', optimization_type: 'identified', savings_amount: 300, baseline_cost: 100 }),
  ev('cost_optimization_event', '2026-11-15T15:00:00Z', { tenant_id: 'acme', savings_amount: 'NaN', baseline_cost: 100, roi: 'x' }),
  ev('cost_optimization_event', '2026-11-16T15:00:00Z', { tenant_id: 'acme', optimization_category: HOSTILE, optimization_type: 'implemented', savings_amount: -10, baseline_cost: 1e13 }),
  ev('cost_optimization_event', '2026-11-17T15:00:00Z', { tenant_id: 'acme', optimization_category: 7, optimization_type: 'identified', savings_amount: 50, roi: 1.5 }),
  ev('cost_optimization_event', '2026-11-17T15:00:00Z', { tenant_id: 'acme', optimization_category: 'ip_pool', optimization_type: 'identified', savings_amount: 25 }, TIE_B),
  ev('cost_optimization_event', '2026-11-17T15:00:00Z', { tenant_id: 'acme', optimization_category: 'ip_pool', optimization_type: 'identified', savings_amount: 20 }, TIE_A),
  ev('cost_optimization_event', '2026-10-17T15:00:00Z', { tenant_id: 'acme', optimization_category: 'infrastructure', optimization_type: 'implemented', savings_amount: 400, baseline_cost: 4000, roi: 80 }),
  // strategic decisions and outcomes
  ev('strategic_decision_event', '2026-11-16T15:00:00Z', {
    tenant_id: 'acme', decision_id: 'd-1', decision_type: 'budget_allocation', decision_title: `Scale infra ${HOSTILE} "quoted" \\ back`,
    requested_at: '2026-11-15T15:00:00Z', decision_date: '2026-11-16T15:00:00Z', expected_revenue_impact: '150000', expected_cost_impact: 25000, outcome_timeframe: '3 months',
  }),
  ev('strategic_decision_event', '2026-11-18T15:00:00Z', { tenant_id: 'acme', decision_type: '', decision_title: '   ', expected_revenue_impact: 'lots', expected_cost_impact: 1e15 }),
  ev('strategic_decision_event', '2026-06-01T15:00:00Z', { tenant_id: 'acme', decision_id: 'd-old', decision_type: 'pricing', decision_date: '2026-06-01T00:00:00Z', outcome_timeframe: '6 weeks', expected_revenue_impact: 1000, expected_cost_impact: 1000 }),
  ev('decision_outcome_event', '2026-08-01T15:00:00Z', { tenant_id: 'acme', decision_id: 'd-old', actual_revenue_impact: '900', actual_cost_impact: 100, outcome_status: 'done', notes: `fine ${HOSTILE}` }),
  ev('decision_outcome_event', '2026-11-20T15:00:00Z', { tenant_id: 'acme', decision_id: 'd-old', actual_revenue_impact: 'NaN', actual_cost_impact: 2e12 }),
  // alert candidates
  ev('email_deliverability_event', '2026-11-21T14:00:00Z', { tenant_id: 'acme', bounce_rate: 0.18, spam_rate: 0.01 }),
  ev('email_deliverability_event', '2026-11-21T14:00:00Z', { tenant_id: 'acme', bounce_rate: '0.2' }, TIE_A.replace('aaaa', 'cccc')),
  ev('operational_efficiency_event', '2026-11-22T14:00:00Z', { tenant_id: 'acme', response_time: 'slow', nested: { a: [1, 2, { b: null }] } }),
  ev('operational_efficiency_event', '2026-11-22T15:00:00Z', '{"tenant_id": "acme", "x": 1, "x": 2}'),  // a duplicate key: the last wins in both
  // other tenants
  rev(EVIL, '2026-11-21T15:00:00Z', 4321, 'negative'),
  rev(EVIL, '2026-11-22T15:00:00Z', '12.5', 'positive'),
  ev('cost_optimization_event', '2026-11-12T15:00:00Z', { tenant_id: EVIL, optimization_category: EVIL, optimization_type: 'implemented', savings_amount: 10, baseline_cost: 100, roi: 3 }),
  ev('strategic_decision_event', '2026-11-16T15:00:00Z', { tenant_id: EVIL, decision_id: EVIL, decision_type: 'hiring' }),
  rev('other', '2026-11-21T15:00:00Z', 99999, 'negative'),
  rev('acme ', '2026-11-21T15:00:00Z', 1, 'negative'),                  // not acme
  rev('ACME', '2026-11-21T15:00:00Z', 1, 'negative'),
  ev('revenue_impact_event', '2026-11-21T15:00:00Z', { tenant_id: 42, impact_type: 'negative', impact_amount: 42 }),
  ev('strategic_decision_event', '2026-11-19T15:00:00Z', { tenant_id: 42, decision_id: 'numeric-tenant' }),
  ev('strategic_decision_event', '2026-11-19T16:00:00Z', { decision_id: 'no-tenant' }),
  ev('revenue_impact_event', '2026-11-23T15:00:00Z', { impact_type: 'negative', impact_amount: 1 }),
  ev('resource_usage_event', '2026-12-24T15:00:00Z', { tenant_id: 'acme', utilization_percentage: 60 }),  // the newest acme event, outside the ranges
];

async function loadBoth(db: Db, events: StandInEvent[]): Promise<void> {
  await db.query(
    `INSERT INTO posthog_events (uuid, event, distinct_id, properties, "timestamp", team_id)
     SELECT u, e, 'd', p::jsonb, ts, 1 FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS x(u, e, p, ts)`,
    [events.map((e) => e.uuid), events.map((e) => e.event), events.map((e) => propertiesText(e.properties)), events.map((e) => e.timestamp)]);
  await loadStandInEvents(db, events);
}

beforeAll(async () => {
  t = await createTestDatabase();
  await installStandInSchema(t.db);
  await insertAcmeFixture(t.db);           // the business tables, and events with short ids
  await copyExportToStandIn(t.db);
  await loadBoth(t.db, EVENTS);
  await t.db.exec(`INSERT INTO tenants (id, name, timezone) VALUES (${`'${EVIL.replace(/'/g, "''")}'`}, 'Evil Tenant', 'Europe/Berlin')`);
  standIn = await startPosthogQueryStandIn({ databaseUrl: t.url, maxRows: 7, timezone: 'America/New_York' });
  stores['posthog-export'] = new PosthogExportStore(t.db);
  stores['posthog-api'] = new PosthogApiStore({ host: standIn.url, projectId: standIn.projectId, apiKey: standIn.apiKey });
});
afterAll(async () => {
  await standIn?.close();
  await t?.drop();
});

/** Both stores' answers to one call, the export's first. */
async function both<T>(call: (s: EventStore) => Promise<T>): Promise<[T, T]> {
  return [await call(stores['posthog-export']), await call(stores['posthog-api'])];
}

const ALERT_NAMES = ['email_deliverability_event', 'revenue_impact_event', 'operational_efficiency_event', 'cost_optimization_event'];

describe('every EventStore method answers the same from both stores', () => {
  it('eventFacts, for acme, November and October (and the export store gives the hand-computed figures)', async () => {
    const [exp, api] = await both((s) => s.eventFacts('acme', [NOV, OCT]));
    expect(api).toEqual(exp);
    const [nov, oct] = exp;
    // 12000 once (two copies), 100 (the first of LATE_DUP), the fixture's 12000 and its "NaN".
    expect(nov.revenue_impact.negative_total).toBe(12000 + 100 + 12000);
    // 3000.50, 1e3 as a JSON number, 999999999999.5, 101 and 404 at the edges, the fixture's 3000.
    expect(nov.revenue_impact.positive_total).toBe(3000.5 + 1000 + 999999999999.5 + 101 + 404 + 3000);
    // "NaN", -5, an object, "1e3", 1e12, "", null, " 12", and the fixture's "NaN".
    expect(nov.excluded.revenue_impact_invalid_amount).toBe(9);
    expect(oct.revenue_impact).toEqual({ negative_total: 55, positive_total: 202 + 1.25, event_count: 3 });
    // 70, "50", 0, 100, "99.5", and the fixture's 70 and 50; out: 150, "abc", -1, "1e2", true.
    expect(nov.utilization).toEqual({ mean_percent: (70 + 50 + 0 + 100 + 99.5 + 70 + 50) / 7, samples: 7 });
    expect(nov.excluded.utilization_out_of_range).toBe(5);
    expect(nov.optimization.map((o) => o.category)).toEqual(['infrastructure', 'infrastructure', 'ip_pool', 'ip_pool', 'uncategorized', 'uncategorized', HOSTILE, '7', 'ip_pool', 'ip_pool']);
    expect(nov.optimization.slice(-2).map((o) => o.savings)).toEqual([20, 25]);  // a tie in time: by uuid
    // A tie in time (16 Nov 15:00): by uuid, '0192…' before the fixture's 'e-decision'.
    expect(nov.decisions.map((d) => d.title)).toEqual([`Scale infra ${HOSTILE} "quoted" \\ back`, `Scale infra ${HOSTILE}`, '(untitled decision)']);
    expect(nov.alert_candidates.length).toBeGreaterThan(20);
    expect(nov.newest_event_at).toEqual(new Date('2026-12-24T15:00:00Z'));
  });

  it('eventFacts for the other tenants, one range, many ranges, and none', async () => {
    for (const tenant of [EVIL, 'other', '42', 'nobody', 'acme ', '']) {
      const [exp, api] = await both((s) => s.eventFacts(tenant, [NOV]));
      expect(api, tenant).toEqual(exp);
    }
    const [evil] = (await both((s) => s.eventFacts(EVIL, [NOV])))[1];
    expect(evil.revenue_impact).toEqual({ negative_total: 4321, positive_total: 12.5, event_count: 2 });
    expect(evil.decisions.map((d) => d.decision_id)).toEqual([EVIL]);
    const weeks = Array.from({ length: 6 }, (_, i) => ({ start: new Date(Date.UTC(2026, 10, 2 + 7 * i)), end: new Date(Date.UTC(2026, 10, 9 + 7 * i)) }));
    const [exp, api] = await both((s) => s.eventFacts('acme', weeks));
    expect(api).toEqual(exp);
    expect(await stores['posthog-api'].eventFacts('acme', [])).toEqual(await stores['posthog-export'].eventFacts('acme', []));
  });

  it('eventIds, eventsByIds, countEvents and newestEventAt, with the window\'s edges (after < t ≤ until)', async () => {
    const windows: [Date, Date][] = [
      [new Date('2026-11-21T14:00:00Z'), new Date('2026-11-21T15:00:00Z')],   // excludes 14:00, includes 15:00
      [OCT.start, NOV.end],
      [new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z')],
      [new Date('2030-01-01T00:00:00Z'), new Date('2030-01-02T00:00:00Z')],
    ];
    for (const names of [ALERT_NAMES, ['revenue_impact_event'], ['strategic_decision_event', 'decision_outcome_event'], ['nothing'], []]) {
      for (const [after, until] of windows) {
        const [ids, apiIds] = await both((s) => s.eventIds(names, after, until));
        expect(apiIds).toEqual(ids);
        const [count, apiCount] = await both((s) => s.countEvents(names, after, until));
        expect(apiCount).toBe(count);
        expect(count).toBe(ids.length);
        const wanted = [...ids.filter((_, i) => i % 3 !== 1).map((x) => x.uuid), 'not-there', DUP];
        const [full, apiFull] = await both((s) => s.eventsByIds(names, after, until, wanted));
        expect(apiFull).toEqual(full);
      }
      const [newest, apiNewest] = await both((s) => s.newestEventAt(names));
      expect(apiNewest).toEqual(newest);
    }
    const [one] = await stores['posthog-api'].eventsByIds(['revenue_impact_event'], new Date('2026-11-21T14:00:00Z'), new Date('2026-11-21T15:00:00Z'), [DUP]);
    expect(one).toMatchObject({ uuid: DUP, properties: { impact_amount: 12000 } });
  });

  it('eventsByIds reads many uuids in chunks, each once, by time', async () => {
    const all = await stores['posthog-export'].eventIds(ALERT_NAMES, OCT.start, NOV.end);
    const api = new PosthogApiStore({ host: standIn.url, projectId: standIn.projectId, apiKey: standIn.apiKey, uuidChunk: 4 });
    const uuids = [...all.map((x) => x.uuid), ...all.map((x) => x.uuid)];
    expect(await api.eventsByIds(ALERT_NAMES, OCT.start, NOV.end, uuids)).toEqual(await stores['posthog-export'].eventsByIds(ALERT_NAMES, OCT.start, NOV.end, uuids));
  });

  it('decisionLog, of a tenant and of all', async () => {
    for (const tenant of ['acme', EVIL, '42', 'nobody', null]) {
      for (const until of [NOV.end, new Date('2026-11-16T15:00:00Z'), new Date('2026-01-01T00:00:00Z')]) {
        const [exp, api] = await both((s) => s.decisionLog(tenant, until));
        expect(api, `${tenant} ${until.toISOString()}`).toEqual(exp);
      }
    }
    const log = await stores['posthog-api'].decisionLog(null, NOV.end);
    expect(log.decisions.map((d) => d.tenant_id)).toContain('42');
    expect(log.decisions.map((d) => d.decision_id)).not.toContain('no-tenant');
  });

  it('optimizationTotals, for several tenants and ranges', async () => {
    const sets: [string[], InstantRange[]][] = [
      [['acme', EVIL, 'nobody'], [NOV, OCT]],
      [['acme'], [NOV]],
      [[EVIL], []],
      [[], [NOV]],
    ];
    for (const [tenants, ranges] of sets) {
      const [exp, api] = await both((s) => s.optimizationTotals(tenants, ranges));
      expect(api, tenants.join()).toEqual(exp);
    }
  });
});

describe('the report is the same from both stores', () => {
  const config = parseConfig({});
  const ctx = (store: EventStore) => ({ ...reportContext(config, { herald: t.db, source: t.db }, fixedClock('2026-12-26T12:00:00Z')), events: store });

  for (const [tenant, label] of [['acme', '2026-11'], ['acme', '2026-W47'], ['acme', '2026-11-21'], [EVIL, '2026-11']] as const) {
    it(`executive summary, ${tenant === EVIL ? 'the hostile tenant' : tenant}, ${label}`, async () => {
      const exp = await loadExecutiveSummary(ctx(stores['posthog-export']), tenant, label);
      const api = await loadExecutiveSummary(ctx(stores['posthog-api']), tenant, label);
      expect(api).toEqual(exp);
      expect(JSON.stringify(api)).toBe(JSON.stringify(exp));
    });
  }

  const scopes: [string, ReportScope, string][] = [
    ['acme', { kind: 'tenant', tenantId: 'acme' }, 'America/New_York'],
    ['the hostile tenant', { kind: 'tenant', tenantId: EVIL }, 'Europe/Berlin'],
    ['the portfolio', { kind: 'portfolio' }, 'UTC'],
  ];
  const loaders = [['cost-optimization', loadCostOptimization], ['decision-review', loadDecisionReview]] as const;
  for (const [report, load] of loaders) {
    for (const [who, scope, zone] of scopes) {
      it(`${report}, ${who}, November and week 47`, async () => {
        for (const label of ['2026-11', '2026-W47']) {
          const exp = await load(ctx(stores['posthog-export']), scope, parsePeriod(label, zone));
          const api = await load(ctx(stores['posthog-api']), scope, parsePeriod(label, zone));
          expect(api, label).toEqual(exp);
          expect(JSON.stringify(api)).toBe(JSON.stringify(exp));
        }
      });
    }
  }

  // Whatever reports are registered (the CLI, jobs and the demo load them so), each scope it has.
  for (const mod of registeredReports()) {
    for (const [who, scope, zone] of scopes.filter(([, sc]) => mod.scopes.includes(sc.kind))) {
      it(`registered report ${mod.id}, ${who}, ${mod.periodKinds.join(' and ')}`, async () => {
        for (const kind of mod.periodKinds) {
          const period = parsePeriod(kind === 'month' ? '2026-11' : kind === 'week' ? '2026-W47' : '2026-11-21', zone);
          const exp = await mod.load(ctx(stores['posthog-export']), scope, period);
          const api = await mod.load(ctx(stores['posthog-api']), scope, period);
          expect(JSON.stringify(api), kind).toBe(JSON.stringify(exp));
        }
      });
    }
  }

  it('the stand-in saw only well-formed requests (HogQLQuery, bearer key, every value a placeholder, force_blocking)', () => {
    expect(standIn.violations).toEqual([]);
    expect(standIn.requests.length).toBeGreaterThan(50);
    expect(standIn.requests.every((r) => r.auth === 'ok' && r.status === 200)).toBe(true);
    // Lists came in several pages: some answers were cut at the stand-in's 7 rows.
    expect(standIn.requests.some((r) => r.rows === 7)).toBe(true);
  });
});
