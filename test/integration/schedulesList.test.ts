import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { herald } from '../helpers/cli.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { schedulesListCommand } from '../../src/cli/commands/schedules.js';
import { fixedClock } from '../../src/time/clock.js';

/**
 * `herald schedules list`: the next run of each schedule in its time zone. A schedule without its
 * own zone gets one line per zone among its tenants (DATABASE_URL), else config `timezone`.
 * The function is tested directly with a fixed clock (DST changes), the CLI with the real clock.
 */

let t: TestDatabase;
let dir: string;
let configFile: string;

const raw = {
  timezone: 'Europe/Berlin',
  schedules: [
    { id: 'daily-exec', report: 'executive-summary', every: 'daily', at: '02:30', deliver: [{ channel: 'email', to: ['c-suite'] }] },
    { id: 'berlin-weekly', report: 'executive-summary', every: 'weekly', at: '07:00', timezone: 'Europe/Berlin', deliver: [{ channel: 'email', to: ['c-suite'] }] },
    { id: 'tokyo-monthly', report: 'executive-summary', every: 'monthly', scope: { tenants: ['tokyo'] }, catchUp: 'all', deliver: [{ channel: 'email', to: ['c-suite'] }] },
    { id: 'portfolio-weekly', report: 'executive-summary', every: 'weekly', scope: 'portfolio', deliver: [{ channel: 'email', to: ['board'] }] },
  ],
};
const config = parseConfig(raw);

beforeAll(async () => {
  t = await createTestDatabase();
  // Two tenants in New York (one line for both), one in Tokyo.
  await t.db.exec(`INSERT INTO tenants (id, name, timezone) VALUES
    ('nyc-a', 'NYC A', 'America/New_York'), ('nyc-b', 'NYC B', 'America/New_York'), ('tokyo', 'Tokyo KK', 'Asia/Tokyo')`);
  dir = await mkdtemp(path.join(tmpdir(), 'herald-schedules-'));
  configFile = path.join(dir, 'herald.yaml');
  await writeFile(configFile, JSON.stringify(raw));   // JSON is YAML
});
afterAll(async () => {
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

type Row = Record<'SCHEDULE' | 'REPORT' | 'WHEN' | 'SCOPE' | 'TIME ZONE' | 'NEXT RUN (LOCAL)' | 'COVERS' | 'CATCH-UP', string>;

/** The table back as objects: columns are two or more spaces apart, cells never hold two spaces. */
function parseTable(text: string): Row[] {
  const [header, ...lines] = text.trimEnd().split('\n');
  const names = header.split(/ {2,}/);
  expect(names).toEqual(['SCHEDULE', 'REPORT', 'WHEN', 'SCOPE', 'TIME ZONE', 'NEXT RUN (LOCAL)', 'COVERS', 'CATCH-UP']);
  return lines.map((line) => {
    const cells = line.split(/ {2,}/);
    expect(cells).toHaveLength(names.length);
    // Aligned: each cell starts under its header.
    let at = 0;
    names.forEach((n, i) => {
      at = line.indexOf(cells[i], at);
      expect(at).toBe(header.indexOf(n));
      at += cells[i].length;
    });
    return Object.fromEntries(names.map((n, i) => [n, cells[i]])) as Row;
  });
}

async function list(now: string, env: NodeJS.ProcessEnv): Promise<Row[]> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await schedulesListCommand(config, out, fixedClock(now), env);
  out.end();
  return parseTable(Buffer.concat(chunks).toString('utf8'));
}

const pick = (rows: Row[]) => rows.map((r) => [r.SCHEDULE, r['TIME ZONE'], r['NEXT RUN (LOCAL)'], r.COVERS]);

describe('schedulesListCommand with a fixed clock', () => {
  const env = () => ({ DATABASE_URL: t.url, SOURCE_DATABASE_URL: '' });

  it('the day before New York springs forward: a daily 02:30 runs at 03:00 EDT (02:30 does not exist); one line per tenant zone', async () => {
    // 2026-03-07T12:00Z is Saturday 07:00 EST in New York, 21:00 JST in Tokyo, 13:00 CET in Berlin.
    const rows = await list('2026-03-07T12:00:00Z', env());
    expect(pick(rows)).toEqual([
      ['daily-exec', 'America/New_York', 'Sun 8 Mar 2026 03:00 EDT', '2026-03-07'],
      ['daily-exec', 'Asia/Tokyo', 'Sun 8 Mar 2026 02:30 GMT+9', '2026-03-07'],
      ['berlin-weekly', 'Europe/Berlin', 'Mon 9 Mar 2026 07:00 GMT+1', '2026-W10'],   // its own zone: one line
      ['tokyo-monthly', 'Asia/Tokyo', 'Wed 1 Apr 2026 07:00 GMT+9', '2026-03'],       // scoped to tokyo: Tokyo's zone only
      ['portfolio-weekly', 'Europe/Berlin', 'Mon 9 Mar 2026 07:00 GMT+1', '2026-W10'], // portfolio: config timezone
    ]);
    expect(rows[0]).toMatchObject({ REPORT: 'executive-summary', WHEN: 'daily at 02:30', SCOPE: 'all', 'CATCH-UP': 'latest' });
    expect(rows[3]).toMatchObject({ WHEN: 'monthly on the 1st at 07:00', SCOPE: 'tokyo', 'CATCH-UP': 'all' });
    expect(rows[1].WHEN).toBe('daily at 02:30');
    expect(rows[2].WHEN).toBe('every Monday at 07:00');
  });

  it('just after the spring-forward slot the next one is 02:30 EDT again; across Berlin\'s change the offset follows', async () => {
    const rows = await list('2026-03-08T07:05:00Z', env());   // 03:05 EDT, Sunday
    expect(pick(rows)[0]).toEqual(['daily-exec', 'America/New_York', 'Mon 9 Mar 2026 02:30 EDT', '2026-03-08']);
    const berlin = await list('2026-03-28T12:00:00Z', env()); // Saturday; Europe springs forward on Sunday 29 March
    expect(pick(berlin)[2]).toEqual(['berlin-weekly', 'Europe/Berlin', 'Mon 30 Mar 2026 07:00 GMT+2', '2026-W13']);
  });

  it('the day New York falls back: a daily 01:30 (twice that night) runs once, at the first, EDT one', async () => {
    const c = parseConfig({ timezone: 'UTC', schedules: [{ id: 'early', report: 'executive-summary', every: 'daily', at: '01:30', timezone: 'America/New_York', deliver: [{ channel: 'email', to: ['x'] }] }] });
    const out = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => { text += b.toString(); });
    await schedulesListCommand(c, out, fixedClock('2026-10-31T12:00:00Z'), {});
    expect(pick(parseTable(text))).toEqual([['early', 'America/New_York', 'Sun 1 Nov 2026 01:30 EDT', '2026-10-31']]);
  });

  it('without DATABASE_URL every schedule without a zone uses config timezone (one line each)', async () => {
    const rows = await list('2026-03-07T12:00:00Z', {});
    expect(pick(rows)).toEqual([
      ['daily-exec', 'Europe/Berlin', 'Sun 8 Mar 2026 02:30 GMT+1', '2026-03-07'],
      ['berlin-weekly', 'Europe/Berlin', 'Mon 9 Mar 2026 07:00 GMT+1', '2026-W10'],
      ['tokyo-monthly', 'Europe/Berlin', 'Wed 1 Apr 2026 07:00 GMT+2', '2026-03'],
      ['portfolio-weekly', 'Europe/Berlin', 'Mon 9 Mar 2026 07:00 GMT+1', '2026-W10'],
    ]);
  });

  it('with DATABASE_URL but no tenants yet, a schedule without a zone still gets a line (config timezone)', async () => {
    const empty = await createTestDatabase();
    try {
      const out = new PassThrough();
      let text = '';
      out.on('data', (b: Buffer) => { text += b.toString(); });
      await schedulesListCommand(config, out, fixedClock('2026-03-07T12:00:00Z'), { DATABASE_URL: empty.url });
      expect(pick(parseTable(text)).map((r) => [r[0], r[1]])).toEqual([
        ['daily-exec', 'Europe/Berlin'], ['berlin-weekly', 'Europe/Berlin'], ['tokyo-monthly', 'Europe/Berlin'], ['portfolio-weekly', 'Europe/Berlin'],
      ]);
    } finally {
      await empty.drop();
    }
  });

  it('no schedules: says so', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (b: Buffer) => { text += b.toString(); });
    await schedulesListCommand(parseConfig({}), out, fixedClock('2026-03-07T12:00:00Z'), {});
    expect(text).toBe('no schedules configured\n');
  });
});

describe('herald schedules list (CLI, real clock)', () => {
  const localRun = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2} \S+$/;

  it('with DATABASE_URL: one line per tenant zone for a schedule without a zone, each next run in that zone', async () => {
    const r = await herald(['--config', configFile, 'schedules', 'list'], { DATABASE_URL: t.url, SOURCE_DATABASE_URL: '' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = parseTable(r.stdout);
    expect(rows.map((x) => [x.SCHEDULE, x['TIME ZONE']])).toEqual([
      ['daily-exec', 'America/New_York'], ['daily-exec', 'Asia/Tokyo'], ['berlin-weekly', 'Europe/Berlin'],
      ['tokyo-monthly', 'Asia/Tokyo'], ['portfolio-weekly', 'Europe/Berlin'],
    ]);
    for (const x of rows) expect(x['NEXT RUN (LOCAL)']).toMatch(localRun);
    expect(rows[0]['NEXT RUN (LOCAL)']).toMatch(/ (02:30|03:00) E[SD]T$/);   // 03:00 only on a spring-forward day
    expect(rows[1]['NEXT RUN (LOCAL)']).toMatch(/ 02:30 GMT\+9$/);
    expect(rows[2]['NEXT RUN (LOCAL)']).toMatch(/^Mon .* 07:00 GMT\+[12]$/);
  });

  it('without DATABASE_URL: config timezone', async () => {
    const r = await herald(['--config', configFile, 'schedules', 'list'], { DATABASE_URL: '' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = parseTable(r.stdout);
    expect(rows.map((x) => [x.SCHEDULE, x['TIME ZONE']])).toEqual([
      ['daily-exec', 'Europe/Berlin'], ['berlin-weekly', 'Europe/Berlin'], ['tokyo-monthly', 'Europe/Berlin'], ['portfolio-weekly', 'Europe/Berlin'],
    ]);
    expect(rows[0]['NEXT RUN (LOCAL)']).toMatch(/ (02:30|03:00) GMT\+[12]$/);
  });
});
