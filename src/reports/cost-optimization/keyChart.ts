/**
 * The cost-optimization email's key chart (SPEC §7: mail clients drop SVG): the chart that tells
 * the headline's story, drawn from the report's own rows with the PDF's spec laid out for a
 * phone's column (renderNarrowRows) and rasterised as the executive summary's is. A tenant's:
 * cost, recognized revenue and margin over the six periods; the portfolio's: its lowest margins.
 */
import { renderNarrowRows } from '../../charts/narrowChart.js';
import { chartSignals, type AnyChartName } from '../../charts/renderCharts.js';
import type { InlineImage } from '../../delivery/Channel.js';
import { chartPicture } from '../../delivery/email/emailKeyChart.js';
import { formatPercent, formatUsd } from '../../report/format.js';
import { costChartValues } from './charts.js';
import type { CostOptimizationData } from './types.js';

/** Tenants the phone's ranking picture names (the PDF's chart draws more; the email lists the losing ones). */
const PHONE_RANKING = 10;

interface Choice { chart: AnyChartName; rows: object[]; title: string; caption: string; alt: string }

function choose(data: CostOptimizationData): Choice | null {
  const values = costChartValues(data);
  if (data.scope === 'portfolio') {
    const shown = data.ranking.filter((l) => l.gross_margin !== null).slice(0, PHONE_RANKING);
    if (shown.length === 0) return null;
    const lastShown = shown[shown.length - 1].rank;
    type RankingRow = { kind?: string; order?: number };
    const rows = (values['portfolio-margin-ranking'] ?? []).filter((r: RankingRow) => r.kind !== 'tenant' || (r.order ?? Infinity) <= lastShown);
    return {
      chart: 'portfolio-margin-ranking', rows,
      title: 'Lowest gross margins',
      caption: `The ${shown.length} lowest margins of ${data.ranking.length} tenants (those without revenue are listed, not drawn); dashed: break-even and the ${formatPercent(data.margin_target, 0)} target.`,
      alt: `Gross margin by tenant, lowest first: ${shown.slice(0, 5).map((l) => `${l.name} ${formatPercent(l.gross_margin, 1)}`).join('; ')}${shown.length > 5 ? `; and ${shown.length - 5} more` : ''}.`,
    };
  }
  const rows = values['cost-margin-trend'] ?? [];
  if (rows.length === 0) return null;
  const first = data.trend[0];
  const last = data.trend[data.trend.length - 1];
  return {
    chart: 'cost-margin-trend', rows,
    title: `Cost, recognized revenue and gross margin, last ${data.trend.length} ${data.period.kind === 'week' ? 'weeks' : 'months'}`,
    caption: 'Bars: infrastructure and email service cost; dots: recognized revenue; below: gross margin.',
    alt: `Total cost ${formatUsd(first.total_cost)} in ${first.short} and ${formatUsd(last.total_cost)} in ${last.short}; recognized revenue ${formatUsd(last.recognized_revenue)}; gross margin ${last.gross_margin === null ? 'n/a' : formatPercent(last.gross_margin, 1)}.`,
  };
}

/** The key chart as an inline image, or null when the report has nothing to draw. */
export async function costKeyChart(data: CostOptimizationData): Promise<InlineImage | null> {
  const choice = choose(data);
  if (!choice) return null;
  const svg = await renderNarrowRows(choice.chart, choice.rows, chartSignals(choice.chart, choice.rows));
  return chartPicture(choice.chart, svg, { alt: choice.alt, title: choice.title, caption: choice.caption });
}
