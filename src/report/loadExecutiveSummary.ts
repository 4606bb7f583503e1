import type { ExecutiveSummaryData } from './types.js';
import { InputError, type ReportContext } from './ReportContext.js';
import { buildExecutiveSummary } from './buildExecutiveSummary.js';
import { alertRecordingStart, alertsOfPeriod, type AlertHistoryRow } from '../alerts/alertHistory.js';
import type { BusinessFacts, DailySummaryRow, EventFacts, TenantRow } from '../sources/types.js';
import { RISK_SINCE_LOOKBACK_DAYS } from '../metrics/revenueProtection.js';
import type { InstantRange } from '../sources/EventStore.js';
import { addDays, completePeriod, parsePeriod, previousPeriod, type Period } from '../time/periods.js';

const rangeOf = (p: Period): InstantRange => ({ start: p.start.toJSDate(), end: p.end.toJSDate() });
const within = (d: Date, r: InstantRange) => d >= r.start && d < r.end;

/**
 * Reads one tenant's facts for a report period and the period it is compared with, in one
 * query per source table covering both (a fan-out runs these for every tenant), and splits
 * them per period. Each table is read on its own, all at once.
 *
 * Alerts: a period that starts at or after the instant Herald began recording alerts gets its
 * records (those open at some time in it; the ones that fired in it count for
 * revenue_protection_rate); an earlier period gets null, and its alerts are derived from the events.
 */
export async function gatherFacts(ctx: ReportContext, tenant: TenantRow, period: Period, previous: Period): Promise<{ current: Facts; prior: Facts; recentDaily: DailySummaryRow[]; alertRecordingStart: Date | null }> {
  const ranges = [rangeOf(period), rangeOf(previous)];
  const both = { start: new Date(Math.min(+ranges[0].start, +ranges[1].start)), end: new Date(Math.max(+ranges[0].end, +ranges[1].end)) };
  const days = [period.days, previous.days].map((d) => new Set(d));
  const allDays = [...period.days, ...previous.days].sort();
  const lastDay = allDays[allDays.length - 1];
  // Daily rows reach back RISK_SINCE_LOOKBACK_DAYS from the period's end even for a daily brief:
  // when its state began ("since 21 Nov") is read from them.
  const lookBackFrom = addDays(period.days[period.days.length - 1], 1 - RISK_SINCE_LOOKBACK_DAYS);
  const firstDay = lookBackFrom < allDays[0] ? lookBackFrom : allDays[0];
  const [daily, vps, ips, payments, subscriptions, alerts, recordingStart, events] = await Promise.all([
    ctx.business.dailySummaries(tenant.id, firstDay, lastDay),
    ctx.business.vpsInstances(tenant.id),
    ctx.business.ipAddresses(tenant.id),
    ctx.business.payments(tenant.id, both, period.timezone),
    ctx.business.subscriptions(tenant.id),
    alertsOfPeriod(ctx.heraldDb, tenant.id, both),
    alertRecordingStart(ctx.heraldDb),
    ctx.events.eventFacts(tenant.id, ranges),
  ]);
  const [current, prior] = ranges.map((range, i): Facts => {
    const records = recordingStart !== null && range.start >= recordingStart
      ? alerts.filter((a) => a.first_fired_at < range.end && (a.resolved_at === null || a.resolved_at >= range.start))
      : null;
    return {
      business: {
        daily: daily.filter((d) => days[i].has(d.date)),
        vps,
        ips,
        payments: payments.filter((p) => within(new Date(p.paid_at), range)),
        subscriptions,
        alerts: records?.filter((a) => within(a.first_fired_at, range)) ?? null,
      },
      events: events[i],
      alerts: records,
    };
  });
  const recentDaily = daily.filter((d) => d.date >= lookBackFrom && d.date <= period.days[period.days.length - 1]);
  return { current, prior, recentDaily, alertRecordingStart: recordingStart };
}

/** A period's facts; `alerts`: Herald's alert records of the period, or null when they are derived from the events. */
interface Facts { business: BusinessFacts; events: EventFacts; alerts: AlertHistoryRow[] | null }

export async function requireTenant(ctx: ReportContext, tenantId: string): Promise<TenantRow> {
  const tenant = await ctx.business.tenant(tenantId);
  if (!tenant) throw new InputError('tenant', `unknown tenant "${tenantId}"`);
  return tenant;
}

/**
 * The executive summary of a tenant for a period label (2026-11-21, 2026-W47, 2026-11), resolved
 * in `timezone` if given, else the tenant's zone, else the configured default.
 */
export async function loadExecutiveSummary(
  ctx: ReportContext,
  tenantId: string,
  periodOrLabel: string | Period,
  timezone?: string,
  /** `complete`: a label must name a period that is over (SPEC §3), unless `toDate` cuts it at now. */
  opts: { complete?: boolean; toDate?: boolean } = {},
): Promise<ExecutiveSummaryData> {
  const tenant = await requireTenant(ctx, tenantId);
  const zone = timezone ?? (tenant.timezone || ctx.timezone);
  let period = typeof periodOrLabel === 'string' ? parsePeriod(periodOrLabel, zone) : periodOrLabel;
  if (opts.complete) period = completePeriod(period, ctx.clock.now(), opts.toDate);
  const previous = previousPeriod(period);
  const [{ current, prior, recentDaily, alertRecordingStart }, newestSummaryDate] = await Promise.all([
    gatherFacts(ctx, tenant, period, previous),
    ctx.business.newestSummaryDate(tenant.id),
  ]);
  return buildExecutiveSummary({
    tenant,
    period,
    previous,
    current,
    prior,
    recentDaily,
    newestSummaryDate,
    alertRecordingStart,
    now: ctx.clock.now(),
    settings: ctx.settings,
    alertRules: ctx.alertRules,
  });
}
