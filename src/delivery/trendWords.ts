/**
 * A KPI's change in words as well as signs, for the views that have no colour: Slack's text and
 * an email's plain-text part. The arrow shows which way the value moved; with a lower-is-better
 * KPI a rise is bad, so the word says it: "▲ +4.2 pp (worse)", "▼ −1.1 pp (better)",
 * "► +0.1 pp (steady)", "▲ new (better)".
 */
import { NA, formatTrendChange, trendArrow, type Nullable } from '../report/format.js';
import type { Direction, Kpi } from '../report/types.js';

/** "better", "worse", "steady"; "" without a direction (a side of the comparison is missing). */
export function trendWord(direction: Nullable<Direction | string>): string {
  switch (direction) {
    case 'improving': return 'better';
    case 'declining': return 'worse';
    case 'stable': return 'steady';
    default: return '';
  }
}

/** "▲ +4.2 pp (worse)"; "n/a" when the comparison is missing. */
export function trendInWords(kpi: Pick<Kpi, 'trend' | 'polarity'>): string {
  const arrow = trendArrow(kpi.trend?.direction, kpi.polarity);
  const change = formatTrendChange(kpi.trend);
  const word = trendWord(kpi.trend?.direction);
  if (!arrow) return change;
  const body = change === NA ? arrow : `${arrow} ${change}`;
  return word ? `${body} (${word})` : body;
}
