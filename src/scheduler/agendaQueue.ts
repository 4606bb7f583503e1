import { Agenda, type AgendaBackend } from 'agenda';
import { PostgresBackend } from '@agendajs/postgres-backend';
import type pg from 'pg';
import { hostname } from 'node:os';
import { InputError } from '../report/ReportContext.js';

export type AgendaBackendKind = 'postgres' | 'mongo';

/**
 * Agenda's job store (SPEC §6): PostgreSQL on DATABASE_URL by default (LISTEN/NOTIFY, SKIP LOCKED),
 * MongoDB when AGENDA_BACKEND=mongo (MONGODB_URL). The Mongo backend is loaded only when chosen.
 */
export async function agendaBackend(env: NodeJS.ProcessEnv, pool: pg.Pool): Promise<{ kind: AgendaBackendKind; backend: AgendaBackend }> {
  const kind = (env.AGENDA_BACKEND ?? 'postgres').toLowerCase();
  if (kind === 'postgres' || kind === 'postgresql' || kind === '') {
    // Herald's pool is shared: the backend does not close what it did not open.
    return { kind: 'postgres', backend: new PostgresBackend({ pool, tableName: 'agenda_jobs' }) };
  }
  if (kind === 'mongo' || kind === 'mongodb') {
    if (!env.MONGODB_URL) throw new InputError('MONGODB_URL', 'not set (required with AGENDA_BACKEND=mongo)');
    const { MongoBackend } = await import('@agendajs/mongo-backend');
    return { kind: 'mongo', backend: new MongoBackend({ address: env.MONGODB_URL, collection: 'agendaJobs' }) as unknown as AgendaBackend };
  }
  throw new InputError('AGENDA_BACKEND', `"${env.AGENDA_BACKEND}" (expected postgres or mongo)`);
}

export function createAgenda(backend: AgendaBackend, opts: { concurrency: number; processEvery?: string }): Agenda {
  return new Agenda({
    backend,
    name: `herald@${hostname()}:${process.pid}`,
    processEvery: opts.processEvery ?? '1 second',
    maxConcurrency: Math.max(4, opts.concurrency * 2),
    defaultConcurrency: opts.concurrency,
    // A worker that dies mid-brief releases it after this long; the brief job is idempotent.
    defaultLockLifetime: 10 * 60_000,
  });
}
