/**
 * The key chart of a brief's email as a PNG to attach inline (SPEC §7): the chart keyChart()
 * picks, drawn from the brief's data with the PDF's own spec laid out for a phone's column
 * (renderNarrowChart: panels stacked, 340 px wide, so its labels keep their size on a 375 px
 * screen), and rasterised by rasterizeChart (resvg, palette PNG) at twice that width for sharp
 * screens. Made when the brief is rendered; stored with the email message, so a retry or a
 * resend sends the same bytes.
 */
import { createHash } from 'node:crypto';
import { executiveChartValues } from '../../charts/executiveChartValues.js';
import { NARROW_WIDTH, renderNarrowChart } from '../../charts/narrowChart.js';
import { chartMarkCount } from '../../charts/renderCharts.js';
import { rasterizeChart } from '../../charts/rasterizeChart.js';
import { keyChart, type DrawnDays } from '../../report/keyChart.js';
import type { ExecutiveSummaryData } from '../../report/types.js';
import type { InlineImage } from '../Channel.js';

/** Pixels per CSS pixel: sharp on a phone's or a laptop's 2× screen. */
const DENSITY = 2;
/** The PDF's own picture, when the narrow one cannot be drawn: the width of the email's column. */
const COLUMN_WIDTH = 560;

/**
 * The key chart as an inline image, or null when there is none to show: no data in the period,
 * or the chart has no marks (its "no data" frame says nothing in an email). `charts` are the
 * PDF's SVGs: used as they are should the narrow layout fail (a spec it cannot rearrange).
 */
export async function emailKeyChart(data: ExecutiveSummaryData, charts: Record<string, string>, opts: { onFallback?: (err: unknown) => void } = {}): Promise<InlineImage | null> {
  const choice = keyChart(data, drawnDays(data));
  if (!choice) return null;
  let svg: string | undefined;
  let cssWidth = NARROW_WIDTH;
  try {
    svg = await renderNarrowChart(choice.chart, data);
  } catch (err) {
    opts.onFallback?.(err);
    svg = charts[choice.chart];
    cssWidth = COLUMN_WIDTH;
  }
  if (typeof svg !== 'string') return null;
  return chartPicture(choice.chart, svg, { cssWidth, alt: choice.alt, title: choice.title, caption: choice.caption });
}

/**
 * Any report's chart SVG as the email's inline picture: rasterised at twice `cssWidth`, named by
 * its content (a resend carries the same cid), shown at `cssWidth`. Null when it has no marks
 * (a "no data" frame says nothing in an email).
 */
export async function chartPicture(name: string, svg: string, o: { cssWidth?: number; alt: string; title?: string; caption?: string }): Promise<InlineImage | null> {
  if (chartMarkCount(svg) === 0) return null;
  const { png, width, height } = await rasterizeChart(svg, { width: (o.cssWidth ?? NARROW_WIDTH) * DENSITY });
  const hash = createHash('sha256').update(png).digest('hex').slice(0, 16);
  return {
    cid: `${name}.${hash}@herald`,
    filename: `${name}.png`,
    contentType: 'image/png',
    contentBase64: png.toString('base64'),
    alt: o.alt,
    width: Math.round(width / DENSITY),
    height: Math.round(height / DENSITY),
    ...(o.title ? { title: o.title } : {}),
    ...(o.caption ? { caption: o.caption } : {}),
  };
}

type ChartRow = { kind?: unknown; metric?: unknown; date?: unknown; value?: unknown };

/**
 * The days the deliverability chart draws, read from its rows (the same the picture is drawn
 * from): its words then describe the picture, trailing days of a daily brief included.
 */
function drawnDays(data: ExecutiveSummaryData): DrawnDays {
  const rows = executiveChartValues(data)['deliverability-trend'] as ChartRow[];
  const byDate = new Map<string, DrawnDays['days'][number]>();
  for (const r of rows) {
    if (r.kind !== 'series' || typeof r.date !== 'string' || typeof r.value !== 'number') continue;
    const day = byDate.get(r.date) ?? { date: r.date, bounce_rate: null, spam_rate: null };
    if (r.metric === 'Bounce rate') day.bounce_rate = r.value;
    if (r.metric === 'Spam rate') day.spam_rate = r.value;
    byDate.set(r.date, day);
  }
  return { days: [...byDate.values()].sort((a, b) => a.date.localeCompare(b.date)), shaded: rows.some((r) => r.kind === 'band') };
}
