import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { herald } from '../helpers/cli.js';
import { InputError } from '../../src/report/ReportContext.js';
import {
  addRecipient, importRecipients, listRecipients, recipientsForDelivery, removeRecipient, removeRecipientDetailed, type AddRecipientInput,
} from '../../src/recipients/recipientsRepo.js';
import { parseQuietHours } from '../../src/recipients/validation.js';
import type { Db } from '../../src/db/Db.js';

let t: TestDatabase;
let db: Db;
let dir: string;
const tenantExists = async (id: string) => (await db.query(`SELECT 1 FROM tenants WHERE id = $1`, [id])).rows.length > 0;
const opts = { tenantExists };

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  await db.query(`INSERT INTO tenants (id, name, timezone) VALUES ('acme', 'Acme Corp', 'America/New_York'), ('bluepeak', 'Bluepeak', 'Europe/Berlin')`);
  dir = await mkdtemp(path.join(tmpdir(), 'herald-recipients-'));
});
afterAll(async () => {
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await db.exec(`TRUNCATE herald.outbox, herald.group_members, herald.recipient_groups, herald.recipients RESTART IDENTITY CASCADE`);
});

async function count(table: string): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM herald.${table}`)).rows[0].n;
}

async function inputError(p: Promise<unknown>): Promise<InputError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

async function pgError(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeTruthy();
  return err as { code: string; message: string };
}

async function outboxRow(key: string, tenantId: string | null, recipientId: number, status = 'pending'): Promise<void> {
  await db.query(
    `INSERT INTO herald.outbox (delivery_key, report, tenant_id, period_label, channel, recipient_id, status)
     VALUES ($1, 'executive-summary', $2, '2026-W47', 'email', $3, $4)`, [key, tenantId, recipientId, status]);
}

const outboxStates = async () => (await db.query<{ delivery_key: string; status: string; last_error: string | null }>(
  `SELECT delivery_key, status, last_error FROM herald.outbox ORDER BY id`)).rows.map((o) => [o.delivery_key, o.status, o.last_error]);

const ann: AddRecipientInput = {
  tenantId: 'acme', name: 'Ann Archer', role: 'CEO', email: 'ann@acme.io', slackChannel: 'C0ACME001', phone: '+14155550100',
  timezone: 'America/New_York', quietHours: { start: '22:00', end: '07:00' }, groups: ['c-suite', 'board'],
};

describe('recipients repository', () => {
  it('adds a recipient with its groups (created for its tenant) and reads it back', async () => {
    const r = await addRecipient(db, ann, opts);
    expect(r).toEqual({
      id: 1, tenantId: 'acme', name: 'Ann Archer', role: 'CEO', email: 'ann@acme.io', slackChannel: 'C0ACME001',
      phone: '+14155550100', timezone: 'America/New_York', quietHours: { start: '22:00', end: '07:00' }, groups: ['board', 'c-suite'],
    });
    const groups = await db.query(`SELECT name, tenant_id FROM herald.recipient_groups ORDER BY name`);
    expect(groups.rows).toEqual([{ name: 'board', tenant_id: 'acme' }, { name: 'c-suite', tenant_id: 'acme' }]);

    // A second member reuses the groups; the platform gets its own "board".
    await addRecipient(db, { tenantId: 'acme', name: 'Carl', email: 'carl@acme.io', groups: ['board'] }, opts);
    await addRecipient(db, { tenantId: null, name: 'Pat Platform', email: 'pat@herald.dev', groups: ['board'] }, opts);
    expect(await count('recipient_groups')).toBe(3);
    expect(await count('group_members')).toBe(4);
  });

  it('lists each recipient once with its groups aggregated, filtered by tenant, platform and group', async () => {
    await addRecipient(db, ann, opts);
    await addRecipient(db, { tenantId: 'bluepeak', name: 'Bob', email: 'bob@bluepeak.io', groups: ['board', 'ops'] }, opts);
    await addRecipient(db, { tenantId: null, name: 'Pat', phone: '+442071838750', groups: ['board'] }, opts);
    await addRecipient(db, { tenantId: 'acme', name: 'Dana', slackChannel: 'D0DANA001' }, opts);

    const all = await listRecipients(db);
    expect(all.map((r) => [r.tenantId, r.name, r.groups])).toEqual([
      [null, 'Pat', ['board']],
      ['acme', 'Ann Archer', ['board', 'c-suite']],
      ['acme', 'Dana', []],
      ['bluepeak', 'Bob', ['board', 'ops']],
    ]);
    expect((await listRecipients(db, { tenantId: 'acme' })).map((r) => r.name)).toEqual(['Ann Archer', 'Dana']);
    expect((await listRecipients(db, { tenantId: null })).map((r) => r.name)).toEqual(['Pat']);
    expect((await listRecipients(db, { group: 'board' })).map((r) => r.name)).toEqual(['Pat', 'Ann Archer', 'Bob']);
    expect((await listRecipients(db, { tenantId: 'bluepeak', group: 'board' })).map((r) => r.name)).toEqual(['Bob']);
    expect(await listRecipients(db, { group: 'nobody' })).toEqual([]);
  });

  it('refuses bad input with one-line messages naming the field, and writes nothing', async () => {
    const base = { tenantId: 'acme', name: 'Bob', email: 'bob@acme.io' };
    const cases: [Partial<AddRecipientInput>, string][] = [
      [{ name: '  ' }, 'name: required'],
      [{ email: null }, 'contact: at least one of email, slackChannel or phone is required'],
      [{ email: 'bob@' }, 'email: "bob@" is not an email address'],
      [{ phone: '+1 555' }, 'phone: "+1 555" is not an E.164 number (+ and 7–15 digits)'],
      [{ phone: '4155550100' }, 'phone: "4155550100" is not an E.164 number (+ and 7–15 digits)'],
      [{ slackChannel: '#general' }, 'slackChannel: "#general" is not a Slack channel id (C…/G…/D…)'],
      [{ timezone: 'Mars/Olympus' }, 'timezone: "Mars/Olympus" is not an IANA time zone (e.g. Europe/Berlin)'],
      [{ quietHours: { start: '25:00', end: '07:00' } }, 'quietHours: expected HH:MM-HH:MM'],
      [{ quietHours: { start: '7:00', end: '08:00' } }, 'quietHours: expected HH:MM-HH:MM'],
      [{ groups: ['ok', 'C-Suite'] }, 'groups[1]: "C-Suite" is not a group name (lowercase letters, digits, - and _; starting with a letter or digit)'],
      [{ tenantId: 'acm' }, 'tenant: unknown tenant "acm"'],
    ];
    for (const [patch, message] of cases) {
      const err = await inputError(addRecipient(db, { ...base, ...patch } as AddRecipientInput, opts));
      expect(err.message).toBe(message);
      expect(err.message).not.toContain('\n');
    }
    expect(() => parseQuietHours('22-07')).toThrow('quietHours: expected HH:MM-HH:MM');
    expect(parseQuietHours('22:00-07:00')).toEqual({ start: '22:00', end: '07:00' });
    expect(await count('recipients')).toBe(0);
    expect(await count('recipient_groups')).toBe(0);
  });

  it('refuses a duplicate email within a tenant (case-insensitive) but not across tenants', async () => {
    await addRecipient(db, ann, opts);
    const err = await inputError(addRecipient(db, { tenantId: 'acme', name: 'Ann again', email: 'ANN@acme.io', groups: ['new-group'] }, opts));
    expect(err.message).toBe('email: "ANN@acme.io" is already a recipient of tenant acme');
    expect(err.field).toBe('email');
    expect(await count('recipient_groups')).toBe(2);   // the transaction rolled back the new group

    await addRecipient(db, { tenantId: 'bluepeak', name: 'Ann at Bluepeak', email: 'ann@acme.io' }, opts);
    await addRecipient(db, { tenantId: null, name: 'Ann for the platform', email: 'ann@acme.io' }, opts);
    const platformDup = await inputError(addRecipient(db, { tenantId: null, name: 'x', email: 'Ann@Acme.io' }, opts));
    expect(platformDup.message).toBe('email: "Ann@Acme.io" is already a recipient of the platform');
    expect(await count('recipients')).toBe(3);
  });

  it('recipientsForDelivery returns only the tenant\'s members, even when group names coincide', async () => {
    const a1 = await addRecipient(db, { tenantId: 'acme', name: 'A1', email: 'a1@acme.io', groups: ['board', 'c-suite'] }, opts);
    const b1 = await addRecipient(db, { tenantId: 'bluepeak', name: 'B1', email: 'b1@bluepeak.io', groups: ['board', 'c-suite'] }, opts);
    const p1 = await addRecipient(db, { tenantId: null, name: 'P1', email: 'p1@herald.dev', groups: ['board'] }, opts);
    const a2 = await addRecipient(db, { tenantId: 'acme', name: 'A2', phone: '+14155550101', groups: ['c-suite'] }, opts);
    await addRecipient(db, { tenantId: 'acme', name: 'A3', email: 'a3@acme.io', groups: ['ops'] }, opts);

    const acme = await recipientsForDelivery(db, 'acme', ['board', 'c-suite', 'board', 'investors']);
    expect(acme.recipients.map((r) => r.id)).toEqual([a1.id, a2.id]);   // deduplicated, by id
    expect(acme.recipients.every((r) => r.tenantId === 'acme')).toBe(true);
    expect(acme.missingGroups).toEqual(['investors']);

    const blue = await recipientsForDelivery(db, 'bluepeak', ['board']);
    expect(blue).toEqual({ recipients: [expect.objectContaining({ id: b1.id, tenantId: 'bluepeak' })], missingGroups: [] });

    const platform = await recipientsForDelivery(db, null, ['board', 'c-suite']);
    expect(platform.recipients.map((r) => r.id)).toEqual([p1.id]);
    expect(platform.missingGroups).toEqual(['c-suite']);

    expect(await recipientsForDelivery(db, 'nobody', ['board'])).toEqual({ recipients: [], missingGroups: ['board'] });
    expect(await recipientsForDelivery(db, 'acme', [])).toEqual({ recipients: [], missingGroups: [] });
  });

  it('removes by id or by email (narrowed by tenant); an email shared by tenants needs the tenant', async () => {
    const a = await addRecipient(db, ann, opts);
    await addRecipient(db, { tenantId: 'bluepeak', name: 'Ann B', email: 'ann@acme.io' }, opts);
    const c = await addRecipient(db, { tenantId: 'acme', name: 'Carl', email: 'carl@acme.io', groups: ['board'] }, opts);

    const ambiguous = await inputError(removeRecipient(db, 'ann@acme.io'));
    expect(ambiguous.message).toBe('tenant: "ann@acme.io" is a recipient of tenant acme and tenant bluepeak; say which (--tenant ID or --platform)');
    expect(await removeRecipient(db, 'ANN@acme.io', 'bluepeak')).toBe(1);
    expect(await removeRecipient(db, 'ann@acme.io', 'bluepeak')).toBe(0);
    expect(await removeRecipient(db, 'ann@acme.io')).toBe(1);
    expect(await removeRecipient(db, String(c.id), 'bluepeak')).toBe(0);
    expect(await removeRecipient(db, String(c.id))).toBe(1);
    expect(await removeRecipient(db, String(a.id))).toBe(0);
    expect(await count('recipients')).toBe(0);
    expect(await count('group_members')).toBe(0);          // memberships went with them
    expect(await count('recipient_groups')).toBe(2);       // groups stay
  });

  it('remove policy: with delivery history the recipient is kept, marked removed; without any it is deleted', async () => {
    // Ann: never reached (a pending and a dead delivery). Without --force: soft removal.
    const a = await addRecipient(db, ann, opts);
    await outboxRow('s:executive-summary:acme:2026-W47:email:1', 'acme', a.id, 'pending');
    await outboxRow('s:executive-summary:acme:2026-W46:email:1', 'acme', a.id, 'dead');
    expect(await removeRecipientDetailed(db, 'ann@acme.io', 'acme')).toEqual({
      id: a.id, tenantId: 'acme', name: 'Ann Archer', email: 'ann@acme.io', mode: 'removed',
      history: { dead: 1, pending: 1 }, superseded: 1, deletedDeliveries: 0,
    });
    expect(await count('recipients')).toBe(1);
    expect(await count('group_members')).toBe(0);          // no group reaches her any more
    expect(await outboxStates()).toEqual([
      ['s:executive-summary:acme:2026-W47:email:1', 'superseded', 'recipient removed'],   // will never be sent
      ['s:executive-summary:acme:2026-W46:email:1', 'dead', null],                        // history stays as it was
    ]);
    expect(await listRecipients(db)).toEqual([]);
    expect(await recipientsForDelivery(db, 'acme', ['c-suite', 'board'])).toEqual({ recipients: [], missingGroups: [] });
    const listed = await listRecipients(db, { includeRemoved: true });
    expect(listed).toEqual([expect.objectContaining({ id: a.id, email: 'ann@acme.io', groups: [], removedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) })]);
    expect(await removeRecipient(db, 'ann@acme.io', 'acme')).toBe(0);   // a removed recipient no longer matches
    expect(await removeRecipient(db, String(a.id))).toBe(0);

    // The same person can be added again: a new recipient (new id, so new delivery keys).
    const again = await addRecipient(db, { ...ann, groups: ['c-suite'] }, opts);
    expect(again.id).not.toBe(a.id);
    expect((await listRecipients(db)).map((r) => r.id)).toEqual([again.id]);
    expect((await inputError(addRecipient(db, { tenantId: 'acme', name: 'Twice', email: 'ANN@acme.io' }, opts))).message)
      .toBe('email: "ANN@acme.io" is already a recipient of tenant acme');

    // Bea received a brief, and one is in flight: --force does not delete her either.
    const b = await addRecipient(db, { tenantId: 'acme', name: 'Bea', email: 'bea@acme.io', groups: ['board'] }, opts);
    await outboxRow('s:executive-summary:acme:2026-W45:email:3', 'acme', b.id, 'sent');
    await outboxRow('s:executive-summary:acme:2026-W46:email:3', 'acme', b.id, 'sending');
    await outboxRow('s:executive-summary:acme:2026-W47:email:3', 'acme', b.id, 'pending');
    expect(await removeRecipientDetailed(db, String(b.id), undefined, { force: true }))
      .toMatchObject({ mode: 'removed', history: { pending: 1, sending: 1, sent: 1 }, superseded: 2 });
    expect((await outboxStates()).slice(2).map((o) => o[1])).toEqual(['sent', 'superseded', 'superseded']);

    // Carl: never reached, --force: deleted for good with his unsent deliveries (the old --force).
    const c = await addRecipient(db, { tenantId: 'acme', name: 'Carl', email: 'carl@acme.io' }, opts);
    await outboxRow('s:executive-summary:acme:2026-W46:email:5', 'acme', c.id, 'dead');
    expect(await removeRecipientDetailed(db, 'carl@acme.io', 'acme', { force: true })).toMatchObject({ mode: 'deleted', history: { dead: 1 }, deletedDeliveries: 1 });
    // Dana: no history at all: deleted.
    await addRecipient(db, { tenantId: 'acme', name: 'Dana', email: 'dana@acme.io' }, opts);
    expect(await removeRecipientDetailed(db, 'dana@acme.io', 'acme')).toMatchObject({ mode: 'deleted', history: {}, deletedDeliveries: 0 });
    expect((await db.query<{ name: string; removed: boolean }>(`SELECT name, removed_at IS NOT NULL AS removed FROM herald.recipients ORDER BY id`)).rows)
      .toEqual([{ name: 'Ann Archer', removed: true }, { name: 'Ann Archer', removed: false }, { name: 'Bea', removed: true }]);
    expect(await count('outbox')).toBe(5);
  });

  it('the database never lets a delivery to a removed recipient become pending: it is recorded superseded', async () => {
    const a = await addRecipient(db, ann, opts);
    await outboxRow('s:executive-summary:acme:2026-W45:email:1', 'acme', a.id, 'sent');
    await outboxRow('s:executive-summary:acme:2026-W46:email:1', 'acme', a.id, 'sending');   // in flight at the removal
    await removeRecipient(db, 'ann@acme.io', 'acme');
    // Queued in a race with the removal (the scheduler read the recipients just before):
    await outboxRow('s:executive-summary:acme:2026-W47:email:1', 'acme', a.id, 'pending');
    // The in-flight send fails and the dispatcher puts it back to pending, or a --force resend resets a key:
    await db.query(`UPDATE herald.outbox SET status = 'pending' WHERE delivery_key IN ('s:executive-summary:acme:2026-W46:email:1', 's:executive-summary:acme:2026-W45:email:1')`);
    expect(await outboxStates()).toEqual([
      ['s:executive-summary:acme:2026-W45:email:1', 'superseded', 'recipient removed'],
      ['s:executive-summary:acme:2026-W46:email:1', 'superseded', 'recipient removed'],
      ['s:executive-summary:acme:2026-W47:email:1', 'superseded', 'recipient removed'],
    ]);
    // A send that was in flight and completes is recorded as what it was.
    await db.query(`UPDATE herald.outbox SET status = 'sent', last_error = NULL WHERE delivery_key = 's:executive-summary:acme:2026-W46:email:1'`);
    expect((await outboxStates())[1]).toEqual(['s:executive-summary:acme:2026-W46:email:1', 'sent', null]);
  });
});

describe('tenant isolation in the database', () => {
  it('refuses a group membership crossing tenants (check_violation), whatever the code does', async () => {
    await addRecipient(db, { tenantId: 'acme', name: 'A', email: 'a@acme.io', groups: ['board'] }, opts);
    const b = await addRecipient(db, { tenantId: 'bluepeak', name: 'B', email: 'b@bluepeak.io' }, opts);
    const p = await addRecipient(db, { tenantId: null, name: 'P', email: 'p@herald.dev', groups: ['board'] }, opts);
    const acmeBoard = (await db.query<{ id: string }>(`SELECT id FROM herald.recipient_groups WHERE name = 'board' AND tenant_id = 'acme'`)).rows[0].id;
    const platformBoard = (await db.query<{ id: string }>(`SELECT id FROM herald.recipient_groups WHERE name = 'board' AND tenant_id IS NULL`)).rows[0].id;

    const cross = await pgError(db.query(`INSERT INTO herald.group_members (group_id, recipient_id) VALUES ($1, $2)`, [acmeBoard, b.id]));
    expect(cross.code).toBe('23514');
    expect(cross.message).toContain('tenant isolation');
    const toPlatform = await pgError(db.query(`INSERT INTO herald.group_members (group_id, recipient_id) VALUES ($1, $2)`, [platformBoard, b.id]));
    expect(toPlatform.code).toBe('23514');
    const moved = await pgError(db.query(`UPDATE herald.group_members SET group_id = $1 WHERE recipient_id = $2`, [acmeBoard, p.id]));
    expect(moved.code).toBe('23514');
    expect(await count('group_members')).toBe(2);
  });

  it('refuses an outbox row whose recipient belongs to another tenant (check_violation)', async () => {
    const a = await addRecipient(db, { tenantId: 'acme', name: 'A', email: 'a@acme.io' }, opts);
    const p = await addRecipient(db, { tenantId: null, name: 'P', email: 'p@herald.dev' }, opts);
    await outboxRow('s:executive-summary:acme:2026-W47:email:1', 'acme', a.id);   // the same row for its own tenant is valid

    const cross = await pgError(outboxRow('s:executive-summary:bluepeak:2026-W47:email:1', 'bluepeak', a.id));
    expect(cross.code).toBe('23514');
    expect(cross.message).toContain('tenant isolation');
    const portfolio = await pgError(outboxRow('s:portfolio:portfolio:2026-W47:email:1', null, a.id));
    expect(portfolio.code).toBe('23514');
    const platformToTenant = await pgError(outboxRow('s:executive-summary:acme:2026-W47:email:2', 'acme', p.id));
    expect(platformToTenant.code).toBe('23514');
    const retarget = await pgError(db.query(`UPDATE herald.outbox SET recipient_id = $1`, [p.id]));
    expect(retarget.code).toBe('23514');
    expect(await count('outbox')).toBe(1);
  });
});

const importYaml = `
recipients:
  - name: Ann Archer
    tenant: acme
    role: CEO
    email: ann@acme.io
    slack_channel: C0ACME001
    phone: "+14155550100"
    timezone: America/New_York
    quiet_hours: 22:00-07:00
    groups: [c-suite, board]
  - name: Carl
    tenant: acme
    email: carl@acme.io
  - name: Bob Blue
    tenant: bluepeak
    email: bob@bluepeak.io
    groups: [board]
  - name: Pat Platform
    tenant: null
    slack_channel: G0PLATFORM
    groups: [board]
groups:
  - name: finance
    tenant: acme
    members: [carl@acme.io, ANN@acme.io]
`;

describe('YAML import', () => {
  it('imports recipients and groups, and a re-import updates instead of duplicating', async () => {
    expect(await importRecipients(db, importYaml, opts)).toEqual({ added: 4, updated: 0, unchanged: 0, groupsCreated: 5, membershipsAdded: 6 });
    const first = await listRecipients(db);
    expect(first.map((r) => [r.tenantId, r.name, r.groups])).toEqual([
      [null, 'Pat Platform', ['board']],
      ['acme', 'Ann Archer', ['board', 'c-suite', 'finance']],
      ['acme', 'Carl', ['finance']],
      ['bluepeak', 'Bob Blue', ['board']],
    ]);
    expect(first[1]).toMatchObject({ phone: '+14155550100', quietHours: { start: '22:00', end: '07:00' }, timezone: 'America/New_York' });

    expect(await importRecipients(db, importYaml, opts)).toEqual({ added: 0, updated: 0, unchanged: 4, groupsCreated: 0, membershipsAdded: 0 });
    expect(await listRecipients(db)).toEqual(first);

    // Changed fields update the matched recipient (by tenant + email, or tenant + name without email).
    const changed = importYaml.replace('role: CEO', 'role: Chair').replace('slack_channel: G0PLATFORM', 'slack_channel: G0PLATFORM2\n    phone: "+442071838750"');
    expect(await importRecipients(db, changed, opts)).toEqual({ added: 0, updated: 2, unchanged: 2, groupsCreated: 0, membershipsAdded: 0 });
    const after = await listRecipients(db);
    expect(after.map((r) => r.id)).toEqual(first.map((r) => r.id));
    expect(after[1].role).toBe('Chair');
    expect(after[0]).toMatchObject({ slackChannel: 'G0PLATFORM2', phone: '+442071838750' });
  });

  it('names the path of each bad value', async () => {
    const doc = (entry: string) => `recipients:\n  - { name: A, tenant: acme, email: a@acme.io }\n  - { name: B, tenant: acme, email: b@acme.io }\n  - ${entry}\n`;
    const cases: [string, string][] = [
      [doc('{ name: C, tenant: acme, phone: "+1 555" }'), 'recipients[2].phone: "+1 555" is not an E.164 number (+ and 7–15 digits)'],
      [doc('{ name: C, tenant: acme, phone: +14155550100 }'), 'recipients[2].phone: quote the number ("+14155550100"): unquoted, YAML reads it as a number'],
      [doc('{ name: C, tenant: acme, email: "c@" }'), 'recipients[2].email: "c@" is not an email address'],
      [doc('{ name: C, tenant: acme, slack_channel: general }'), 'recipients[2].slack_channel: "general" is not a Slack channel id (C…/G…/D…)'],
      [doc('{ name: C, tenant: acme, email: c@acme.io, timezone: Mars/Olympus }'), 'recipients[2].timezone: "Mars/Olympus" is not an IANA time zone (e.g. Europe/Berlin)'],
      [doc('{ name: C, tenant: acme, email: c@acme.io, quiet_hours: "22:00" }'), 'recipients[2].quiet_hours: expected HH:MM-HH:MM'],
      [doc('{ name: C, tenant: acme }'), 'recipients[2]: at least one of email, slack_channel or phone is required'],
      [doc('{ name: C, email: c@acme.io }'), 'recipients[2].tenant: required (a tenant id, or null for the platform)'],
      [doc('{ tenant: acme, email: c@acme.io }'), 'recipients[2].name: required'],
      [doc('{ name: C, tenant: acme, email: c@acme.io, slack: C0ACME001 }'), 'recipients[2].slack: unknown field'],
      [doc('{ name: C, tenant: acme, email: c@acme.io, groups: [Board] }'), 'recipients[2].groups[0]: "Board" is not a group name (lowercase letters, digits, - and _; starting with a letter or digit)'],
      [doc('{ name: C, tenant: acmee, email: c@acme.io }'), 'recipients[2].tenant: unknown tenant "acmee"'],
      [doc('{ name: C, tenant: acme, email: A@acme.io }'), 'recipients[2].email: "A@acme.io" is listed twice for tenant acme (also recipients[0])'],
      [doc('just a string'), 'recipients[2]: expected a recipient (name, tenant, email …), got string'],
      ['groups:\n  - { name: finance, tenant: acme, members: [x@] }\n', 'groups[0].members[0]: "x@" is not an email address'],
      ['recipients: [\n', '(document): not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]'],
      ['', '(document): expected a mapping with recipients: [...] and/or groups: [...]'],
      ['recipients: []\n', '(document): nothing to import (expected recipients: [...] and/or groups: [...])'],
    ];
    for (const [yaml, message] of cases) {
      const err = await inputError(importRecipients(db, yaml, opts));
      if (message.includes('not valid YAML')) expect(err.message).toMatch(/^\(document\): not valid YAML: /);
      else expect(err.message).toBe(message);
      expect(err.message).not.toContain('\n');
    }
    expect(await count('recipients')).toBe(0);
  });

  it('refuses a group whose members span tenants, and writes nothing (all or nothing)', async () => {
    const yaml = `${importYaml}  - name: c-suite
    tenant: acme
    members: [ann@acme.io, bob@bluepeak.io]
`;
    const err = await inputError(importRecipients(db, yaml, opts));
    expect(err.message).toBe('groups[1] "c-suite" (tenant acme): bob@bluepeak.io belongs to tenant bluepeak');
    expect(await count('recipients')).toBe(0);
    expect(await count('recipient_groups')).toBe(0);
    expect(await count('group_members')).toBe(0);

    // An existing recipient of another tenant is caught the same way; an unknown member is named too.
    await addRecipient(db, { tenantId: 'bluepeak', name: 'Zed', email: 'zed@bluepeak.io' }, opts);
    const existing = await inputError(importRecipients(db, 'groups:\n  - { name: board, tenant: null, members: [zed@bluepeak.io] }\n', opts));
    expect(existing.message).toBe('groups[0] "board" (platform): zed@bluepeak.io belongs to tenant bluepeak');
    const unknown = await inputError(importRecipients(db, `${importYaml}  - { name: ops, tenant: acme, members: [nobody@acme.io] }\n`, opts));
    expect(unknown.message).toBe('groups[1] "ops" (tenant acme): nobody@acme.io is not a recipient of tenant acme (groups[1].members[0])');
    expect(await count('recipients')).toBe(1);
  });
});

describe('herald recipients (CLI)', () => {
  const env = () => ({ DATABASE_URL: t.url, SOURCE_DATABASE_URL: '' });

  it('adds, lists (table and json), removes; bad input exits 2 with one line naming the flag', async () => {
    const added = await herald(['recipients', 'add', '--tenant', 'acme', '--name', 'Ann Archer', '--role', 'CEO', '--email', 'ann@acme.io',
      '--slack', 'C0ACME001', '--timezone', 'America/New_York', '--quiet-hours', '22:00-07:00', '--group', 'c-suite', '--group', 'board'], env());
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toBe('added recipient 1 Ann Archer <ann@acme.io> (tenant acme), groups: board, c-suite\n');
    await addRecipient(db, { tenantId: null, name: 'Pat', phone: '+442071838750', groups: ['board'] }, opts);

    const bad = await herald(['recipients', 'add', '--tenant', 'acme', '--name', 'Bob', '--phone', '+1 555'], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('herald: --phone: "+1 555" is not an E.164 number (+ and 7–15 digits)\n');
    const unknownTenant = await herald(['recipients', 'add', '--tenant', 'nope', '--name', 'Bob', '--email', 'bob@nope.io'], env());
    expect(unknownTenant.code).toBe(2);
    expect(unknownTenant.stderr).toBe('herald: --tenant: unknown tenant "nope"\n');
    const dup = await herald(['recipients', 'add', '--tenant', 'acme', '--name', 'Ann', '--email', 'Ann@acme.io', '--quiet-hours', '22-7'], env());
    expect(dup.code).toBe(2);
    expect(dup.stderr).toBe('herald: --quiet-hours: expected HH:MM-HH:MM\n');

    const table = await herald(['recipients', 'list'], env());
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ID\s+TENANT\s+NAME\s+ROLE\s+EMAIL\s+SLACK\s+PHONE\s+TIMEZONE\s+QUIET\s+GROUPS$/);
    expect(lines[1]).toContain('(platform)');
    expect(lines[2]).toContain('ann@acme.io');
    for (const [header, cell] of [['EMAIL', 'ann@acme.io'], ['QUIET', '22:00-07:00'], ['GROUPS', 'board,c-suite']]) {
      expect(lines[2].indexOf(cell)).toBe(lines[0].indexOf(header));   // aligned columns
    }

    const json = await herald(['recipients', 'list', '--tenant', 'acme', '--group', 'board', '--format', 'json'], env());
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([expect.objectContaining({ id: 1, tenantId: 'acme', email: 'ann@acme.io', groups: ['board', 'c-suite'] })]);

    const removed = await herald(['recipients', 'remove', 'ann@acme.io', '--tenant', 'acme'], env());
    expect(removed).toMatchObject({ code: 0, stdout: 'removed recipient ann@acme.io\n' });
    const again = await herald(['recipients', 'remove', 'ann@acme.io', '--tenant', 'acme'], env());
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('herald: recipient: no recipient "ann@acme.io" in tenant acme\n');
    expect((await listRecipients(db)).map((r) => r.name)).toEqual(['Pat']);
  });

  it('remove of a recipient with deliveries keeps it, marked removed (exit 0, says so); list --removed shows it; an import adds the person again', async () => {
    const a = await addRecipient(db, ann, opts);
    await outboxRow('s:executive-summary:acme:2026-W45:email:1', 'acme', a.id, 'sent');
    await outboxRow('s:executive-summary:acme:2026-W47:email:1', 'acme', a.id, 'pending');
    const removed = await herald(['recipients', 'remove', 'ann@acme.io', '--tenant', 'acme'], env());
    expect(removed.stderr).toBe('');
    expect(removed.code).toBe(0);
    expect(removed.stdout).toBe('removed recipient ann@acme.io: nothing more is sent to it (1 unsent delivery superseded); '
      + 'its deliveries (1 pending, 1 sent) stay for the audit (herald runs show; herald recipients list --removed)\n');
    const again = await herald(['recipients', 'remove', 'ann@acme.io', '--tenant', 'acme', '--force'], env());
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('herald: recipient: no recipient "ann@acme.io" in tenant acme\n');

    expect((await herald(['recipients', 'list'], env())).stdout).toBe('no recipients\n');
    const table = await herald(['recipients', 'list', '--removed'], env());
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+TENANT\s+NAME\s+ROLE\s+EMAIL\s+SLACK\s+PHONE\s+TIMEZONE\s+QUIET\s+REMOVED\s+GROUPS$/);
    expect(lines[1].slice(lines[0].indexOf('REMOVED'))).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const json = JSON.parse((await herald(['recipients', 'list', '--removed', '--format', 'json'], env())).stdout);
    expect(json).toEqual([expect.objectContaining({ id: a.id, email: 'ann@acme.io', groups: [], removedAt: expect.any(String) })]);

    // Importing a file that lists her adds her again, as a new recipient; the removed one stays.
    const file = path.join(dir, 'ann-again.yaml');
    await writeFile(file, 'recipients:\n  - { name: Ann Archer, tenant: acme, email: ann@acme.io, groups: [c-suite] }\n');
    const imported = await herald(['recipients', 'import', file], env());
    expect(imported.stdout).toBe(`imported ${file}: 1 added, 0 updated, 0 unchanged, 0 groups created, 1 memberships added\n`);   // her groups stayed
    expect((await listRecipients(db)).map((r) => [r.id, r.groups])).toEqual([[a.id + 1, ['c-suite']]]);
    expect((await listRecipients(db, { includeRemoved: true })).map((r) => [r.id, r.removedAt !== undefined])).toEqual([[a.id, true], [a.id + 1, false]]);
  });

  it('imports a YAML file; a bad file exits 2 naming the path and writes nothing', async () => {
    const file = path.join(dir, 'recipients.yaml');
    await writeFile(file, importYaml);
    const ok = await herald(['recipients', 'import', file], env());
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(`imported ${file}: 4 added, 0 updated, 0 unchanged, 5 groups created, 6 memberships added\n`);
    expect(await count('recipients')).toBe(4);

    const badFile = path.join(dir, 'bad.yaml');
    await writeFile(badFile, importYaml.replace('email: carl@acme.io', 'email: carl@acme.io\n    phone: "555"').replace('Carl', 'Carla'));
    const bad = await herald(['recipients', 'import', badFile], env());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('herald: recipients[1].phone: "555" is not an E.164 number (+ and 7–15 digits)\n');
    expect((await listRecipients(db)).map((r) => r.name)).not.toContain('Carla');

    const missing = await herald(['recipients', 'import', path.join(dir, 'nope.yaml')], env());
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^herald: file: cannot read .*nope\.yaml: ENOENT\n$/);
  });
});
