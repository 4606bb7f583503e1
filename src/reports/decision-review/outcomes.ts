/**
 * Outcomes recorded with `herald decisions outcome` (herald.decision_outcomes, migration 006): an
 * append-only audit log in herald's database. Every record is kept; the latest wins.
 */
import type { Db } from '../../db/Db.js';
import type { RecordedOutcome } from '../../metrics/decisionReview.js';

export interface NewOutcome {
  tenant_id: string;
  decision_id: string;
  actual_revenue: number;
  actual_cost: number;
  note: string | null;
  recorded_by: string;
}

interface OutcomeRow { id: string | number; tenant_id: string; decision_id: string; actual_revenue: number; actual_cost: number; note: string | null; recorded_by: string; recorded_at: Date }

const COLUMNS = `id, tenant_id, decision_id, actual_revenue::float8 AS actual_revenue, actual_cost::float8 AS actual_cost, note, recorded_by, recorded_at`;

const toRecorded = (r: OutcomeRow): RecordedOutcome => ({
  id: Number(r.id), tenant_id: r.tenant_id, decision_id: r.decision_id, actual_revenue: Number(r.actual_revenue),
  actual_cost: Number(r.actual_cost), note: r.note, recorded_by: r.recorded_by, recorded_at: new Date(r.recorded_at),
});

/** Appends an outcome; `at` is the recorded time (the clock's now). */
export async function recordOutcome(db: Db, o: NewOutcome, at: Date): Promise<RecordedOutcome> {
  const { rows } = await db.query<OutcomeRow>(
    `INSERT INTO herald.decision_outcomes (tenant_id, decision_id, actual_revenue, actual_cost, note, recorded_by, recorded_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
    [o.tenant_id, o.decision_id, o.actual_revenue, o.actual_cost, o.note, o.recorded_by, at]);
  return toRecorded(rows[0]);
}

/** Every outcome recorded before `until` for these tenants (null: every tenant), oldest first. */
export async function recordedOutcomes(db: Db, tenantIds: readonly string[] | null, until: Date): Promise<RecordedOutcome[]> {
  const { rows } = await db.query<OutcomeRow>(
    `SELECT ${COLUMNS} FROM herald.decision_outcomes
      WHERE recorded_at < $2 AND ($1::text[] IS NULL OR tenant_id = ANY($1::text[]))
      ORDER BY recorded_at, id`, [tenantIds, until]);
  return rows.map(toRecorded);
}
