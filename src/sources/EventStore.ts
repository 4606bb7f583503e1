import type { EventFacts } from './types.js';

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
}
