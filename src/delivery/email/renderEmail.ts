/**
 * The email views of an executive summary (SPEC §5, §7): subject, HTML body and plain-text part,
 * all from the report data object. Pure: no I/O beyond reading the templates once.
 *
 * The HTML and text bodies are Handlebars views in templates/email/, rendered with the same
 * helpers (and the same formatters) as the PDF, so a figure reads the same everywhere. The
 * subject is a header, not HTML: it carries the tenant's name as is (nodemailer encodes it),
 * with control characters removed so a hostile name cannot add header lines.
 */
import { renderView } from '../../render/templates.js';
import type { ExecutiveSummaryData } from '../../report/types.js';

export type EmailKind = 'brief' | 'delayed-notice';

export interface RenderEmailOptions {
  /** Confidentiality line; `{tenant}` becomes the tenant's name. Default: as in the PDF. */
  confidentiality?: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const VIEWS: Record<EmailKind, string> = {
  brief: 'email/executive-summary',
  'delayed-notice': 'email/delayed-notice',
};

/** Throws TemplateError (naming the template and the field) when the data lacks a field. */
export function renderEmail(data: ExecutiveSummaryData, kind: EmailKind, opts?: RenderEmailOptions): RenderedEmail {
  const view = VIEWS[kind];
  if (!view) throw new Error(`renderEmail: kind must be 'brief' or 'delayed-notice', got ${JSON.stringify(kind)}`);
  const confidentiality = opts?.confidentiality?.replaceAll('{tenant}', data.tenant.name);
  return {
    subject: emailSubject(data, kind),
    html: renderView(`${view}.html`, data, { confidentiality }),
    text: renderView(`${view}.txt`, data, { confidentiality, format: 'text' }),
  };
}

/** "Executive summary · Northwind Mail Co · Week 47, 16–22 Nov 2026" (or "Delayed: executive summary · …"). */
export function emailSubject(data: ExecutiveSummaryData, kind: EmailKind): string {
  const lead = kind === 'delayed-notice' ? 'Delayed: executive summary' : 'Executive summary';
  return [lead, headerText(data.tenant.name), headerText(data.period.words)].join(' · ');
}

/** One line of header text: control characters (CR, LF, TAB, NUL…) become spaces, runs collapse. */
function headerText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return String(s).replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}
