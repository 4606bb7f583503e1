import type { HeraldConfig, ScheduleConfig } from '../../config/schema.js';
import { BusinessSource } from '../../sources/BusinessSource.js';
import { describeSchedule, nextSlot } from '../../scheduler/slots.js';
import { formatInZone } from '../../time/periods.js';
import { systemClock, type Clock } from '../../time/clock.js';
import { openDatabases } from '../context.js';

/**
 * `herald schedules list`: each schedule's next run in its time zone. A schedule without its own
 * zone runs at its local time in each of its tenants' zones: one line per zone in use among the
 * tenants of its scope (with DATABASE_URL; without it, or when none of them is known, config
 * `timezone`). A portfolio schedule without a zone uses config `timezone` (SPEC §9).
 */
export async function schedulesListCommand(config: HeraldConfig, out: NodeJS.WritableStream = process.stdout, clock: Clock = systemClock, env = process.env): Promise<void> {
  let tenants: { id: string; timezone: string | null }[] | null = null;
  if (env.DATABASE_URL && config.schedules.some((s) => !s.timezone && s.scope !== 'portfolio')) {
    const dbs = openDatabases(config, env);
    try {
      tenants = await new BusinessSource(dbs.source).tenants();
    } finally {
      await dbs.close();
    }
  }
  const zonesOf = (s: ScheduleConfig): string[] => {
    if (s.timezone) return [s.timezone];
    if (tenants === null || s.scope === 'portfolio') return [config.timezone];
    const scope = s.scope;
    const inScope = scope === 'all' ? tenants : tenants.filter((t) => scope.tenants.includes(t.id));
    const zones = [...new Set(inScope.map((t) => t.timezone || config.timezone))].sort();
    return zones.length > 0 ? zones : [config.timezone];
  };
  const now = clock.now();
  const rows: string[][] = [['SCHEDULE', 'REPORT', 'WHEN', 'SCOPE', 'TIME ZONE', 'NEXT RUN (LOCAL)', 'COVERS', 'CATCH-UP']];
  for (const s of config.schedules) {
    for (const zone of zonesOf(s)) {
      const slot = nextSlot(s, zone, now);
      rows.push([s.id, s.report, describeSchedule(s), typeof s.scope === 'string' ? s.scope : s.scope.tenants.join(','), zone,
        formatInZone(slot.at, zone, "ccc d LLL yyyy HH:mm ZZZZ"), slot.period.label, s.catchUp]);
    }
  }
  if (config.schedules.length === 0) {
    out.write('no schedules configured\n');
    return;
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) out.write(`${r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()}\n`);
}
