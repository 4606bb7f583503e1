/**
 * `herald preview` over the report registry (issue 11): the scope flags are checked against the
 * report's module before anything is opened; a report name that SPEC §5 knows but this build has
 * not registered, and one it does not know, are bad input (exit 2, one line naming the report).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { herald } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { insertAcmeFixture } from '../helpers/fixture.js';
import { reportNames } from '../../src/config/schema.js';
import { findReport, registeredReports } from '../../src/reports/registry.js';

describe('herald preview: scope and report', () => {
  it('refuses --portfolio for a per-tenant report, naming it (exit 2)', async () => {
    const r = await herald(['preview', 'executive-summary', '--portfolio', '--period', '2026-W47']);
    expect([r.code, r.stderr, r.stdout]).toEqual([2, 'herald: --portfolio: executive-summary is a per-tenant report; use --tenant ID\n', '']);
  });

  it('refuses --tenant with --portfolio, and neither', async () => {
    const both = await herald(['preview', 'executive-summary', '--portfolio', '--tenant', 'acme', '--period', '2026-W47']);
    expect([both.code, both.stderr]).toEqual([2, 'herald: --portfolio: use either --tenant ID or --portfolio\n']);
    const neither = await herald(['preview', 'executive-summary', '--period', '2026-W47']);
    expect([neither.code, neither.stderr]).toEqual([2, 'herald: --tenant: required (the tenant id)\n']);
  });

  it('answers an unknown report, and each known one this build has not registered, in one line (exit 2)', async () => {
    const unknown = await herald(['preview', 'weekly-digest', '--tenant', 'acme', '--period', '2026-W47']);
    expect([unknown.code, unknown.stderr]).toEqual([2, `herald: report: unknown report "weekly-digest" (expected one of: ${reportNames.join(', ')})\n`]);
    const available = registeredReports().map((m) => m.id).join(', ');
    for (const name of reportNames.filter((n) => !findReport(n))) {
      const r = await herald(['preview', name, '--tenant', 'acme', '--period', '2026-W47']);
      expect([r.code, r.stderr]).toEqual([2, `herald: report: "${name}" is not available in this version (available: ${available})\n`]);
    }
  });
});

describe('herald preview --portfolio', () => {
  let t: TestDatabase;
  let dir: string;
  let configFile: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    await insertAcmeFixture(t.db);   // acme: America/New_York
    await t.db.exec(`INSERT INTO tenants (id, name, timezone) VALUES ('kobe', 'Kobe KK', 'Asia/Tokyo')`);
    dir = await mkdtemp(path.join(tmpdir(), 'herald-preview-portfolio-'));
    configFile = path.join(dir, 'herald.yaml');
    await writeFile(configFile, 'timezone: Europe/Berlin\n');
  });
  afterAll(async () => {
    await t?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  // Every registered report with portfolio scope and weeks: the period is read in config `timezone`, not a tenant's.
  const portfolioReports = registeredReports().filter((m) => m.scopes.includes('portfolio') && m.periodKinds.includes('week')).map((m) => m.id);
  it('has a report to show it with', () => expect(portfolioReports.length).toBeGreaterThan(0));
  it.each(portfolioReports)('%s: the week is read in config timezone, or in --timezone; the data object has no tenant', async (id) => {
    const r = await herald(['--config', configFile, 'preview', id, '--portfolio', '--period', '2026-W47', '--format', 'json'], { DATABASE_URL: t.url });
    expect([r.code, r.stderr]).toEqual([0, '']);
    const data = JSON.parse(r.stdout);
    expect([data.report, data.tenant]).toEqual([id, null]);
    expect(data.period).toMatchObject({ label: '2026-W47', timezone: 'Europe/Berlin', start: '2026-11-16T00:00:00+01:00', end: '2026-11-23T00:00:00+01:00' });
    const tokyo = await herald(['--config', configFile, 'preview', id, '--portfolio', '--period', '2026-W47', '--timezone', 'Asia/Tokyo', '--format', 'json'], { DATABASE_URL: t.url });
    expect(JSON.parse(tokyo.stdout).period).toMatchObject({ timezone: 'Asia/Tokyo', start: '2026-11-16T00:00:00+09:00' });
  });
});
