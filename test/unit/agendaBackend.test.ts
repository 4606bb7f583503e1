import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { PostgresBackend } from '@agendajs/postgres-backend';
import { MongoBackend } from '@agendajs/mongo-backend';
import { agendaBackend } from '../../src/scheduler/agendaQueue.js';
import { InputError } from '../../src/report/ReportContext.js';

// No MongoDB server can be installed on our machines (see README): this checks the wiring only,
// constructing the backend without connecting.
describe('Agenda backend selection (AGENDA_BACKEND)', () => {
  const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });

  it('defaults to PostgreSQL on the shared pool', async () => {
    const { kind, backend } = await agendaBackend({}, pool);
    expect(kind).toBe('postgres');
    expect(backend).toBeInstanceOf(PostgresBackend);
  });

  it('AGENDA_BACKEND=mongo wires the Mongo backend with MONGODB_URL', async () => {
    const { kind, backend } = await agendaBackend({ AGENDA_BACKEND: 'mongo', MONGODB_URL: 'mongodb://127.0.0.1:27017/herald' }, pool);
    expect(kind).toBe('mongo');
    expect(backend).toBeInstanceOf(MongoBackend);
  });

  it('refuses mongo without MONGODB_URL, and unknown backends, naming the variable', async () => {
    await expect(agendaBackend({ AGENDA_BACKEND: 'mongo' }, pool)).rejects.toThrow(new InputError('MONGODB_URL', 'not set (required with AGENDA_BACKEND=mongo)'));
    await expect(agendaBackend({ AGENDA_BACKEND: 'redis' }, pool)).rejects.toThrow(/^AGENDA_BACKEND: "redis" \(expected postgres or mongo\)$/);
  });
});
