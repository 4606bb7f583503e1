import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { HeraldConfig } from '../../config/schema.js';
import { InputError } from '../../report/ReportContext.js';
import { BusinessSource } from '../../sources/BusinessSource.js';
import { computeDecisionReview, roiAchievement } from '../../metrics/decisionReview.js';
import { recordOutcome, recordedOutcomes } from '../../reports/decision-review/outcomes.js';
import type { ReviewDecision } from '../../reports/decision-review/types.js';
import { formatPercentValue, formatUsd } from '../../report/format.js';
import { formatInZone } from '../../time/periods.js';
import { systemClock, type Clock } from '../../time/clock.js';
import { eventStoreFor, withMigratedDatabases } from '../context.js';
import { oneLine } from '../oneLine.js';

/**
 * `herald decisions outcome|list` (SPEC §4, §9): record what a strategic decision actually
 * returned (an audited, append-only record: who, when; the latest wins), and list a tenant's
 * decisions with their due dates and outcomes.
 */

export interface OutcomeOptions { revenue?: string; cost?: string; note?: string; tenant?: string; by?: string }
export interface ListOptions { tenant?: string; due?: boolean }

/** Longest note kept with an outcome (characters). */
export const MAX_NOTE = 1000;
const MAX_ID = 200;
/** Amounts are USD under a trillion, at most cents: what every brief prints. */
const AMOUNT = /^[+-]?(\d{1,12}|\d{1,3}(,\d{3}){1,3})(\.\d{1,2})?$/;

/** A flag's amount in USD: "12500", "-3000.50", "12,500"; anything else (NaN, 1e9, a trillion or more) is bad input naming the flag. */
export function parseAmount(flag: string, text: string | undefined): number {
  if (text === undefined || text.trim() === '') throw new InputError(flag, 'required (an amount in USD, e.g. 12500 or -3000.50)');
  const t = text.trim();
  if (!AMOUNT.test(t)) {
    const digits = t.replace(/[^0-9]/g, '');
    const why = /^[+-]?[\d,]+(\.\d+)?$/.test(t) && digits.length > 12 ? 'too large (amounts are under a trillion USD)' : 'not an amount in USD (e.g. 12500, -3000.50)';
    throw new InputError(flag, `"${oneLine(t, 40)}" is ${why}`);
  }
  const n = Number(t.replace(/,/g, ''));
  return Object.is(n, -0) ? 0 : n;
}

function decisionIdOf(text: string): string {
  const id = text.trim();
  if (id === '' || id.length > MAX_ID || /[\u0000-\u001f\u007f]/.test(id)) {
    throw new InputError('decision-id', `"${oneLine(text, 60)}" is not a decision id (see herald decisions list --tenant ID)`);
  }
  return id;
}

function noteOf(text: string | undefined): string | null {
  if (text === undefined) return null;
  if (text.includes('\u0000')) throw new InputError('--note', 'contains a NUL character');
  const note = text.trim();
  if ([...note].length > MAX_NOTE) throw new InputError('--note', `${[...note].length} characters; at most ${MAX_NOTE}`);
  return note === '' ? null : note;
}

/** Who records: --by, else HERALD_ACTOR, else the operating-system user "(command line)". */
export function actorOf(by: string | undefined, env: NodeJS.ProcessEnv): string {
  const given = by ?? env.HERALD_ACTOR;
  if (given !== undefined && given.trim() !== '') {
    const who = given.trim();
    if (who.length > 200 || /[\u0000-\u001f\u007f]/.test(who)) throw new InputError(by !== undefined ? '--by' : 'HERALD_ACTOR', 'at most 200 characters, no control characters');
    return who;
  }
  let user = 'unknown';
  try {
    user = userInfo().username || user;
  } catch { /* no passwd entry (a container's uid): "unknown" */ }
  return `${user} (command line)`;
}


/** `herald decisions outcome <decision-id> --revenue N --cost N [--note TEXT] [--tenant ID] [--by NAME]`. */
export async function decisionsOutcomeCommand(config: HeraldConfig, idText: string, o: OutcomeOptions, out: NodeJS.WritableStream = process.stdout,
  env: NodeJS.ProcessEnv = process.env, clock: Clock = systemClock): Promise<number> {
  const decisionId = decisionIdOf(idText);
  const revenue = parseAmount('--revenue', o.revenue);
  const cost = parseAmount('--cost', o.cost);
  const note = noteOf(o.note);
  const by = actorOf(o.by, env);
  const tenantFlag = o.tenant === undefined ? null : o.tenant.trim();
  if (tenantFlag === '') throw new InputError('--tenant', 'required (a tenant id)');
  return withMigratedDatabases(config, async (dbs) => {
    const now = clock.now();
    const business = new BusinessSource(dbs.source);
    if (tenantFlag !== null && !(await business.tenant(tenantFlag))) throw new InputError('--tenant', `unknown tenant "${oneLine(tenantFlag, 60)}"`);
    // The decision's tenant is the tenant of its strategic_decision_event.
    const log = await eventStoreFor(config, dbs.source).decisionLog(tenantFlag, now);
    const matches = log.decisions.filter((d) => d.decision_id === decisionId);
    const tenants = [...new Set(matches.map((d) => d.tenant_id))].sort();
    if (tenants.length === 0) {
      throw new InputError('decision-id', `no decision "${oneLine(decisionId, 60)}"${tenantFlag ? ` for tenant ${oneLine(tenantFlag, 60)}` : ''} (see herald decisions list --tenant ID)`);
    }
    if (tenants.length > 1) throw new InputError('--tenant', `decision "${oneLine(decisionId, 60)}" exists for tenants ${tenants.map((t) => oneLine(t, 40)).join(', ')}: name one with --tenant`);
    const tenantId = tenants[0];
    const decision = matches[matches.length - 1];   // the latest event of it (the log is by time)
    const tenant = await business.tenant(tenantId);
    const earlier = (await recordedOutcomes(dbs.herald, [tenantId], new Date('9999-12-31T00:00:00Z'))).filter((r) => r.decision_id === decisionId);
    const saved = await recordOutcome(dbs.herald, { tenant_id: tenantId, decision_id: decisionId, actual_revenue: revenue, actual_cost: cost, note, recorded_by: by }, now);
    const expectedNet = decision.expected_revenue_impact === null || decision.expected_cost_impact === null ? null : decision.expected_revenue_impact - decision.expected_cost_impact;
    const actualNet = revenue - cost;
    const { roi, notRated } = roiAchievement(expectedNet, actualNet);
    const threshold = config.metrics.decisionSuccessAtPercent;
    const verdict = roi === null
      ? `no ROI achievement (${notRated === 'expected_net_zero' ? 'expected net is zero' : notRated === 'expected_net_negative' ? 'expected net is negative' : 'no expected impact'})`
      : `ROI achievement ${formatPercentValue(roi, 1)} of ${formatUsd(expectedNet)} expected (${roi >= threshold ? 'met' : 'missed'}: success at ${threshold}%)`;
    out.write(`outcome ${saved.id} of decision ${oneLine(decisionId, 60)} ("${oneLine(decision.title, 80)}", ${oneLine(tenant?.name ?? tenantId, 60)}) recorded by ${oneLine(by, 60)} at ${saved.recorded_at.toISOString()}\n`);
    out.write(`  revenue ${formatUsd(revenue)}, cost ${formatUsd(cost)}, net ${formatUsd(actualNet)}: ${verdict}\n`);
    if (earlier.length > 0) {
      const last = earlier[earlier.length - 1];
      out.write(`  replaces the outcome recorded ${last.recorded_at.toISOString()} by ${oneLine(last.recorded_by, 60)} (net ${formatUsd(last.actual_revenue - last.actual_cost)}); every record is kept\n`);
    }
    return 0;
  });
}

function statusOf(d: ReviewDecision, threshold: number): string {
  switch (d.state) {
    case 'met': return `met (${formatPercentValue(d.roi_achievement, 1)})`;
    case 'missed': return `missed (${formatPercentValue(d.roi_achievement, 1)} < ${threshold}%)`;
    case 'not_rated': return 'outcome, not rated';
    default:
      if (d.days_overdue !== null) return `awaiting, ${d.days_overdue} ${d.days_overdue === 1 ? 'day' : 'days'} overdue`;
      return d.due_at === null ? 'no due date' : 'in flight';
  }
}

function table(rows: string[][], out: NodeJS.WritableStream): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  for (const r of rows) out.write(`${r.map((c, i) => c + ' '.repeat(widths[i] - [...c].length)).join('  ').trimEnd()}\n`);
}

/** `herald decisions list --tenant ID [--due]`: the tenant's decisions as of now; --due: those past due without an outcome. */
export async function decisionsListCommand(config: HeraldConfig, o: ListOptions, out: NodeJS.WritableStream = process.stdout, clock: Clock = systemClock): Promise<number> {
  const tenantId = o.tenant?.trim();
  if (!tenantId) throw new InputError('--tenant', 'required (a tenant id)');
  return withMigratedDatabases(config, async (dbs) => {
    const now = clock.now();
    const tenant = await new BusinessSource(dbs.source).tenant(tenantId);
    if (!tenant) throw new InputError('--tenant', `unknown tenant "${oneLine(tenantId, 60)}"`);
    const zone = tenant.timezone || config.timezone;
    const [log, recorded] = await Promise.all([eventStoreFor(config, dbs.source).decisionLog(tenant.id, now), recordedOutcomes(dbs.herald, [tenant.id], now)]);
    // As of now: the "period" is everything until now; what is not due yet is "in flight".
    const m = computeDecisionReview({
      period: { start: new Date(0), end: now }, next: { start: now, end: new Date('9999-12-31T00:00:00Z') }, tenants: [{ ...tenant, timezone: zone }], log, recorded,
      settings: config.metrics, defaultTimezone: config.timezone,
    });
    const list = o.due ? m.awaiting : m.all;
    if (list.length === 0) {
      out.write(o.due ? `no decision of ${oneLine(tenant.name, 60)} awaits an outcome\n` : `no decisions tracked for ${oneLine(tenant.name, 60)}\n`);
      return 0;
    }
    const day = (iso: string | null) => (iso ? formatInZone(new Date(iso), zone, 'yyyy-MM-dd') : '');
    table([['DECISION', 'DECIDED', 'TYPE', `DUE (${zone})`, 'STATUS', 'EXPECTED NET', 'ACTUAL NET', 'RECORDED BY', 'TITLE'],
      ...list.map((d) => [oneLine(d.decision_id, 40), day(d.decision_date), oneLine(d.decision_type, 24), d.due_at ? day(d.due_at) : `? ${oneLine(d.outcome_timeframe ?? 'no timeframe', 20)}`,
        statusOf(d, config.metrics.decisionSuccessAtPercent), formatUsd(d.expected_net), d.outcome ? formatUsd(d.outcome.actual_net) : '',
        d.outcome ? oneLine(d.outcome.recorded_by ?? 'event', 30) : '', oneLine(d.title, 60)])], out);
    return 0;
  });
}

export function registerDecisionsCommands(program: Command, config: () => Promise<HeraldConfig>): void {
  const decisions = program.command('decisions').description('strategic decisions: record outcomes, list what is due');
  decisions.command('outcome <decision-id>').description('record what a decision actually returned (audited: who, when; the latest outcome wins)')
    .option('--revenue <usd>', 'actual revenue impact, USD (negative: revenue lost)')
    .option('--cost <usd>', 'actual cost impact, USD')
    .option('--note <text>', `what happened (at most ${MAX_NOTE} characters)`)
    .option('--tenant <id>', "the decision's tenant, when the id is used by several")
    .option('--by <name>', 'who records it (default: HERALD_ACTOR, else your user name)')
    .action(async (id: string, o: OutcomeOptions) => { process.exitCode = await decisionsOutcomeCommand(await config(), id, o); });
  decisions.command('list').description("a tenant's decisions: due dates, outcomes, ROI achievement")
    .option('--tenant <id>', 'tenant id')
    .option('--due', 'only decisions past due without an outcome, most overdue first')
    .action(async (o: ListOptions) => { process.exitCode = await decisionsListCommand(await config(), o); });
}
