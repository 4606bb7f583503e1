/**
 * A chart of the brief laid out for a phone's column, for the email's key chart picture.
 *
 * The PDF's charts are drawn for a 680 px page column, two panels side by side: shrunk into a
 * 375 px phone (335 px of content) their 10 px labels print at 5 px. This draws the same Vega-Lite
 * spec from templates/charts/ with the same theme, text metrics and rows (executiveChartValues),
 * only narrower: panels side by side (`facet.column`) are stacked (`facet.row`, each panel's
 * title on top), and the plot is `NARROW_WIDTH` px wide, so the picture shown 335 px wide keeps
 * its labels near their size. Nothing of the PDF's rendering is shared or changed: a fresh
 * vega View per picture (one per brief; no pool needed).
 */
import { readFileSync } from 'node:fs';
import { parse, View } from 'vega';
import { compile, type Config, type TopLevelSpec } from 'vega-lite';
import type { ExecutiveSummaryData } from '../report/types.js';
import { executiveChartValues } from './executiveChartValues.js';
import type { AnyChartName, ChartName } from './renderCharts.js';
import { installTextMetrics } from './textMetrics.js';

/** Width the narrow chart is laid out for (px), about a phone's content column. */
export const NARROW_WIDTH = 340;

/** Signals a spec reads at render time (renderCharts sets them from the rows), for the narrow width. */
function signalsFor(name: ChartName, width: number): Record<string, unknown> {
  // Category labels may take two fifths of the width; longer ones get an ellipsis.
  return name === 'savings-by-category' ? { labelLimit: Math.round(width * 0.4) } : {};
}

const TEMPLATE_DIR = new URL('../../templates/charts/', import.meta.url);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The spec laid out for `width`: a column facet becomes a row facet with its header on top, and
 * the width of the plot (a facet's inner spec, or the chart's own with fit-x autosize) shrinks.
 */
export function narrowSpec(spec: Json, width = NARROW_WIDTH): Json {
  const s = structuredClone(spec);
  const facet = s.facet;
  if (isObject(facet) && isObject(facet.column)) {
    const column = facet.column;
    const header = isObject(column.header) ? column.header : {};
    s.facet = { row: { ...column, header: { ...header, labelOrient: 'top', labelAngle: 0, labelAnchor: 'start', labelAlign: 'left', labelBaseline: 'bottom' } } };
    if (isObject(s.spec) && typeof s.spec.width === 'number') {
      // The plot, less the y axis's labels (~40 px) and the threshold labels right of it (~60 px).
      s.spec.width = Math.max(120, width - 100);
    }
  } else if (typeof s.width === 'number') {
    s.width = width;
  } else if (Array.isArray(s.vconcat)) {
    // Panels one above the other: each as wide as the column, less its y axis's labels (~60 px).
    for (const panel of s.vconcat) if (isObject(panel) && typeof panel.width === 'number') panel.width = Math.max(120, width - 60);
  }
  return s;
}

let theme: Config | null = null;
/** Compiled and parsed once per chart and width (tens of ms): a runtime is read-only to View. */
const runtimes = new Map<string, ReturnType<typeof parse>>();

type Logger = { level(l?: number): number | Logger; error(...a: unknown[]): Logger; warn(): Logger; info(): Logger; debug(): Logger };

/** Errors go to `errors`; warnings are dropped (vega-lite's "Dropping fit-y" note comes with every fit-x spec). */
function collectingLogger(errors: unknown[]): Logger {
  const logger: Logger = {
    level: (l?: number) => (l === undefined ? 1 : logger),
    error: (...args: unknown[]) => { errors.push(args.length === 1 ? args[0] : args.map(String).join(' ')); return logger; },
    warn: () => logger,
    info: () => logger,
    debug: () => logger,
  };
  return logger;
}

function runtime(name: AnyChartName, width: number): ReturnType<typeof parse> {
  const key = `${name}:${width}`;
  let r = runtimes.get(key);
  if (!r) {
    theme ??= JSON.parse(readFileSync(new URL('theme.json', TEMPLATE_DIR), 'utf8')) as Config;
    const source = JSON.parse(readFileSync(new URL(`${name}.vl.json`, TEMPLATE_DIR), 'utf8')) as Json;
    const errors: unknown[] = [];
    const { spec } = compile(narrowSpec(source, width) as unknown as TopLevelSpec, { config: theme, logger: collectingLogger(errors) as never });
    if (errors.length > 0) throw new Error(`narrow chart ${name}: ${String(errors[0])}`);
    r = parse(spec);
    runtimes.set(key, r);
  }
  return r;
}

/**
 * The chart `name` of a brief as an SVG string laid out `width` px wide (see narrowSpec). Rejects
 * when vega reports an error, as the PDF's charts do; the caller falls back to the PDF's picture.
 */
export async function renderNarrowChart(name: ChartName, data: ExecutiveSummaryData, width = NARROW_WIDTH): Promise<string> {
  return renderNarrowRows(name, executiveChartValues(data)[name], signalsFor(name, width), width);
}

/** Any report's chart `name` drawn from its rows, laid out `width` px wide (see narrowSpec). */
export async function renderNarrowRows(name: AnyChartName, rows: readonly object[], signals: Record<string, unknown> = {}, width = NARROW_WIDTH): Promise<string> {
  installTextMetrics();
  const errors: unknown[] = [];
  // vega catches errors inside its dataflow and still draws: collect them so the render fails.
  const view = new View(runtime(name, width), { renderer: 'none', logger: collectingLogger(errors) as never, logLevel: 1 });
  try {
    view.data('values', rows.map((r) => ({ ...r })));
    for (const [k, v] of Object.entries(signals)) view.signal(k, v);
    const svg = await view.toSVG();
    if (errors.length > 0) {
      const first = errors[0];
      throw new Error(`narrow chart ${name}: ${first instanceof Error ? first.message : String(first)}`, { cause: first });
    }
    return svg;
  } finally {
    view.finalize();
  }
}
