import { Info } from 'luxon';
import { InputError } from '../report/ReportContext.js';

/**
 * Boundary validation of a recipient (SPEC §7). The patterns are the ones the CHECK constraints
 * of migrations/002_delivery.sql use, so what passes here is accepted by the database; the
 * messages are one line and name the field as the caller spells it (repository field, CLI flag or
 * YAML path).
 */

export const EMAIL_RE = /^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$/;
export const SLACK_CHANNEL_RE = /^[CGD][A-Z0-9]{6,}$/;
export const E164_RE = /^\+[1-9][0-9]{6,14}$/;
export const GROUP_NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;
const HHMM_RE = /^([01]\d|2[0-3]):[0-5]\d$/;

export type RecipientField =
  | 'tenant' | 'name' | 'role' | 'email' | 'slackChannel' | 'phone' | 'timezone' | 'quietHours' | 'groups' | 'contact';

/** How a caller names a field in messages; `index` is the position in a list (groups). */
export type FieldNamer = (field: RecipientField, index?: number) => string;

export const repoFieldNames: FieldNamer = (field, index) => (index === undefined ? field : `${field}[${index}]`);

export interface RecipientFields {
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

/** A validated, normalised recipient: strings trimmed, blanks turned into null, groups deduplicated. */
export interface ValidRecipient {
  tenantId: string | null;
  name: string;
  role: string | null;
  email: string | null;
  slackChannel: string | null;
  phone: string | null;
  timezone: string | null;
  quietHours: { start: string; end: string } | null;
  groups: string[];
}

function blankToNull(v: string | null | undefined): string | null {
  if (v === undefined || v === null) return null;
  const t = String(v).trim();
  return t === '' ? null : t;
}

export function tenantLabel(tenantId: string | null): string {
  return tenantId === null ? 'the platform' : `tenant ${tenantId}`;
}

export function checkEmail(email: string, field: string): string {
  if (!EMAIL_RE.test(email)) throw new InputError(field, `"${email}" is not an email address`);
  // RFC 5321: a local part of at most 64 octets, a path of at most 254; longer ones bounce.
  const local = email.slice(0, email.lastIndexOf('@'));
  if (Buffer.byteLength(local) > 64) throw new InputError(field, `the part before @ is longer than 64 characters`);
  if (Buffer.byteLength(email) > 254) throw new InputError(field, `longer than 254 characters`);
  return email;
}

/** The longest value each text field takes (the database's and the channels' limits, with room). */
const MAX_LENGTH: Partial<Record<RecipientField, number>> = { tenant: 200, name: 200, role: 100, timezone: 64 };

/** Text from a file or a command line: no NUL or other control characters (they end as database errors or header lines). */
function checkText(value: string | null, field: string, max?: number): string | null {
  if (value === null) return null;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new InputError(field, 'contains a control character (NUL, a line break, …)');
  if (max !== undefined && value.length > max) throw new InputError(field, `longer than ${max} characters`);
  return value;
}

export function checkGroupName(name: string, field: string): string {
  if (!GROUP_NAME_RE.test(name)) {
    throw new InputError(field, `"${name}" is not a group name (lowercase letters, digits, - and _; starting with a letter or digit)`);
  }
  return name;
}

/** "22:00-07:00" → { start: '22:00', end: '07:00' }. */
export function parseQuietHours(text: string, field = 'quietHours'): { start: string; end: string } {
  const m = /^\s*(\d{2}:\d{2})\s*-\s*(\d{2}:\d{2})\s*$/.exec(text);
  if (!m) throw new InputError(field, 'expected HH:MM-HH:MM');
  return checkQuietHours({ start: m[1], end: m[2] }, field);
}

function checkQuietHours(q: { start: string; end: string }, field: string): { start: string; end: string } {
  if (typeof q !== 'object' || q === null || !HHMM_RE.test(String(q.start)) || !HHMM_RE.test(String(q.end))) {
    throw new InputError(field, 'expected HH:MM-HH:MM');
  }
  if (q.start === q.end) throw new InputError(field, `"${q.start}-${q.end}" is an empty window (start equals end)`);
  return { start: q.start, end: q.end };
}

/** Validates and normalises; throws InputError naming the first bad field. */
export function validateRecipient(input: RecipientFields, name: FieldNamer = repoFieldNames): ValidRecipient {
  let tenantId: string | null = null;
  if (input.tenantId !== null && input.tenantId !== undefined) {
    tenantId = checkText(blankToNull(input.tenantId), name('tenant'), MAX_LENGTH.tenant);
    if (tenantId === null) throw new InputError(name('tenant'), 'required (a tenant id, or the platform)');
  }

  const recipientName = checkText(blankToNull(input.name), name('name'), MAX_LENGTH.name);
  if (recipientName === null) throw new InputError(name('name'), 'required');

  const role = checkText(blankToNull(input.role), name('role'), MAX_LENGTH.role);
  const email = checkText(blankToNull(input.email), name('email'));
  const slackChannel = checkText(blankToNull(input.slackChannel), name('slackChannel'));
  const phone = checkText(blankToNull(input.phone), name('phone'));
  const timezone = checkText(blankToNull(input.timezone), name('timezone'), MAX_LENGTH.timezone);

  if (email === null && slackChannel === null && phone === null) {
    const bare = (f: RecipientField) => name(f).split('.').pop();
    throw new InputError(name('contact'), `at least one of ${bare('email')}, ${bare('slackChannel')} or ${bare('phone')} is required`);
  }
  if (email !== null) checkEmail(email, name('email'));
  if (slackChannel !== null && !SLACK_CHANNEL_RE.test(slackChannel)) {
    throw new InputError(name('slackChannel'), `"${slackChannel}" is not a Slack channel id (C…/G…/D…)`);
  }
  if (phone !== null && !E164_RE.test(phone)) {
    throw new InputError(name('phone'), `"${phone}" is not an E.164 number (+ and 7–15 digits)`);
  }
  if (timezone !== null && !Info.isValidIANAZone(timezone)) {
    throw new InputError(name('timezone'), `"${timezone}" is not an IANA time zone (e.g. Europe/Berlin)`);
  }
  const quietHours = input.quietHours ? checkQuietHours(input.quietHours, name('quietHours')) : null;

  const groups: string[] = [];
  (input.groups ?? []).forEach((g, i) => {
    const group = checkGroupName(checkText(String(g).trim(), name('groups', i), 64) ?? '', name('groups', i));
    if (!groups.includes(group)) groups.push(group);
  });

  return { tenantId, name: recipientName, role, email, slackChannel, phone, timezone, quietHours, groups };
}
