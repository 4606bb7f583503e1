import { describe, expect, it } from 'vitest';
import { reportNames } from '../../src/config/schema.js';
import { InputError } from '../../src/report/ReportContext.js';
import { findReport, registeredReports, reportModule, reportSupports } from '../../src/reports/registry.js';
import { REPORT_JOBS, jobForSchedule } from '../../src/scheduler/jobRegistry.js';

describe('the report registry', () => {
  it('holds the executive summary, each module under its own id, in the order of SPEC §5', () => {
    const ids = registeredReports().map((r) => r.id);
    expect(ids).toContain('executive-summary');
    expect(ids).toEqual(reportNames.filter((n) => ids.includes(n)));
    for (const r of registeredReports()) expect(findReport(r.id)).toBe(r);
    const es = reportModule('executive-summary');
    expect([es.title, es.scopes, es.periodKinds]).toEqual(['Executive summary', ['tenant'], ['day', 'week', 'month']]);
  });

  it('answers a known report this version does not have, and an unknown one, as bad input naming the report', () => {
    const missing = reportNames.filter((n) => !findReport(n));
    for (const name of missing) {
      const err = (() => { try { reportModule(name); } catch (e) { return e; } })() as InputError;
      expect(err).toBeInstanceOf(InputError);
      expect(err.message).toBe(`report: "${name}" is not available in this version (available: ${registeredReports().map((r) => r.id).join(', ')})`);
    }
    expect(() => reportModule('weekly-digest')).toThrow(/^report: unknown report "weekly-digest" \(expected one of: executive-summary, cost-optimization, decision-review\)$/);
  });

  it('says why a scope or a kind of period is not covered', () => {
    const es = reportModule('executive-summary');
    expect(reportSupports(es, 'tenant', 'day')).toBeNull();
    expect(reportSupports(es, 'portfolio')).toBe('executive-summary is a per-tenant report; use --tenant ID');
  });

  it('every job in jobs/ names a registered report and one of its period kinds; a schedule finds its job only where its report has its scope', () => {
    for (const j of REPORT_JOBS) {
      expect(findReport(j.report.id)).toBe(j.report);
      expect(j.report.periodKinds).toContain(j.kind);
    }
    for (const j of REPORT_JOBS) {
      const every = ({ day: 'daily', week: 'weekly', month: 'monthly' } as const)[j.kind];
      expect(jobForSchedule({ report: j.report.id, every, scope: 'all' })).toBe(j.report.scopes.includes('tenant') ? j : undefined);
      expect(jobForSchedule({ report: j.report.id, every, scope: 'portfolio' })).toBe(j.report.scopes.includes('portfolio') ? j : undefined);
    }
  });
});
