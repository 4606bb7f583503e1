import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { syncSchedules, tick, checkDeadlines, dispatchDueSlots, dispatchLeaseMs, type SchedulerDeps } from '../../src/scheduler/Scheduler.js';
import { BusinessSource } from '../../src/sources/BusinessSource.js';
import { HeraldMetrics } from '../../src/ops/metrics.js';
import { OperatorNotices } from '../../src/ops/operatorNotices.js';
import { silentLogger } from '../../src/ops/logger.js';
import { fixedClock, type Clock } from '../../src/time/clock.js';
import type { BriefJobData } from '../../src/delivery/produceBrief.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.exec(`
    INSERT INTO tenants (id, name, timezone) VALUES ('ny', 'New York Co', 'America/New_York'), ('tokyo', 'Tokyo KK', 'Asia/Tokyo');
  `);
});
afterAll(async () => t?.drop());
beforeEach(async () => {
  await t.db.exec(`TRUNCATE herald.schedule_cursors, herald.schedule_slots, herald.operator_notices, herald.outbox CASCADE`);
});

/** A movable clock: the scheduler reads time only through it. */
function movableClock(iso: string): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return { now: () => now, set: (x: string) => { now = new Date(x); } };
}

function deps(schedules: object[], clock: Clock): SchedulerDeps & { fired: BriefJobData[]; dispatches: string[]; metrics: HeraldMetrics } {
  const config = parseConfig({ schedules, scheduler: { misfireGraceMinutes: 10 } });
  const metrics = new HeraldMetrics();
  const fired: BriefJobData[] = [];
  const dispatches: string[] = [];
  return {
    db: t.db, config, business: new BusinessSource(t.db), clock, logger: silentLogger, metrics,
    notices: new OperatorNotices({ db: t.db, logger: silentLogger, metrics }),
    enqueueBrief: async (job, dispatch) => { fired.push(job); dispatches.push(`${job.scope}:${job.periodLabel}#${dispatch}`); },
    fired,
    dispatches,
  };
}

const weekly = (catchUp: string) => ({ id: 'weekly', report: 'executive-summary', every: 'weekly', at: '07:00', catchUp, deliver: [{ channel: 'email', to: ['c-suite'] }] });

describe('scheduler tick', () => {
  it('fires a slot on time in each tenant’s own zone, once, even with two workers ticking together', async () => {
    const clock = movableClock('2026-11-22T12:00:00Z');        // Sunday
    const d = deps([weekly('latest')], clock);
    await syncSchedules(d);
    clock.set('2026-11-23T12:05:00Z');                          // Monday 07:05 New York, 21:05 Tokyo
    const d2 = { ...d, fired: [] as BriefJobData[], enqueueBrief: async (j: BriefJobData) => { d2.fired.push(j); } };
    await Promise.all([tick(d), tick(d2)]);
    const all = [...d.fired, ...d2.fired];
    expect(all.map((j) => `${j.scope}:${j.periodLabel}`).sort()).toEqual(['ny:2026-W47', 'tokyo:2026-W47']);
    // New York's 07:00 is on time; Tokyo's Monday 07:00 was Sunday 22:00Z, 14 h before this tick:
    // missed (nobody ticked), so `latest` catches it up. Another tick fires nothing more.
    const before = d.fired.length + d2.fired.length;
    await tick(d);
    expect(d.fired.length + d2.fired.length).toBe(before);
    const slots = await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM herald.schedule_slots`);
    expect(slots.rows[0].n).toBe(2);
  });

  it('catchUp latest: a worker down for four Mondays sends the missed brief once, for the latest week', async () => {
    const clock = movableClock('2026-11-01T12:00:00Z');
    const d = deps([{ ...weekly('latest'), scope: { tenants: ['ny'] } }], clock);
    await syncSchedules(d);
    clock.set('2026-11-23T15:00:00Z');                          // Monday 10:00 New York: 07:00 is 3 h old
    await tick(d);
    expect(d.fired.map((j) => j.periodLabel)).toEqual(['2026-W47']);
  });

  it('catchUp all: each missed week once, in order; none: nothing', async () => {
    const clock = movableClock('2026-11-01T12:00:00Z');
    const all = deps([{ ...weekly('all'), id: 'w-all', scope: { tenants: ['ny'] } }, { ...weekly('none'), id: 'w-none', scope: { tenants: ['ny'] } }], clock);
    await syncSchedules(all);
    clock.set('2026-11-23T15:00:00Z');
    await tick(all);
    expect(all.fired.filter((j) => j.scheduleId === 'w-all').map((j) => j.periodLabel)).toEqual(['2026-W44', '2026-W45', '2026-W46', '2026-W47']);
    expect(all.fired.filter((j) => j.scheduleId === 'w-none')).toEqual([]);
    // And the next on-time slot of `none` still fires.
    clock.set('2026-11-30T12:01:00Z');
    await tick(all);
    expect(all.fired.filter((j) => j.scheduleId === 'w-none').map((j) => j.periodLabel)).toEqual(['2026-W48']);
  });

  it('sync is idempotent and sees added, changed and removed schedules', async () => {
    const clock = movableClock('2026-11-22T12:00:00Z');
    const first = await syncSchedules(deps([weekly('latest'), { ...weekly('latest'), id: 'other' }], clock));
    expect(first.added.sort()).toEqual(['other', 'weekly']);
    expect((await syncSchedules(deps([weekly('latest'), { ...weekly('latest'), id: 'other' }], clock))).unchanged.sort()).toEqual(['other', 'weekly']);
    const changed = await syncSchedules(deps([{ ...weekly('latest'), at: '08:00' }], clock));
    expect(changed).toMatchObject({ added: [], changed: ['weekly'], removed: ['other'] });
  });

  it('a slot due again (a failed brief\'s retry, a held one\'s next look, a job lost with its worker) is dispatched again by a tick, once across workers', async () => {
    const clock = movableClock('2026-11-22T12:00:00Z');
    const d = deps([{ ...weekly('latest'), scope: { tenants: ['ny'] } }], clock);
    await syncSchedules(d);
    clock.set('2026-11-23T12:05:00Z');
    await tick(d);
    expect(d.dispatches).toEqual(['ny:2026-W47#1']);
    // Its job failed and set the slot's next attempt, as BriefJobs does; two workers tick after it.
    await t.db.query(`UPDATE herald.schedule_slots SET status = 'failed', next_attempt_at = '2026-11-23T12:06:00Z'`);
    clock.set('2026-11-23T12:06:30Z');
    const d2 = { ...d, enqueueBrief: d.enqueueBrief }; // another worker, the same record of dispatches
    await Promise.all([tick(d), tick(d2)]);
    expect(d.dispatches.sort()).toEqual(['ny:2026-W47#1', 'ny:2026-W47#2']);
    // Dispatched and never heard of again (the worker died before its job was queued): after the lease.
    clock.set(new Date(Date.parse('2026-11-23T12:06:30Z') + dispatchLeaseMs(d.config) - 1000).toISOString());
    await tick(d);
    expect(d.dispatches).toHaveLength(2);
    clock.set(new Date(Date.parse('2026-11-23T12:06:30Z') + dispatchLeaseMs(d.config) + 1000).toISOString());
    await tick(d);
    expect(d.dispatches.at(-1)).toBe('ny:2026-W47#3');
    // Done (rendered): nothing more, ever.
    await t.db.query(`UPDATE herald.schedule_slots SET status = 'rendered', next_attempt_at = NULL`);
    clock.set('2026-11-30T12:00:00Z');
    await tick(d);
    expect(d.dispatches.filter((x) => x.startsWith('ny:2026-W47'))).toHaveLength(3);
  });

  it('a due slot of a schedule this worker does not know is left to a worker that knows it', async () => {
    const clock = movableClock('2026-11-23T12:00:00Z');
    await t.db.query(`INSERT INTO herald.schedule_slots (schedule_id, scope, slot_at, period_label, timezone, next_attempt_at) VALUES ('newer', 'ny', '2026-11-23T12:00:00Z', '2026-W47', 'UTC', '2026-11-23T11:00:00Z')`);
    const d = deps([weekly('latest')], clock);
    await syncSchedules(d);
    expect(await dispatchDueSlots(d, clock.now())).toBe(0);
    const knows = deps([weekly('latest'), { ...weekly('latest'), id: 'newer' }], clock);
    expect(await dispatchDueSlots(knows, clock.now())).toBe(1);
    expect(knows.dispatches).toEqual(['ny:2026-W47#1']);
  });

  it('a clock that goes back fires nothing twice', async () => {
    const clock = movableClock('2026-11-22T12:00:00Z');
    const d = deps([{ ...weekly('latest'), scope: { tenants: ['ny'] } }], clock);
    await syncSchedules(d);
    clock.set('2026-11-23T12:05:00Z');
    await tick(d);
    clock.set('2026-11-23T11:00:00Z');
    await tick(d);
    clock.set('2026-11-23T12:10:00Z');
    await tick(d);
    expect(d.fired.map((j) => j.periodLabel)).toEqual(['2026-W47']);
  });

  it('one tenant’s bad time zone is reported and does not stop the others', async () => {
    await t.db.exec(`INSERT INTO tenants (id, name, timezone) VALUES ('mars', 'Mars Base', 'Mars/Olympus')`);
    try {
      const clock = movableClock('2026-11-22T12:00:00Z');
      const d = deps([weekly('latest')], clock);
      await syncSchedules(d);
      clock.set('2026-11-23T12:05:00Z');
      await tick(d);
      expect(d.fired.map((j) => j.scope).sort()).toEqual(['ny', 'tokyo']);
      const notices = await t.db.query<{ message: string }>(`SELECT message FROM herald.operator_notices WHERE kind = 'brief-failed'`);
      expect(notices.rows.map((r) => r.message)).toEqual([expect.stringMatching(/^schedule weekly: tenant mars skipped: .*Mars\/Olympus/)]);
    } finally {
      await t.db.exec(`DELETE FROM tenants WHERE id = 'mars'`);
    }
  });

  it('dead-man’s switch: a slot not delivered by its deadline raises one operator notice', async () => {
    const clock = movableClock('2026-11-22T12:00:00Z');
    const d = deps([{ ...weekly('latest'), scope: { tenants: ['ny'] }, deadline: '09:15' }], clock);
    await syncSchedules(d);
    clock.set('2026-11-23T12:01:00Z');
    await tick(d);
    expect(d.fired).toHaveLength(1);
    clock.set('2026-11-23T14:14:00Z');                          // 09:14 New York: not yet
    await tick(d);
    expect((await t.db.query(`SELECT * FROM herald.operator_notices WHERE kind = 'deadline-missed'`)).rows).toHaveLength(0);
    clock.set('2026-11-23T14:16:00Z');
    await tick(d);
    await tick(d);
    const notices = await t.db.query<{ message: string }>(`SELECT message FROM herald.operator_notices WHERE kind = 'deadline-missed'`);
    expect(notices.rows).toHaveLength(1);
    expect(notices.rows[0].message).toContain('weekly has not delivered ny 2026-W47 by its deadline');
    expect(await d.metrics.registry.getSingleMetricAsString('herald_operator_notices_total')).toMatch(/kind="deadline-missed"} 1/);
    await checkDeadlines(d, clock.now());
    expect((await t.db.query(`SELECT * FROM herald.operator_notices WHERE kind = 'deadline-missed'`)).rows).toHaveLength(1);
  });

  it('a slot is delivered once every delivery of it went out (a removed recipient\'s aside), late ones too; the metric says when', async () => {
    const clock = movableClock('2026-11-22T12:00:00Z');
    const d = deps([{ ...weekly('latest'), deadline: '09:15' }], clock);
    await syncSchedules(d);
    clock.set('2026-11-23T12:01:00Z');
    await tick(d);
    expect(d.fired.map((j) => j.scope).sort()).toEqual(['ny', 'tokyo']);
    const recipient = (tenant: string, name = 'ceo') => t.db.query<{ id: string }>(
      `INSERT INTO herald.recipients (tenant_id, name, email) VALUES ($1, $2, $3) RETURNING id`, [tenant, `${name} ${tenant}`, `${name}@${tenant}.test`]).then((r) => r.rows[0].id);
    const [ny, tokyo] = [await recipient('ny'), await recipient('tokyo')];
    const delivery = (tenant: string, who: string, status: string, sentAt: string | null) => t.db.query(
      `INSERT INTO herald.outbox (delivery_key, schedule_id, report, tenant_id, period_label, channel, recipient_id, kind, status, sent_at)
       VALUES ($1, 'weekly', 'executive-summary', $2, '2026-W47', 'email', $3, 'brief', $4, $5)`, [`weekly:${tenant}:${who}`, tenant, who, status, sentAt]);
    await delivery('ny', ny, 'sent', '2026-11-23T12:03:00Z');
    const removed = await recipient('ny', 'cfo');
    await delivery('ny', removed, 'pending', null);
    await t.db.query(`UPDATE herald.outbox SET status = 'superseded' WHERE recipient_id = $1`, [removed]); // as when a recipient is removed
    await delivery('tokyo', tokyo, 'pending', null);
    await checkDeadlines(d, clock.now());
    const status = async () => Object.fromEntries((await t.db.query<{ scope: string; status: string }>(`SELECT scope, status FROM herald.schedule_slots`)).rows.map((r) => [r.scope, r.status]));
    expect(await status()).toEqual({ ny: 'delivered', tokyo: 'queued' });
    expect(await d.metrics.registry.getSingleMetricAsString('herald_schedule_last_delivered_timestamp_seconds'))
      .toContain(`{schedule="weekly"} ${Date.parse('2026-11-23T12:03:00Z') / 1000}`);

    clock.set('2026-11-24T01:00:00Z'); // past Tokyo's 09:15: the notice; then the delivery goes out late
    await checkDeadlines(d, clock.now());
    expect((await t.db.query(`SELECT * FROM herald.operator_notices WHERE kind = 'deadline-missed'`)).rows).toHaveLength(1);
    await t.db.query(`UPDATE herald.outbox SET status = 'sent', sent_at = '2026-11-24T01:30:00Z' WHERE tenant_id = 'tokyo'`);
    await checkDeadlines(d, clock.now());
    expect(await status()).toEqual({ ny: 'delivered', tokyo: 'delivered' });
    expect(await d.metrics.registry.getSingleMetricAsString('herald_schedule_last_delivered_timestamp_seconds'))
      .toContain(`{schedule="weekly"} ${Date.parse('2026-11-24T01:30:00Z') / 1000}`);
  });
});
