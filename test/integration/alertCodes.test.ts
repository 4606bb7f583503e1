/**
 * Reply codes of open alerts (ACK 4821) are unique among open alerts: 9,000 codes. Opening an
 * alert must find a free one without aborting the caller's transaction: a code tried and refused
 * by the unique index aborted the poller's whole tick (bench:alerts lost one tick in 40–100 with
 * 100–200 alerts open), and with most codes taken nearly every tick that opened an alert.
 * Real PostgreSQL; a fresh database for this file.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { insertAlert } from '../../src/alerts/alertStore.js';

let t: TestDatabase;
const now = new Date('2026-12-01T14:00:00Z');

beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});
beforeEach(async () => {
  await t.db.exec('TRUNCATE herald.alerts RESTART IDENTITY CASCADE');
});

/** Open alerts holding every code from 1000 to `last`. */
async function occupy(last: number): Promise<void> {
  await t.db.query(
    `INSERT INTO herald.alerts (rule, tenant_id, fingerprint, code, state, severity, current_severity, summary, raised_at)
     SELECT 'deliverability', 't' || c, 'deliverability:t' || c, c::text, 'firing', 'critical', 'critical', 'held', $2
       FROM generate_series(1000, $1::int) AS c`, [last, now]);
}
const opening = (tenant: string) => ({ rule: 'deliverability', tenantId: tenant, fingerprint: `deliverability:${tenant}`, tenantName: tenant, state: 'firing' as const, severity: 'critical' as const });

describe('opening an alert', () => {
  it('finds a free code when nearly all are taken, in the same transaction, which still commits', async () => {
    await occupy(9989);                                  // 8,990 open: 10 codes left, 9990–9999
    const codes = await t.db.transaction(async (tx) => {
      const out: string[] = [];
      for (let i = 0; i < 10; i++) out.push((await insertAlert(tx, opening(`new${i}`), now))!.code);
      await tx.query('SELECT 1');                        // the transaction is not aborted
      return out;
    });
    expect([...codes].sort()).toEqual(Array.from({ length: 10 }, (_, i) => String(9990 + i)));
    expect((await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM herald.alerts WHERE state <> 'resolved'`)).rows[0].n).toBe(9000);

    await expect(t.db.transaction((tx) => insertAlert(tx, opening('one-too-many'), now))).rejects.toThrow('no free alert code: 9,000 alerts are open');
  });

  it('reuses the code of a resolved alert, and refuses a second open alert for a fingerprint (null)', async () => {
    await occupy(9998);
    await t.db.exec(`UPDATE herald.alerts SET state = 'resolved', resolved_at = now() WHERE code = '4821'`);
    const a = await t.db.transaction((tx) => insertAlert(tx, opening('acme'), now));
    expect(a?.code).toMatch(/^(4821|9999)$/);
    expect(await t.db.transaction((tx) => insertAlert(tx, opening('acme'), now))).toBeNull();
  });
});
