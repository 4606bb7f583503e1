/**
 * Hostile values in the data (issue 10.6): absurd amounts are left out of the figures and counted
 * in the brief's data notes, never printed as 300-digit numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { herald } from '../helpers/cli.js';
import { insertEvent } from '../helpers/fixture.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.exec(`INSERT INTO tenants (id, name, timezone) VALUES ('acme', 'Acme', 'UTC')`);
  const at = '2026-11-10T12:00:00Z';
  await insertEvent(t.db, 'huge-impact', 'revenue_impact_event', at, { tenant_id: 'acme', impact_type: 'negative', impact_amount: 1e15 });
  await insertEvent(t.db, 'fine-impact', 'revenue_impact_event', at, { tenant_id: 'acme', impact_type: 'negative', impact_amount: 1234 });
  await insertEvent(t.db, 'huge-saving', 'cost_optimization_event', at, { tenant_id: 'acme', optimization_type: 'implemented', optimization_category: 'infrastructure', savings_amount: '999999999999999', baseline_cost: 1e300 });
  await insertEvent(t.db, 'huge-decision', 'strategic_decision_event', at, { tenant_id: 'acme', decision_id: 'd1', decision_title: 'Big bet', decision_type: 'investment', decision_date: at, expected_revenue_impact: 1e200, expected_cost_impact: 5000 });
});
afterAll(async () => t?.drop());

describe('absurd amounts', () => {
  it('are left out and counted in the data notes; no figure of the brief reaches a trillion', async () => {
    const r = await herald(['preview', 'executive-summary', '--tenant', 'acme', '--period', '2026-11', '--format', 'json'], { DATABASE_URL: t.url });
    expect(r.stderr).toBe('');
    const data = JSON.parse(r.stdout);
    expect(data.revenue_impact).toMatchObject({ negative_total: 1234, event_count: 1 });
    expect(data.data_notes.map((n: { code: string; count: number }) => [n.code, n.count])).toEqual(expect.arrayContaining([
      ['revenue-impact-invalid-amount', 1], ['optimization-invalid-amount', 1],
    ]));
    expect(data.cost_optimization.realized_savings).toBe(0);
    expect(data.decisions.items[0]).toMatchObject({ decision_id: 'd1', expected_revenue_impact: null, expected_cost_impact: 5000 });
    // Nothing anywhere in the data object is a number of 1e12 or more.
    const numbers: number[] = [];
    JSON.parse(r.stdout, (_k, v) => { if (typeof v === 'number') numbers.push(v); return v; });
    expect(numbers.filter((n) => Math.abs(n) >= 1e12)).toEqual([]);
  });
});
