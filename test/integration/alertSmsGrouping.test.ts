/**
 * The SMS grouping stage runs in every poller tick that has a notice waiting (SPEC §8: critical
 * waits 0 s). It needs the zone of the recipients it texts; it listed every recipient with its
 * groups to find them, ~90 ms a tick with 1,000 recipients and growing with their square
 * (bench:alerts). It reads only the recipients it texts.
 * Real PostgreSQL; a fresh database for this file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import type { Db } from '../../src/db/Db.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { AlertEngine } from '../../src/alerts/AlertEngine.js';
import { addSmsIntents, insertAlert } from '../../src/alerts/alertStore.js';
import { addRecipient } from '../../src/recipients/recipientsRepo.js';
import { silentLogger } from '../../src/ops/logger.js';

let t: TestDatabase;
const now = new Date('2026-12-01T14:00:00Z');

beforeAll(async () => {
  t = await createTestDatabase();
  // 300 other tenants' directors, each in their tenant's on-call group.
  await t.db.exec(`
    INSERT INTO herald.recipients (tenant_id, name, phone, timezone)
      SELECT 'other' || i, 'Director ' || i, '+1212555' || (1000 + i), 'Europe/Berlin' FROM generate_series(1, 300) i;
    INSERT INTO herald.recipient_groups (name, tenant_id) SELECT 'oncall', 'other' || i FROM generate_series(1, 300) i;
    INSERT INTO herald.group_members (group_id, recipient_id)
      SELECT g.id, r.id FROM herald.recipient_groups g JOIN herald.recipients r ON r.tenant_id = g.tenant_id;`);
});
afterAll(async () => {
  await t?.drop();
});

/** A Db that remembers how many rows each statement returned. */
function countingDb(inner: Db, seen: { text: string; rows: number }[]): Db {
  return {
    ...inner,
    query: async (text, values) => {
      const r = await inner.query(text, values);
      seen.push({ text: text.replace(/\s+/g, ' ').slice(0, 80), rows: r.rows.length });
      return r as never;
    },
  };
}

describe('the SMS grouping stage', () => {
  it('reads the recipients it texts, not every recipient', async () => {
    const nora = await addRecipient(t.db, { tenantId: 'acme', name: 'Nora Chen', phone: '+12125550101', timezone: 'America/New_York', groups: ['oncall'] });
    const config = parseConfig({ timezone: 'UTC' });
    const engine = new AlertEngine({ config, logger: silentLogger, tenant: async () => ({ name: 'Acme Mail Co', timezone: 'America/New_York' }) });
    const seen: { text: string; rows: number }[] = [];
    const queued = await t.db.transaction(async (tx) => {
      const alert = (await insertAlert(tx, { rule: 'deliverability', tenantId: 'acme', fingerprint: 'deliverability:acme', tenantName: 'Acme Mail Co',
        state: 'firing', severity: 'critical', short: 'bounce 17.0% > 15%', summary: 'Bounce rate 17.0% is above the 15% critical threshold.' }, now))!;
      await addSmsIntents(tx, [{ alertId: alert.id, step: 'fire', recipientId: nora.id, severity: 'critical', notice: await engine.notice(alert, 'fire', now) }], now);
      return engine.groupSms(countingDb(tx, seen), now);
    });
    expect(queued).toBe(1);
    const sms = (await t.db.query<{ recipient_id: number; channel: string }>(`SELECT recipient_id::int AS recipient_id, channel FROM herald.outbox`)).rows;
    expect(sms).toEqual([{ recipient_id: nora.id, channel: 'sms' }]);
    expect(seen.filter((s) => s.rows > 1)).toEqual([]);
  });
});
