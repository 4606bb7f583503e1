/**
 * What a report is (SPEC §5): a module with its data loader, its views (HTML, PDF, email and
 * Slack) and what it supports, registered in src/reports/registry.ts. The CLI, jobs/, the
 * scheduler, delivery, the pre-send checks and the demo know reports only through this interface:
 * none of them branches on a report's id.
 */
import type { reportNames } from '../config/schema.js';
import type { InlineImage, EmailMessage, SlackMessage } from '../delivery/Channel.js';
import type { EmailKind } from '../delivery/email/renderEmail.js';
import type { BriefOptions, RenderedBrief } from '../render/renderBrief.js';
import type { ReportContext } from '../report/ReportContext.js';
import type { PeriodInfo, PeriodKind } from '../report/types.js';
import type { Period } from '../time/periods.js';

export type ReportId = (typeof reportNames)[number];
export type ScopeKind = 'tenant' | 'portfolio';
/** Whom a report is about: one tenant, or the portfolio (every tenant, for the platform's own people). */
export type ReportScope = { kind: 'tenant'; tenantId: string } | { kind: 'portfolio' };
export const PORTFOLIO: ReportScope = { kind: 'portfolio' };

/**
 * What generic code reads from every report's data object (its own fields are the module's):
 * names for files, keys and subjects, the period, and the freshness the pre-send check reads.
 */
export interface ReportDataBase {
  report: ReportId;
  /** The tenant the report is about; null for a portfolio report. */
  tenant: { id: string; name: string; timezone: string } | null;
  period: PeriodInfo;
  generated_at: string;
  /** The newest daily summary and the newest event the report read (SPEC §5 "data is fresh"). */
  data_freshness: { newest_summary_date: string | null; newest_event_at: string | null };
}

export interface ReportHtml {
  html: string;
  /** The chart SVGs inlined in the HTML, by chart name. */
  charts: Record<string, string>;
  chartsMs: number;
  htmlMs: number;
}

export interface MessageOptions {
  /** Confidentiality line; `{tenant}` becomes the tenant's name. */
  confidentiality?: string;
  /** The email's inline picture (keyChart below); a delayed notice never shows one. */
  keyChart?: InlineImage | null;
}

export interface ReportModule<Data extends ReportDataBase = ReportDataBase> {
  id: ReportId;
  /** As people read it: "Executive summary". */
  title: string;
  scopes: readonly ScopeKind[];
  periodKinds: readonly PeriodKind[];
  /** The data object of a scope and a whole (or `--to-date`) period: JSON-serialisable, the one source of every view. */
  load(ctx: ReportContext, scope: ReportScope, period: Period): Promise<Data>;
  /** The printable HTML with its charts inlined (`herald preview --format html`). */
  html(data: Data, opts: BriefOptions): Promise<ReportHtml>;
  /** data → charts → HTML → PDF; throws rather than return a bad PDF. */
  render(data: Data, opts: BriefOptions): Promise<RenderedBrief>;
  /**
   * The page count its PDF may have for this data object (pre-send check), from the configured
   * `delivery.pages`; absent: the configured range. A report whose length grows with its data (a
   * portfolio listing every tenant) says how.
   */
  pages?(data: Data, configured: { min: number; max: number }): { min: number; max: number };
  /** How many rows each chart draws, by chart name: a chart with rows must have marks (pre-send check). */
  chartRows(data: Data): Promise<Record<string, number>>;
  /** The outgoing email (the PDF is attached from the archive) and Slack digest of a brief or of its delayed notice. */
  messages(data: Data, kind: EmailKind, opts: MessageOptions): Promise<{ email: EmailMessage; slack: SlackMessage }>;
  /** Loads the views' modules ahead of use (a cold preview loads them while PostgreSQL answers). */
  warm?(): Promise<unknown>;
  /** The email's inline picture, drawn from the brief's charts; null when there is none to show. */
  keyChart?(data: Data, charts: Record<string, string>, opts: { onFallback?: (err: unknown) => void }): Promise<InlineImage | null>;
}

/** A scope as keys, slots, archive folders and file names spell it: the tenant id, or 'portfolio'. */
export function scopeKey(scope: ReportScope): string {
  return scope.kind === 'tenant' ? scope.tenantId : 'portfolio';
}

/** The scope a data object was made for. */
export function scopeOfData(data: ReportDataBase): ReportScope {
  return data.tenant ? { kind: 'tenant', tenantId: data.tenant.id } : PORTFOLIO;
}

/** The tenant id recorded with runs and outbox rows: null for the portfolio (platform recipients only). */
export function scopeTenantId(scope: ReportScope): string | null {
  return scope.kind === 'tenant' ? scope.tenantId : null;
}

/** The scope of a schedule's job: the portfolio for a portfolio schedule, else the tenant its key names. */
export function scheduleScope(schedule: { scope: 'all' | 'portfolio' | { tenants: string[] } }, key: string): ReportScope {
  return schedule.scope === 'portfolio' ? PORTFOLIO : { kind: 'tenant', tenantId: key };
}
