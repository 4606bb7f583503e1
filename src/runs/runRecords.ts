import type { Db } from '../db/Db.js';
import type { PeriodInfo } from '../report/types.js';

export interface RunStart {
  report: string;
  scope: string;
  tenantId: string | null;
  period: Pick<PeriodInfo, 'label' | 'start' | 'end' | 'timezone'>;
  trigger: 'preview' | 'demo' | 'schedule';
}

/** Opens a run record (status running); finish it with runRendered or runFailed. */
export async function runStarted(db: Db, r: RunStart): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO herald.runs (report, scope, tenant_id, period_label, period_start, period_end, timezone, trigger, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'running') RETURNING id`,
    [r.report, r.scope, r.tenantId, r.period.label, r.period.start, r.period.end, r.period.timezone, r.trigger],
  );
  return Number(rows[0].id);
}

export async function runRendered(db: Db, id: number, artifact: { path: string; sha256: string; pageCount: number }): Promise<void> {
  await db.query(
    `UPDATE herald.runs SET status = 'rendered', finished_at = now(), artifact_path = $2, artifact_sha256 = $3, page_count = $4 WHERE id = $1`,
    [id, artifact.path, artifact.sha256, artifact.pageCount],
  );
}

export async function runFailed(db: Db, id: number, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await db.query(`UPDATE herald.runs SET status = 'failed', finished_at = now(), error = $2 WHERE id = $1`, [id, message.slice(0, 2000)]);
}
