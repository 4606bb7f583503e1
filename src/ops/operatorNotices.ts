import type { Db } from '../db/Db.js';
import type { Logger } from './logger.js';
import type { HeraldMetrics } from './metrics.js';

export type NoticeKind = 'delivery-dead' | 'brief-held' | 'brief-failed' | 'deadline-missed' | 'channel-fallback' | 'channel-unhealthy' | 'missing-recipients'
  | 'poller-stalled' | 'source-health' | 'alert-events-late';

export interface Notice { kind: NoticeKind; dedupeKey: string; message: string; details?: Record<string, unknown> }

/** Optional extra destination (the ops Slack channel). Its failure never blocks the notice. */
export type NoticeForwarder = (notice: Notice) => Promise<void>;

/**
 * Something an operator must look at. Recorded once per dedupe key (a restart or a second worker
 * does not repeat it), logged at warn, counted on /metrics, and forwarded when configured.
 */
export class OperatorNotices {
  constructor(private readonly deps: { db: Db; logger: Logger; metrics: HeraldMetrics; forward?: NoticeForwarder }) {}

  async raise(notice: Notice): Promise<boolean> {
    const { rows } = await this.deps.db.query(
      `INSERT INTO herald.operator_notices (kind, dedupe_key, message, details) VALUES ($1, $2, $3, $4)
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      [notice.kind, notice.dedupeKey, notice.message, notice.details ? JSON.stringify(notice.details) : null],
    );
    if (rows.length === 0) return false;
    this.deps.metrics.operatorNotices.labels(notice.kind).inc();
    this.deps.logger.warn({ notice: notice.kind, key: notice.dedupeKey, ...notice.details }, notice.message);
    if (this.deps.forward) {
      await this.deps.forward(notice).catch((err: Error) => this.deps.logger.error({ err: err.message, notice: notice.kind }, 'could not forward operator notice'));
    }
    return true;
  }
}
