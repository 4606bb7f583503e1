import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Db } from './Db.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
export const heraldMigrationsDir = path.join(projectRoot, 'migrations');
export const sourceMigrationsDir = path.join(projectRoot, 'migrations', 'source');

export interface MigrationSet {
  dir: string;
  /** Table that records applied files; herald's and the demo source's sets are tracked apart. */
  table: string;
}
export const heraldMigrations: MigrationSet = { dir: heraldMigrationsDir, table: 'public.herald_migrations' };
export const sourceMigrations: MigrationSet = { dir: sourceMigrationsDir, table: 'public.herald_source_migrations' };

/** The `-- Up Migration` part of a node-pg-migrate style SQL file. */
export function upPart(sql: string): string {
  const up = sql.split(/^--\s*Down Migration\s*$/m)[0] ?? sql;
  return up.replace(/^--\s*Up Migration\s*$/m, '');
}

/**
 * Applies the numbered `NNN_name.sql` files of a set that are not yet recorded, in order, in one
 * transaction (all or nothing). Idempotent; concurrent runners serialise on an advisory lock.
 * Returns the names applied now.
 */
export async function migrate(db: Db, set: MigrationSet = heraldMigrations): Promise<string[]> {
  const files = (await readdir(set.dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  return db.transaction(async (tx) => {
    const applied: string[] = [];
    // One lock for every migration set: two workers starting at once must not both apply a file.
    await tx.query('SELECT pg_advisory_xact_lock(7438291)');
    await tx.exec(`CREATE TABLE IF NOT EXISTS ${set.table} (name text PRIMARY KEY, run_on timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await tx.query<{ name: string }>(`SELECT name FROM ${set.table}`)).rows.map((r) => r.name));
    for (const file of files) {
      if (done.has(file)) continue;
      await tx.exec(upPart(await readFile(path.join(set.dir, file), 'utf8')));
      await tx.query(`INSERT INTO ${set.table} (name) VALUES ($1)`, [file]);
      applied.push(file);
    }
    return applied;
  });
}
