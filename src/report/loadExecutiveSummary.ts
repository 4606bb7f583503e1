import type { ExecutiveSummaryData } from './types.js';
import { InputError, type ReportContext } from './ReportContext.js';
import { buildExecutiveSummary } from './buildExecutiveSummary.js';
import { alertsRaised } from '../sources/BusinessSource.js';
import type { BusinessFacts, EventFacts, TenantRow } from '../sources/types.js';
import { parsePeriod, previousPeriod, type Period } from '../time/periods.js';

/** Reads one tenant's facts for one period: each source queried on its own, all at once. */
export async function gatherFacts(ctx: ReportContext, tenant: TenantRow, period: Period): Promise<{ business: BusinessFacts; events: EventFacts }> {
  const range = { start: period.start.toJSDate(), end: period.end.toJSDate() };
  const [daily, vps, ips, payments, subscriptions, alerts, events] = await Promise.all([
    ctx.business.dailySummaries(tenant.id, period.days[0], period.days[period.days.length - 1]),
    ctx.business.vpsInstances(tenant.id),
    ctx.business.ipAddresses(tenant.id),
    ctx.business.payments(tenant.id, range, period.timezone),
    ctx.business.subscriptions(tenant.id),
    alertsRaised(ctx.heraldDb, tenant.id, range),
    ctx.events.eventFacts(tenant.id, range),
  ]);
  return { business: { daily, vps, ips, payments, subscriptions, alerts }, events };
}

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
): Promise<ExecutiveSummaryData> {
  const tenant = await requireTenant(ctx, tenantId);
  const zone = timezone ?? (tenant.timezone || ctx.timezone);
  const period = typeof periodOrLabel === 'string' ? parsePeriod(periodOrLabel, zone) : periodOrLabel;
  const previous = previousPeriod(period);
  const [current, prior, newestSummaryDate] = await Promise.all([
    gatherFacts(ctx, tenant, period),
    gatherFacts(ctx, tenant, previous),
    ctx.business.newestSummaryDate(tenant.id),
  ]);
  return buildExecutiveSummary({
    tenant,
    period,
    previous,
    current,
    prior,
    newestSummaryDate,
    now: ctx.clock.now(),
    settings: ctx.settings,
    alertRules: ctx.alertRules,
  });
}
