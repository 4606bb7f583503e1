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

interface Case { name: string; args: () => Promise<string[]> | string[]; line: RegExp | string }

const cases: Case[] = [
  { name: 'a cron minute of 61', args: async () => ['config', 'check', await configWith('cron61', [weekly({ cron: '61 * * * *' })])],
    line: /^.*cron61\.json: schedules\[0\]\.cron: cron "61 \* \* \* \*": minute "61": Constraint error, got value 61 expected range 0-59$/ },
  { name: 'a cron that never fires (31 February)', args: async () => ['config', 'check', await configWith('feb31', [weekly({ cron: '0 7 31 2 *' })])],
    line: /^.*feb31\.json: schedules\[0\]\.cron: cron "0 7 31 2 \*": never fires \(no allowed month has that day of month\)$/ },
];

describe('bad input: exit 2, one line naming the field, no stack, no file written', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const before = await readdir(dir);
      const r = await herald(await c.args(), { DATABASE_URL: t.url, HERALD_LOG_LEVEL: '' }, { cwd: dir });
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
