/**
 * Bad input, as an attacker or a faulty world gives it (issue 10): every case exits 2 with one
 * line that names the field, prints no stack, echoes no huge value, and writes no file.
 * One table; each row is a command line, its environment and files, and the line it must print.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { herald } from '../helpers/cli.js';

let t: TestDatabase;
let dir: string;      // where a command could write: nothing may appear
let cfgDir: string;   // the test's own input files

beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.exec(`INSERT INTO tenants (id, name, timezone) VALUES ('acme', 'Acme', 'UTC')`);
  dir = await mkdtemp(path.join(tmpdir(), 'herald-bad-'));
  cfgDir = await mkdtemp(path.join(tmpdir(), 'herald-bad-input-'));
});
afterAll(async () => {
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (cfgDir) await rm(cfgDir, { recursive: true, force: true });
});

/** A config file with these schedules. */
async function configWith(name: string, schedules: object[]): Promise<string> {
  const file = path.join(cfgDir, `${name}.json`);
  await writeFile(file, JSON.stringify({ schedules }));
  return file;
}
const weekly = (over: object) => ({ id: 's', report: 'executive-summary', deliver: [{ channel: 'email', to: ['c-suite'] }], ...over });

interface Case { name: string; args: string[] | (() => Promise<string[]>); line: RegExp | string; env?: NodeJS.ProcessEnv }

/** A file of the test's own, with this content. */
async function file(name: string, content: string | Buffer): Promise<string> {
  const f = path.join(cfgDir, name);
  await writeFile(f, content);
  return f;
}
const recipientsYaml = (entry: string) => `recipients:\n  - ${entry}\n`;
const preview = (...more: string[]) => ['preview', 'executive-summary', '--format', 'json', ...more];
const BIG = 'x'.repeat(100_000);
/** This ISO week's label, in UTC (the tenant's zone): a period that is not over. */
function currentWeek(): string {
  const d = new Date();
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = (t.getUTCDay() + 6) % 7;
  t.setUTCDate(t.getUTCDate() - day + 3);
  const firstThursday = new Date(Date.UTC(t.getUTCFullYear(), 0, 4));
  const week = 1 + Math.round(((t.getTime() - firstThursday.getTime()) / 86_400_000 - 3 + ((firstThursday.getUTCDay() + 6) % 7)) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
const ALIAS_BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`), 'recipients: *i'].join('\n');

const cases: Case[] = [
  { name: 'a cron minute of 61', args: async () => ['config', 'check', await configWith('cron61', [weekly({ cron: '61 * * * *' })])],
    line: /^.*cron61\.json: schedules\[0\]\.cron: cron "61 \* \* \* \*": minute "61": Constraint error, got value 61 expected range 0-59$/ },
  { name: 'a cron that never fires (31 February)', args: async () => ['config', 'check', await configWith('feb31', [weekly({ cron: '0 7 31 2 *' })])],
    line: /^.*feb31\.json: schedules\[0\]\.cron: cron "0 7 31 2 \*": never fires \(no allowed month has that day of month\)$/ },
  { name: 'a poll interval that is not a duration', args: async () => ['config', 'check', await file('poll.json', JSON.stringify({ alerts: { pollEvery: '5x' } }))],
    line: /poll\.json: alerts\.pollEvery: "5x" is not a duration \(e\.g\. 5s, 30m, 4h\)$/ },
  { name: 'a poll interval under a second', args: async () => ['config', 'check', await file('poll2.json', JSON.stringify({ alerts: { pollEvery: '500ms' } }))],
    line: /poll2\.json: alerts\.pollEvery: must be whole seconds from 1s to 60s$/ },
  { name: 'hysteresis the wrong way round', args: async () => ['config', 'check', await file('hyst.json', JSON.stringify({ alerts: { rules: { efficiency: { levels: { high: 70 }, clear: 60 } } } }))],
    line: /hyst\.json: alerts\.rules\.efficiency\.clear: clear must be at or above levels\.high \(hysteresis\)$/ },
  { name: 'a YAML alias bomb in the config', args: async () => ['config', 'check', await file('bomb.yaml', ALIAS_BOMB)],
    line: /bomb\.yaml: \(root\): not valid YAML: Excessive alias count indicates a resource exhaustion attack$/ },

  // Periods PostgreSQL cannot hold, and other bad ones
  ...['0000-01', '0001-01', '0000-W01', '9999-12-31'].map((p): Case => ({ name: `period ${p}`, args: preview('--tenant', 'acme', '--period', p),
    line: `herald: period "${p}": the year must be from 1970 to 2999` })),
  { name: 'period 2026-13', args: preview('--tenant', 'acme', '--period', '2026-13'), line: 'herald: period "2026-13": month must be 01–12' },
  { name: 'period 2026-W54', args: preview('--tenant', 'acme', '--period', '2026-W54'), line: 'herald: period "2026-W54": 2026 has 53 ISO weeks' },
  { name: 'period 2026-02-30', args: preview('--tenant', 'acme', '--period', '2026-02-30'), line: 'herald: period "2026-02-30": not a calendar date' },
  { name: 'an unknown tenant, 100 KB long: not echoed whole', args: preview('--tenant', BIG, '--period', '2026-11'),
    line: /^herald: tenant: unknown tenant "x{200,300}…$/ },
  { name: 'a tenant with CR LF: shown escaped, on one line', args: preview('--tenant', 'acme\r\nFAKE: injected', '--period', '2026-11'),
    line: 'herald: tenant: unknown tenant "acme\\r\\nFAKE: injected"' },
  { name: 'a tenant with a right-to-left override: shown as its code', args: preview('--tenant', 'acme\u202eevil', '--period', '2026-11'),
    line: 'herald: tenant: unknown tenant "acme\\u202eevil"' },
  { name: 'an unknown time zone', args: preview('--tenant', 'acme', '--period', '2026-11', '--timezone', 'Mars/Olympus'),
    line: 'herald: timezone "Mars/Olympus": not an IANA time zone' },

  // Periods that are not over (SPEC §3: never partial unless asked)
  { name: 'a period years ahead', args: preview('--tenant', 'acme', '--period', '2030-01'), line: /^herald: period "2030-01" has not begun: it starts Tue 1 Jan 2030, 00:00 \(UTC\)$/ },
  { name: 'this week, without --to-date', args: () => Promise.resolve(preview('--tenant', 'acme', '--period', currentWeek())),
    line: new RegExp(`^herald: period "${currentWeek()}" is not over: it ends Mon \\d+ \\w+ \\d{4}, 00:00 \\(UTC\\) \\(--to-date for a brief of it so far\\)$`) },
  { name: 'herald run for this week', args: async () => ['run', 'weekly', '--period', currentWeek(), '--config', await configWith('run', [weekly({ id: 'weekly', every: 'weekly' })])],
    line: /^herald: --period: period "\d{4}-W\d{2}" is not over: it ends Mon \d+ \w+ \d{4}, 00:00 \(UTC\)$/ },

  // --out that cannot be written: refused before the render
  { name: '--out is a directory', args: () => Promise.resolve(preview('--tenant', 'acme', '--period', '2026-11', '--out', cfgDir)), line: /^herald: --out: ".*" is a directory \(give a file name\)$/ },
  { name: '--out under a file', args: async () => preview('--tenant', 'acme', '--period', '2026-11', '--out', path.join(await file('plain.txt', 'x'), 'brief.json')),
    line: /^herald: --out: ".*plain\.txt" is not a directory$/ },

  // Ids beyond what PostgreSQL's bigint holds
  { name: 'runs show with a 26-digit id', args: ['runs', 'show', '99999999999999999999999999'],
    line: 'herald: run-id: "99999999999999999999999999" is not a run id (a number, see herald runs list)' },
  { name: 'runs show with a negative id', args: ['runs', 'show', '-1'], line: /^herald: (run-id|error): / },
  { name: 'alerts show with a 20-digit id', args: ['alerts', 'show', '12345678901234567890'],
    line: 'herald: alert-id: "12345678901234567890" is not an alert id (a number, see herald alerts list)' },
  { name: 'recipients remove with a 20-digit id', args: ['recipients', 'remove', '12345678901234567890', '--tenant', 'acme'],
    line: 'herald: recipient: "12345678901234567890" is not a recipient id' },

  // Recipients from a file
  { name: 'a NUL byte in a recipients file', args: async () => ['recipients', 'import', await file('nul.yaml', recipientsYaml('{ tenant: acme, name: "Ann\\0Nul", email: ann@acme.test }'))],
    line: /^herald: recipients\[0\]\.name: contains a control character \(NUL, a line break, …\)$/ },
  { name: 'a YAML alias bomb in a recipients file names the file', args: async () => ['recipients', 'import', await file('rbomb.yaml', ALIAS_BOMB)],
    line: /^herald: .*rbomb\.yaml: not valid YAML: Excessive alias count/ },
  { name: 'an email local part over 64 characters', args: async () => ['recipients', 'import', await file('local.yaml', recipientsYaml(`{ tenant: acme, name: Ann, email: ${'a'.repeat(65)}@acme.test }`))],
    line: 'herald: recipients[0].email: the part before @ is longer than 64 characters' },
  { name: 'a name over 200 characters', args: async () => ['recipients', 'import', await file('long.yaml', recipientsYaml(`{ tenant: acme, name: ${'N'.repeat(201)}, email: ann@acme.test }`))],
    line: 'herald: recipients[0].name: longer than 200 characters' },
  { name: 'a role over 100 characters', args: ['recipients', 'add', '--tenant', 'acme', '--name', 'Ann', '--email', 'ann@acme.test', '--role', 'R'.repeat(101)],
    line: 'herald: --role: longer than 100 characters' },
  { name: 'an email with a line break', args: ['recipients', 'add', '--tenant', 'acme', '--name', 'Ann', '--email', 'ann@acme.test\r\nBcc: x@evil.test'],
    line: /^herald: --email: / },
  { name: 'a phone that is not E.164', args: ['recipients', 'add', '--tenant', 'acme', '--name', 'Ann', '--phone', '0044 20 7946 0000'],
    line: 'herald: --phone: "0044 20 7946 0000" is not an E.164 number (+ and 7–15 digits)' },

  // The environment
  { name: 'SMS credentials half set', args: ['worker', '--port', '0'], env: { TWILIO_ACCOUNT_SID: 'AC0000000000000000000000000000de00', TWILIO_AUTH_TOKEN: 'x' },
    line: 'herald: TWILIO_FROM: not set (SMS needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM)' },
  { name: 'an unknown Agenda backend', args: ['worker', '--port', '0'], env: { AGENDA_BACKEND: 'redis' },
    line: 'herald: AGENDA_BACKEND: "redis" (expected postgres or mongo)' },
  { name: 'a port that is not one', args: ['worker', '--port', '80a'], line: 'herald: --port: "80a" is not a port number' },
  { name: 'an unknown log level', args: ['runs', 'list'], env: { HERALD_LOG_LEVEL: 'loud' },
    line: 'herald: HERALD_LOG_LEVEL: "loud" (expected trace, debug, info, warn, error, fatal, silent)' },
];

describe('bad input: exit 2, one line naming the field, no stack, no file written', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const before = await readdir(dir);
      const args = typeof c.args === 'function' ? await c.args() : c.args;
      const r = await herald(args, { DATABASE_URL: t.url, HERALD_LOG_LEVEL: '', ...c.env }, { cwd: dir });
      expect(r.code).toBe(2);
      const lines = r.stderr.split('\n').filter(Boolean);
      expect(lines).toHaveLength(1);
      if (typeof c.line === 'string') expect(lines[0]).toBe(c.line);
      else expect(lines[0]).toMatch(c.line);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(lines[0].length).toBeLessThanOrEqual(400);
      expect(await readdir(dir)).toEqual(before);
    });
  }
});
