/**
 * `herald preview` over the report registry (issue 11): the scope flags are checked against the
 * report's module before anything is opened; a report name that SPEC §5 knows but this build has
 * not registered, and one it does not know, are bad input (exit 2, one line naming the report).
 */
import { describe, expect, it } from 'vitest';
import { herald } from '../helpers/cli.js';
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
