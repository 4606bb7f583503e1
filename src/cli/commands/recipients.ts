import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { HeraldConfig } from '../../config/schema.js';
import { InputError } from '../../report/ReportContext.js';
import { BusinessSource } from '../../sources/BusinessSource.js';
import type { Recipient } from '../../recipients/Recipient.js';
import { addRecipient, importRecipients, listRecipients, removeRecipientDetailed } from '../../recipients/recipientsRepo.js';
import { parseQuietHours, type FieldNamer } from '../../recipients/validation.js';
import { openDatabases, type Databases } from '../context.js';

/** `herald recipients add|list|remove|import` (SPEC §7, §9). */

interface ScopeOptions { tenant?: string; platform?: boolean }

export interface AddOptions extends ScopeOptions {
  name?: string;
  role?: string;
  email?: string;
  slack?: string;
  phone?: string;
  timezone?: string;
  quietHours?: string;
  group: string[];
}

export interface ListOptions extends ScopeOptions { group?: string; format: string; removed?: boolean }
export interface RemoveOptions extends ScopeOptions { force?: boolean }

/** Messages name the flags, not the repository's fields. */
const flagNames: FieldNamer = (field) => ({
  tenant: '--tenant', name: '--name', role: '--role', email: '--email', slackChannel: '--slack', phone: '--phone',
  timezone: '--timezone', quietHours: '--quiet-hours', groups: '--group', contact: '--email/--slack/--phone',
}[field]);

/** undefined: every tenant (only when `optional`); null: the platform; else the tenant id. */
function scope(o: ScopeOptions, optional: boolean): string | null | undefined {
  if (o.tenant !== undefined && o.platform) throw new InputError('--tenant', 'give --tenant ID or --platform, not both');
  if (o.platform) return null;
  if (o.tenant !== undefined) {
    if (o.tenant.trim() === '') throw new InputError('--tenant', 'required (a tenant id)');
    return o.tenant.trim();
  }
  if (optional) return undefined;
  throw new InputError('--tenant', 'required (--tenant ID, or --platform for the platform\'s own executives)');
}

async function withDatabases<T>(config: HeraldConfig, fn: (dbs: Databases) => Promise<T>): Promise<T> {
  const dbs = openDatabases(config);
  try {
    return await fn(dbs);
  } finally {
    await dbs.close();
  }
}

/** Tenants live in the business database's `tenants` table (SOURCE_DATABASE_URL, else DATABASE_URL). */
function tenantExists(dbs: Databases): (id: string) => Promise<boolean> {
  const business = new BusinessSource(dbs.source);
  return async (id) => (await business.tenant(id)) !== null;
}

function describe(r: Recipient): string {
  return `${r.id} ${r.name}${r.email ? ` <${r.email}>` : ''} (${r.tenantId === null ? 'platform' : `tenant ${r.tenantId}`})`;
}

export async function recipientsAddCommand(o: AddOptions, config: HeraldConfig, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const tenantId = scope(o, false) as string | null;
  if (o.name === undefined) throw new InputError('--name', 'required');
  const quietHours = o.quietHours !== undefined ? parseQuietHours(o.quietHours, '--quiet-hours') : null;
  await withDatabases(config, async (dbs) => {
    const r = await addRecipient(dbs.herald, {
      tenantId, name: o.name!, role: o.role, email: o.email, slackChannel: o.slack, phone: o.phone,
      timezone: o.timezone, quietHours, groups: o.group,
    }, { tenantExists: tenantExists(dbs), fieldNames: flagNames });
    out.write(`added recipient ${describe(r)}${r.groups.length ? `, groups: ${r.groups.join(', ')}` : ''}\n`);
  });
}

const COLUMNS: [string, (r: Recipient) => string][] = [
  ['ID', (r) => String(r.id)],
  ['TENANT', (r) => r.tenantId ?? '(platform)'],
  ['NAME', (r) => r.name],
  ['ROLE', (r) => r.role ?? ''],
  ['EMAIL', (r) => r.email ?? ''],
  ['SLACK', (r) => r.slackChannel ?? ''],
  ['PHONE', (r) => r.phone ?? ''],
  ['TIMEZONE', (r) => r.timezone ?? ''],
  ['QUIET', (r) => (r.quietHours ? `${r.quietHours.start}-${r.quietHours.end}` : '')],
  ['GROUPS', (r) => r.groups.join(',')],
];

const REMOVED_COLUMN: [string, (r: Recipient) => string] = ['REMOVED', (r) => (r.removedAt ? r.removedAt.replace(/\.\d{3}Z$/, 'Z') : '')];

/** An aligned table: each column as wide as its widest cell, two spaces apart; REMOVED with `withRemoved`. */
export function recipientsTable(recipients: Recipient[], withRemoved = false): string {
  const columns = withRemoved ? [...COLUMNS.slice(0, -1), REMOVED_COLUMN, COLUMNS[COLUMNS.length - 1]] : COLUMNS;
  const rows = [columns.map(([h]) => h), ...recipients.map((r) => columns.map(([, cell]) => cell(r).replace(/\s+/g, ' ')))];
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => [...row[i]].length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i] - [...cell].length))).join('  ').trimEnd()).join('\n') + '\n';
}

export async function recipientsListCommand(o: ListOptions, config: HeraldConfig, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (o.format !== 'table' && o.format !== 'json') throw new InputError('--format', `"${o.format}" (expected table or json)`);
  const tenantId = scope(o, true);
  await withDatabases(config, async (dbs) => {
    const recipients = await listRecipients(dbs.herald, { tenantId, group: o.group, includeRemoved: o.removed });
    if (o.format === 'json') out.write(JSON.stringify(recipients, null, 2) + '\n');
    else if (recipients.length === 0) out.write('no recipients\n');
    else out.write(recipientsTable(recipients, o.removed));
  });
}

export async function recipientsRemoveCommand(idOrEmail: string, o: RemoveOptions, config: HeraldConfig, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const tenantId = scope(o, true);
  await withDatabases(config, async (dbs) => {
    const r = await removeRecipientDetailed(dbs.herald, idOrEmail, tenantId, { force: o.force });
    if (r === null) {
      throw new InputError('recipient', `no recipient "${idOrEmail}"${tenantId === undefined ? '' : ` in ${tenantId === null ? 'the platform' : `tenant ${tenantId}`}`}`);
    }
    const history = Object.entries(r.history).map(([status, n]) => `${n} ${status}`).join(', ');
    if (r.mode === 'removed') {
      out.write(`removed recipient ${idOrEmail}: nothing more is sent to it`
        + `${r.superseded > 0 ? ` (${r.superseded} unsent deliver${r.superseded === 1 ? 'y' : 'ies'} superseded)` : ''}; `
        + `its deliveries (${history}) stay for the audit (herald runs show; herald recipients list --removed)\n`);
    } else if (r.deletedDeliveries > 0) {
      out.write(`removed recipient ${idOrEmail} and its ${r.deletedDeliveries} unsent deliver${r.deletedDeliveries === 1 ? 'y' : 'ies'} (--force; nothing was ever sent to it)\n`);
    } else {
      out.write(`removed recipient ${idOrEmail}\n`);
    }
  });
}

export async function recipientsImportCommand(file: string, config: HeraldConfig, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError('file', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  await withDatabases(config, async (dbs) => {
    const r = await importRecipients(dbs.herald, text, { tenantExists: tenantExists(dbs), file });
    out.write(`imported ${file}: ${r.added} added, ${r.updated} updated, ${r.unchanged} unchanged, `
      + `${r.groupsCreated} groups created, ${r.membershipsAdded} memberships added\n`);
  });
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Registers the `recipients` command group on the program. */
export function registerRecipientsCommands(program: Command, config: () => Promise<HeraldConfig>): void {
  const recipients = program.command('recipients').description('people who receive briefs (add, list, remove, import)');

  recipients.command('add').description('add a recipient: --tenant ID|--platform --name N and at least one of --email, --slack, --phone')
    .option('--tenant <id>', 'tenant id')
    .option('--platform', "one of the platform's own executives (portfolio reports)")
    .option('--name <name>', 'full name')
    .option('--role <role>', 'role, e.g. CEO')
    .option('--email <address>', 'email address')
    .option('--slack <channel>', 'Slack channel id (C…, G… or D…)')
    .option('--phone <number>', 'E.164 phone number for SMS alerts (+14155550100)')
    .option('--timezone <zone>', 'IANA time zone, e.g. Europe/Berlin')
    .option('--quiet-hours <HH:MM-HH:MM>', 'local quiet hours, e.g. 22:00-07:00')
    .option('--group <name>', 'group to join (repeatable; created for the tenant when missing)', collect, [] as string[])
    .action(async (o: AddOptions) => recipientsAddCommand(o, await config()));

  recipients.command('list').description('list recipients and their groups')
    .option('--tenant <id>', "only this tenant's recipients")
    .option('--platform', "only the platform's own executives")
    .option('--group <name>', 'only members of this group')
    .option('--format <format>', 'table | json', 'table')
    .option('--removed', 'also removed recipients (kept for the audit), with when they were removed')
    .action(async (o: ListOptions) => recipientsListCommand(o, await config()));

  recipients.command('remove <id-or-email>')
    .description('remove a recipient: nothing more is sent to it; one with deliveries is kept, marked removed, for the audit (runs show, list --removed)')
    .option('--tenant <id>', 'the tenant whose recipient it is')
    .option('--platform', "one of the platform's own executives")
    .option('--force', 'when nothing was ever sent to it: delete it for good with its unsent deliveries instead of keeping it marked removed')
    .action(async (idOrEmail: string, o: RemoveOptions) => recipientsRemoveCommand(idOrEmail, o, await config()));

  recipients.command('import <file>').description('import recipients and groups from YAML (one transaction; re-import updates)')
    .action(async (file: string) => recipientsImportCommand(file, await config()));
}
