import type { AlertCandidateEvent, DecisionLog, EventFacts, OptimizationGroup } from './types.js';

/** A half-open instant range [start, end). */
export interface InstantRange { start: Date; end: Date }

/**
 * Where business events come from (SPEC §2.2): PostHog's PostgreSQL batch-export table, or
 * PostHog's query API. Both aggregate on their side and must give the same numbers.
 */
export interface EventStore {
  readonly kind: 'posthog-export' | 'posthog-api';
  /**
   * Every event fact of each range (a report period and the one it is compared with),
   * deduplicated by event uuid; one answer per range, in order.
   */
  eventFacts(tenantId: string, ranges: InstantRange[]): Promise<EventFacts[]>;

  /**
   * The decision log (SPEC §4 strategic decisions): every strategic_decision_event and
   * decision_outcome_event with timestamp < until, of one tenant (null: every tenant), once per
   * uuid, by time. The decision review needs decisions older than its period: one is due for
   * review when decision_date + outcome_timeframe falls inside it.
   */
  decisionLog(tenantId: string | null, until: Date): Promise<DecisionLog>;

  /**
   * The cost optimization events of these tenants in each range, aggregated by tenant, range,
   * category and type (see OptimizationGroup), and the newest timestamp of any event of these
   * tenants (the report's freshness), null when they have none. One round trip for any number of
   * tenants; the ids are bound values, never spliced into the query. The ranges do not overlap
   * (the periods of a trend); an event belongs to the one it falls in.
   */
  optimizationTotals(tenantIds: readonly string[], ranges: readonly InstantRange[]): Promise<{ groups: OptimizationGroup[]; newest_event_at: Date | null }>;

  // The alert poller reads every tenant's events of `names` by time (SPEC §8): first who is in its
  // window (cheap: uuid and timestamp), then in full only the events it has not seen.

  /** Each event of `names` with after < timestamp ≤ until, once per uuid. */
  eventIds(names: readonly string[], after: Date, until: Date): Promise<{ uuid: string; timestamp: Date }[]>;
  /** These events in full, among after < timestamp ≤ until, once per uuid, by time. */
  eventsByIds(names: readonly string[], after: Date, until: Date, uuids: readonly string[]): Promise<AlertCandidateEvent[]>;
  /** How many distinct events of `names` have after < timestamp ≤ until (the late-arrival audit). */
  countEvents(names: readonly string[], after: Date, until: Date): Promise<number>;
  /** The newest timestamp of any event of `names`, any tenant; null when there is none (silence). */
  newestEventAt(names: readonly string[]): Promise<Date | null>;
}
