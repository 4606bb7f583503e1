/**
 * The decision review's charts: rows from its data object (pure), and the Vega-Lite specs of
 * templates/charts/ rendered to SVG on the server with the brief's theme and measured fonts.
 */
import { readFileSync } from 'node:fs';
import { parse, View, type Runtime } from 'vega';
import { compile, type Config, type TopLevelSpec } from 'vega-lite';
import { formatUsd, formatUsdCompact, humanize } from '../../report/format.js';
import { NARROW_WIDTH } from '../../charts/narrowChart.js';
import { chartPicture } from '../../delivery/email/emailKeyChart.js';
import type { InlineImage } from '../../delivery/Channel.js';
import { installTextMetrics, measureText } from '../../charts/textMetrics.js';
import { wrapLabel } from '../../charts/executiveChartValues.js';
import type { DecisionReviewData } from './types.js';

export type DecisionChartName = 'decision-net-impact' | 'decision-success-by-type';
export const DECISION_CHARTS: readonly DecisionChartName[] = ['decision-net-impact', 'decision-success-by-type'];

/** Most decisions drawn in the net-impact chart (the table lists them all). */
export const CHARTED_DECISIONS = 12;
/** Widest line of a decision's label (px, 10 px Liberation Sans): the spec's labelLimit leaves a little more. */
const LABEL_WIDTH = 250;

/**
 * A label on at most two measured lines (a pair of bars is 26 px high): a longer one ends its
 * second line with "…" at a word (the table beside the chart has the whole title).
 */
export function twoLines(text: string, width = LABEL_WIDTH): string {
  const lines = wrapLabel(text, width).split('\n');
  if (lines.length <= 2) return lines.join('\n');
  const words = lines[1].split(' ');
  let second = `${lines[1]}…`;
  while (words.length > 1 && measureText(second, 10) > width) {
    words.pop();
    second = `${words.join(' ')}…`;
  }
  return `${lines[0]}\n${second}`;
}

/** Rows of each chart. */
export function decisionChartValues(data: DecisionReviewData, labelWidth = LABEL_WIDTH): Record<DecisionChartName, object[]> {
  const charted = data.reviewed.filter((d) => d.outcome && d.expected_net !== null).slice(0, CHARTED_DECISIONS);
  const seen = new Map<string, number>();
  const net = charted.flatMap((d, order) => {
    const name = data.scope === 'portfolio' ? `${d.tenant_name}: ${d.title}` : d.title;
    // Each decision is a row of its own: two that share a title are told apart by a number.
    const times = (seen.get(name) ?? 0) + 1;
    seen.set(name, times);
    const decision = twoLines(times > 1 ? `${name} (${times})` : name, labelWidth);
    return [
      { decision, order, kind: 'Expected', value: d.expected_net, display: formatUsdCompact(d.expected_net) },
      { decision, order, kind: 'Actual', value: d.outcome!.actual_net, display: formatUsdCompact(d.outcome!.actual_net) },
    ];
  });
  const target = data.success_threshold_percent / 100;
  // Every rate zero draws empty tracks: the table (and a line) say it better.
  const rated = data.by_type.filter((t) => t.rated > 0);
  const byType = (rated.some((t) => t.met > 0) ? rated : []).map((t, order) => ({
    type: humanize(t.decision_type),
    rate: t.success_rate,
    tone: t.success_rate! >= target ? 'good' : t.success_rate! >= 0.5 ? 'warning' : 'critical',
    display: `${t.met} of ${t.rated}`,
    order,
  }));
  return { 'decision-net-impact': net, 'decision-success-by-type': byType };
}

const TEMPLATE_DIR = new URL('../../../templates/charts/', import.meta.url);
let theme: Config | null = null;
const runtimes = new Map<string, Runtime>();

/** The spec's dataflow, parsed once per chart and width; `narrow`: drawn `narrow` px wide with labels at most NARROW_LABEL px. */
function runtime(name: DecisionChartName, narrow?: number): Runtime {
  const key = `${name}:${narrow ?? ''}`;
  let r = runtimes.get(key);
  if (!r) {
    theme ??= JSON.parse(readFileSync(new URL('theme.json', TEMPLATE_DIR), 'utf8')) as Config;
    const spec = JSON.parse(readFileSync(new URL(`${name}.vl.json`, TEMPLATE_DIR), 'utf8')) as TopLevelSpec & { width?: number; encoding?: { y?: { axis?: { labelLimit?: number } } } };
    if (narrow) {
      spec.width = narrow;
      if (spec.encoding?.y?.axis) spec.encoding.y.axis.labelLimit = NARROW_LABEL + 10;
    }
    r = parse(compile(spec, { config: theme }).spec);
    runtimes.set(key, r);
  }
  return r;
}

// The email's picture is the net-impact chart laid out NARROW_WIDTH px wide, a phone's column.
const NARROW_LABEL = 130;

/** One chart as an SVG string; null when it has no rows (the page says so in words instead). */
export async function renderDecisionChart(name: DecisionChartName, rows: object[], narrow?: number): Promise<string | null> {
  if (rows.length === 0) return null;
  installTextMetrics();
  const errors: unknown[] = [];
  const view = new View(runtime(name, narrow), { renderer: 'none', logLevel: 1 });
  try {
    view.data('values', rows.map((r) => ({ ...r })));
    const svg = await view.toSVG();
    if (errors.length) throw new Error(`chart ${name} failed to render`);
    // Distinct ids per chart: two SVGs inlined in one page must not share clip paths.
    return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (_m, a: string, id: string) => `${a}${name}-${id}`);
  } finally {
    view.finalize();
  }
}

/** Every chart of the review that has rows, by name. */
export async function renderDecisionCharts(data: DecisionReviewData): Promise<Record<string, string>> {
  const values = decisionChartValues(data);
  const out: Record<string, string> = {};
  for (const name of DECISION_CHARTS) {
    const svg = await renderDecisionChart(name, values[name]);
    if (svg) out[name] = svg;
  }
  return out;
}

/**
 * The email's key chart (SPEC §7): expected vs actual net of the decisions reviewed, drawn for a
 * phone and rasterised (resvg, palette PNG) at twice its width; null when none was reviewed.
 */
export async function decisionKeyChart(data: DecisionReviewData): Promise<InlineImage | null> {
  const rows = decisionChartValues(data, NARROW_LABEL)['decision-net-impact'];
  const svg = await renderDecisionChart('decision-net-impact', rows, NARROW_WIDTH);
  if (!svg) return null;
  const charted = data.reviewed.filter((d) => d.outcome && d.expected_net !== null).slice(0, CHARTED_DECISIONS);
  const alt = `Net impact, expected and actual, of ${charted.length} ${charted.length === 1 ? 'decision' : 'decisions'} reviewed: `
    + charted.slice(0, 5).map((d) => `${d.title}: expected ${formatUsd(d.expected_net)}, actual ${formatUsd(d.outcome!.actual_net)}`).join('; ')
    + (charted.length > 5 ? `; and ${charted.length - 5} more` : '');
  return chartPicture('decision-net-impact', svg, {
    cssWidth: NARROW_WIDTH, alt,
    title: 'Net impact, expected and actual',
    caption: 'Revenue minus cost of each decision reviewed; a loss left of zero.',
  });
}
