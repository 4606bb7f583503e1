import YAML from 'yaml';
import { z } from 'zod';
import type { Db } from '../db/Db.js';
import { InputError } from '../report/ReportContext.js';
import type { Recipient } from './Recipient.js';
import {
  checkEmail, checkGroupName, parseQuietHours, repoFieldNames, tenantLabel, validateRecipient,
  type FieldNamer, type RecipientField, type ValidRecipient,
} from './validation.js';

/**
 * Recipients and groups (SPEC §7) in herald's tables. Every value is a bound parameter. Tenants
 * are kept apart twice: the code only ever joins a recipient to groups of its own tenant, and the
 * trigger herald.check_same_tenant refuses anything else (group_members and outbox rows).
 */

export interface AddRecipientInput {
  tenantId: string | null;
  name: string;
  role?: string | null;
  email?: string | null;
  slackChannel?: string | null;
  phone?: string | null;
  timezone?: string | null;
  quietHours?: { start: string; end: string } | null;
  groups?: string[];
}

export interface RecipientOptions {
  /**
   * Whether a tenant id exists in the business database's `tenants` table (herald's database may
   * be another one, so there is no foreign key). Without it, tenant ids are not checked.
   */
  tenantExists?: (id: string) => Promise<boolean>;
  /** How messages name fields (default: the repository's field names; the CLI passes its flags). */
  fieldNames?: FieldNamer;
}

interface RecipientRow {
  id: string;
  tenant_id: string | null;
  name: string;
  role: string | null;
  email: string | null;
  slack_channel: string | null;
  phone: string | null;
  timezone: string | null;
  quiet_start: string | null;
  quiet_end: string | null;
  groups: string[];
  removed_at: Date | null;
  sms_opted_out_at: Date | null;
}

function toRecipient(r: RecipientRow): Recipient {
  const removed = r.removed_at === null ? {} : { removedAt: new Date(r.removed_at).toISOString() };
  return {
    id: Number(r.id),
    tenantId: r.tenant_id,
    name: r.name,
    role: r.role,
    email: r.email,
    slackChannel: r.slack_channel,
    phone: r.phone,
    timezone: r.timezone,
    quietHours: r.quiet_start !== null && r.quiet_end !== null ? { start: r.quiet_start, end: r.quiet_end } : null,
    groups: r.groups ?? [],
    ...(r.sms_opted_out_at ? { smsOptedOut: true } : {}),
    ...removed,
  };
}

/** Recipients that still receive briefs (not removed); `r` is the alias of herald.recipients. */
const ACTIVE = 'r.removed_at IS NULL';

/** One row per recipient: its groups are aggregated in a subquery, so nothing fans out. */
async function selectRecipients(db: Db, where: string, values: unknown[], orderBy = 'r.tenant_id NULLS FIRST, r.id'): Promise<Recipient[]> {
  const { rows } = await db.query<RecipientRow>(
    `SELECT r.id, r.tenant_id, r.name, r.role, r.email, r.slack_channel, r.phone, r.timezone,
            to_char(r.quiet_start, 'HH24:MI') AS quiet_start, to_char(r.quiet_end, 'HH24:MI') AS quiet_end,
            coalesce((SELECT array_agg(g.name ORDER BY g.name)
                        FROM herald.group_members m JOIN herald.recipient_groups g ON g.id = m.group_id
                       WHERE m.recipient_id = r.id), '{}'::text[]) AS groups, r.removed_at, r.sms_opted_out_at
       FROM herald.recipients r
      WHERE ${where || 'true'}
      ORDER BY ${orderBy}`, values);
  return rows.map(toRecipient);
}

function pgCode(err: unknown): { code?: string; constraint?: string } {
  return (err && typeof err === 'object' ? err : {}) as { code?: string; constraint?: string };
}

async function checkTenantExists(tenantId: string | null, opts: RecipientOptions, field: string): Promise<void> {
  if (tenantId === null || !opts.tenantExists) return;
  if (!(await opts.tenantExists(tenantId))) throw new InputError(field, `unknown tenant "${tenantId}"`);
}

/** The group (name, tenant), created when missing. */
async function ensureGroup(tx: Db, name: string, tenantId: string | null): Promise<{ id: string; created: boolean }> {
  const inserted = await tx.query<{ id: string }>(
    `INSERT INTO herald.recipient_groups (name, tenant_id) VALUES ($1, $2)
     ON CONFLICT (name, coalesce(tenant_id, '')) DO NOTHING RETURNING id`, [name, tenantId]);
  if (inserted.rows[0]) return { id: inserted.rows[0].id, created: true };
  const existing = await tx.query<{ id: string }>(
    `SELECT id FROM herald.recipient_groups WHERE name = $1 AND tenant_id IS NOT DISTINCT FROM $2::text`, [name, tenantId]);
  return { id: existing.rows[0].id, created: false };
}

/** Adds a membership (the trigger refuses one across tenants); true when it is new. */
async function joinGroup(tx: Db, groupId: string, recipientId: string | number): Promise<boolean> {
  const { rows } = await tx.query(
    `INSERT INTO herald.group_members (group_id, recipient_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1`,
    [groupId, recipientId]);
  return rows.length > 0;
}

function recipientValues(r: ValidRecipient): unknown[] {
  return [r.tenantId, r.name, r.role, r.email, r.slackChannel, r.phone, r.timezone, r.quietHours?.start ?? null, r.quietHours?.end ?? null];
}

/**
 * Adds one recipient and joins it to its groups (created on demand for its tenant), all in one
 * transaction. A second recipient with the same email in the same tenant is refused; a removed
 * one does not count (the person is added again, as a new recipient).
 */
export async function addRecipient(db: Db, input: AddRecipientInput, opts: RecipientOptions = {}): Promise<Recipient> {
  const names = opts.fieldNames ?? repoFieldNames;
  const r = validateRecipient(input, names);
  await checkTenantExists(r.tenantId, opts, names('tenant'));
  const duplicate = () => new InputError(names('email'), `"${r.email}" is already a recipient of ${tenantLabel(r.tenantId)}`);
  try {
    return await db.transaction(async (tx) => {
      if (r.email !== null) {
        const dup = await tx.query(
          `SELECT 1 FROM herald.recipients r WHERE coalesce(r.tenant_id, '') = coalesce($1::text, '') AND lower(r.email) = lower($2) AND ${ACTIVE}`,
          [r.tenantId, r.email]);
        if (dup.rows.length) throw duplicate();
      }
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO herald.recipients (tenant_id, name, role, email, slack_channel, phone, timezone, quiet_start, quiet_end)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::time, $9::time) RETURNING id`, recipientValues(r));
      const id = rows[0].id;
      for (const g of r.groups) await joinGroup(tx, (await ensureGroup(tx, g, r.tenantId)).id, id);
      return (await selectRecipients(tx, 'r.id = $1', [id]))[0];
    });
  } catch (err) {
    // Two concurrent adds of the same email: the unique index decides.
    if (pgCode(err).code === '23505' && pgCode(err).constraint === 'recipients_tenant_email') throw duplicate();
    throw err;
  }
}

export interface RecipientFilter {
  /** undefined: every tenant; null: the platform's own recipients. */
  tenantId?: string | null;
  /** Only members of the group with this name (in the tenant's groups when tenantId is given). */
  group?: string;
  /** Also removed recipients (they have `removedAt`, and no groups any more). */
  includeRemoved?: boolean;
}

/**
 * Recipients, each once, with its groups; ordered by tenant (platform first), then id. Removed
 * recipients only with `includeRemoved`.
 */
/** One recipient by id, removed or not (a delivery queued before a removal still resolves). */
export async function recipientById(db: Db, id: number): Promise<Recipient | null> {
  return (await selectRecipients(db, 'r.id = $1', [id]))[0] ?? null;
}

export async function listRecipients(db: Db, filter: RecipientFilter = {}): Promise<Recipient[]> {
  const where: string[] = filter.includeRemoved ? [] : [ACTIVE];
  const values: unknown[] = [];
  if (filter.tenantId !== undefined) {
    values.push(filter.tenantId);
    where.push(`r.tenant_id IS NOT DISTINCT FROM $${values.length}::text`);
  }
  if (filter.group !== undefined) {
    values.push(filter.group);
    where.push(`EXISTS (SELECT 1 FROM herald.group_members m JOIN herald.recipient_groups g ON g.id = m.group_id
                         WHERE m.recipient_id = r.id AND g.name = $${values.length})`);
  }
  return selectRecipients(db, where.join(' AND '), values);
}

export interface RemoveOptions {
  /**
   * For a recipient that never received anything (no sent or in-flight delivery): delete it for
   * good, with its unsent outbox rows (pending, dead, superseded), instead of the soft removal.
   * A recipient with a sent delivery is soft-removed with or without it.
   */
  force?: boolean;
}

export interface RemovalResult {
  id: number;
  tenantId: string | null;
  name: string;
  email: string | null;
  /** 'deleted': the row is gone (no history, or --force without anything sent); 'removed': soft removal. */
  mode: 'deleted' | 'removed';
  /** Its outbox rows by status before the removal (the audit that stays, for 'removed'). */
  history: Record<string, number>;
  /** Pending or in-flight deliveries that will not be sent (marked superseded). */
  superseded: number;
  /** Unsent outbox rows deleted with the recipient ('deleted' with --force). */
  deletedDeliveries: number;
}

/**
 * Removes a recipient by id or email (case-insensitive); `tenantId` narrows the match (null: the
 * platform's). Returns how many recipients were removed (0: none matched; a removed recipient no
 * longer matches). See removeRecipientDetailed for what removing means.
 */
export async function removeRecipient(db: Db, idOrEmail: string, tenantId?: string | null, opts: RemoveOptions = {}): Promise<number> {
  return (await removeRecipientDetailed(db, idOrEmail, tenantId, opts)) === null ? 0 : 1;
}

/**
 * Removes a recipient: from then on it receives nothing, and who received which brief stays
 * answerable (SPEC §7). Returns null when no (active) recipient matched.
 *
 *  - no outbox rows at all: the recipient is deleted (its group memberships go with it);
 *  - outbox rows (delivery history): soft removal. `removed_at` is set, its group memberships are
 *    dropped (no group reaches it any more), its pending and in-flight deliveries are marked
 *    superseded ('recipient removed'), and every outbox row stays, so `herald runs show` still
 *    names it. A send that was already in flight may still complete and is then recorded as sent;
 *    one that fails is not retried (the outbox_skip_removed trigger turns it superseded).
 *  - `force` and nothing ever sent or in flight: deleted for good, with its unsent outbox rows.
 *
 * The recipient row is locked first, so a scheduler cannot queue a new delivery to it meanwhile
 * (and one queued just after is superseded by the trigger). Its email is free again at once: the
 * same person can be added back as a new recipient.
 */
export async function removeRecipientDetailed(db: Db, idOrEmail: string, tenantId?: string | null, opts: RemoveOptions = {}): Promise<RemovalResult | null> {
  const key = String(idOrEmail ?? '').trim();
  if (key === '') throw new InputError('recipient', 'required (an id or an email address)');
  const byId = /^\d+$/.test(key);
  if (byId && key.length > 15) throw new InputError('recipient', `"${key.slice(0, 40)}" is not a recipient id`);
  return db.transaction(async (tx) => {
    const values: unknown[] = [byId ? key : key.toLowerCase()];
    let where = (byId ? 'r.id = $1' : 'lower(r.email) = $1') + ` AND ${ACTIVE}`;
    if (tenantId !== undefined) {
      values.push(tenantId);
      where += ` AND r.tenant_id IS NOT DISTINCT FROM $2::text`;
    }
    const { rows } = await tx.query<{ id: string; tenant_id: string | null; email: string | null; name: string }>(
      `SELECT r.id, r.tenant_id, r.email, r.name FROM herald.recipients r WHERE ${where} ORDER BY r.id FOR UPDATE`, values);
    if (rows.length === 0) return null;
    if (rows.length > 1) {
      throw new InputError('tenant', `"${key}" is a recipient of ${rows.map((r) => tenantLabel(r.tenant_id)).join(' and ')}; say which (--tenant ID or --platform)`);
    }
    const r = rows[0];
    const result: RemovalResult = {
      id: Number(r.id), tenantId: r.tenant_id, name: r.name, email: r.email, mode: 'deleted', history: {}, superseded: 0, deletedDeliveries: 0,
    };
    const history = await tx.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM herald.outbox WHERE recipient_id = $1 GROUP BY status ORDER BY status`, [r.id]);
    result.history = Object.fromEntries(history.rows.map((h) => [h.status, h.n]));
    const reached = (result.history.sent ?? 0) + (result.history.sending ?? 0);
    if (history.rows.length > 0 && !(opts.force && reached === 0)) {
      await tx.query(`UPDATE herald.recipients SET removed_at = now() WHERE id = $1`, [r.id]);
      await tx.query(`DELETE FROM herald.group_members WHERE recipient_id = $1`, [r.id]);
      const superseded = await tx.query(
        `UPDATE herald.outbox SET status = 'superseded', locked_until = NULL, last_error = 'recipient removed', error_reason = 'recipient_removed'
          WHERE recipient_id = $1 AND status IN ('pending', 'sending') RETURNING 1`, [r.id]);
      return { ...result, mode: 'removed', superseded: superseded.rows.length };
    }
    if (history.rows.length > 0) {
      const deleted = await tx.query(`DELETE FROM herald.outbox WHERE recipient_id = $1 AND status IN ('pending', 'dead', 'superseded') RETURNING 1`, [r.id]);
      result.deletedDeliveries = deleted.rows.length;
    }
    await tx.query(`DELETE FROM herald.recipients WHERE id = $1`, [r.id]);
    return result;
  });
}

export interface DeliveryRecipients {
  /** Members of the named groups of that tenant, each once, ordered by id. */
  recipients: Recipient[];
  /** Requested group names that tenant does not have (the scheduler warns about them). */
  missingGroups: string[];
}

/**
 * Who receives a delivery for `tenantId` (null: the platform's groups, for portfolio reports):
 * the members of its groups with these names. Another tenant's group with the same name is never
 * consulted, a recipient of another tenant is never returned, and neither is a removed one.
 */
export async function recipientsForDelivery(db: Db, tenantId: string | null, groups: string[]): Promise<DeliveryRecipients> {
  const wanted = [...new Set(groups)];
  if (wanted.length === 0) return { recipients: [], missingGroups: [] };
  const [found, recipients] = await Promise.all([
    db.query<{ name: string }>(
      `SELECT name FROM herald.recipient_groups WHERE tenant_id IS NOT DISTINCT FROM $1::text AND name = ANY($2::text[])`,
      [tenantId, wanted]),
    selectRecipients(db,
      `r.tenant_id IS NOT DISTINCT FROM $1::text AND ${ACTIVE}
       AND EXISTS (SELECT 1 FROM herald.group_members m JOIN herald.recipient_groups g ON g.id = m.group_id
                    WHERE m.recipient_id = r.id AND g.name = ANY($2::text[]) AND g.tenant_id IS NOT DISTINCT FROM $1::text)`,
      [tenantId, wanted], 'r.id'),
  ]);
  const have = new Set(found.rows.map((g) => g.name));
  return { recipients, missingGroups: wanted.filter((g) => !have.has(g)) };
}

// -----------------------------------------------------------------------------------------------
// YAML import

export interface ImportOptions extends Pick<RecipientOptions, 'tenantExists'> {
  /** Names the document in messages about it as a whole. */
  file?: string;
}

export interface ImportResult {
  added: number;
  updated: number;
  unchanged: number;
  groupsCreated: number;
  membershipsAdded: number;
}

const describeValue = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v);
const text = (what = 'text') => z.string({
  error: (iss) => (iss.input === undefined ? 'required' : `expected ${what}, got ${describeValue(iss.input)}`),
});
const optionalText = (what?: string) => text(what).nullish();
const tenantField = z.string({
  error: (iss) => (iss.input === undefined ? 'required (a tenant id, or null for the platform)' : `expected a tenant id or null, got ${describeValue(iss.input)}`),
}).nullable();
const phoneField = z.string({
  error: (iss) => (typeof iss.input === 'number'
    ? `quote the number ("+${iss.input}"): unquoted, YAML reads it as a number`
    : `expected text, got ${describeValue(iss.input)}`),
}).nullish();
const list = <T extends z.ZodType>(item: T, what: string) => z.array(item, {
  error: (iss) => (iss.input === undefined ? 'required' : `expected a list of ${what}, got ${describeValue(iss.input)}`),
});

const recipientEntry = z.strictObject({
  name: text(),
  tenant: tenantField,
  role: optionalText(),
  email: optionalText(),
  slack_channel: optionalText(),
  phone: phoneField,
  timezone: optionalText(),
  quiet_hours: optionalText('"HH:MM-HH:MM"'),
  groups: list(text('a group name'), 'group names').nullish(),
}, { error: (iss) => (iss.code === 'invalid_type' ? `expected a recipient (name, tenant, email …), got ${describeValue(iss.input)}` : undefined) });

const groupEntry = z.strictObject({
  name: text('a group name'),
  tenant: tenantField,
  members: list(text('an email address'), 'email addresses'),
}, { error: (iss) => (iss.code === 'invalid_type' ? `expected a group (name, tenant, members), got ${describeValue(iss.input)}` : undefined) });

const importDocument = z.strictObject({
  recipients: list(recipientEntry, 'recipients').nullish(),
  groups: list(groupEntry, 'groups').nullish(),
}, { error: (iss) => (iss.code === 'invalid_type' ? 'expected a mapping with recipients: [...] and/or groups: [...]' : undefined) });

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function zodInputError(error: z.ZodError, documentName: string): InputError {
  const issues = error.issues.map((i) => {
    let path = formatPath(i.path as PropertyKey[]);
    let message = i.message;
    if (i.code === 'unrecognized_keys') {
      path = formatPath([...(i.path as PropertyKey[]), String(i.keys[0])]);
      message = i.keys.length > 1 ? `unknown fields ${i.keys.map((k) => `"${k}"`).join(', ')}` : 'unknown field';
    }
    return { path: path || documentName, message };
  });
  const [first, ...rest] = issues;
  const more = rest.slice(0, 4).map((i) => `; ${i.path}: ${i.message}`).join('') + (rest.length > 4 ? `; and ${rest.length - 4} more` : '');
  return new InputError(first.path, first.message + more);
}

const yamlFieldNames: Record<RecipientField, string> = {
  tenant: 'tenant', name: 'name', role: 'role', email: 'email', slackChannel: 'slack_channel', phone: 'phone',
  timezone: 'timezone', quietHours: 'quiet_hours', groups: 'groups', contact: '',
};

interface ImportGroup { path: string; name: string; tenantId: string | null; members: { path: string; email: string }[] }

/**
 * Imports recipients and groups from YAML:
 *
 *   recipients: [{ name, tenant, role, email, slack_channel, phone, timezone, quiet_hours: "22:00-07:00", groups: [...] }]
 *   groups: [{ name, tenant, members: [email, …] }]
 *
 * `tenant` is required (null: one of the platform's own executives). Everything is validated
 * first (errors name the path, `recipients[2].phone: …`), then written in one transaction: all or
 * nothing. Idempotent: a recipient is matched by (tenant, email), or by (tenant, name) when it has
 * no email, and updated in place (its fields as the file says); a removed recipient is not matched,
 * so a file that lists someone who was removed adds them again. Memberships are only added, never
 * removed. A group's members must belong to the group's tenant.
 */
export async function importRecipients(db: Db, yamlText: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const documentName = opts.file ?? '(document)';
  const parsed = YAML.parseDocument(yamlText, { prettyErrors: false });
  if (parsed.errors.length > 0) {
    throw new InputError(documentName, `not valid YAML: ${parsed.errors[0].message.split('\n')[0]}`);
  }
  let js: unknown;
  try {
    js = parsed.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // An alias bomb (a billion laughs) is refused by the YAML library before it expands.
    throw new InputError(documentName, `not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const result = importDocument.safeParse(js);
  if (!result.success) throw zodInputError(result.error, documentName);
  const doc = result.data;
  const entries = doc.recipients ?? [];
  const groupEntries = doc.groups ?? [];
  if (entries.length === 0 && groupEntries.length === 0) {
    throw new InputError(documentName, 'nothing to import (expected recipients: [...] and/or groups: [...])');
  }

  // Validate everything before touching the database.
  const tenantPaths = new Map<string, string>();
  const seen = new Map<string, string>();
  const recipients = entries.map((e, i) => {
    const at = `recipients[${i}]`;
    const names: FieldNamer = (field, index) => {
      if (field === 'contact') return at;
      const base = `${at}.${yamlFieldNames[field]}`;
      return index === undefined ? base : `${base}[${index}]`;
    };
    const quietHours = e.quiet_hours ? parseQuietHours(e.quiet_hours, names('quietHours')) : null;
    const r = validateRecipient({
      tenantId: e.tenant, name: e.name, role: e.role, email: e.email, slackChannel: e.slack_channel,
      phone: e.phone, timezone: e.timezone, quietHours, groups: e.groups ?? [],
    }, names);
    const key = r.email !== null ? `${r.tenantId ?? ''}\u0000email\u0000${r.email.toLowerCase()}` : `${r.tenantId ?? ''}\u0000name\u0000${r.name.toLowerCase()}`;
    const previous = seen.get(key);
    if (previous) {
      throw r.email !== null
        ? new InputError(names('email'), `"${r.email}" is listed twice for ${tenantLabel(r.tenantId)} (also ${previous})`)
        : new InputError(names('name'), `"${r.name}" without an email is listed twice for ${tenantLabel(r.tenantId)} (also ${previous})`);
    }
    seen.set(key, at);
    if (r.tenantId !== null && !tenantPaths.has(r.tenantId)) tenantPaths.set(r.tenantId, names('tenant'));
    return { at, r };
  });
  const groups: ImportGroup[] = groupEntries.map((g, i) => {
    const at = `groups[${i}]`;
    const name = checkGroupName(g.name.trim(), `${at}.name`);
    const tenantId = g.tenant === null ? null : g.tenant.trim();
    if (tenantId === '') throw new InputError(`${at}.tenant`, 'required (a tenant id, or null for the platform)');
    if (tenantId !== null && !tenantPaths.has(tenantId)) tenantPaths.set(tenantId, `${at}.tenant`);
    const members = g.members.map((m, j) => ({ path: `${at}.members[${j}]`, email: checkEmail(m.trim(), `${at}.members[${j}]`) }));
    return { path: at, name, tenantId, members };
  });
  for (const [tenantId, path] of tenantPaths) await checkTenantExists(tenantId, opts, path);

  return db.transaction(async (tx) => {
    const out: ImportResult = { added: 0, updated: 0, unchanged: 0, groupsCreated: 0, membershipsAdded: 0 };
    const groupIds = new Map<string, string>();
    const group = async (name: string, tenantId: string | null): Promise<string> => {
      const k = `${tenantId ?? ''}\u0000${name}`;
      let id = groupIds.get(k);
      if (id === undefined) {
        const g = await ensureGroup(tx, name, tenantId);
        if (g.created) out.groupsCreated++;
        id = g.id;
        groupIds.set(k, id);
      }
      return id;
    };
    const changed = `(r.name, r.role, r.email, r.slack_channel, r.phone, r.timezone, r.quiet_start, r.quiet_end)
      IS DISTINCT FROM ($2, $3, $4, $5, $6, $7, $8::time, $9::time)`;

    for (const { at, r } of recipients) {
      const values = recipientValues(r);
      let id: string;
      let existing: string | undefined;
      if (r.email !== null) {
        existing = (await tx.query<{ id: string }>(
          `SELECT id FROM herald.recipients r WHERE coalesce(r.tenant_id, '') = coalesce($1::text, '') AND lower(r.email) = lower($2) AND ${ACTIVE} FOR UPDATE`,
          [r.tenantId, r.email])).rows[0]?.id;
      } else {
        const same = (await tx.query<{ id: string }>(
          `SELECT id FROM herald.recipients r WHERE r.tenant_id IS NOT DISTINCT FROM $1::text AND r.email IS NULL AND lower(r.name) = lower($2) AND ${ACTIVE} ORDER BY id FOR UPDATE`,
          [r.tenantId, r.name])).rows;
        if (same.length > 1) {
          throw new InputError(`${at}.name`, `"${r.name}" matches ${same.length} recipients without an email in ${tenantLabel(r.tenantId)}; give it an email`);
        }
        existing = same[0]?.id;
      }
      if (existing === undefined) {
        id = (await tx.query<{ id: string }>(
          `INSERT INTO herald.recipients (tenant_id, name, role, email, slack_channel, phone, timezone, quiet_start, quiet_end)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::time, $9::time) RETURNING id`, values)).rows[0].id;
        out.added++;
      } else {
        id = existing;
        const upd = await tx.query(
          `UPDATE herald.recipients r SET name = $2, role = $3, email = $4, slack_channel = $5, phone = $6, timezone = $7,
                  quiet_start = $8::time, quiet_end = $9::time
            WHERE r.id = $10 AND r.tenant_id IS NOT DISTINCT FROM $1::text AND ${changed} RETURNING 1`, [...values, id]);
        if (upd.rows.length) out.updated++;
        else out.unchanged++;
      }
      for (const g of r.groups) if (await joinGroup(tx, await group(g, r.tenantId), id)) out.membershipsAdded++;
    }

    for (const g of groups) {
      const groupId = await group(g.name, g.tenantId);
      const where = `${g.path} "${g.name}" (${g.tenantId === null ? 'platform' : `tenant ${g.tenantId}`})`;
      for (const m of g.members) {
        const matches = (await tx.query<{ id: string; tenant_id: string | null }>(
          `SELECT id, tenant_id FROM herald.recipients r WHERE lower(r.email) = lower($1) AND ${ACTIVE} ORDER BY tenant_id NULLS FIRST, id`, [m.email])).rows;
        const own = matches.find((x) => x.tenant_id === g.tenantId);
        if (!own) {
          if (matches.length > 0) {
            throw new InputError(where, `${m.email} belongs to ${matches.map((x) => tenantLabel(x.tenant_id)).join(' and ')}`);
          }
          throw new InputError(where, `${m.email} is not a recipient of ${tenantLabel(g.tenantId)} (${m.path})`);
        }
        if (await joinGroup(tx, groupId, own.id)) out.membershipsAdded++;
      }
    }
    return out;
  });
}

/**
 * SMS opt-out by reply (STOP, START): recorded on every active recipient with that number, the
 * carriers' rule being per number. Returns how many.
 */
export async function setSmsOptOut(db: Db, phone: string, optedOut: boolean, now: Date): Promise<number> {
  const { rows } = await db.query(
    `UPDATE herald.recipients r SET sms_opted_out_at = $2 WHERE r.phone = $1 AND ${ACTIVE} RETURNING id`, [phone, optedOut ? now : null]);
  return rows.length;
}

/** Active recipients with this phone number (an SMS reply's sender). */
export async function recipientsByPhone(db: Db, phone: string): Promise<Recipient[]> {
  return selectRecipients(db, `r.phone = $1 AND ${ACTIVE}`, [phone]);
}
