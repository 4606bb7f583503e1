import { Agenda, type AgendaBackend } from 'agenda';
import { PostgresBackend } from '@agendajs/postgres-backend';
import type pg from 'pg';
import { hostname } from 'node:os';
import { InputError } from '../report/ReportContext.js';
import type { EventEmitter } from 'node:events';
import type { Db } from '../db/Db.js';
import { repeatedFailureLog, type Logger } from '../ops/logger.js';

export type AgendaBackendKind = 'postgres' | 'mongo';

/**
 * Agenda's job store (SPEC §6): PostgreSQL on DATABASE_URL by default (LISTEN/NOTIFY, SKIP LOCKED),
 * MongoDB when AGENDA_BACKEND=mongo (MONGODB_URL). The Mongo backend is loaded only when chosen.
 */
/** Which store AGENDA_BACKEND names (and MONGODB_URL is set for mongo); bad input otherwise. */
export function agendaBackendKind(env: NodeJS.ProcessEnv): AgendaBackendKind {
  const kind = (env.AGENDA_BACKEND ?? 'postgres').toLowerCase();
  if (kind === 'postgres' || kind === 'postgresql' || kind === '') return 'postgres';
  if (kind === 'mongo' || kind === 'mongodb') {
    if (!env.MONGODB_URL) throw new InputError('MONGODB_URL', 'not set (required with AGENDA_BACKEND=mongo)');
    return 'mongo';
  }
  throw new InputError('AGENDA_BACKEND', `"${env.AGENDA_BACKEND}" (expected postgres or mongo)`);
}

export async function agendaBackend(env: NodeJS.ProcessEnv, pool: pg.Pool): Promise<{ kind: AgendaBackendKind; backend: AgendaBackend }> {
  const kind = agendaBackendKind(env);
  if (kind === 'postgres') {
    // Herald's pool is shared: the backend does not close what it did not open.
    const backend = new PostgresBackend({ pool, tableName: 'agenda_jobs' });
    withoutJobStateNotifications(backend);
    return { kind: 'postgres', backend };
  }
  const { MongoBackend } = await import('@agendajs/mongo-backend');
  return { kind: 'mongo', backend: new MongoBackend({ address: env.MONGODB_URL!, collection: 'agendaJobs' }) as unknown as AgendaBackend };
}

/**
 * Keeps the NOTIFY that wakes workers when a job is saved, drops the three that announce each
 * job's start, success and completion to other processes: nothing in Herald listens (its record
 * is herald.runs and herald.schedule_slots), and they cost every brief three round trips and
 * every worker three notifications to parse. Agenda skips a channel without `publishState`.
 */
export function withoutJobStateNotifications(backend: AgendaBackend): void {
  const channel = backend.notificationChannel as { publishState?: unknown } | undefined;
  if (channel) Object.defineProperty(channel, 'publishState', { value: undefined, configurable: true });
}

/** Finished one-off jobs are kept this long (for `agenda_jobs` forensics), then deleted. */
export const FINISHED_JOB_RETENTION_DAYS = 7;

/**
 * Agenda keeps a one-off job's row after it ran: one per tenant, schedule and period, for ever.
 * Herald's own record is herald.runs and herald.schedule_slots, so finished jobs older than the
 * retention are deleted (PostgreSQL backend). Returns how many.
 */
export async function purgeFinishedJobs(db: Db, retentionDays = FINISHED_JOB_RETENTION_DAYS): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `WITH gone AS (DELETE FROM agenda_jobs WHERE next_run_at IS NULL AND locked_at IS NULL AND last_finished_at < now() - make_interval(days => $1) RETURNING 1)
     SELECT count(*)::int AS n FROM gone`, [retentionDays]);
  return rows[0]?.n ?? 0;
}

/**
 * An Agenda on `backend`. A database restart or failover must not end the worker: Agenda reports
 * a failed poll, and the backend's LISTEN connection a lost connection, as 'error' events, which
 * Node turns into a crash when nobody listens. Both recover by themselves (the next poll; the
 * channel reconnects), so they are logged, throttled, here.
 */
export function createAgenda(backend: AgendaBackend, opts: { concurrency: number; processEvery?: string; logger: Logger }): Agenda {
  (backend.notificationChannel as Partial<EventEmitter> | undefined)?.on?.('error',
    repeatedFailureLog(opts.logger, 'warn', 'job queue notifications interrupted; reconnecting (jobs are still polled)'));
  const agenda = new Agenda({
    backend,
    name: `herald@${hostname()}:${process.pid}`,
    processEvery: opts.processEvery ?? '1 second',
    maxConcurrency: Math.max(4, opts.concurrency * 2),
    defaultConcurrency: opts.concurrency,
    // A worker that dies mid-brief releases it after this long; the brief job is idempotent.
    defaultLockLifetime: 10 * 60_000,
  });
  agenda.on('error', repeatedFailureLog(opts.logger, 'error', 'job queue error; retrying at the next poll'));
  return agenda;
}
