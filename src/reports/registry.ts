/**
 * The one list of reports (SPEC §5). A report is added here as a module (src/reports/<id>/);
 * everything else (the CLI, jobs/, the scheduler, delivery, the demo) finds it through this map.
 */
import { reportNames } from '../config/schema.js';
import { InputError } from '../report/ReportContext.js';
import type { ReportId, ReportModule, ScopeKind } from './Report.js';
import type { PeriodKind } from '../report/types.js';
import { executiveSummary } from './executive-summary/index.js';
import { decisionReview } from './decision-review/index.js';
import { costOptimization } from './cost-optimization/index.js';

const REPORTS: Partial<Record<ReportId, ReportModule>> = {
  'executive-summary': executiveSummary as unknown as ReportModule,
  'decision-review': decisionReview as unknown as ReportModule,
  'cost-optimization': costOptimization as unknown as ReportModule,
};

/** Every registered report, in the order of SPEC §5. */
export function registeredReports(): ReportModule[] {
  return reportNames.flatMap((id) => REPORTS[id] ?? []);
}

/** The registered module of a report, or undefined (an unknown name, or one this version does not have). */
export function findReport(id: string): ReportModule | undefined {
  return REPORTS[id as ReportId];
}

/**
 * The module of `id`, or bad input naming `field`: an unknown report, or a known one that this
 * version does not have (exit 2, one line).
 */
export function reportModule(id: string, field = 'report'): ReportModule {
  const mod = findReport(id);
  if (mod) return mod;
  throw new InputError(field, notRegistered(id));
}

/** Why `id` has no module, in a line. */
export function notRegistered(id: string): string {
  if (!(reportNames as readonly string[]).includes(id)) return `unknown report "${id}" (expected one of: ${reportNames.join(', ')})`;
  return `"${id}" is not available in this version (available: ${registeredReports().map((r) => r.id).join(', ')})`;
}

/** Whether a report supports a scope and a kind of period; else why not, in a line. */
export function reportSupports(mod: ReportModule, scope: ScopeKind, kind?: PeriodKind): string | null {
  if (!mod.scopes.includes(scope)) {
    return scope === 'portfolio' ? `${mod.id} is a per-tenant report; use --tenant ID` : `${mod.id} is a portfolio report; use --portfolio`;
  }
  if (kind && !mod.periodKinds.includes(kind)) return `${mod.id} covers a ${mod.periodKinds.join(', a ')}, not a ${kind}`;
  return null;
}
