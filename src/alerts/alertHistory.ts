/**
 * Herald's record of a tenant's alerts, as the executive summary reads it (SPEC §5 "alerts of
 * the period"): the alerts that fired and were open at some time in a period, with who
 * acknowledged them and when they resolved. Read-only; the poller writes these rows.
 *
 * An alert belongs to [start, end) when it fired before `end` and was not resolved before
 * `start`: one that fired last week and resolved on Monday is in this week's brief too. Alerts
 * that never fired (pending, or cleared before they fired) told nobody and are left out, and so
 * are test alerts (`herald alerts test`).
 */
import type { Db } from '../db/Db.js';
import type { InstantRange } from '../sources/EventStore.js';
import type { AlertState, Severity } from '../report/types.js';

/** One recorded alert, as a brief shows it. */
export interface AlertHistoryRow {
  id: number;
  rule: string;
  /** The worst severity it reached while open (what decided its routes). */
  severity: Severity;
  state: AlertState;
  /** The reply code ("ACK 4821"); null on rows recorded before codes existed. */
  code: string | null;
  summary: string;
  short: string | null;
  /**
   * When it first fired (its first notification). A re-alert (acknowledged, not resolved within
   * ackTimeout) fires again and moves `fired_at`; the timeline keeps the first.
   */
  first_fired_at: Date;
  /** When it last fired; the acknowledgement columns belong to this firing. */
  fired_at: Date;
  acknowledged_at: Date | null;
  /** "Nora Chen (SMS)". */
  acknowledged_by: string | null;
  resolved_at: Date | null;
}

interface Row extends Omit<AlertHistoryRow, 'first_fired_at' | 'fired_at' | 'acknowledged_at' | 'resolved_at'> {
  first_fired_at: Date | string;
  fired_at: Date | string;
  acknowledged_at: Date | string | null;
  resolved_at: Date | string | null;
}

const date = (d: Date | string | null): Date | null => (d === null ? null : new Date(d));

/**
 * The tenant's non-test alerts that fired and were open at some time in [start, end): first
 * fired before `end`, and not resolved, or resolved at or after `start`. Oldest first.
 */
export async function alertsOfPeriod(heraldDb: Db, tenantId: string, range: InstantRange): Promise<AlertHistoryRow[]> {
  const { rows } = await heraldDb.query<Row>(
    `SELECT a.id::int AS id, a.rule, a.severity, a.state, a.code, a.summary, a.short,
            least(f.first_at, a.fired_at) AS first_fired_at, a.fired_at,
            a.acknowledged_at, a.acknowledged_by, a.resolved_at
       FROM herald.alerts a
       LEFT JOIN LATERAL (SELECT min(e.at) AS first_at FROM herald.alert_events e
                           WHERE e.alert_id = a.id AND e.kind = 'fired') f ON true
      WHERE a.tenant_id = $1 AND NOT a.test AND a.fired_at IS NOT NULL
        AND least(f.first_at, a.fired_at) < $3
        AND (a.resolved_at IS NULL OR a.resolved_at >= $2)
      ORDER BY first_fired_at, a.id`,
    [tenantId, range.start, range.end]);
  return rows.map((r) => ({
    ...r,
    id: Number(r.id),
    first_fired_at: new Date(r.first_fired_at),
    fired_at: new Date(r.fired_at),
    acknowledged_at: date(r.acknowledged_at),
    resolved_at: date(r.resolved_at),
  }));
}

/**
 * When Herald began recording alerts (the poller's first tick, herald.alert_poller.started_at),
 * or null when it never has. A brief of a period that starts earlier derives its alerts from the
 * events instead.
 */
export async function alertRecordingStart(heraldDb: Db): Promise<Date | null> {
  const { rows } = await heraldDb.query<{ started_at: Date | string }>(`SELECT started_at FROM herald.alert_poller WHERE id = 1`);
  return rows[0] ? new Date(rows[0].started_at) : null;
}
