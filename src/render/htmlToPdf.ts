import { TimeoutError, type Page } from 'puppeteer';
import { sharedBrowserPool, type BrowserPool } from './BrowserPool.js';

export type RenderStage = 'template' | 'browser' | 'timeout' | 'output';

/**
 * A PDF that could not be produced. `stage` says whose fault: `template` is ours (the HTML is
 * refused; retrying cannot help), `browser` and `timeout` are Chromium's (crash, hang; worth a
 * retry on a fresh page), `output` means Chromium returned something that is not a usable PDF.
 */
export class RenderError extends Error {
  override readonly name = 'RenderError';
  readonly stage: RenderStage;
  declare readonly cause: unknown;

  constructor(stage: RenderStage, message: string, cause?: unknown) {
    super(cause instanceof Error ? `${message} (because ${cause.message})` : message, { cause });
    this.stage = stage;
  }

  /** Whether the same HTML may render on a second try. */
  get retryable(): boolean {
    return this.stage !== 'template';
  }
}

export interface PdfOptions {
  /** Tagged (accessible) PDF: screen readers can follow it, at ≈1.4× the time and ≈3× the size
   * of an untagged one. Default true. */
  tagged?: boolean;
  /** Budget for loading the HTML and printing it, once a page is free. Default 30000 ms. */
  timeoutMs?: number;
  /** Chromium header template (classes `pageNumber`, `totalPages`, `date`, `title`). It renders
   * in its own document: give it an explicit `font-size` and inline styles. */
  headerTemplate?: string;
  /** Chromium footer template, as `headerTemplate`. It prints inside the page's bottom margin:
   * the template's `@page` rule must leave one (CSS @page margins override the 12 mm fallback). */
  footerTemplate?: string;
  /** Paper size when the HTML has no `@page { size }`. Default A4. */
  format?: 'A4';
}

export interface PdfResult {
  pdf: Buffer;
  pageCount: number;
}

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:";

/**
 * The Content-Security-Policy every printed template declares first in its `<head>`:
 * `<meta http-equiv="Content-Security-Policy" content="{{htmlCsp}}">`. No script, no fetch, no
 * frame; styles inline, images and fonts as data: URLs only.
 */
export function htmlCsp(): string {
  return CSP;
}

/**
 * Prints HTML to PDF on a pooled Chromium page and checks the bytes before returning them.
 * The HTML must carry the `htmlCsp()` meta tag (else RenderError 'template'); the page loads
 * nothing from the network and runs no script.
 */
export async function htmlToPdf(
  html: string,
  opts: PdfOptions = {},
  pool: BrowserPool = sharedBrowserPool(),
): Promise<PdfResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  // Puppeteer reads a timeout of 0 as "wait forever".
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RenderError('template', `timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`);
  }
  assertCspFirst(html);

  try {
    return await pool.withPage((page) => withTimeout(printPage(page, html, opts, timeoutMs), timeoutMs));
  } catch (err) {
    if (err instanceof RenderError) throw err;
    if (err instanceof TimeoutError) throw new RenderError('timeout', `PDF render timed out after ${timeoutMs} ms`, err);
    throw new RenderError('browser', 'Chromium failed to render the PDF', err);
  }
}

async function printPage(page: Page, html: string, opts: PdfOptions, timeoutMs: number): Promise<PdfResult> {
  await page.setContent(html, { waitUntil: 'load', timeout: timeoutMs });
  const header = opts.headerTemplate;
  const footer = opts.footerTemplate;
  const headerFooter = header !== undefined || footer !== undefined;
  const bytes = await page.pdf({
    format: opts.format ?? 'A4',
    printBackground: true,
    // The template's @page { size; margin } decides; the margins below only apply when it
    // says nothing, so a header/footer never lands on a zero margin by default.
    preferCSSPageSize: true,
    displayHeaderFooter: headerFooter,
    // An absent template is not blank: Chromium prints its own date/title/URL instead.
    headerTemplate: headerFooter ? (header ?? '<span></span>') : undefined,
    footerTemplate: headerFooter ? (footer ?? '<span></span>') : undefined,
    margin: headerFooter ? { top: header ? '12mm' : undefined, bottom: footer ? '12mm' : undefined } : undefined,
    tagged: opts.tagged ?? true,
    timeout: timeoutMs,
  });
  // Validate while we still hold the page: a bad PDF makes withPage discard it.
  const pdf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { pdf, pageCount: checkPdf(pdf) };
}

/** Rejects after `ms`; the abandoned work's later rejection is swallowed (the page is discarded). */
function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RenderError('timeout', `PDF render timed out after ${ms} ms`)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Returns the page count, or throws RenderError 'output'. Never lets an empty PDF through. */
export function checkPdf(pdf: Buffer): number {
  if (pdf.length < 64 || pdf.subarray(0, 5).toString('latin1') !== '%PDF-') {
    throw new RenderError('output', `Chromium returned ${pdf.length} bytes that are not a PDF`);
  }
  if (!pdf.subarray(-1024).toString('latin1').includes('%%EOF')) {
    throw new RenderError('output', 'Chromium returned a truncated PDF (no %%EOF trailer)');
  }
  // Skia writes page objects uncompressed (no object streams), so counting `/Type /Page`
  // (not `/Pages`) dictionaries is exact and costs ~1 ms for a 250 KB brief.
  const pageCount = pdf.toString('latin1').match(/\/Type\s*\/Page(?![s\w])/g)?.length ?? 0;
  if (pageCount === 0) throw new RenderError('output', 'Chromium returned a PDF with no pages');
  return pageCount;
}

/**
 * The CSP meta must exist, carry exactly `htmlCsp()`, and come before anything that could load
 * (a meta CSP only governs what follows it; a `<base>`, `<link>` or `<style>` above it escapes it).
 */
function assertCspFirst(html: string): void {
  const metaRe = /<meta\b[^>]*>/gi;
  for (let m = metaRe.exec(html); m; m = metaRe.exec(html)) {
    const attrs = parseAttributes(m[0]);
    if (attrs.get('http-equiv')?.toLowerCase() !== 'content-security-policy') continue;
    if (normalizePolicy(attrs.get('content') ?? '') !== normalizePolicy(CSP)) {
      throw new RenderError('template', `The Content-Security-Policy meta must be exactly "${CSP}"`);
    }
    const before = html
      .slice(0, m.index)
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<title\b[^>]*>[^<]*<\/title\s*>/gi, '')
      .replace(/<(?:!doctype|html|head|meta)\b[^>]*>/gi, '');
    if (before.trim() !== '') {
      throw new RenderError('template', 'The Content-Security-Policy meta must come first in <head>, before any other element');
    }
    return;
  }
  throw new RenderError(
    'template',
    `HTML has no Content-Security-Policy meta: put <meta http-equiv="Content-Security-Policy" content="${CSP}"> first in <head>`,
  );
}

function parseAttributes(tag: string): Map<string, string> {
  const attrs = new Map<string, string>();
  const re = /([^\s=/>"']+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))/g;
  for (let m = re.exec(tag); m; m = re.exec(tag)) {
    attrs.set(m[1]!.toLowerCase(), decodeEntities(m[2] ?? m[3] ?? m[4] ?? ''));
  }
  return attrs;
}

// Handlebars' {{ }} escapes the policy's quotes; accept what a template engine produces.
function decodeEntities(s: string): string {
  return s.replace(/&(#x27|#39|apos|quot|amp);/gi, (_, e: string) =>
    ({ '#x27': "'", '#39': "'", apos: "'", quot: '"', amp: '&' })[e.toLowerCase()] ?? _,
  );
}

function normalizePolicy(policy: string): string {
  return policy
    .split(';')
    .map((d) => d.trim().replace(/\s+/g, ' '))
    .filter(Boolean)
    .join('; ');
}
