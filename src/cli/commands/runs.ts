import type { HeraldConfig } from '../../config/schema.js';
import { InputError } from '../../report/ReportContext.js';
import { openDatabases } from '../context.js';

function table(rows: string[][], out: NodeJS.WritableStream): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) out.write(`${r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd()}\n`);
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString().replace('.000Z', 'Z') : '');

/** `herald runs list [--tenant ID] [--period P] [--limit N]`: recent runs with their delivery counts. */
export async function runsListCommand(config: HeraldConfig, o: { tenant?: string; period?: string; limit: string }, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const limit = Number(o.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new InputError('--limit', `"${o.limit}" is not a positive integer`);
  const dbs = openDatabases(config);
  try {
    const { rows } = await dbs.herald.query<{ id: number; report: string; scope: string; period_label: string; trigger: string; status: string; schedule_id: string | null; finished_at: Date | null; sent: number; pending: number; dead: number; sha: string | null }>(
      `SELECT r.id::int AS id, r.report, r.scope, r.period_label, r.trigger, r.status, r.schedule_id, r.finished_at,
              count(o.id) FILTER (WHERE o.status = 'sent')::int AS sent,
              count(o.id) FILTER (WHERE o.status IN ('pending', 'sending'))::int AS pending,
              count(o.id) FILTER (WHERE o.status = 'dead')::int AS dead, left(r.artifact_sha256, 12) AS sha
         FROM herald.runs r LEFT JOIN herald.outbox o ON o.run_id = r.id
        WHERE ($1::text IS NULL OR r.tenant_id = $1) AND ($2::text IS NULL OR r.period_label = $2)
        GROUP BY r.id ORDER BY r.id DESC LIMIT $3`, [o.tenant ?? null, o.period ?? null, limit]);
    table([['RUN', 'REPORT', 'TENANT', 'PERIOD', 'TRIGGER', 'SCHEDULE', 'STATUS', 'FINISHED (UTC)', 'SENT', 'PENDING', 'DEAD', 'SHA-256'],
      ...rows.map((r) => [String(r.id), r.report, r.scope, r.period_label, r.trigger, r.schedule_id ?? '', r.status, iso(r.finished_at), String(r.sent), String(r.pending), String(r.dead), r.sha ? `${r.sha}…` : ''])], out);
  } finally {
    await dbs.close();
  }
}

/** `herald runs show <run-id>`: the artifact and who received it, when, through which channel, with which provider id. */
export async function runsShowCommand(config: HeraldConfig, runId: string, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (!/^\d{1,15}$/.test(runId)) throw new InputError('run-id', `"${runId.slice(0, 40)}" is not a run id (a number, see herald runs list)`);
  const dbs = openDatabases(config);
  try {
    const run = (await dbs.herald.query<{ id: number; report: string; scope: string; period_label: string; timezone: string; status: string; trigger: string; schedule_id: string | null; started_at: Date; finished_at: Date | null; artifact_path: string | null; artifact_sha256: string | null; page_count: number | null; checks: unknown; error: string | null }>(
      `SELECT id::int AS id, report, scope, period_label, timezone, status, trigger, schedule_id, started_at, finished_at, artifact_path, artifact_sha256, page_count, checks, error
         FROM herald.runs WHERE id = $1`, [runId])).rows[0];
    if (!run) throw new InputError('run-id', `no run ${runId}`);
    out.write(`run ${run.id}: ${run.report} for ${run.scope}, ${run.period_label} (${run.timezone}), ${run.trigger}${run.schedule_id ? ` by schedule ${run.schedule_id}` : ''}\n`);
    out.write(`status ${run.status}; started ${iso(run.started_at)}, finished ${iso(run.finished_at)}\n`);
    if (run.artifact_path) out.write(`artifact ${run.artifact_path}\n  sha256 ${run.artifact_sha256}, ${run.page_count} pages\n`);
    if (run.error) out.write(`error ${run.error}\n`);
    const { rows } = await dbs.herald.query<{ delivery_key: string; channel: string; name: string; address: string | null; status: string; attempts: number; sent_at: Date | null; provider_id: string | null; last_error: string | null; kind: string }>(
      `SELECT o.delivery_key, o.channel, r.name || CASE WHEN r.removed_at IS NOT NULL THEN ' (removed)' ELSE '' END AS name, CASE o.channel WHEN 'email' THEN r.email WHEN 'slack' THEN r.slack_channel ELSE r.phone END AS address,
              o.status, o.attempts, o.sent_at, o.provider_id, o.last_error, o.kind
         FROM herald.outbox o JOIN herald.recipients r ON r.id = o.recipient_id
        WHERE o.run_id = $1 ORDER BY o.id`, [runId]);
    if (rows.length === 0) {
      out.write('no deliveries\n');
      return;
    }
    table([['RECIPIENT', 'CHANNEL', 'TO', 'KIND', 'STATUS', 'ATTEMPTS', 'SENT (UTC)', 'PROVIDER ID', 'LAST ERROR'],
      ...rows.map((d) => [d.name, d.channel, d.address ?? '', d.kind, d.status, String(d.attempts), iso(d.sent_at), d.provider_id ?? '', (d.last_error ?? '').slice(0, 60)])], out);
  } finally {
    await dbs.close();
  }
}
