import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { herald } from '../helpers/cli.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { decisionsListCommand, decisionsOutcomeCommand, parseAmount } from '../../src/cli/commands/decisions.js';
import { fixedClock } from '../../src/time/clock.js';
import { InputError } from '../../src/report/ReportContext.js';

/**
 * `herald decisions outcome|list` on real PostgreSQL: the decision's tenant is found from its
 * strategic_decision_event, every outcome is an audit row (who, when) that cannot be changed or
 * deleted, the latest wins, and bad input exits 2 with one line naming the field.
 */
let t: TestDatabase;
let savedUrl: string | undefined;
const env = () => ({ DATABASE_URL: t.url, SOURCE_DATABASE_URL: '' });
const config = parseConfig({ timezone: 'UTC' });

async function event(uuid: string, name: string, at: string, properties: Record<string, unknown>): Promise<void> {
  await t.db.query(`INSERT INTO posthog_events (uuid, event, distinct_id, properties, "timestamp") VALUES ($1, $2, 'x', $3, $4)`, [uuid, name, properties, at]);
}
function sink(): { out: PassThrough; text: () => string } {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => { text += c.toString(); });
  return { out, text: () => text };
}

beforeAll(async () => {
  t = await createTestDatabase();
  savedUrl = process.env.DATABASE_URL;
  process.env.DATABASE_URL = t.url;
  await t.db.query(`INSERT INTO tenants (id, name, timezone) VALUES ('nw', 'Northwind <Mail>', 'Europe/Berlin'), ('bp', 'Bluepeak', 'UTC')`);
  // nw dec-1: expected net 20,000 − 5,000 = 15,000; due 1 Aug 10:00 CEST + 3 months = 1 Nov 10:00 CET.
  await event('e1', 'strategic_decision_event', '2026-08-01T08:05:00Z', {
    tenant_id: 'nw', decision_id: 'dec-1', decision_title: 'Scale IP pool', decision_type: 'infrastructure', decision_date: '2026-08-01T08:00:00Z',
    expected_revenue_impact: 20000, expected_cost_impact: 5000, outcome_timeframe: '3 months',
  });
  // The same id at two tenants.
  await event('e2', 'strategic_decision_event', '2026-09-01T08:00:00Z', { tenant_id: 'nw', decision_id: 'shared', decision_title: 'Shared nw', expected_revenue_impact: 1000, expected_cost_impact: 0, outcome_timeframe: '1 month' });
  await event('e3', 'strategic_decision_event', '2026-09-01T08:00:00Z', { tenant_id: 'bp', decision_id: 'shared', decision_title: 'Shared bp', expected_revenue_impact: 1000, expected_cost_impact: 0, outcome_timeframe: '1 month' });
  // bp dec-2: due 2026-10-01T09:00Z, no outcome.
  await event('e4', 'strategic_decision_event', '2026-09-01T09:00:00Z', {
    tenant_id: 'bp', decision_id: 'dec-2', decision_title: 'Nordic campaign\u202e', decision_type: 'budget_allocation', decision_date: '2026-09-01T09:00:00Z',
    expected_revenue_impact: 9000, expected_cost_impact: 3000, outcome_timeframe: '1 month',
  });
  // bp dec-3: due 2027-01-01 (in flight until then).
  await event('e5', 'strategic_decision_event', '2026-11-01T09:00:00Z', {
    tenant_id: 'bp', decision_id: 'dec-3', decision_title: 'Later', decision_date: '2026-11-01T09:00:00Z', expected_revenue_impact: 100, expected_cost_impact: 0, outcome_timeframe: '2 months',
  });
  // An outcome event for nw dec-1, recorded 10 Nov: 12,000 − 3,000 = 9,000 → 60%.
  await event('e6', 'decision_outcome_event', '2026-11-10T16:00:00Z', { tenant_id: 'nw', decision_id: 'dec-1', actual_revenue_impact: 12000, actual_cost_impact: 3000, outcome_status: 'partial' });
});
afterAll(async () => {
  if (savedUrl === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = savedUrl;
  await t?.drop();
});

const rows = async () => (await t.db.query<{ id: number; tenant_id: string; decision_id: string; actual_revenue: number; actual_cost: number; note: string | null; recorded_by: string; recorded_at: Date }>(
  `SELECT id::int AS id, tenant_id, decision_id, actual_revenue::float8 AS actual_revenue, actual_cost::float8 AS actual_cost, note, recorded_by, recorded_at FROM herald.decision_outcomes ORDER BY id`)).rows;

describe('amounts', () => {
  it('reads USD amounts and names the flag of a bad one', () => {
    expect(parseAmount('--revenue', '12500')).toBe(12500);
    expect(parseAmount('--revenue', '-3000.50')).toBe(-3000.5);
    expect(parseAmount('--cost', '12,500.25')).toBe(12500.25);
    expect(parseAmount('--cost', '-0')).toBe(0);
    for (const bad of ['abc', 'NaN', 'Infinity', '1e5', '12.345', '1,2345', '', '0x10', '1 000']) {
      expect(() => parseAmount('--cost', bad)).toThrow(InputError);
      expect(() => parseAmount('--cost', bad)).toThrow(/^--cost: /);
    }
    expect(() => parseAmount('--revenue', '1000000000000')).toThrow('--revenue: "1000000000000" is too large (amounts are under a trillion USD)');
    expect(() => parseAmount('--revenue', undefined)).toThrow('--revenue: required');
  });
});

describe('herald decisions outcome', () => {
  it('refuses bad input with exit 2 and one line naming the field, and records nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['decisions', 'outcome', 'no-such', '--revenue', '1', '--cost', '1'], /^herald: decision-id: no decision "no-such"/],
      [['decisions', 'outcome', 'dec-1', '--revenue', 'abc', '--cost', '1'], /^herald: --revenue: "abc" is not an amount in USD/],
      [['decisions', 'outcome', 'dec-1', '--revenue', '99999999999999', '--cost', '1'], /^herald: --revenue: "99999999999999" is too large/],
      [['decisions', 'outcome', 'dec-1', '--revenue', '5', '--cost', '1', '--note', 'x'.repeat(1001)], /^herald: --note: 1001 characters; at most 1000/],
      [['decisions', 'outcome', 'shared', '--revenue', '5', '--cost', '1'], /^herald: --tenant: decision "shared" exists for tenants bp, nw: name one with --tenant/],
      [['decisions', 'outcome', 'dec-1', '--revenue', '5', '--cost', '1', '--tenant', 'bp'], /^herald: decision-id: no decision "dec-1" for tenant bp/],
      [['decisions', 'list', '--tenant', 'nope\r\nX'], /^herald: --tenant: unknown tenant "nope\\r\\nX"/],
    ];
    const results = await Promise.all(cases.map(([args]) => herald(args, env())));
    results.forEach((r, i) => {
      expect(r.code, cases[i][0].join(' ')).toBe(2);
      expect(r.stderr).toMatch(cases[i][1]);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
    expect(await rows()).toEqual([]);
  }, 120_000);

  it('records an audited outcome (who, when), says what it achieved, and keeps every record: the latest wins', async () => {
    const before = new Date();
    const first = await herald(['decisions', 'outcome', 'dec-1', '--revenue', '18000', '--cost', '4000', '--note', '<script>alert(1)</script>'], { ...env(), HERALD_ACTOR: 'Ada Finch (CFO)' });
    expect(first.code).toBe(0);
    // 14,000 of the 15,000 expected: 93.3%.
    expect(first.stdout).toContain('decision dec-1 ("Scale IP pool", Northwind <Mail>) recorded by Ada Finch (CFO)');
    expect(first.stdout).toContain('revenue $18,000, cost $4,000, net $14,000: ROI achievement 93.3% of $15,000 expected (met: success at 80%)');
    const second = await herald(['decisions', 'outcome', 'dec-1', '--revenue', '-5000', '--cost', '1000', '--by', 'Bo Lind'], env());
    const after = new Date();
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('net −$6,000: ROI achievement −40.0% of $15,000 expected (missed: success at 80%)');
    expect(second.stdout).toMatch(/replaces the outcome recorded \S+ by Ada Finch \(CFO\) \(net \$14,000\); every record is kept/);
    const audit = await rows();
    expect(audit.map((r) => [r.tenant_id, r.decision_id, r.actual_revenue, r.actual_cost, r.note, r.recorded_by])).toEqual([
      ['nw', 'dec-1', 18000, 4000, '<script>alert(1)</script>', 'Ada Finch (CFO)'],
      ['nw', 'dec-1', -5000, 1000, null, 'Bo Lind'],
    ]);
    expect(audit[1].recorded_at.getTime()).toBeGreaterThanOrEqual(audit[0].recorded_at.getTime());
    // when: while the commands ran (by the same clock: PostgreSQL runs on this machine)
    expect(audit[0].recorded_at.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    expect(audit[1].recorded_at.getTime()).toBeLessThanOrEqual(after.getTime() + 1000);
    // The shared id, named by its tenant.
    const shared = await herald(['decisions', 'outcome', 'shared', '--tenant', 'bp', '--revenue', '1000', '--cost', '0'], env());
    expect(shared.code).toBe(0);
    expect(shared.stdout).toContain('decision shared ("Shared bp", Bluepeak)');
  }, 120_000);

  it('refuses to change or delete a record (the database says no)', async () => {
    for (const sql of ['UPDATE herald.decision_outcomes SET actual_revenue = 0', 'DELETE FROM herald.decision_outcomes', 'TRUNCATE herald.decision_outcomes']) {
      const err = await t.db.query(sql).then(() => null, (e: { code: string; message: string }) => e);
      expect(err?.code, sql).toBe('23514');
      expect(err?.message).toMatch(/audit: decision outcomes are kept as recorded/);
    }
    expect(await rows()).toHaveLength(3);
  });

  it('records with the clock given, as whoever HERALD_ACTOR names', async () => {
    const { out, text } = sink();
    const code = await decisionsOutcomeCommand(config, 'dec-3', { revenue: '50', cost: '0' }, out, { HERALD_ACTOR: 'ops-bot' }, fixedClock('2026-11-20T09:00:00Z'));
    expect(code).toBe(0);
    expect(text()).toContain('recorded by ops-bot at 2026-11-20T09:00:00.000Z');
    expect(text()).toContain('ROI achievement 50.0% of $100 expected (missed: success at 80%)');
  });
});

describe('herald decisions list', () => {
  // As of a time after every outcome the commands above recorded (they record at the real now):
  // from 1 Oct 2026 to 1 Jan 2030 is 365 + 366 (2028 is a leap year) + 365 + 92 = 1188 days.
  const LIST_AT = '2030-01-01T12:00:00Z';

  it("lists a tenant's decisions as of now: the latest outcome of each, what is in flight, what is overdue", async () => {
    const { out, text } = sink();
    await decisionsListCommand(config, { tenant: 'nw' }, out, fixedClock(LIST_AT));
    const lines = text().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^DECISION\s+DECIDED\s+TYPE\s+DUE \(Europe\/Berlin\)\s+STATUS\s+EXPECTED NET\s+ACTUAL NET\s+RECORDED BY\s+TITLE$/);
    // dec-1: the latest of three outcomes (event 60%, Ada 93.3%, Bo −40%) is Bo's.
    expect(lines.find((l) => l.startsWith('dec-1'))).toMatch(/^dec-1\s+2026-08-01\s+infrastructure\s+2026-11-01\s+missed \(−40\.0% < 80%\)\s+\$15,000\s+−\$6,000\s+Bo Lind\s+Scale IP pool$/);
    // shared (nw): due 1 Oct 10:00 CEST, no outcome at nw: 1188 days overdue on 1 Jan 2030.
    expect(lines.find((l) => l.startsWith('shared'))).toMatch(/awaiting, 1188 days overdue/);
    expect(lines).toHaveLength(3);
  });

  it('--due lists what is past due without an outcome, most overdue first, and escapes hostile titles', async () => {
    const { out, text } = sink();
    await decisionsListCommand(config, { tenant: 'bp', due: true }, out, fixedClock(LIST_AT));
    const lines = text().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^dec-2\s+2026-09-01\s+budget_allocation\s+2026-10-01\s+awaiting, 1188 days overdue\s+\$6,000\s+Nordic campaign\\u202e$/);
    const { out: out2, text: text2 } = sink();
    await decisionsListCommand(config, { tenant: 'nw', due: true }, out2, fixedClock(LIST_AT));
    expect(text2()).toMatch(/^DECISION.*\nshared\s/);
  });

  it('runs as a command', async () => {
    const r = await herald(['decisions', 'list', '--tenant', 'bp'], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^dec-2\s/m);
    expect(r.stdout).toMatch(/^shared\s.*met \(100\.0%\)/m);
    expect(r.stdout).toMatch(/^dec-3\s.*missed \(50\.0% < 80%\)\s+\$100\s+\$50\.00\s+ops-bot\s+Later$/m);
  }, 60_000);
});
