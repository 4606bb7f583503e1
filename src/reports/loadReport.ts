import type { ReportContext } from '../report/ReportContext.js';
import { InputError } from '../report/ReportContext.js';
import { requireTenant } from '../report/loadExecutiveSummary.js';
import { completePeriod, parsePeriod, type Period } from '../time/periods.js';
import type { ReportDataBase, ReportModule, ReportScope } from './Report.js';
import { reportSupports } from './registry.js';

/**
 * The zone a scope's periods are read in (SPEC §3, §9): `--timezone` if given, else the tenant's,
 * else config `timezone`; the portfolio's is config `timezone`. Checks that the tenant exists.
 */
export async function scopeTimezone(ctx: ReportContext, scope: ReportScope, timezone?: string): Promise<string> {
  if (scope.kind === 'portfolio') return timezone ?? ctx.timezone;
  const tenant = await requireTenant(ctx, scope.tenantId);
  return timezone ?? (tenant.timezone || ctx.timezone);
}

/**
 * A report's data object for a scope and a period label (2026-11-21, 2026-W47, 2026-11) or a
 * period. `complete`: a label must name a period that is over (SPEC §3), unless `toDate` cuts it
 * at now. A scope or a kind of period the report does not cover is bad input.
 */
export async function loadReport<D extends ReportDataBase>(ctx: ReportContext, mod: ReportModule<D>, scope: ReportScope, periodOrLabel: string | Period,
  opts: { timezone?: string; complete?: boolean; toDate?: boolean } = {}): Promise<D> {
  const unsupported = reportSupports(mod as unknown as ReportModule, scope.kind);
  if (unsupported) throw new InputError(scope.kind === 'portfolio' ? '--portfolio' : '--tenant', unsupported);
  let period = typeof periodOrLabel === 'string' ? parsePeriod(periodOrLabel, await scopeTimezone(ctx, scope, opts.timezone)) : periodOrLabel;
  const wrongKind = reportSupports(mod as unknown as ReportModule, scope.kind, period.kind);
  if (wrongKind) throw new InputError('--period', wrongKind);
  if (opts.complete) period = completePeriod(period, ctx.clock.now(), opts.toDate);
  return mod.load(ctx, scope, period);
}
