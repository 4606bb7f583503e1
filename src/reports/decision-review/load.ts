/**
 * The decision review's facts: the tenants of the scope (business database), the decision log up
 * to the period's end (event store: decisions older than the period, since one is due when its
 * window ends in it) and the outcomes recorded with the command (herald's database).
 */
import type { ReportContext } from '../../report/ReportContext.js';
import { requireTenant } from '../../report/loadExecutiveSummary.js';
import { parsePeriod, periodContaining, type Period } from '../../time/periods.js';
import { buildDecisionReview } from './build.js';
import { recordedOutcomes } from './outcomes.js';
import type { DecisionReviewData } from './types.js';

/**
 * The business events of SPEC §2.2: the freshness check asks whether the event pipeline has
 * reached the period's end (decisions themselves are too rare to tell).
 */
const BUSINESS_EVENTS = ['revenue_impact_event', 'cost_optimization_event', 'operational_efficiency_event', 'strategic_decision_event',
  'email_deliverability_event', 'resource_usage_event', 'decision_outcome_event'] as const;

/** The period after `p`, of the same kind and zone. */
export function nextPeriod(p: Period): Period {
  // A `--to-date` period ends now: the next one follows the whole period.
  const whole = p.toDate ? parsePeriod(p.label, p.timezone) : p;
  return periodContaining(p.kind, whole.end.plus({ hours: 12 }).toJSDate(), p.timezone);
}

/** A tenant or the portfolio (the shape of src/reports/Report.ts ReportScope). */
export type DecisionReviewScope = { kind: 'tenant'; tenantId: string } | { kind: 'portfolio' };

export async function loadDecisionReview(ctx: ReportContext, scope: DecisionReviewScope, period: Period): Promise<DecisionReviewData> {
  const tenants = scope.kind === 'tenant' ? [await requireTenant(ctx, scope.tenantId)] : await ctx.business.tenants();
  const until = period.end.toJSDate();
  const ids = scope.kind === 'tenant' ? [scope.tenantId] : null;
  const [log, recorded, newestSummary, newestEvent] = await Promise.all([
    ctx.events.decisionLog(scope.kind === 'tenant' ? scope.tenantId : null, until),
    recordedOutcomes(ctx.heraldDb, ids, until),
    ctx.business.newestSummaryDateOf(tenants.map((t) => t.id)),
    ctx.events.newestEventAt(BUSINESS_EVENTS),
  ]);
  return buildDecisionReview({
    scope: scope.kind,
    period,
    next: nextPeriod(period),
    tenants,
    log,
    recorded,
    settings: ctx.settings,
    defaultTimezone: ctx.timezone,
    now: ctx.clock.now(),
    newestEventAt: newestEvent,
    // Freshness (the pre-send check): the newest daily summary of any tenant reviewed, in one query.
    newestSummaryDate: newestSummary,
  });
}
