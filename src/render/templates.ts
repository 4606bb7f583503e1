/**
 * Handlebars views of the report data objects (SPEC §5): the executive-summary HTML that
 * Chromium prints, and the tiny header/footer documents Puppeteer stamps on every page.
 *
 * Safety rules, in one place:
 * - One isolated Handlebars instance (`Handlebars.create()`): helpers and partials registered
 *   here never leak into, or get overridden by, other users of the global instance.
 * - Everything from the data is written with `{{ }}` and therefore HTML-escaped. The templates
 *   contain no `{{{ }}}` at all: the only raw markup is a chart SVG, and it goes through the
 *   `trustedChartSvg` helper (see there), which is the single place that makes a SafeString.
 *   The stylesheet is a partial (template text, not data), so it is emitted verbatim.
 * - Templates compile with `strict: true`: a missing field throws instead of printing nothing.
 *   Handlebars' strict mode does not check helper arguments, so the helpers below throw when
 *   an argument is `undefined` (a missing field; `null` is a real "n/a" value). Either way the
 *   error is a `TemplateError` whose message names the template (and partial) and the field.
 */
import { isolateBidiDeep } from './bidi.js';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import * as fmt from '../report/format.js';
import type { ExecutiveSummaryData } from '../report/types.js';

/** Project root, from this file's location (src/render/templates.ts), never process.cwd(). */
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const TEMPLATES_DIR = path.join(PROJECT_ROOT, 'templates');
const PARTIALS_DIR = path.join(TEMPLATES_DIR, 'partials');

export interface RenderOptions {
  /** Confidentiality line in the body and the footer. Default: "Confidential — prepared for <tenant> leadership". */
  confidentiality?: string;
}

/** A template failed to render; `templates` is the chain, e.g. ["executive-summary", "kpi-card"]. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    /** Outermost first: the template, then the partials it was inside. */
    readonly templates: string[],
    /** The missing field's path from the data's root ("kpis.2.label") when it could be told, else null. */
    readonly field: string | null,
    /** What went wrong, without the template chain. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Template "${templates.join(' > ')}": ${detail}`, options);
  }

  /** The same error seen from one level further out (the template that included this partial). */
  within(template: string): TemplateError {
    return new TemplateError([template, ...this.templates], this.field, this.detail, { cause: this.cause });
  }
}

/**
 * Handlebars' own `data.contextPath` (trackIds) is not reliable: a partial called with hash
 * arguments overwrites it on the shared data frame. So `each` records the path of the item it
 * is rendering as `heraldPath` on its frame ("kpis.2"), and errors are qualified with it.
 */
interface FrameData {
  heraldPath?: string;
  key?: string | number;
  charts?: Record<string, string>;
}

interface TrackedOptions {
  ids?: unknown[];
  loc?: { start: { line: number; column: number } };
  data?: FrameData;
  fn?: (context: unknown, options?: { data?: FrameData; blockParams?: unknown[] }) => string;
}

/** An error raised in an `each` item, tagged with that item's path. */
type TaggedError = { heraldPath?: string };

type ViewData = {
  /** Chart SVG strings by ChartName; only `trustedChartSvg` reads them. */
  charts: Record<string, string>;
  /** Confidentiality line, or null for the default. */
  confidentiality: string | null;
  /** The printed brief: what its alert lists leave out ("…and 6 more …"), "" when nothing. */
  alertsNotListed?: { critical: string; medium: string };
};

/** `relative` (a path expression as written) seen from the item at `base`, as a path from the root. */
function qualify(base: string | undefined, relative: string): string {
  if (relative.startsWith('@root.')) return relative.slice('@root.'.length);
  if (relative.startsWith('@') || relative.startsWith('../')) return relative;
  const local = relative === 'this' ? '' : relative.replace(/^this[./]/, '');
  if (!base) return local || relative;
  return local ? `${base}.${local}` : base;
}

/** A helper argument that was `undefined`: the field it names does not exist in the data. */
class MissingArgument extends Error {
  constructor(readonly field: string, readonly helper: string, readonly line?: number, readonly column?: number) {
    super(`missing field "${field}" (argument of ${helper})`);
  }
}

/**
 * Wraps a formatter as a helper: every argument must be present (`undefined` means the
 * template names a field the data lacks); the result is a plain string, so it is escaped.
 */
function valueHelper(name: string, fn: (...args: any[]) => unknown) {
  return function helper(this: unknown, ...args: unknown[]): unknown {
    const options = args.pop() as TrackedOptions;
    args.forEach((arg, i) => {
      if (arg === undefined) throw missingArgument(name, options, i);
    });
    return fn(...args);
  };
}

function missingArgument(helper: string, options: TrackedOptions, index: number): MissingArgument {
  const id = options.ids?.[index];
  const field = typeof id === 'string' ? qualify(options.data?.heraldPath, id) : `argument ${index + 1}`;
  return new MissingArgument(field, helper, options.loc?.start.line, options.loc?.start.column);
}

/** The text of a path expression at a line/column of a template source ("cost.gross_margin"). */
function pathAt(source: string, line: number, column: number): string | null {
  const text = source.split('\n')[line - 1];
  if (text === undefined) return null;
  const m = /^[\w@$.\/-]+/.exec(text.slice(column));
  return m ? m[0] : null;
}

/**
 * Turns whatever a compiled template threw into a TemplateError for `name`. `basePath` is the
 * path of the item the template was rendering (a partial called inside `each`).
 */
function toTemplateError(err: unknown, name: string, source: string, basePath?: string): TemplateError {
  if (err instanceof TemplateError) return err.within(name);
  if (err instanceof MissingArgument) {
    const where = err.line !== undefined ? ` at line ${err.line}, column ${err.column ?? 0}` : '';
    return new TemplateError([name], err.field, `${err.message}${where}`, { cause: err });
  }
  const e = err as { message?: unknown; lineNumber?: number; column?: number } & TaggedError;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  // Handlebars strict mode: `"gross_margin" not defined in [object Object] - 12:8`
  const strict = /^"([^"]+)" not defined in /.exec(message);
  // A path through a non-object: `Cannot use 'in' operator to search for 'x' in 12`
  const inOperator = /search for '([^']+)' in /.exec(message);
  const segment = strict?.[1] ?? inOperator?.[1];
  if (!segment) {
    // A helper argument through a missing object (`{{percent a.b.c}}` without `a.b`): Handlebars
    // does not check helper arguments, and a TypeError carries no template position.
    const through = /^Cannot read properties of (?:undefined|null) \(reading '([^']+)'\)/.exec(message);
    if (through) {
      return new TemplateError([name], null, `missing field: the object holding "${through[1]}" is missing (${message})`, { cause: err });
    }
    return new TemplateError([name], null, message, { cause: err });
  }
  const line = e.lineNumber;
  const column = e.column;
  let written = segment;
  if (line !== undefined && column !== undefined) {
    const full = pathAt(source, line, column);
    if (full && (full === segment || full.endsWith(`.${segment}`) || full.endsWith(`/${segment}`))) written = full;
  }
  const field = qualify(e.heraldPath ?? basePath, written);
  const where = line !== undefined ? ` at line ${line}, column ${column ?? 0}` : '';
  return new TemplateError([name], field, `missing field "${field}"${where}`, { cause: err });
}

const COMPILE_OPTIONS = { strict: true, trackIds: true, preventIndent: true } as const;

interface Compiled {
  render: Handlebars.TemplateDelegate;
  source: string;
}

interface Environment {
  hb: typeof Handlebars;
  templates: Map<string, Compiled>;
}

let environment: Environment | null = null;

function createEnvironment(): Environment {
  const hb = Handlebars.create();
  registerHelpers(hb);
  for (const file of readdirSync(PARTIALS_DIR).sort()) {
    if (!file.endsWith('.hbs')) continue;
    registerPartial(hb, file.slice(0, -'.hbs'.length), readFileSync(path.join(PARTIALS_DIR, file), 'utf8'));
  }
  // The stylesheet is template text (a partial), so it is emitted verbatim, not escaped.
  registerPartial(hb, 'brief-css', readFileSync(path.join(TEMPLATES_DIR, 'brief.css'), 'utf8'));
  return { hb, templates: new Map() };
}

function registerPartial(hb: typeof Handlebars, name: string, file: string): void {
  // A partial file's final newline is not part of its content ("…leadership · Page 2").
  const source = file.replace(/\r?\n$/, '');
  const compiled = hb.compile(source, COMPILE_OPTIONS);
  const partial = (context: unknown, options?: Handlebars.RuntimeOptions & { data?: FrameData }): string => {
    try {
      return compiled(context, options);
    } catch (err) {
      throw toTemplateError(err, name, source, options?.data?.heraldPath);
    }
  };
  hb.registerPartial(name, partial as unknown as Handlebars.Template);
}

/** The shared environment: helpers, partials and compiled templates, built once per process. */
function env(): Environment {
  environment ??= createEnvironment();
  return environment;
}

/**
 * How a view is compiled. `html`: every `{{ }}` is HTML-escaped. `text`: values are written as
 * they are, for plain-text views (an email's text part) whose output is never parsed as HTML.
 * A text view must not include the shared partials: they are compiled for HTML and escape.
 */
export type ViewFormat = 'html' | 'text';

/** Compiles `templates/<name>.hbs` once per format and caches it. */
function template(name: string, format: ViewFormat = 'html'): Compiled {
  const e = env();
  const key = format === 'html' ? name : `${format}:${name}`;
  let compiled = e.templates.get(key);
  if (!compiled) {
    const source = readFileSync(path.join(TEMPLATES_DIR, `${name}.hbs`), 'utf8');
    const options = format === 'text' ? { ...COMPILE_OPTIONS, noEscape: true } : COMPILE_OPTIONS;
    compiled = { render: e.hb.compile(source, options), source };
    e.templates.set(key, compiled);
  }
  return compiled;
}

function render(name: string, context: unknown, view: ViewData, format: ViewFormat = 'html'): string {
  const { render: fn, source } = template(name, format);
  try {
    return fn(isolateBidiDeep(context), { data: view });
  } catch (err) {
    throw toTemplateError(err, name, source);
  }
}

/**
 * The one place raw markup enters a page: a chart SVG made by src/charts (Vega's SVG renderer,
 * which escapes its own text). It must be an `<svg>` element and contain no script; an absent
 * chart renders a quiet placeholder instead of a hole.
 */
function trustedChartSvg(name: unknown, options: TrackedOptions): Handlebars.SafeString {
  if (typeof name !== 'string') throw new Error(`trustedChartSvg needs a chart name, got ${String(name)}`);
  const svg: unknown = options.data?.charts?.[name];
  if (svg !== undefined && svg !== null && typeof svg !== 'string') throw new Error(`chart "${name}" is not a string`);
  if (svg === undefined || svg === null || svg.trim() === '') {
    return new Handlebars.SafeString(`<div class="chart-missing">Chart not available</div>`);
  }
  const trimmed = svg.replace(/^\s*(<\?xml[^>]*\?>\s*)?/i, '');
  if (!/^<svg[\s>]/i.test(trimmed)) throw new Error(`chart "${name}" is not an <svg> element`);
  if (/<script|<foreignobject/i.test(trimmed)) throw new Error(`chart "${name}" contains a script or foreignObject`);
  return new Handlebars.SafeString(trimmed);
}

function registerHelpers(hb: typeof Handlebars): void {
  const h = (name: string, fn: (...args: any[]) => unknown) => hb.registerHelper(name, valueHelper(name, fn));

  // Numbers (format.ts); every one prints "n/a" for null.
  h('usd', (n) => fmt.formatUsd(n));
  h('percent', (n, digits?) => fmt.formatPercent(n, typeof digits === 'number' ? digits : 1));
  h('percentValue', (n) => fmt.formatPercentValue(n));
  h('score', (n) => fmt.formatScore(n));
  h('number', (n) => fmt.formatNumber(n));
  h('decimal', (n) => fmt.formatDecimal(n));
  h('hours', (n) => fmt.formatHours(n));
  h('multiple', (n) => fmt.formatMultiple(n));
  h('changePct', (n) => fmt.formatChangePct(n));
  // A KPI's change in its own unit: "+4.2 pp", "−3.1%", "−8 pts", "new", "n/a".
  h('trendChange', (unit, change, kind) => fmt.formatTrendChange({ unit, change, kind }));
  // A per-email cost as the cost of 1,000 emails ("$0.65"); the label says "per 1,000 emails".
  h('usdPer1000', (n) => fmt.formatUsd(fmt.isFiniteNumber(n) ? n * 1000 : n));
  // "target > 70%", or a miss marked with its target: "below target > 95%", "above target < 5%".
  h('targetText', (target, met, polarity) => fmt.formatTarget(target, met, polarity));
  h('targetClass', (met) => (met === false ? 'target missed' : 'target'));
  h('kpiValue', (n, unit) => fmt.formatKpiValue(n, unit));
  h('plural', (n, singular, plural) => fmt.pluralize(n, singular, typeof plural === 'string' ? plural : undefined));
  h('barWidth', (n) => String(fmt.barWidth(n)));

  // Time, in the tenant's zone.
  h('dateTime', (iso, zone) => fmt.formatDateTime(iso, zone));
  h('shortDateTime', (iso, zone) => fmt.formatShortDateTime(iso, zone));
  h('date', (iso, zone) => fmt.formatDate(iso, zone));

  // Words.
  h('humanize', (s) => fmt.humanize(s));
  // A report's id as people read it: "executive-summary" → "Executive summary".
  h('reportTitle', (id) => REPORT_TITLES[String(id)] ?? fmt.humanize(String(id)));
  // Names of missing efficiency components, by the labels the components carry.
  h('componentLabels', (names, components) => {
    const list = Array.isArray(names) ? names : [];
    const known = Array.isArray(components) ? (components as { name?: unknown; label?: unknown }[]) : [];
    return fmt.formatList(
      list.map((n) => {
        const c = known.find((k) => k && k.name === n);
        return c && typeof c.label === 'string' && c.label !== '' ? c.label : fmt.humanize(n);
      }),
    );
  });
  h('directionLabel', (d) => fmt.directionLabel(d));
  h('statusLabel', (s) => fmt.statusLabel(s));
  h('riskLabel', (r) => fmt.riskLevelLabel(r));

  // Presentation classes: always one of a fixed set, whatever the data says.
  h('trendArrow', (direction, polarity) => fmt.trendArrow(direction, polarity));
  // No direction (a side of the comparison is missing): muted, so "n/a" does not look like news.
  h('trendClass', (direction) => `tone-${fmt.trendStatus(direction)}`);
  // A status of the severity scale (ok, monitor, warning, critical) has one tone everywhere; one
  // that is not rated is muted, so it does not read as "monitor".
  const ratedClass = (s: unknown) => (fmt.toStatus(s) === 'neutral' ? 'tone-muted' : `tone-${fmt.toTone(fmt.toStatus(s))}`);
  h('statusClass', ratedClass);
  h('riskClass', (r) => ratedClass(fmt.riskLevelStatus(r)));
  h('severityClass', (s) => `tone-${fmt.toTone(fmt.severityStatus(s))}`);
  h('priorityClass', (p) => `tone-${fmt.toTone(fmt.priorityStatus(p))}`);
  h('reputationClass', (r) => `tone-${fmt.toTone(fmt.reputationStatus(r))}`);
  // Inline colours, for views that cannot rely on a stylesheet (email clients strip <style>).
  h('statusColor', (s) => fmt.statusColor(s));
  h('statusTint', (s) => fmt.statusTint(s));
  h('severityStatus', (s) => fmt.severityStatus(s));
  h('priorityStatus', (p) => fmt.priorityStatus(p));
  // Like trendClass: no direction is muted grey, not the "info" blue.
  h('trendColor', (direction) => (direction === null ? '#6b7280' : fmt.statusColor(fmt.trendStatus(direction))));
  // Plain-text columns: pad to a width in characters (code points); never truncates.
  h('padEnd', (s, width) => padText(String(s), width, 'end'));
  h('padStart', (s, width) => padText(String(s), width, 'start'));

  // Alerts of the period: what became of each (fields prepared in format.ts, not decided here).
  const alert = (name: string, fn: (a: fmt.AlertStatusFields, ...rest: any[]) => unknown) =>
    hb.registerHelper(name, function helper(this: unknown, ...args: unknown[]): unknown {
      const options = args[args.length - 1] as TrackedOptions;
      requireAlertFields(name, args[0], options);
      return valueHelper(name, fn).apply(this, args);
    });
  alert('alertStatus', (a, zone) => fmt.alertStatusLine(a, zone));
  alert('alertWhenLine', (a, zone) => fmt.alertWhenLine(a, zone));
  alert('alertCompactWhen', (a, zone) => fmt.alertCompactWhen(a, zone));
  alert('alertStatusClass', (a) => (fmt.alertUnanswered(a) ? 'alert-status unanswered' : 'alert-status'));
  alert('alertStatusColor', (a) => (fmt.alertUnanswered(a) ? fmt.statusColor('critical') : '#4b5563'));

  h('isNull', (v) => v === null);
  // Whether any of the lists has an item (the page puts two empty lists' notes side by side).
  h('anyItems', (...lists) => lists.some((l) => Array.isArray(l) && l.length > 0));
  // A daily brief has one point per series: a day-by-day chart of it says nothing.
  h('severalDays', (daily) => Array.isArray(daily) && daily.length > 1);

  hb.registerHelper('trustedChartSvg', trustedChartSvg);

  // `each` over a missing field is a template error too; and each item's path is recorded
  // so that a field missing inside an item is named in full ("kpis.2.label", not "label").
  const builtinEach = hb.helpers.each as (this: unknown, context: unknown, options: TrackedOptions) => string;
  hb.registerHelper('each', function each(this: unknown, context: unknown, options: TrackedOptions) {
    if (context === undefined) throw missingArgument('each', options, 0);
    const fn = options.fn;
    const id = options.ids?.[0];
    if (!fn || typeof id !== 'string') return builtinEach.call(this, context, options);
    const listPath = qualify(options.data?.heraldPath, id);
    const wrapped: TrackedOptions = {
      ...options,
      fn: (item, opts) => {
        const frame = opts?.data;
        if (frame) frame.heraldPath = `${listPath}.${String(frame.key)}`;
        try {
          return fn(item, opts);
        } catch (err) {
          // Tag a raw strict-mode error with the innermost item's path (outer items skip it).
          if (frame && err && typeof err === 'object' && !(err instanceof TemplateError) && !(err instanceof MissingArgument)) {
            const tagged = err as TaggedError;
            tagged.heraldPath ??= frame.heraldPath;
          }
          throw err;
        }
      },
    };
    return builtinEach.call(this, context, wrapped);
  });
}

/** The fields an alert's status is read from: a record lacking one is a template error, not "not acknowledged". */
const ALERT_FIELDS = ['severity', 'source', 'occurred_at', 'fired_at', 'acknowledged_at', 'acknowledged_by', 'resolved_at'] as const;

function requireAlertFields(helper: string, item: unknown, options: TrackedOptions): void {
  if (item === undefined) throw missingArgument(helper, options, 0);
  if (item === null || typeof item !== 'object') throw new Error(`${helper} needs an alert, got ${String(item)}`);
  const missing = ALERT_FIELDS.find((f) => !(f in item));
  if (missing) {
    const id = options.ids?.[0];
    const base = typeof id === 'string' ? qualify(options.data?.heraldPath, id) : undefined;
    throw new MissingArgument(base ? `${base}.${missing}` : missing, helper, options.loc?.start.line, options.loc?.start.column);
  }
}

function padText(s: string, width: unknown, side: 'start' | 'end'): string {
  const missing = typeof width === 'number' && width > 0 ? Math.max(0, Math.floor(width) - [...s].length) : 0;
  return side === 'end' ? s + ' '.repeat(missing) : ' '.repeat(missing) + s;
}

function viewData(opts: RenderOptions | undefined, charts: Record<string, string>): ViewData {
  const confidentiality = typeof opts?.confidentiality === 'string' && opts.confidentiality.trim() !== '' ? opts.confidentiality : null;
  return { charts, confidentiality };
}

/**
 * The executive-summary brief as one self-contained HTML document (inline CSS, inline SVG,
 * a CSP that forbids scripts and the network). `charts` maps ChartName to SVG markup; a
 * missing chart prints a placeholder.
 */
export function renderExecutiveSummaryHtml(
  data: ExecutiveSummaryData,
  charts: Record<string, string>,
  opts?: RenderOptions,
): string {
  const printed = printedAlerts(data);
  return render('executive-summary', printed.data, { ...viewData(opts, charts ?? {}), alertsNotListed: printed.notListed });
}

/**
 * The printed page lists at most LISTED_ALERTS of each kind (the page budget), and says what it
 * left out; the data object is not changed.
 */
function printedAlerts(data: ExecutiveSummaryData): { data: ExecutiveSummaryData; notListed: { critical: string; medium: string } } {
  const critical = Array.isArray(data.critical_alerts) ? data.critical_alerts : null;
  const medium = Array.isArray(data.medium_alerts) ? data.medium_alerts : null;
  const max = fmt.LISTED_ALERTS;
  return {
    data: {
      ...data,
      ...(critical ? { critical_alerts: fmt.listedAlerts(critical, max.critical) } : {}),
      ...(medium ? { medium_alerts: fmt.listedAlerts(medium, max.medium) } : {}),
    },
    notListed: {
      critical: critical ? fmt.alertsNotListed(critical, max.critical, 'critical or high') : '',
      medium: medium ? fmt.alertsNotListed(medium, max.medium, 'medium') : '',
    },
  };
}

/**
 * A report's printable page, `templates/<name>.hbs`, with its chart SVGs (by chart name, read by
 * `trustedChartSvg`): the executive summary's rules (escaping, strictness, TemplateError) for any
 * report.
 */
export function renderReportHtml(name: string, data: unknown, charts: Record<string, string>, opts?: RenderOptions): string {
  return render(name, data, viewData(opts, charts ?? {}));
}

/**
 * Any other view of a report data object, `templates/<name>.hbs` (e.g. "email/executive-summary.html"),
 * with the same helpers, strictness and TemplateError as the brief. `@confidentiality` is the
 * configured line or null. `format: 'text'` writes values unescaped (see ViewFormat).
 */
export function renderView(name: string, data: unknown, opts?: RenderOptions & { format?: ViewFormat }): string {
  return render(name, data, viewData(opts, {}), opts?.format ?? 'html');
}

/** What a PDF's header and footer print: the report, whom it is for (a tenant, or the portfolio by its name) and the period. */
export interface BriefFrame { report: string; tenant: { name: string }; period: { words: string } }

/** Reports' titles in headers ("Herald · Cost optimization · …"). */
const REPORT_TITLES: Record<string, string> = {
  'executive-summary': 'Executive summary',
  'cost-optimization': 'Cost optimization',
  'decision-review': 'Decision review',
};

/** Puppeteer `footerTemplate`: tenant · period on the left; confidentiality and "Page X of Y" on the right. */
export function briefFooterTemplate(data: ExecutiveSummaryData | BriefFrame, opts?: RenderOptions): string {
  return render('brief-footer', data, viewData(opts, {}));
}

/** Puppeteer `headerTemplate`: "Herald · <report> · <tenant>". */
export function briefHeaderTemplate(data: ExecutiveSummaryData | BriefFrame): string {
  return render('brief-header', data, viewData(undefined, {}));
}
