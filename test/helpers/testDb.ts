import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pgDb } from '../../src/db/pgDb.js';
import type { Db } from '../../src/db/Db.js';
import { migrate, heraldMigrations, sourceMigrations } from '../../src/db/migrate.js';

/** The server the tests use; a fresh database is made on it for each test file. */
export const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  db: Db;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

function urlFor(name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh database with herald's and the source schema applied. Call drop() in afterAll. */
export async function createTestDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `herald_test_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = urlFor(name);
  const db = pgDb(url);
  if (opts.migrate !== false) {
    await migrate(db, heraldMigrations);
    await migrate(db, sourceMigrations);
  }
  return {
    url,
    name,
    db,
    async drop() {
      await db.close();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}
