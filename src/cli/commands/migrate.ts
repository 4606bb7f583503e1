import type { HeraldConfig } from '../../config/schema.js';
import { migrate, heraldMigrations } from '../../db/migrate.js';
import { openDatabases } from '../context.js';

/** `herald migrate`: applies herald's own migrations (never the demo source set). Idempotent. */
export async function migrateCommand(config: HeraldConfig, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const dbs = openDatabases(config);
  try {
    const applied = await migrate(dbs.herald, heraldMigrations);
    out.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'up to date\n');
  } finally {
    await dbs.close();
  }
}
