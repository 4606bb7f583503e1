/**
 * A small but real portfolio report for the tests of the portfolio plumbing (the scheduler's
 * fan-out, produceBrief, the outbox, `herald run`) that do not depend on any one product report:
 * it reads every tenant and its freshness from the business database and the event store,
 * prints a real PDF in Chromium, and has an email and a Slack view. A schedule's report must be
 * one of SPEC §5's, so it carries the id of cost-optimization; a test puts its job first in
 * REPORT_JOBS (useTenantListJob), in that test file's own module graph only.
 */
import { createHash } from 'node:crypto';
import type { ReportDataBase, ReportModule } from '../../src/reports/Report.js';
import type { ReportJob } from '../../src/scheduler/reportJob.js';
import { REPORT_JOBS } from '../../src/scheduler/jobRegistry.js';
import { htmlCsp, htmlToPdf } from '../../src/render/htmlToPdf.js';
import { sharedBrowserPool } from '../../src/render/BrowserPool.js';
import { periodToInfo } from '../../src/time/periods.js';

export interface TenantListData extends ReportDataBase {
  tenants: { id: string; name: string; newest_summary_date: string | null }[];
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const tenantListReport: ReportModule<TenantListData> = {
  id: 'cost-optimization',
  title: 'Tenant list',
  scopes: ['portfolio'],
  periodKinds: ['week'],
  async load(ctx, scope, period) {
    if (scope.kind !== 'portfolio') throw new Error('the tenant list is a portfolio report');
    const rows = await ctx.business.tenants();
    const tenants = await Promise.all(rows.map(async (t) => ({ id: t.id, name: t.name, newest_summary_date: await ctx.business.newestSummaryDate(t.id) })));
    const dates = tenants.map((t) => t.newest_summary_date);
    const newestEvent = await ctx.events.newestEventAt(['revenue_impact_event', 'cost_optimization_event', 'email_deliverability_event']);
    return {
      report: 'cost-optimization',
      tenant: null,
      period: periodToInfo(period),
      generated_at: ctx.clock.now().toISOString(),
      // The portfolio is as fresh as its stalest tenant.
      data_freshness: { newest_summary_date: dates.includes(null) ? null : (dates as string[]).sort()[0] ?? null, newest_event_at: newestEvent?.toISOString() ?? null },
      tenants,
    };
  },
  async html(data) {
    const rows = data.tenants.map((t) => `<tr><td>${esc(t.id)}</td><td>${esc(t.name)}</td><td>${t.newest_summary_date ?? 'none'}</td></tr>`).join('');
    const html = `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="${htmlCsp()}"><title>Tenant list</title></head>`
      + `<body><h1>Tenant list · ${esc(data.period.words)}</h1><p>${data.tenants.length} tenants</p>`
      + `<table style="break-before: page">${rows}</table></body></html>`;   // two pages, as config's page check expects (2–4)
    return { html, charts: {}, chartsMs: 0, htmlMs: 0 };
  },
  async render(data, opts) {
    const { html } = await this.html(data, opts);
    const { pdf, pageCount } = await htmlToPdf(html, { tagged: false, timeoutMs: opts.timeoutMs }, opts.pool ?? sharedBrowserPool());
    return { html, charts: {}, pdf, pageCount, sha256: createHash('sha256').update(pdf).digest('hex'), timings: { charts: 0, html: 0, pdf: 0 } };
  },
  async chartRows() {
    return {};
  },
  async messages(data, kind) {
    const subject = `${kind === 'brief' ? '' : 'Delayed · '}Portfolio · Tenant list · ${data.period.words}`;
    const text = `${data.tenants.length} tenants: ${data.tenants.map((t) => t.name).join(', ')}`;
    return {
      email: { channel: 'email', subject, html: `<p>${esc(text)}</p>`, text },
      slack: { channel: 'slack', text: `${subject}: ${text}`, blocks: [] },
    };
  },
};

export const tenantListWeekly: ReportJob = { name: 'tenant-list-weekly', report: tenantListReport as unknown as ReportModule, kind: 'week' };

/** Puts the tenant list's weekly job first in REPORT_JOBS (this test file's module instance). */
export function useTenantListJob(): void {
  if (!REPORT_JOBS.includes(tenantListWeekly)) (REPORT_JOBS as ReportJob[]).unshift(tenantListWeekly);
}
