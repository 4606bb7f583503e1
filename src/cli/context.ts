import type pg from 'pg';
import type { Db } from '../db/Db.js';
import { pgDb } from '../db/pgDb.js';
import { heraldMigrations, migrate } from '../db/migrate.js';
import type { HeraldConfig } from '../config/schema.js';
import { BusinessSource } from '../sources/BusinessSource.js';
import { PosthogExportStore } from '../sources/posthogExportStore.js';
import { PosthogApiStore } from '../sources/posthogApiStore.js';
import { hogqlOptionsFromEnv } from '../sources/hogqlClient.js';
import type { EventStore } from '../sources/EventStore.js';
import { InputError, type ReportContext } from '../report/ReportContext.js';
import { systemClock, type Clock } from '../time/clock.js';

/** The databases a command talks to; `close()` closes what was opened here. */
export interface Databases { herald: Db; source: Db; heraldPool: pg.Pool; close(): Promise<void> }

/** Herald's database (DATABASE_URL) and the business database (SOURCE_DATABASE_URL, else the same). */
export function openDatabases(config: HeraldConfig, env: NodeJS.ProcessEnv = process.env): Databases {
  const heraldUrl = env.DATABASE_URL;
  if (!heraldUrl) throw new InputError('DATABASE_URL', 'not set (e.g. postgres://postgres@127.0.0.1:5432/herald); `herald demo` runs without one');
  const sourceUrl = config.sources.business.url || env.SOURCE_DATABASE_URL || heraldUrl;
  const herald = pgDb(heraldUrl);
  // The platform's own database: Herald only reads it, and a slow report query must not hold it.
  const source = sourceUrl === heraldUrl ? herald
    : pgDb(sourceUrl, { readOnly: true, statementTimeoutMs: config.sources.business.statementTimeoutSeconds * 1000 });
  return {
    herald,
    source,
    heraldPool: herald.pool,
    async close() {
      await herald.close();
      if (source !== herald) await source.close();
    },
  };
}

/**
 * The configured event store (SPEC §2.2): the export table in the business database, or
 * PostHog's query API (POSTHOG_HOST, POSTHOG_PROJECT_ID, POSTHOG_PERSONAL_API_KEY; a missing one
 * is an InputError naming it).
 */
export function eventStoreFor(config: HeraldConfig, source: Db, env: NodeJS.ProcessEnv = process.env): EventStore {
  if (config.sources.events.kind === 'posthog-api') return new PosthogApiStore(hogqlOptionsFromEnv(env));
  return new PosthogExportStore(source, config.sources.events.table);
}

export function reportContext(config: HeraldConfig, dbs: { herald: Db; source: Db }, clock: Clock = systemClock): ReportContext {
  return {
    heraldDb: dbs.herald,
    business: new BusinessSource(dbs.source),
    events: eventStoreFor(config, dbs.source),
    settings: config.metrics,
    alertRules: config.alerts.rules,
    clock,
    timezone: config.timezone,
  };
}

/** Runs a command's work on herald's database, migrated first (a command may be the first to touch it), and closes it. */
export async function withMigratedDatabases<T>(config: HeraldConfig, fn: (dbs: Databases) => Promise<T>): Promise<T> {
  const dbs = openDatabases(config);
  try {
    await migrate(dbs.herald, heraldMigrations);
    return await fn(dbs);
  } finally {
    await dbs.close();
  }
}
