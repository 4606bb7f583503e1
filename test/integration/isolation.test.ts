/**
 * Tenant isolation enforced by the database on every write path (SPEC §7, issue 10): each path is
 * tried by direct SQL, as a malicious operator at a psql prompt (or a bug in the code) would, and
 * must be refused with SQLSTATE 23514 (check_violation), leaving nothing behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';

let t: TestDatabase;
const ids: Record<string, number> = {};

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.exec(`INSERT INTO tenants (id, name) VALUES ('a', 'Tenant A'), ('b', 'Tenant B')`);
  const one = async (sql: string, values: unknown[] = []) => Number((await t.db.query<{ id: string }>(sql, values)).rows[0].id);
  ids.recipientA = await one(`INSERT INTO herald.recipients (tenant_id, name, email) VALUES ('a', 'Ann', 'ann@a.test') RETURNING id`);
  ids.recipientB = await one(`INSERT INTO herald.recipients (tenant_id, name, email, phone) VALUES ('b', 'Bob', 'bob@b.test', '+12125550123') RETURNING id`);
  ids.groupA = await one(`INSERT INTO herald.recipient_groups (name, tenant_id) VALUES ('c-suite', 'a') RETURNING id`);
  await t.db.query(`INSERT INTO herald.group_members (group_id, recipient_id) VALUES ($1, $2)`, [ids.groupA, ids.recipientA]);
  const run = (tenant: string) => one(
    `INSERT INTO herald.runs (report, scope, tenant_id, period_label, period_start, period_end, timezone, trigger, status)
     VALUES ('executive-summary', $1, $1, '2026-W47', '2026-11-16Z', '2026-11-23Z', 'UTC', 'schedule', 'rendered') RETURNING id`, [tenant]);
  ids.runA = await run('a');
  ids.runB = await run('b');
  const message = (runId: number | null) => one(`INSERT INTO herald.messages (channel, content, artifact_run_id) VALUES ('email', '{"channel":"email","subject":"s","html":"h","text":"t"}', $1) RETURNING id`, [runId]);
  ids.messageA = await message(ids.runA);
  ids.messageB = await message(ids.runB);
  ids.outboxA = await one(
    `INSERT INTO herald.outbox (delivery_key, report, tenant_id, period_label, channel, recipient_id, run_id, message_id)
     VALUES ('w:executive-summary:a:2026-W47:email:1', 'executive-summary', 'a', '2026-W47', 'email', $1, $2, $3) RETURNING id`, [ids.recipientA, ids.runA, ids.messageA]);
  const alert = (tenant: string, fp: string) => one(
    `INSERT INTO herald.alerts (rule, tenant_id, fingerprint, current_severity, severity, state, summary, raised_at) VALUES ('deliverability', $1, $2, 'critical', 'critical', 'firing', 's', now()) RETURNING id`, [tenant, fp]);
  ids.alertA = await alert('a', 'deliverability:a');
  ids.alertB = await alert('b', 'deliverability:b');
});
afterAll(async () => t?.drop());

async function refused(sql: string, values: unknown[] = []): Promise<string> {
  try {
    await t.db.query(sql, values);
  } catch (err) {
    expect((err as { code?: string }).code).toBe('23514');
    return (err as Error).message;
  }
  throw new Error(`accepted: ${sql}`);
}

describe('the database keeps tenants apart', () => {
  it('a recipient cannot move to another tenant (its memberships and deliveries would cross)', async () => {
    expect(await refused(`UPDATE herald.recipients SET tenant_id = 'b' WHERE id = $1`, [ids.recipientA])).toMatch(/tenant isolation: the tenant of recipients \d+ cannot change \(a → b\)/);
    expect(await refused(`UPDATE herald.recipients SET tenant_id = NULL WHERE id = $1`, [ids.recipientA])).toMatch(/\(a → platform\)/);
    // Other fields still change.
    await t.db.query(`UPDATE herald.recipients SET name = 'Ann Smith' WHERE id = $1`, [ids.recipientA]);
  });

  it('a group cannot move to another tenant', async () => {
    expect(await refused(`UPDATE herald.recipient_groups SET tenant_id = 'b' WHERE id = $1`, [ids.groupA])).toMatch(/the tenant of recipient_groups/);
  });

  it('a membership cannot cross tenants, by insert or by update', async () => {
    expect(await refused(`INSERT INTO herald.group_members (group_id, recipient_id) VALUES ($1, $2)`, [ids.groupA, ids.recipientB])).toContain('tenant isolation');
    expect(await refused(`UPDATE herald.group_members SET recipient_id = $2 WHERE group_id = $1`, [ids.groupA, ids.recipientB])).toContain('tenant isolation');
  });

  it('a delivery cannot go to another tenant\'s recipient, nor carry another tenant\'s run or artifact', async () => {
    expect(await refused(`UPDATE herald.outbox SET recipient_id = $2 WHERE id = $1`, [ids.outboxA, ids.recipientB])).toContain('tenant isolation');
    expect(await refused(`UPDATE herald.outbox SET run_id = $2 WHERE id = $1`, [ids.outboxA, ids.runB])).toMatch(/cannot carry run \d+ of tenant b/);
    expect(await refused(`UPDATE herald.outbox SET message_id = $2 WHERE id = $1`, [ids.outboxA, ids.messageB])).toMatch(/cannot attach another tenant's artifact/);
    expect(await refused(`UPDATE herald.outbox SET fallback_message_id = $2 WHERE id = $1`, [ids.outboxA, ids.messageB])).toMatch(/another tenant's artifact/);
    expect(await refused(
      `INSERT INTO herald.outbox (delivery_key, report, tenant_id, period_label, channel, recipient_id, run_id, message_id)
       VALUES ('x:executive-summary:a:2026-W47:email:9', 'executive-summary', 'a', '2026-W47', 'email', $1, $2, $3)`, [ids.recipientA, ids.runB, ids.messageA])).toContain('cannot carry run');
    expect(await refused(`UPDATE herald.outbox SET tenant_id = 'b' WHERE id = $1`, [ids.outboxA])).toContain('tenant isolation');
  });

  it('a message that is being sent cannot be pointed at another tenant\'s PDF', async () => {
    expect(await refused(`UPDATE herald.messages SET artifact_run_id = $2 WHERE id = $1`, [ids.messageA, ids.runB])).toMatch(/message \d+ is sent for another tenant/);
  });

  it('a run and an alert keep their tenant', async () => {
    expect(await refused(`UPDATE herald.runs SET tenant_id = 'b' WHERE id = $1`, [ids.runA])).toContain('the tenant of runs');
    expect(await refused(`UPDATE herald.alerts SET tenant_id = 'b' WHERE id = $1`, [ids.alertA])).toContain('the tenant of alerts');
  });

  it('an alert is told only through its tenant\'s deliveries and to its tenant\'s people', async () => {
    expect(await refused(`INSERT INTO herald.alert_notifications (alert_id, outbox_id, step) VALUES ($1, $2, 'fire')`, [ids.alertB, ids.outboxA])).toMatch(/alert \d+ of tenant b cannot be told through alert_notifications of tenant a/);
    expect(await refused(
      `INSERT INTO herald.sms_intents (alert_id, step, recipient_id, severity, notice, created_at) VALUES ($1, 'fire', $2, 'critical', '{}', now())`, [ids.alertA, ids.recipientB])).toMatch(/cannot be told through sms_intents of tenant b/);
    // Their own tenant's: accepted.
    await t.db.query(`INSERT INTO herald.alert_notifications (alert_id, outbox_id, step) VALUES ($1, $2, 'fire')`, [ids.alertA, ids.outboxA]);
  });

  it('nothing was left behind by the refusals', async () => {
    const { rows } = await t.db.query<{ recipients: string; outbox: string; members: string; intents: string }>(
      `SELECT (SELECT string_agg(tenant_id || ':' || name, ',' ORDER BY id) FROM herald.recipients) AS recipients,
              (SELECT string_agg(tenant_id || ':' || recipient_id || ':' || run_id || ':' || message_id, ',') FROM herald.outbox) AS outbox,
              (SELECT count(*)::text FROM herald.group_members) AS members,
              (SELECT count(*)::text FROM herald.sms_intents) AS intents`);
    expect(rows[0]).toEqual({ recipients: 'a:Ann Smith,b:Bob', outbox: `a:${ids.recipientA}:${ids.runA}:${ids.messageA}`, members: '1', intents: '0' });
  });
});

describe('a portfolio report goes only to the platform\'s own people (issue 11)', () => {
  const p: Record<string, number> = {};
  const one = async (sql: string, values: unknown[] = []) => Number((await t.db.query<{ id: string }>(sql, values)).rows[0].id);
  const runOf = (scope: string, tenant: string | null) =>
    `INSERT INTO herald.runs (report, scope, tenant_id, period_label, period_start, period_end, timezone, trigger, status)
     VALUES ('cost-optimization', '${scope}', ${tenant === null ? 'NULL' : `'${tenant}'`}, '2026-W47', '2026-11-16Z', '2026-11-23Z', 'UTC', 'schedule', 'rendered') RETURNING id`;
  const outbox = (key: string, tenant: string | null, recipient: number, run: number | null, message: number | null): [string, unknown[]] => [
    `INSERT INTO herald.outbox (delivery_key, report, tenant_id, period_label, channel, recipient_id, run_id, message_id)
     VALUES ($1, 'cost-optimization', $2, '2026-W47', 'email', $3, $4, $5) RETURNING id`, [key, tenant, recipient, run, message]];

  beforeAll(async () => {
    p.board = await one(`INSERT INTO herald.recipients (tenant_id, name, email) VALUES (NULL, 'Pia Platform', 'pia@platform.test') RETURNING id`);
    p.run = await one(runOf('portfolio', null));
    p.message = await one(`INSERT INTO herald.messages (channel, content, artifact_run_id) VALUES ('email', '{"channel":"email","subject":"s","html":"h","text":"t"}', $1) RETURNING id`, [p.run]);
    // The platform's recipient: accepted.
    p.outbox = await one(...outbox('w:cost-optimization:portfolio:2026-W47:email:p', null, p.board, p.run, p.message));
  });

  it('its delivery cannot be addressed to a tenant\'s recipient, by insert or by update', async () => {
    expect(await refused(...outbox('w:cost-optimization:portfolio:2026-W47:email:a', null, ids.recipientA, p.run, p.message)))
      .toMatch(/tenant isolation: delivery w:cost-optimization:portfolio:2026-W47:email:a of tenant platform cannot go to recipient \d+ of tenant a/);
    expect(await refused(`UPDATE herald.outbox SET recipient_id = $2 WHERE id = $1`, [p.outbox, ids.recipientA])).toMatch(/of tenant platform cannot go to recipient \d+ of tenant a/);
  });

  it('a tenant\'s delivery cannot carry the portfolio run, nor attach its PDF, nor become one of its deliveries', async () => {
    expect(await refused(...outbox('w:cost-optimization:a:2026-W47:email:1', 'a', ids.recipientA, p.run, null))).toMatch(/delivery .* of tenant a cannot carry run \d+ of tenant platform/);
    expect(await refused(...outbox('w:cost-optimization:a:2026-W47:email:2', 'a', ids.recipientA, null, p.message))).toMatch(/cannot attach another tenant's artifact/);
    expect(await refused(`UPDATE herald.outbox SET tenant_id = 'a', recipient_id = $2 WHERE id = $1`, [p.outbox, ids.recipientA])).toContain('tenant isolation');
    expect(await refused(`UPDATE herald.messages SET artifact_run_id = $2 WHERE id = $1`, [ids.messageA, p.run])).toMatch(/message \d+ is sent for another tenant/);
  });

  it('a run\'s tenant is its scope: a portfolio run recorded under a tenant (which would reach that tenant\'s people) is refused', async () => {
    expect(await refused(runOf('portfolio', 'a'))).toMatch(/runs_scope_is_tenant/);
    expect(await refused(runOf('a', null))).toMatch(/runs_scope_is_tenant/);
    expect(await refused(runOf('b', 'a'))).toMatch(/runs_scope_is_tenant/);
    expect(await refused(`UPDATE herald.runs SET scope = 'portfolio' WHERE id = $1`, [ids.runA])).toMatch(/runs_scope_is_tenant/);
    expect(await refused(`UPDATE herald.runs SET tenant_id = 'a' WHERE id = $1`, [p.run])).toContain('the tenant of runs');
  });

  it('left behind: the platform\'s one delivery of the portfolio run, nothing else', async () => {
    const { rows } = await t.db.query<{ tenant_id: string | null; recipient_id: string; run_id: string }>(
      `SELECT tenant_id, recipient_id, run_id FROM herald.outbox WHERE report = 'cost-optimization'`);
    expect(rows).toEqual([{ tenant_id: null, recipient_id: String(p.board), run_id: String(p.run) }]);
    expect((await t.db.query(`SELECT 1 FROM herald.runs WHERE report = 'cost-optimization'`)).rows).toHaveLength(1);
  });
});
