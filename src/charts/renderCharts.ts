/**
 * Server-side charts: Vega-Lite specs from templates/charts/ rendered to self-contained SVG
 * strings (no browser, no canvas) that the PDF template inlines.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse, View, type Runtime, type Spec } from 'vega';
import { compile, type TopLevelSpec, type Config } from 'vega-lite';
import type { ExecutiveSummaryData } from '../report/types.js';
import { executiveChartValues } from './executiveChartValues.js';
import { CHART_FONT, installTextMetrics, measureText } from './textMetrics.js';

export type ChartName =
  | 'deliverability-trend'
  | 'cost-breakdown'
  | 'savings-by-category'
  | 'efficiency-components'
  | 'kpi-sparklines';

/** The cost-optimization report's charts (src/reports/cost-optimization/charts.ts). */
export type CostChartName = 'cost-margin-trend' | 'cost-resources' | 'budget-projection' | 'portfolio-margin-ranking';

/** Every chart spec in templates/charts/. */
export type AnyChartName = ChartName | CostChartName;

export const CHART_NAMES: readonly ChartName[] = [
  'deliverability-trend',
  'cost-breakdown',
  'savings-by-category',
  'efficiency-components',
  'kpi-sparklines',
];

export interface RenderChartOptions {
  /** Shown, centred, instead of the chart when there is nothing to plot. Default "No data for this period". */
  emptyMessage?: string;
  /** Receives vega's warnings (dropped by default); errors always reject. */
  onWarning?: (message: string) => void;
  /**
   * Render on a new View instead of a pooled one (tests compare the two; a pooled view must
   * draw exactly what a new one draws).
   */
  freshView?: boolean;
}

export const NO_DATA_MESSAGE = 'No data for this period';

type Row = Record<string, unknown>;

interface ChartDef {
  /** Whether the rows hold anything to plot; otherwise the chart is the "no data" message. */
  hasData(rows: Row[]): boolean;
  /** Signals (Vega-Lite params) computed from the rows, set on the view before it runs. */
  signals?(rows: Row[], theme: Config): Record<string, unknown>;
  /**
   * The facets the rows make, for a chart whose facets come and go with the data: a pooled view is
   * only reused for rows of the same facets. Its facet cells are joined by position (see
   * withoutJoinKeys), and a cell that a reused view did not have before is drawn without its marks.
   */
  shape?(rows: Row[]): string;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

const CHARTS: Record<AnyChartName, ChartDef> = {
  'deliverability-trend': {
    hasData: (rows) => rows.some((r) => r.kind === 'series' && finite(r.value)),
    signals: (rows, theme) => dayLabels(rows, theme, TREND_PLOT_WIDTH),
  },
  // All-zero cost and revenue is an idle tenant, not a chart worth drawing.
  'cost-breakdown': { hasData: (rows) => rows.some((r) => finite(r.value) && r.value !== 0) },
  'savings-by-category': {
    hasData: (rows) => rows.some((r) => finite(r.value)),
    signals: (rows, theme) => ({ labelLimit: categoryLabelLimit(rows, theme) }),
  },
  'efficiency-components': { hasData: (rows) => rows.some((r) => finite(r.value)) },
  'kpi-sparklines': {
    hasData: (rows) => rows.some((r) => r.kind === 'series' && finite(r.value)),
    signals: (rows, theme) => dayLabels(rows, theme, DAILY_PLOT_WIDTH),
    shape: (rows) => [...new Set(rows.map((r) => String(r.measure)))].sort().join('|'),
  },
  'cost-margin-trend': { hasData: (rows) => rows.some((r) => (r.kind === 'cost' || r.kind === 'revenue') && finite(r.value) && r.value !== 0) },
  // Room right of the longest bar for its label.
  'cost-resources': { hasData: (rows) => rows.some((r) => finite(r.value) && r.value > 0), signals: (rows) => ({ xMax: roomFor(rows, 'total', 1.6) }) },
  'budget-projection': { hasData: (rows) => rows.some((r) => finite(r.value) && r.value > 0), signals: (rows) => ({ xMax: roomFor(rows, 'value', 1.35) }) },
  'portfolio-margin-ranking': {
    hasData: (rows) => rows.some((r) => r.kind === 'tenant'),
    signals: (rows) => {
      const values = rows.filter((r) => r.kind === 'tenant' || r.kind === 'rule').map((r) => r.value).filter(finite);
      // From the lowest margin (at most −100%, a scale a reader can still read; lower bars are clamped and labelled) to past the target, with room for the labels.
      const lo = Math.max(-1, Math.min(0, ...values));
      const hi = Math.max(1, ...values);
      return { xMin: Math.floor(lo * 10) / 10, xMax: Math.ceil(hi * 10) / 10 + 0.3 };
    },
  },
};

/** The x domain's end that leaves room for labels right of the longest bar: `factor` × the largest `field`. */
function roomFor(rows: Row[], field: string, factor: number): number {
  const max = Math.max(0, ...rows.map((r) => r[field]).filter(finite));
  return max > 0 ? max * factor : 1;
}

/** Full width of the page column the specs are sized for. */
const FULL_WIDTH = 680;
/** Width of the savings chart, drawn beside its table. */
const SAVINGS_WIDTH = 330;

/**
 * Axis label limit for the savings categories: the widest measured label, so that none gets an
 * ellipsis, capped so a pathological label cannot squeeze the bars to nothing.
 */
function categoryLabelLimit(rows: Row[], theme: Config): number {
  const fontSize = Number(theme.axis?.labelFontSize ?? 10);
  let widest = 0;
  // Labels come wrapped onto lines (executiveChartValues): the widest line is what must fit.
  for (const r of rows) for (const line of String(r.category ?? '').split('\n')) widest = Math.max(widest, measureText(line, fontSize));
  return Math.min(Math.ceil(widest) + 4, Math.round(SAVINGS_WIDTH * 0.6));
}

/** Plot widths of one deliverability panel and of the day-by-day rows (the specs' `width`). */
const TREND_PLOT_WIDTH = 226;
const DAILY_PLOT_WIDTH = 520;
const DAY_MS = 86_400_000;

/**
 * Which days of a time axis get a label: every `labelEvery`-th counted back from the last day
 * (`lastDay`, UTC ms), so the window's last day, the period's, is always labelled, and as many as
 * fit whole at the measured width of a label ("Nov 30"); every day keeps its tick.
 */
function dayLabels(rows: Row[], theme: Config, plotWidth: number): Record<string, unknown> {
  const extent = rows.find((r) => r.kind === 'extent' && finite(r.start) && finite(r.end));
  if (!extent) return {};
  const days = Math.max(1, Math.round(((extent.end as number) - (extent.start as number)) / DAY_MS));
  const fontSize = Number(theme.axis?.labelFontSize ?? 10);
  const label = measureText('Nov 30', fontSize) + 8;
  return { lastDay: (extent.end as number) - DAY_MS / 2, labelEvery: Math.max(1, Math.ceil(label / (plotWidth / days))) };
}

const TEMPLATE_DIR = new URL('../../templates/charts/', import.meta.url);

interface Compiled {
  /** The parsed dataflow description; read-only to View, so one serves every render. */
  runtime: Runtime;
  emptySize: [number, number];
}

let theme: Config | null = null;
const compiled = new Map<AnyChartName, Compiled>();

function loadTheme(): Config {
  theme ??= JSON.parse(readFileSync(new URL('theme.json', TEMPLATE_DIR), 'utf8')) as Config;
  return theme;
}

/** The signals a chart is drawn with for these rows (label limits, room for value labels), as renderChart sets them. */
export function chartSignals(name: AnyChartName, rows: readonly object[]): Record<string, unknown> {
  return CHARTS[name].signals?.(rows as Row[], loadTheme()) ?? {};
}

/** vega's and vega-lite's logger shape (both LoggerInterface from vega-util). */
interface Logger {
  level(l?: number): number | Logger;
  error(...args: unknown[]): Logger;
  warn(...args: unknown[]): Logger;
  info(...args: unknown[]): Logger;
  debug(...args: unknown[]): Logger;
}

function makeLogger(onError: (error: unknown) => void, onWarning: (message: string) => void): Logger {
  let level = 2; // Warn
  const text = (args: unknown[]) => args.map(String).join(' ');
  const logger: Logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args) {
      onError(args.length === 1 ? args[0] : text(args));
      return logger;
    },
    warn(...args) {
      onWarning(text(args));
      return logger;
    },
    info: () => logger,
    debug: () => logger,
  };
  return logger;
}

// Known, harmless compile notes: vega-lite says it drops "fit-y" whenever a spec asks for
// fit-x with a step height (which is what we ask for), and its dataflow optimizer may stop early.
const HARMLESS_COMPILE_WARNINGS = [/^Dropping "fit-y" because spec has discrete height/, /^Maximum optimization runs/];

function compileLogger(name: AnyChartName): Logger {
  return makeLogger(
    (error) => {
      throw new Error(`chart spec ${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    },
    (message) => {
      if (!HARMLESS_COMPILE_WARNINGS.some((re) => re.test(message))) console.warn(`chart spec ${name}: ${message}`);
    },
  );
}

/**
 * Vega-Lite compilation (a few ms) and vega's parse (up to ~17 ms for the faceted trend) depend
 * only on the spec: do both once per process and chart.
 */
function compiledChart(name: AnyChartName): Compiled {
  let c = compiled.get(name);
  if (!c) {
    const vl = JSON.parse(readFileSync(new URL(`${name}.vl.json`, TEMPLATE_DIR), 'utf8')) as TopLevelSpec & {
      usermeta?: { herald?: { emptySize?: [number, number] } };
    };
    const emptySize = vl.usermeta?.herald?.emptySize ?? [FULL_WIDTH, 120];
    const logger = compileLogger(name) as NonNullable<Parameters<typeof compile>[1]>['logger'];
    const spec = compile(vl, { config: loadTheme(), logger }).spec;
    c = { runtime: withoutJoinKeys(parse(spec)), emptySize };
    compiled.set(name, c);
  }
  return c;
}

/**
 * vega keys axis and legend items by value (for animated transitions): on a reused view a tick
 * value that survives from the previous render keeps its old place, so "$100" could come after
 * "$400" in the SVG and in the PDF's reading order. Without keys every render enters its items
 * afresh, in order, exactly as on a new view. Static pictures lose nothing.
 */
function withoutJoinKeys(runtime: Runtime): Runtime {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const op = node as { type?: unknown; params?: Record<string, unknown> };
    if (op.type === 'datajoin' && op.params) {
      delete op.params.key;
      op.params.clean = true;
    }
    Object.values(node).forEach(visit);
  };
  visit(runtime);
  return runtime;
}

const emptyRuntimes = new Map<string, Runtime>();

/** The parsed "no data" picture for a size and message; the usual few are kept (a View pool hangs off each). */
function emptyRuntime(size: [number, number], message: string): Runtime {
  const key = JSON.stringify([size, message]);
  let runtime = emptyRuntimes.get(key);
  if (!runtime) {
    runtime = parse(emptySpec(size, message));
    // Custom messages are the caller's: keep a bounded number, oldest out first.
    if (emptyRuntimes.size >= 32) emptyRuntimes.delete(emptyRuntimes.keys().next().value!);
    emptyRuntimes.set(key, runtime);
  }
  return runtime;
}

/** A framed box of the chart's footprint with the message centred in it. */
function emptySpec([width, height]: [number, number], message: string): Spec {
  return {
    width,
    height,
    padding: 0,
    autosize: 'none',
    background: '#ffffff',
    marks: [
      {
        type: 'group',
        name: 'no_data_frame',
        aria: false,
        encode: {
          enter: {
            x: { value: 0.5 },
            y: { value: 0.5 },
            width: { value: width - 1 },
            height: { value: height - 1 },
            cornerRadius: { value: 4 },
            fill: { value: '#f9fafb' },
            stroke: { value: '#e5e7eb' },
          },
        },
      },
      {
        type: 'text',
        name: 'no_data',
        aria: false,
        encode: {
          enter: {
            x: { value: width / 2 },
            y: { value: height / 2 },
            align: { value: 'center' },
            baseline: { value: 'middle' },
            text: { value: message },
            font: { value: loadTheme().font ?? CHART_FONT },
            fontSize: { value: 12 },
            fill: { value: '#6b7280' },
          },
        },
      },
    ],
  };
}

type VegaLogger = NonNullable<NonNullable<ConstructorParameters<typeof View>[1]>['logger']>;

/** What one render collects from its view's logger. */
interface RenderLog { errors: unknown[]; onWarning?: (message: string) => void }

/**
 * A View kept between renders. Building one from the runtime (operators, compiled expressions)
 * costs about twice the render itself, so each chart keeps a few idle views and a render takes
 * one, sets its rows and signals, and puts it back. What a render changes besides the data is
 * reset first: autosize rewrites the width/height signals to the fitted size, and the next
 * fit would start from there.
 */
interface PooledView {
  view: View;
  renders: number;
  initial: { width: unknown; height: unknown; padding: unknown };
  log: RenderLog;
}

/** Idle views per runtime; more than this many concurrent renders of one chart build views that are then dropped. */
const IDLE_VIEWS_PER_CHART = 4;
/**
 * A view is replaced after this many renders: some of vega's operators (the subflows of faceted
 * lines) keep a little state per render that is never released (~5 KB), so a worker's memory
 * stays flat only if views are renewed. Building one costs ~30 ms, once per 100 briefs.
 */
const RENDERS_PER_VIEW = 100;
/**
 * Idle views by runtime and by the shape of the data they last drew (see ChartDef.shape): a view
 * is only reused for data of the same shape.
 */
const idleViews = new WeakMap<Runtime, Map<string, PooledView[]>>();

function newView(runtime: Runtime): PooledView {
  const log: RenderLog = { errors: [] };
  // vega catches errors inside its dataflow, logs them and still resolves toSVG() with a broken
  // picture; collecting them lets the render fail instead, so a broken chart is never sent.
  const logger = makeLogger((e) => log.errors.push(e), (m) => log.onWarning?.(m)) as unknown as VegaLogger;
  const view = new View(runtime, { renderer: 'none', logger, logLevel: 2 });
  // Items of exited data stay in the data joins until this many pile up (10 000 by default):
  // on a view that renders again and again, drop them after every render.
  (view as unknown as { cleanThreshold: number }).cleanThreshold = 0;
  return { view, log, renders: 0, initial: { width: view.signal('width'), height: view.signal('height'), padding: view.signal('padding') } };
}

function takeView(runtime: Runtime, fresh: boolean, shape: string): PooledView {
  const pooled = fresh ? undefined : idleViews.get(runtime)?.get(shape)?.pop();
  if (!pooled) return newView(runtime);
  const { view, initial } = pooled;
  view.signal('width', initial.width).signal('height', initial.height).signal('padding', initial.padding);
  view.resize();
  return pooled;
}

function releaseView(runtime: Runtime, pooled: PooledView, reusable: boolean, shape: string): void {
  pooled.log.errors = [];
  pooled.log.onWarning = undefined;
  pooled.renders++;
  let shapes = idleViews.get(runtime);
  if (!shapes) idleViews.set(runtime, (shapes = new Map()));
  let idle = shapes.get(shape);
  if (!idle) shapes.set(shape, (idle = []));
  if (reusable && idle.length < IDLE_VIEWS_PER_CHART && pooled.renders < RENDERS_PER_VIEW) idle.push(pooled);
  else pooled.view.finalize();
}

async function renderSpec(
  name: AnyChartName,
  runtime: Runtime,
  rows: Row[] | null,
  signals: Record<string, unknown>,
  opts: RenderChartOptions,
): Promise<string> {
  const shape = rows ? (CHARTS[name].shape?.(rows) ?? '') : '';
  const pooled = takeView(runtime, opts.freshView === true, shape);
  const { view, log } = pooled;
  log.onWarning = opts.onWarning;
  let ok = false;
  try {
    // vega's transforms write fields onto the tuples they ingest: give it copies.
    if (rows) view.data('values', rows.map((r) => ({ ...r })));
    for (const [k, v] of Object.entries(signals)) view.signal(k, v);
    const svg = await view.toSVG();
    if (log.errors.length > 0) {
      const first = log.errors[0];
      throw new Error(`chart ${name} failed to render: ${first instanceof Error ? first.message : String(first)}`, { cause: first });
    }
    ok = true;
    return stableIds(svg);
  } finally {
    // A view whose render failed may hold half-updated state: drop it.
    releaseView(runtime, pooled, ok && opts.freshView !== true, shape);
  }
}

const ID_OR_REF = /(\sid=")([^"]+)(")|(url\(#)([^)]+)(\))|(href=")#([^"]+)(")/g;

/**
 * vega numbers clip paths and gradients from a process-wide counter (clip1, clip2, …), so the same
 * chart renders differently each time, and two SVGs inlined in one page could point at each
 * other's defs if their counters ever met. Renumber them in order of appearance under a prefix
 * hashed from the content: reproducible, and distinct unless the charts (and so the defs) are equal.
 */
function stableIds(svg: string): string {
  const index = new Map<string, number>();
  const token = (id: string) => {
    if (!index.has(id)) index.set(id, index.size);
    return `\u0000${index.get(id)}\u0000`;
  };
  const canonical = svg.replace(ID_OR_REF, (_m, a1, id1, a3, b1, id2, b3, c1, id3, c3) =>
    a1 ? `${a1}${token(id1)}${a3}` : b1 ? `${b1}${token(id2)}${b3}` : `${c1}#${token(id3)}${c3}`,
  );
  if (index.size === 0) return svg;
  const prefix = `hc${createHash('sha1').update(canonical).digest('hex').slice(0, 10)}`;
  return canonical.replace(/\u0000(\d+)\u0000/g, (_m, n: string) => `${prefix}-${n}`);
}

/**
 * Renders one chart to an SVG string (width/height attributes plus a viewBox, so CSS can scale
 * it). `values` are the chart's rows, see each spec's description; none to plot gives a framed
 * "No data for this period" instead of an empty frame.
 */
export async function renderChart(name: AnyChartName, values: object[], opts: RenderChartOptions = {}): Promise<string> {
  if (!Object.hasOwn(CHARTS, name)) throw new TypeError(`unknown chart: ${String(name)}`);
  const def = CHARTS[name];
  if (!Array.isArray(values)) throw new TypeError(`chart ${name}: values must be an array`);
  installTextMetrics();
  const c = compiledChart(name);
  const rows = values as Row[];
  if (!def.hasData(rows)) {
    return renderSpec(name, emptyRuntime(c.emptySize, opts.emptyMessage ?? NO_DATA_MESSAGE), null, {}, opts);
  }
  return renderSpec(name, c.runtime, rows, def.signals?.(rows, loadTheme()) ?? {}, opts);
}

/** Compiles every chart spec now (tens of ms each), so that the first brief does not. */
export function prepareCharts(): void {
  installTextMetrics();
  for (const name of CHART_NAMES) compiledChart(name);
}

/** Every chart of the executive summary, rendered from its data object. */
export async function renderExecutiveCharts(data: ExecutiveSummaryData): Promise<Record<ChartName, string>> {
  const values = executiveChartValues(data);
  const svgs = await Promise.all(CHART_NAMES.map((name) => renderChart(name, values[name])));
  return Object.fromEntries(CHART_NAMES.map((name, i) => [name, svgs[i]])) as Record<ChartName, string>;
}

// A leaf mark container: vega writes `<g class="mark-rect role-mark …">` with one element per
// item and no nested groups. Axes, legends and titles have other roles (role-axis, …).
// Group containers (which do nest) are never matched, so the lazy match cannot swallow one.
const MARK_CONTAINER = /<g class="mark-(?!group\b)([a-z]+) role-mark\b[^"]*"[^>]*>([\s\S]*?)<\/g>/g;
const MARK_ELEMENT = /<(?:path|rect|line|circle|ellipse|polygon|polyline)\b/g;

/**
 * Number of drawn data marks (bars, lines, points, rules, areas) in a rendered chart; text marks,
 * axes and legends are not counted, so the "no data" message counts 0.
 */
export function chartMarkCount(svg: string): number {
  let n = 0;
  for (const m of svg.matchAll(MARK_CONTAINER)) {
    if (m[1] === 'text') continue;
    n += m[2].match(MARK_ELEMENT)?.length ?? 0;
  }
  return n;
}
