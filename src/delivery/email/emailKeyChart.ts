/**
 * The key chart of a brief's email as a PNG to attach inline (SPEC §7): the chart keyChart()
 * picks, taken from the SVGs the PDF was rendered with (the same picture, drawn once), and
 * rasterised by rasterizeChart (resvg, palette PNG). Made when the brief is rendered; stored
 * with the email message, so a retry or a resend sends the same bytes.
 */
import { createHash } from 'node:crypto';
import { chartMarkCount } from '../../charts/renderCharts.js';
import { rasterizeChart } from '../../charts/rasterizeChart.js';
import { keyChart } from '../../report/keyChart.js';
import type { ExecutiveSummaryData } from '../../report/types.js';
import type { InlineImage } from '../Channel.js';

/** Width of the picture in the email (CSS px): the 600 px column less its padding. */
export const KEY_CHART_WIDTH = 560;
/** Pixels per CSS pixel: sharp on a phone's or a laptop's 2× screen (a palette PNG of ~10–20 KB). */
const DENSITY = 2;

/**
 * The key chart as an inline image, or null when there is none to show: no data in the period,
 * the chart was not rendered, or it has no marks (its "no data" frame says nothing in an email).
 */
export async function emailKeyChart(data: ExecutiveSummaryData, charts: Record<string, string>): Promise<InlineImage | null> {
  const choice = keyChart(data);
  if (!choice) return null;
  const svg = charts[choice.chart];
  if (typeof svg !== 'string' || chartMarkCount(svg) === 0) return null;
  const { png, width, height } = await rasterizeChart(svg, { width: KEY_CHART_WIDTH * DENSITY });
  const hash = createHash('sha256').update(png).digest('hex').slice(0, 16);
  return {
    cid: `${choice.chart}.${hash}@herald`,
    filename: `${choice.chart}.png`,
    contentType: 'image/png',
    contentBase64: png.toString('base64'),
    alt: choice.alt,
    width: Math.round(width / DENSITY),
    height: Math.round(height / DENSITY),
  };
}
