import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { REPORT_JOBS, jobForSchedule } from '../../src/scheduler/jobRegistry.js';

describe('jobs/', () => {
  it('each module is registered, and its job name is its file name', () => {
    const files = readdirSync(new URL('../../jobs/', import.meta.url)).filter((f) => f.endsWith('.ts')).map((f) => f.replace(/\.ts$/, '')).sort();
    expect(REPORT_JOBS.map((j) => j.name).sort()).toEqual(files);
  });

  it('maps a schedule to its job by report and period kind; cron schedules cover a day', () => {
    expect(jobForSchedule({ report: 'executive-summary', every: 'weekly', scope: 'all' })?.name).toBe('executive-summary-weekly');
    expect(jobForSchedule({ report: 'executive-summary', every: undefined, scope: 'all' })?.name).toBe('executive-summary-daily');
    expect(jobForSchedule({ report: 'executive-summary', every: 'monthly', scope: 'portfolio' })).toBeUndefined();
    expect(jobForSchedule({ report: 'decision-review', every: 'monthly', scope: 'all' })?.name).toBe('decision-review-monthly');
    expect(jobForSchedule({ report: 'decision-review', every: 'weekly', scope: 'portfolio' })?.name).toBe('decision-review-weekly');
    expect(jobForSchedule({ report: 'decision-review', every: 'daily', scope: 'all' })).toBeUndefined();
  });
});
