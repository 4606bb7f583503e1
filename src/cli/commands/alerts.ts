import { userInfo } from 'node:os';
import type { HeraldConfig } from '../../config/schema.js';
import { InputError } from '../../report/ReportContext.js';
import { BusinessSource } from '../../sources/BusinessSource.js';
import { createLogger } from '../../ops/logger.js';
import { HeraldMetrics } from '../../ops/metrics.js';
import { OperatorNotices } from '../../ops/operatorNotices.js';
import { OutboxDispatcher } from '../../delivery/OutboxDispatcher.js';
import { channelsFromEnv, closeChannels } from '../../worker/channelsFromEnv.js';
import { systemClock, type Clock } from '../../time/clock.js';
import { AlertEngine } from '../../alerts/AlertEngine.js';
import { actOnAlert } from '../../alerts/alertActions.js';
import { alertById } from '../../alerts/alertStore.js';
import { observe } from '../../alerts/lifecycle.js';
import { RULE_NAMES, defaultRuleSettings, type RuleName } from '../../alerts/settings.js';
import { ruleLabel } from '../../alerts/alertMessages.js';
import { withMigratedDatabases } from '../context.js';
import { heraldEventsFromEnv } from '../../ops/heraldEvents.js';

/** `herald alerts list|show|ack|test` (SPEC §8, §9). */

function table(rows: string[][], out: NodeJS.WritableStream): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) out.write(`${r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd()}\n`);
}
const iso = (d: Date | string | null) => (d ? new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z') : '');
export const STATES = ['pending', 'firing', 'acknowledged', 'resolved', 'open'] as const;


function alertId(text: string): number {
  if (!/^\d{1,15}$/.test(text)) throw new InputError('alert-id', `"${text.slice(0, 40)}" is not an alert id (a number, see herald alerts list)`);
  return Number(text);
}

export async function alertsListCommand(config: HeraldConfig, o: { tenant?: string; state?: string; limit: string }, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const limit = Number(o.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new InputError('--limit', `"${o.limit}" is not a number from 1 to 10000`);
  if (o.state !== undefined && !(STATES as readonly string[]).includes(o.state)) throw new InputError('--state', `"${o.state}" (expected ${STATES.join(', ')})`);
  await withMigratedDatabases(config, async (dbs) => {
    const { rows } = await dbs.herald.query<{ id: number; code: string | null; rule: string; tenant_id: string | null; severity: string; state: string; test: boolean; fired_at: Date | null; acknowledged_by: string | null; resolved_at: Date | null; summary: string }>(
      `SELECT id::int AS id, code, rule, tenant_id, severity, state, test, fired_at, acknowledged_by, resolved_at, coalesce(short, summary) AS summary
         FROM herald.alerts
        WHERE ($1::text IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR state = $2 OR ($2 = 'open' AND state <> 'resolved'))
        ORDER BY id DESC LIMIT $3`, [o.tenant ?? null, o.state ?? null, limit]);
    if (rows.length === 0) {
      out.write('no alerts\n');
      return;
    }
    table([['ID', 'CODE', 'RULE', 'TENANT', 'SEVERITY', 'STATE', 'FIRED (UTC)', 'ACKNOWLEDGED BY', 'RESOLVED (UTC)', 'WHAT'],
      ...rows.map((r) => [String(r.id), r.code ?? '', r.rule, r.tenant_id ?? '(platform)', r.severity, `${r.state}${r.test ? ' (test)' : ''}`, iso(r.fired_at),
        r.acknowledged_by ?? '', iso(r.resolved_at), r.summary.slice(0, 70)])], out);
  });
}

/** `herald alerts show <id>`: the alert, its timeline, and every notification with who, when, how and the provider's id. */
export async function alertsShowCommand(config: HeraldConfig, id: string, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const alertIdNumber = alertId(id);
  await withMigratedDatabases(config, async (dbs) => {
    const a = await alertById(dbs.herald, alertIdNumber);
    if (!a) throw new InputError('alert-id', `no alert ${id}`);
    out.write(`alert ${a.id} (code ${a.code}): ${ruleLabel(a.rule)} for ${a.tenantName ?? a.tenantId ?? 'the platform'}${a.test ? ' — TEST' : ''}\n`);
    out.write(`${a.severity}, ${a.state}; ${a.summary}\n`);
    out.write(`raised ${iso(a.raisedAt)}, fired ${iso(a.firedAt) || 'never'}${a.acknowledgedAt ? `, acknowledged ${iso(a.acknowledgedAt)} by ${a.acknowledgedBy ?? '?'}` : ''}${a.resolvedAt ? `, resolved ${iso(a.resolvedAt)}` : ''}\n`);
    const events = (await dbs.herald.query<{ at: Date; kind: string; detail: Record<string, unknown> | null }>(
      `SELECT at, kind, detail FROM herald.alert_events WHERE alert_id = $1 ORDER BY at, id`, [a.id])).rows;
    const sends = (await dbs.herald.query<{ step: string; channel: string; name: string; address: string | null; status: string; attempts: number; sent_at: Date | null; next_attempt_at: Date; provider_id: string | null; last_error: string | null }>(
      `SELECT n.step, o.channel, r.name, CASE o.channel WHEN 'email' THEN r.email WHEN 'slack' THEN r.slack_channel ELSE r.phone END AS address,
              o.status, o.attempts, o.sent_at, o.next_attempt_at, o.provider_id, o.last_error
         FROM herald.alert_notifications n JOIN herald.outbox o ON o.id = n.outbox_id JOIN herald.recipients r ON r.id = o.recipient_id
        WHERE n.alert_id = $1 ORDER BY o.id`, [a.id])).rows;
    const waiting = (await dbs.herald.query<{ step: string; name: string; created_at: Date }>(
      `SELECT i.step, r.name, i.created_at FROM herald.sms_intents i JOIN herald.recipients r ON r.id = i.recipient_id
        WHERE i.alert_id = $1 AND i.outbox_id IS NULL ORDER BY i.id`, [a.id])).rows;
    out.write('\ntimeline\n');
    table([['AT (UTC)', 'WHAT', 'DETAIL'], ...events.map((e) => [iso(e.at), e.kind, e.detail ? JSON.stringify(e.detail) : ''])], out);
    out.write('\nnotifications\n');
    if (sends.length === 0 && waiting.length === 0) out.write('none\n');
    else {
      table([['STEP', 'CHANNEL', 'TO', 'ADDRESS', 'STATUS', 'ATTEMPTS', 'SENT (UTC)', 'PROVIDER ID', 'LAST ERROR'],
        ...sends.map((s) => [s.step, s.channel, s.name, s.address ?? '', s.status === 'pending' && s.attempts === 0 ? `pending (due ${iso(s.next_attempt_at)})` : s.status,
          String(s.attempts), iso(s.sent_at), s.provider_id ?? '', (s.last_error ?? '').slice(0, 60)]),
        ...waiting.map((w) => [w.step, 'sms', w.name, '', `grouping since ${iso(w.created_at)}`, '0', '', '', ''])], out);
    }
  });
}

export async function alertsAckCommand(config: HeraldConfig, id: string, o: { by?: string }, out: NodeJS.WritableStream = process.stdout, clock: Clock = systemClock,
  env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const n = alertId(id);
  const by = o.by?.trim() || `${userInfo().username} (command line)`;
  const events = heraldEventsFromEnv(env, createLogger({ level: env.HERALD_LOG_LEVEL || 'warn' }));
  return withMigratedDatabases(config, async (dbs) => {
    const engine = AlertEngine.withBusiness(config, createLogger({ level: 'error' }), new BusinessSource(dbs.source));
    const r = await actOnAlert(dbs.herald, engine, { id: n }, { kind: 'ack' }, () => by, clock.now(), config.alerts.tiers.length, { events, via: 'command-line' });
    if (!r.ok && !r.alert) throw new InputError('alert-id', `no alert ${id}`);
    if (!r.ok) {
      out.write(`alert ${id}: ${r.reason}\n`);
      return 1;
    }
    out.write(`alert ${id} (code ${r.alert.code}) acknowledged by ${by}; repeats and escalation stop${r.queued ? `; ${r.queued} notice(s) queued` : ''}\n`);
    return 0;
  }).finally(() => events.shutdown()); // bounded: the acknowledgement is done whatever PostHog says
}

/** The top severity each rule can reach: a test goes through that route. */
const TEST_SEVERITY: Record<RuleName, 'critical' | 'high'> = { deliverability: 'critical', 'revenue-impact': 'critical', 'cost-overrun': 'critical', efficiency: 'high', optimization: 'high' };

/**
 * `herald alerts test <rule> --tenant ID`: a test alert, marked as such, through the rule's real
 * route (its top severity): the same recipients, channels and outbox, and it can be acknowledged
 * by reply. Sends its own notifications when this process has the channels; else the workers do.
 */
export async function alertsTestCommand(config: HeraldConfig, rule: string, o: { tenant?: string }, out: NodeJS.WritableStream = process.stdout,
  env: NodeJS.ProcessEnv = process.env, clock: Clock = systemClock): Promise<number> {
  if (!(RULE_NAMES as readonly string[]).includes(rule)) throw new InputError('rule', `"${rule.slice(0, 40)}" (expected ${RULE_NAMES.join(', ')})`);
  if (!o.tenant?.trim()) throw new InputError('--tenant', 'required (a tenant id)');
  const channels = channelsFromEnv(config, env);
  const logger = createLogger({ level: env.HERALD_LOG_LEVEL || 'error' });
  const events = heraldEventsFromEnv(env, logger);
  try {
    return await withMigratedDatabases(config, async (dbs) => {
      const business = new BusinessSource(dbs.source);
      const tenant = await business.tenant(o.tenant!.trim());
      if (!tenant) throw new InputError('--tenant', `unknown tenant "${o.tenant}"`);
      const engine = AlertEngine.withBusiness(config, logger, business);
      const now = clock.now();
      const severity = TEST_SEVERITY[rule as RuleName];
      const label = ruleLabel(rule).toLowerCase();
      const opened = await AlertEngine.locked(dbs.herald, async (tx) => {
        const decision = observe(null, {
          verdict: 'breach', severity, value: 0, threshold: 0, atRisk: null,
          short: `test of the ${label} alert route, nothing is wrong`,
          summary: `This is a test of the ${label} alert route for ${tenant.name}: nothing is wrong. Reply to try the acknowledgement.`,
        }, now, { kind: 'condition', forMs: 0, resolveAfter: defaultRuleSettings.deliverability.resolveAfter ?? 3, quietForMs: 0 });
        const r = await engine.apply(tx, null, decision, now, { rule, tenantId: tenant.id, fingerprint: `test:${rule}:${tenant.id}`, tenantName: tenant.name, test: true });
        await engine.groupSms(tx, now);
        return r.alert;
      }, { wait: true });
      if (!opened) throw new InputError('rule', `a test of ${rule} for ${tenant.id} is already open (herald alerts list --state open)`);
      const ids = (await dbs.herald.query<{ id: number }>(`SELECT outbox_id::int AS id FROM herald.alert_notifications WHERE alert_id = $1`, [opened.id])).rows.map((r) => r.id);
      out.write(`test alert ${opened.id} (code ${opened.code}) for ${tenant.name}: ${ids.length} notification(s) queued through the ${severity} route\n`);
      if (ids.length === 0) {
        out.write(`nobody is in the tiers ${config.alerts.tiers.join(', ')} of ${tenant.id} with an address for ${config.alerts.routes[severity].join(', ') || 'no channel'}\n`);
        return 1;
      }
      const metrics = new HeraldMetrics();
      const dispatcher = new OutboxDispatcher({ db: dbs.herald, channels, clock, logger, metrics, notices: new OperatorNotices({ db: dbs.herald, logger, metrics }), outboxIds: ids, events });
      while ((await dispatcher.runOnce()) > 0) { /* its own notifications only; retries are the workers' */ }
      const { rows } = await dbs.herald.query<{ channel: string; name: string; status: string; provider_id: string | null; last_error: string | null }>(
        `SELECT o.channel, r.name, o.status, o.provider_id, o.last_error FROM herald.outbox o JOIN herald.recipients r ON r.id = o.recipient_id WHERE o.id = ANY($1::bigint[]) ORDER BY o.id`, [ids]);
      for (const r of rows) out.write(`  ${r.channel.padEnd(5)} ${r.name}: ${r.status}${r.provider_id ? ` (${r.provider_id})` : ''}${r.status !== 'sent' && !channels[r.channel as 'sms'] ? ' (this command has no credentials for it: a worker sends it)' : r.last_error ? ` (${r.last_error.slice(0, 80)})` : ''}\n`);
      out.write(`reply "ACK ${opened.code}" to the SMS, or run: herald alerts ack ${opened.id}\n`);
      return rows.some((r) => r.status === 'dead') ? 1 : 0;
    });
  } finally {
    closeChannels(channels);
    await events.shutdown();
  }
}
