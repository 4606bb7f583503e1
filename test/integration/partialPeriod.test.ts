/**
 * SPEC §3: a period is never partial unless asked. `herald preview … --to-date` of the period that
 * is not over gives a brief of it so far that says so, in its data object and on page 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { herald } from '../helpers/cli.js';
import { pdfText } from '../helpers/pdfText.js';
import { completePeriod, parsePeriod } from '../../src/time/periods.js';

let t: TestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.exec(`INSERT INTO tenants (id, name, timezone) VALUES ('acme', 'Acme', 'Europe/Berlin')`);
  dir = await mkdtemp(path.join(tmpdir(), 'herald-partial-'));
});
afterAll(async () => {
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a period that is not over', () => {
  it('completePeriod: over → as is; not over → refused naming its end, or cut at now with toDate; not begun → refused', () => {
    const week = parsePeriod('2026-W49', 'Europe/Berlin');           // Mon 30 Nov – Mon 7 Dec, Berlin
    const wed = new Date('2026-12-02T13:05:00Z');                      // Wed 14:05 in Berlin
    expect(completePeriod(week, new Date('2026-12-07T00:00:00+01:00'))).toBe(week);
    expect(() => completePeriod(week, wed)).toThrow('period "2026-W49" is not over: it ends Mon 7 Dec 2026, 00:00 (Europe/Berlin) (--to-date for a brief of it so far)');
    expect(() => completePeriod(parsePeriod('2030-01', 'UTC'), wed, true)).toThrow('period "2030-01" has not begun: it starts Tue 1 Jan 2030, 00:00 (UTC)');
    const soFar = completePeriod(week, wed, true);
    expect(soFar).toMatchObject({ toDate: true, days: ['2026-11-30', '2026-12-01', '2026-12-02'] });
    expect(soFar.end.toISO()).toBe('2026-12-02T14:05:00.000+01:00');
  });

  it('herald preview --to-date: the data object and page 1 say "to date"', async () => {
    const now = DateTime.now().setZone('Europe/Berlin');
    const label = now.toFormat("kkkk-'W'WW");
    const json = await herald(['preview', 'executive-summary', '--tenant', 'acme', '--period', label, '--format', 'json', '--to-date'], { DATABASE_URL: t.url });
    expect(json.stderr).toBe('');
    const data = JSON.parse(json.stdout);
    expect(data.period).toMatchObject({ label, to_date: true });
    expect(data.period.words).toMatch(/, to date \(until \w{3} \d+ \w{3}, \d\d:\d\d\)$/);
    expect(new Date(data.period.end).getTime()).toBeLessThanOrEqual(Date.now());
    const file = path.join(dir, 'partial.pdf');
    const pdf = await herald(['preview', 'executive-summary', '--tenant', 'acme', '--period', label, '--to-date', '--out', file], { DATABASE_URL: t.url });
    expect(pdf.code).toBe(0);
    const { pageTexts } = await pdfText(await readFile(file));
    expect(pageTexts[0]).toContain('to date (until');
  });
});
