/**
 * Reads the cost-optimization report's facts: one tenant, or every tenant (the portfolio), for the
 * six periods of the trend, in seven queries whatever the number of tenants (each table read on
 * its own and grouped by tenant; the events summed by the event store), all at once.
 */
import type { ReportContext } from '../../report/ReportContext.js';
import type { InstantRange } from '../../sources/EventStore.js';
import type { OptimizationGroup, TenantRow } from '../../sources/types.js';
import { requireTenant } from '../../report/loadExecutiveSummary.js';
import type { Period } from '../../time/periods.js';
import type { ReportScope } from '../Report.js';
import { buildPortfolioCostReport, buildTenantCostReport, trendPeriods, type PeriodFacts, type TenantCostFacts } from './build.js';
import type { CostOptimizationData } from './types.js';

/** Milliseconds spent reading, for the benchmark. */
export interface LoadTimings { queries: number; build: number }

function groupBy<T extends { tenant_id: string }>(rows: T[]): Map<string, Omit<T, 'tenant_id'>[]> {
  const out = new Map<string, Omit<T, 'tenant_id'>[]>();
  for (const { tenant_id, ...rest } of rows) {
    let list = out.get(tenant_id);
    if (!list) out.set(tenant_id, (list = []));
    list.push(rest);
  }
  return out;
}

/** Every tenant's facts for the periods, from the set-based reads. */
export async function gatherCostFacts(ctx: ReportContext, tenants: TenantRow[], periods: Period[]): Promise<{ facts: TenantCostFacts[]; newestSummaryDate: string | null; newestEventAt: Date | null }> {
  const ids = tenants.map((t) => t.id);
  const ranges: InstantRange[] = periods.map((p) => ({ start: p.start.toJSDate(), end: p.end.toJSDate() }));
  const dayRanges = periods.map((p) => ({ first: p.days[0], last: p.days[p.days.length - 1] }));
  const [vps, ips, subscriptions, payments, delivery, newestSummaryDate, events] = await Promise.all([
    ctx.business.vpsInstancesOf(ids),
    ctx.business.ipAddressesOf(ids),
    ctx.business.subscriptionsOf(ids),
    ctx.business.paymentTotals(ids, ranges),
    ctx.business.deliveryTotals(ids, dayRanges),
    ctx.business.newestSummaryDateOf(ids),
    ctx.events.optimizationTotals(ids, ranges),
  ]);
  const vpsOf = groupBy(vps), ipsOf = groupBy(ips), subsOf = groupBy(subscriptions);
  const empty = (): PeriodFacts => ({ cash: 0, payments: 0, sent: 0, delivered: 0, summary_days: 0, optimization: [] });
  const perPeriod = new Map<string, PeriodFacts[]>(ids.map((id) => [id, periods.map(empty)]));
  const at = (tenantId: string, range: number): PeriodFacts | undefined => perPeriod.get(tenantId)?.[range];
  for (const p of payments) {
    const f = at(p.tenant_id, p.range);
    if (f) { f.cash += p.amount; f.payments += p.payments; }
  }
  for (const d of delivery) {
    const f = at(d.tenant_id, d.range);
    if (f) { f.sent += d.sent; f.delivered += d.delivered; f.summary_days += d.days; }
  }
  for (const g of events.groups as OptimizationGroup[]) at(g.tenant_id, g.range)?.optimization.push(g);
  const facts = tenants.map((tenant): TenantCostFacts => ({
    tenant,
    vps: (vpsOf.get(tenant.id) ?? []) as TenantCostFacts['vps'],
    ips: (ipsOf.get(tenant.id) ?? []) as TenantCostFacts['ips'],
    subscriptions: (subsOf.get(tenant.id) ?? []) as TenantCostFacts['subscriptions'],
    periods: perPeriod.get(tenant.id)!,
  }));
  return { facts, newestSummaryDate, newestEventAt: events.newest_event_at };
}

/** The cost-optimization report of a scope for a period (already resolved in the scope's zone). */
export async function loadCostOptimization(ctx: ReportContext, scope: ReportScope, period: Period, timings?: LoadTimings): Promise<CostOptimizationData> {
  const t0 = performance.now();
  const tenants = scope.kind === 'tenant' ? [await requireTenant(ctx, scope.tenantId)] : await ctx.business.tenants();
  const periods = trendPeriods(period);
  const { facts, newestSummaryDate, newestEventAt } = await gatherCostFacts(ctx, tenants, periods);
  const t1 = performance.now();
  const options = { periods, now: ctx.clock.now(), settings: ctx.settings, newestSummaryDate, newestEventAt };
  const data = scope.kind === 'tenant' ? buildTenantCostReport(facts[0], options) : buildPortfolioCostReport(facts, options);
  if (timings) Object.assign(timings, { queries: t1 - t0, build: performance.now() - t1 });
  return data;
}

