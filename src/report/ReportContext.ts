import type { Db } from '../db/Db.js';
import type { BusinessSource } from '../sources/BusinessSource.js';
import type { EventStore } from '../sources/EventStore.js';
import type { MetricSettings } from '../metrics/settings.js';
import type { RuleSettings } from '../alerts/settings.js';
import type { Clock } from '../time/clock.js';

/** What computing a report needs from the outside world; built once per process (src/cli/context.ts). */
export interface ReportContext {
  heraldDb: Db;
  business: BusinessSource;
  events: EventStore;
  settings: MetricSettings;
  alertRules: RuleSettings;
  clock: Clock;
  /** Default zone for tenants without one and for the portfolio. */
  timezone: string;
}

/** Bad input (unknown tenant, malformed period …): exit code 2 with a one-line message naming the field. */
export class InputError extends Error {
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'InputError';
  }
}
