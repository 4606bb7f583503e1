import { readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import fixtureJson from '../fixtures/executive-summary.sample.json' with { type: 'json' };
import {
  MINUS,
  formatChangePct,
  formatChangePp,
  formatDate,
  formatDateTime,
  formatHours,
  formatKpiValue,
  formatList,
  formatMultiple,
  formatNumber,
  formatPercent,
  formatScore,
  formatUsd,
  formatUsdCompact,
  formatUsdPerThousand,
  formatTarget,
  formatTrendChange,
  humanize,
  statusColor,
  statusLabel,
  statusTint,
  trendArrow,
  trendStatus,
} from '../../src/report/format.js';
import { TemplateError, briefFooterTemplate, briefHeaderTemplate, renderExecutiveSummaryHtml } from '../../src/render/templates.js';
import type { ExecutiveSummaryData } from '../../src/report/types.js';
import { renderEmail } from '../../src/delivery/email/renderEmail.js';

// ---- the fixture type-checks against the interface -------------------------------------------
// A JSON import widens literals ("week" becomes string), so compare it with the interface with its
// literal unions widened: every field must exist with the right shape. The enum values are
// checked at run time below.
type Widen<T> = T extends string
  ? string
  : T extends number
    ? number
    : T extends boolean
      ? boolean
      : T extends null
        ? null
        : T extends readonly (infer U)[]
          ? Widen<U>[]
          : T extends object
            ? { [K in keyof T]: Widen<T[K]> }
            : T;
const fixtureShape: Widen<ExecutiveSummaryData> = fixtureJson;

const ENUMS = {
  kind: ['day', 'week', 'month'],
  direction: ['improving', 'stable', 'declining', null],
  polarity: ['higher_is_better', 'lower_is_better'],
  status: ['ok', 'monitor', 'warning', 'critical', 'neutral'],
  level: ['ok', 'monitor', 'warning', 'critical'],
  trendUnit: ['pp', 'pct', 'pts'],
  trendKind: ['change', 'new', null],
  headlineRule: ['no-data', 'critical-now', 'losing-money', 'warning-now', 'largest-change', 'steady', 'no-comparison'],
  unit: ['usd', 'ratio', 'score', 'count', 'hours'],
  risk: ['ok', 'monitor', 'warning', 'critical', null],
  severity: ['critical', 'high', 'medium'],
  priority: ['high', 'medium', 'low'],
  source: ['event', 'alert'],
  alertState: ['pending', 'firing', 'acknowledged', 'resolved', null],
  alertsSource: ['records', 'derived'],
  component: ['deliverability', 'cost_efficiency', 'utilization', 'response_time'],
} as const;

function checkedFixture(): ExecutiveSummaryData {
  const f = fixtureShape;
  const inEnum = (name: keyof typeof ENUMS, v: unknown) => expect(ENUMS[name] as readonly unknown[], `${name} ${String(v)}`).toContain(v);
  expect(f.report).toBe('executive-summary');
  expect(f.schema_version).toBe(1);
  inEnum('kind', f.period.kind);
  inEnum('kind', f.previous_period.kind);
  inEnum('status', f.health.status);
  inEnum('level', f.headline_level);
  inEnum('headlineRule', f.headline_rule);
  for (const k of f.kpis) {
    inEnum('polarity', k.polarity);
    inEnum('status', k.status);
    inEnum('unit', k.unit);
    inEnum('direction', k.trend.direction);
    inEnum('trendUnit', k.trend.unit);
    inEnum('trendKind', k.trend.kind);
  }
  inEnum('risk', f.revenue_protection.risk_level_now);
  for (const d of Object.values(f.trends)) inEnum('direction', d);
  inEnum('risk', f.revenue_protection.risk_level);
  for (const a of [...f.critical_alerts, ...f.medium_alerts]) {
    inEnum('severity', a.severity);
    inEnum('source', a.source);
    inEnum('alertState', a.state);
  }
  expect(f.critical_alerts.every((a) => a.severity !== 'medium')).toBe(true);
  expect(f.medium_alerts.every((a) => a.severity === 'medium')).toBe(true);
  expect(f.medium_alert_count).toBe(f.medium_alerts.length);
  inEnum('alertsSource', f.alerts_source.kind);
  for (const r of f.recommended_actions) inEnum('priority', r.priority);
  for (const c of f.efficiency.components) inEnum('component', c.name);
  return f as ExecutiveSummaryData;
}

/** A fresh deep copy of the fixture, to modify freely. */
function sample(): ExecutiveSummaryData {
  return structuredClone(checkedFixture());
}

const CSP_META = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:">`;
const HOSTILE = 'Acme <script>alert(1)</script> & <img src=x onerror=alert(2)>';
const HOSTILE_ESCAPED = 'Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src&#x3D;x onerror&#x3D;alert(2)&gt;';
const PROBE_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="680" height="120" viewBox="0 0 680 120"><rect data-probe="raw-chart" width="10" height="10"/></svg>';

/** The text of the <tr> whose header cell starts with `label`: tags stripped, entities decoded. */
function rowText(html: string, label: string): string {
  const start = html.search(new RegExp(`<th(?: [^>]*)?>${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  expect(start, `row ${label}`).toBeGreaterThan(-1);
  const row = html.slice(start, html.indexOf('</tr>', start));
  return row
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/&gt;/g, '>')
    .replace(/&lt;/g, '<')
    .replace(/&amp;/g, '&')
    .trim();
}

function expectNoRawHostileMarkup(out: string) {
  expect(out).not.toMatch(/<script/i);
  expect(out).not.toMatch(/<img/i);
  expect(out).not.toContain('onerror=');
}

describe('format', () => {
  it('formats dollars: whole from $100, cents below, significant digits under $1', () => {
    expect(formatUsd(12345.4)).toBe('$12,345');
    expect(formatUsd(1234.56)).toBe('$1,235');
    expect(formatUsd(1390)).toBe('$1,390');
    expect(formatUsd(999.994)).toBe('$1,000');
    expect(formatUsd(812.4)).toBe('$812');
    expect(formatUsd(360)).toBe('$360');          // never "$360.00" beside "$1,390"
    expect(formatUsd(100)).toBe('$100');
    expect(formatUsd(99.994)).toBe('$99.99');
    expect(formatUsd(99.99)).toBe('$99.99');
    expect(formatUsd(99.996)).toBe('$100');       // rounds into the whole-dollar range
    expect(formatUsd(57.4)).toBe('$57.40');
    expect(formatUsd(0)).toBe('$0');            // nothing is "$0", not "$0.00" beside "$6,000"
    expect(formatUsd(0.5)).toBe('$0.50');
    expect(formatUsd(0.000652)).toBe('$0.00065');
    expect(formatUsd(-1234.5)).toBe(`${MINUS}$1,235`);
    expect(formatUsd(-150.4)).toBe(`${MINUS}$150`);
    expect(formatUsd(-0.25)).toBe(`${MINUS}$0.25`);
    expect(formatUsd(-0)).toBe('$0');
    expect(formatUsd(1e15)).toBe('$1,000,000,000,000,000');
  });

  it('formats compact dollars', () => {
    expect(formatUsdCompact(812.4)).toBe('$812');
    expect(formatUsdCompact(999.6)).toBe('$1K');
    expect(formatUsdCompact(12_345)).toBe('$12.3K');
    expect(formatUsdCompact(1_230_000)).toBe('$1.2M');
    expect(formatUsdCompact(999_950)).toBe('$1M');
    expect(formatUsdCompact(2_000_000_000)).toBe('$2B');
    expect(formatUsdCompact(-1_500_000)).toBe(`${MINUS}$1.5M`);
  });

  it('prints n/a for null, undefined, NaN, Infinity and non-numbers', () => {
    const fns = [formatUsd, formatUsdCompact, formatPercent, formatScore, formatNumber, formatHours, formatChangePct, formatMultiple, formatChangePp, formatUsdPerThousand];
    for (const fn of fns) {
      for (const bad of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '12' as unknown as number]) {
        expect(fn(bad), `${fn.name}(${String(bad)})`).toBe('n/a');
      }
    }
    expect(formatKpiValue(null, 'usd')).toBe('n/a');
    expect(formatDateTime(null, 'UTC')).toBe('n/a');
    expect(formatDateTime('not a date', 'UTC')).toBe('n/a');
    expect(formatDate(null)).toBe('n/a');
    expect(humanize(null)).toBe('n/a');
  });

  it('formats percentages, scores, numbers, hours and multiples with rounding and a real minus sign', () => {
    expect(formatPercent(0.125)).toBe('12.5%');
    expect(formatPercent(0.713116)).toBe('71.3%');
    expect(formatPercent(0.0046, 2)).toBe('0.46%');
    expect(formatPercent(0.05, 0)).toBe('5%');
    expect(formatPercent(-0.031)).toBe(`${MINUS}3.1%`);
    expect(formatPercent(-0.00001)).toBe('0.0%');
    expect(formatPercent(12.5)).toBe('1,250.0%');
    expect(formatScore(81.6)).toBe('82');
    expect(formatScore(-42.4)).toBe(`${MINUS}42`);
    expect(formatScore(-0.4)).toBe('0');
    expect(formatNumber(4218640)).toBe('4,218,640');
    expect(formatNumber(-1500)).toBe(`${MINUS}1,500`);
    expect(formatHours(31.46)).toBe('31.5\u00a0h');
    expect(formatHours(36)).toBe('36\u00a0h');
    expect(formatMultiple(3.4857)).toBe('3.5\u00d7');
  });

  it('formats changes in percentage points and points, and a trend by its unit', () => {
    expect(formatChangePp(4.2)).toBe('+4.2\u00a0pp');
    expect(formatChangePp(-4.2)).toBe(`${MINUS}4.2\u00a0pp`);
    expect(formatChangePp(0.35)).toBe('+0.35\u00a0pp');
    expect(formatChangePp(0.02)).toBe('+0.02\u00a0pp');
    expect(formatChangePp(0)).toBe('0.0\u00a0pp');
    expect(formatTrendChange({ unit: 'pp', change: 4.2, kind: 'change' })).toBe('+4.2\u00a0pp');
    expect(formatTrendChange({ unit: 'pct', change: -3.1, kind: 'change' })).toBe(`${MINUS}3.1%`);
    expect(formatTrendChange({ unit: 'pts', change: -8, kind: 'change' })).toBe(`${MINUS}8\u00a0pts`);
    expect(formatTrendChange({ unit: 'pts', change: 1, kind: 'change' })).toBe('+1\u00a0pt');
    expect(formatTrendChange({ unit: 'pts', change: -0.6, kind: 'change' })).toBe(`${MINUS}0.6\u00a0pts`);
    expect(formatTrendChange({ unit: 'pts', change: 12.4, kind: 'change' })).toBe('+12\u00a0pts');
    expect(formatTrendChange({ unit: 'pct', change: null, kind: 'new' })).toBe('new');
    expect(formatTrendChange({ unit: 'pct', change: null, kind: null })).toBe('n/a');
    expect(formatTrendChange(null)).toBe('n/a');
  });

  it('marks a missed target with the target, and costs per 1,000 emails', () => {
    expect(formatTarget('> 95%', false)).toBe('below target > 95%');
    expect(formatTarget('< 5%', false, 'lower_is_better')).toBe('above target < 5%');
    expect(formatTarget('> 70%', true)).toBe('target > 70%');
    expect(formatTarget('> 70%', null)).toBe('target > 70%');
    expect(formatUsdPerThousand(0.00065352)).toBe('$0.65 per 1,000 emails');
    expect(formatUsdPerThousand(0.49)).toBe('$490 per 1,000 emails');
  });

  it('formats signed changes', () => {
    expect(formatChangePct(4.21)).toBe('+4.2%');
    expect(formatChangePct(-3.1)).toBe(`${MINUS}3.1%`);
    expect(formatChangePct(0)).toBe('0.0%');
    expect(formatChangePct(-0.04)).toBe('0.0%');
    expect(formatChangePct(0.05)).toBe('+0.1%');
    expect(formatChangePct(-0.05)).toBe(`${MINUS}0.1%`);
    expect(formatChangePct(102.44)).toBe('+102.4%');
  });

  it('formats KPI values by unit', () => {
    expect(formatKpiValue(9050, 'usd')).toBe('$9,050');
    expect(formatKpiValue(0.713116, 'ratio')).toBe('71.3%');
    expect(formatKpiValue(0.0046, 'ratio')).toBe('0.46%');
    expect(formatKpiValue(85.31, 'score')).toBe('85');
    expect(formatKpiValue(3, 'count')).toBe('3');
    expect(formatKpiValue(31.5, 'hours')).toBe('31.5\u00a0h');
  });

  it('draws trend arrows with polarity, from glyphs the installed fonts have', () => {
    expect(trendArrow('improving')).toBe('\u25b2');
    expect(trendArrow('declining')).toBe('\u25bc');
    expect(trendArrow('improving', 'lower_is_better')).toBe('\u25bc');
    expect(trendArrow('declining', 'lower_is_better')).toBe('\u25b2');
    expect(trendArrow('stable')).toBe('\u25ba');
    expect(trendArrow(null)).toBe('');
    expect(trendStatus('improving')).toBe('good');
    expect(trendStatus('declining')).toBe('critical');
    expect(trendStatus('stable')).toBe('muted');
  });

  it('maps the one severity scale to one colour each: ok, monitor, warning, critical', () => {
    expect(statusColor('ok')).toBe('#16a34a');
    expect(statusColor('good')).toBe('#16a34a');     // a tone named directly
    expect(statusColor('monitor')).toBe('#2563eb');
    expect(statusColor('warning')).toBe('#d97706');
    expect(statusColor('critical')).toBe('#dc2626');
    expect(statusColor('neutral')).toBe('#2563eb');
    expect(statusColor('bogus')).toBe('#2563eb');
    expect(statusTint('critical')).toBe('#fee2e2');
    expect(['ok', 'monitor', 'warning', 'critical', 'neutral'].map(statusLabel)).toEqual(['OK', 'Monitor', 'Warning', 'Critical', 'n/a']);
    expect(statusLabel('good')).toBe('OK');
  });

  it('formats times in the tenant zone and words', () => {
    // The zone by its IANA name, the same way everywhere ("GMT+1" beside "EST" told a reader less).
    expect(formatDateTime('2026-11-23T12:00:00.000Z', 'America/New_York')).toBe('23 Nov 2026, 07:00 (America/New_York)');
    expect(formatDateTime('2026-07-01T11:00:00Z', 'America/New_York')).toBe('1 Jul 2026, 07:00 (America/New_York)');
    expect(formatDateTime('2026-11-23T12:00:00Z', 'Europe/Berlin')).toBe('23 Nov 2026, 13:00 (Europe/Berlin)');
    expect(formatDateTime('2026-11-23T12:00:00Z', 'Not/AZone')).toBe('23 Nov 2026, 12:00 (UTC)');
    expect(formatDate('2026-11-22')).toBe('22 Nov 2026');
    expect(formatDate('2026-11-17T03:00:00Z', 'America/New_York')).toBe('16 Nov 2026');
    expect(humanize('ip_management')).toBe('IP management');
    expect(humanize('budget_allocation')).toBe('Budget allocation');
    expect(formatList(['a', 'b', 'c'])).toBe('a, b and c');
  });
});

describe('renderExecutiveSummaryHtml', () => {
  it('shows the day-by-day section for a week, not for a single day', () => {
    const week = sample();
    expect(renderExecutiveSummaryHtml(week, {})).toContain('Day by day');
    const day = sample();
    day.daily = day.daily.slice(0, 1);
    expect(renderExecutiveSummaryHtml(day, {})).not.toContain('Day by day');
  });

  it('renders the fixture with its key figures formatted', () => {
    const data = sample();
    const html = renderExecutiveSummaryHtml(data, {});
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('<h1>Northwind Mail Co</h1>');
    expect(html).toContain('Week 47, 16–22 Nov 2026');
    expect(html).toContain('Generated 23 Nov 2026, 07:00 (America/New_York)');
    expect(html.match(/Generated/g)).toHaveLength(1);   // once: not again in the page header
    expect(html).toContain('Confidential — prepared for Northwind Mail Co leadership');
    // the headline leads page 1, before the health block, coloured by its level
    expect(html).toContain('<p class="headline tone-neutral">Bounce rate rose from 2.9% to 5.8% (+2.95\u00a0pp) against Week 46, 9–15 Nov 2026.</p>');
    expect(html.indexOf('class="headline')).toBeLessThan(html.indexOf('class="health'));
    // health
    expect(html).toMatch(/<div class="health-value">86<span class="of">/);
    // KPI cards: value, signed change in its unit with a real minus, previous value, target (a miss marked)
    expect(html).toContain('<div class="kpi-value">$9,050</div>');
    expect(html).toContain('<div class="kpi-value">71.3%</div>');
    expect(html).toContain('+4.1%');                               // an amount, in percent
    expect(html).toContain(`${MINUS}3.0\u00a0pp`);                  // deliverability 97.1% → 94.2%, in points
    expect(html).toContain('+0.12\u00a0pp');
    expect(html).toContain(`${MINUS}3.3\u00a0pts`);                 // a score, in points
    expect(html).toContain('+1.1\u00a0pp <span class="prev">from 70.2%</span></div>\n  <div class="kpi-meta target">target &gt; 70%</div>');
    expect(html).toContain('<div class="kpi-meta target missed">above target &lt; 5%</div>');
    expect(html).toContain('<div class="kpi tone-warning">\n  <div class="kpi-label">Bounce rate</div>');
    expect(html).toContain('<div class="kpi tone-muted">\n  <div class="kpi-label">Total cost</div>');   // not rated: grey, not "monitor" blue
    // tables
    expect(rowText(html, 'Gross margin')).toBe('Gross margin target > 70% 71.3%');
    expect(rowText(html, 'Sent')).toBe('Sent 4,218,640');
    expect(rowText(html, 'Bounced')).toBe('Bounced 245,868 5.83%');
    expect(rowText(html, 'Revenue at risk')).toBe('Revenue at risk $17,155');
    expect(rowText(html, 'Revenue protection rate')).toBe('Revenue protection rate below target > 95% 50.0%');
    expect(rowText(html, 'Risk level')).toBe('Risk level over the period · now Monitor · Monitor');
    expect(rowText(html, 'Recognized revenue')).toBe('Recognized revenue $9,050');
    expect(rowText(html, 'Cash collected')).toBe('Cash collected $8,400');
    expect(rowText(html, 'Cost per 1,000 emails delivered')).toBe('Cost per 1,000 emails delivered $0.65');
    expect(rowText(html, 'Efficiency ratio')).toBe('Efficiency ratio revenue ÷ cost 3.5×');
    expect(rowText(html, 'IP management')).toBe('IP management $310 $620');
    expect(html).not.toMatch(/\$\d{3,}\.\d\d/);   // whole dollars from $100: never "$360.00"
    // data notes at the end
    expect(html).toContain('<h4 class="subsection-title">Data notes</h4>');
    expect(html).toContain('<li>1 cost optimization event left out: a savings amount that is negative or not a number.</li>');
    expect(html.indexOf('Data notes')).toBeGreaterThan(html.indexOf('Decisions tracked'));
    // alerts, actions, decisions, efficiency
    expect(html).toContain('Bounce rate reached 16.8% on 19 Nov, above the 15% critical threshold');
    expect(html).toContain('Thu 19 Nov, 09:32');
    expect(html).not.toContain('No critical or high alerts in this period');
    expect(html).toContain('<h2 class="section-title">Critical and high alerts <span class="aside">Times in America/New_York</span></h2>');
    // who acknowledged each alert and when, and whether it resolved (times in the tenant's zone)
    expect(html).toContain('<span class="alert-status">acknowledged by Nora Chen (SMS) at 10:10 · resolved 13:45</span>');
    expect(html).toContain('<span class="alert-status">acknowledged by Nora Chen (SMS) at 18:40 · open</span>');
    expect(html).toContain('<span class="alert-status unanswered">not acknowledged · resolved 17:05</span>');
    // medium alerts are listed, not only counted
    expect(html).toContain('<h3 class="subsection-title">Medium alerts · 4 <span class="aside">No immediate message was sent; listed for awareness</span></h3>');
    expect(html).not.toContain('medium-severity alerts also recorded');
    expect(html.match(/<ul class="alert-compact">/g)).toHaveLength(1);
    expect(html).toContain('<li><span class="alert-summary">Bounce rate 5.2% is above the 5% medium threshold; $57 of revenue at risk.</span><span class="alert-when">Sun 22 Nov, 11:20 · open</span></li>');
    expect(html).toContain('<span class="alert-when">Sat 21 Nov, 08:02 · resolved Sun 22 Nov, 09:15</span>');
    expect(html).not.toContain('derived from the events');
    expect(html).toContain('<strong>$1,450</strong>');
    expect(html).toContain('<code>right-size-vps</code>');
    expect(html).toContain('Not measured this period: Resource utilization.');
    expect(html).toContain('31.5\u00a0h');
    expect(html).toContain('Raise Growth plan price by 8% for new customers');
    // four sections, one per page
    expect(html.match(/<section class="page /g)).toHaveLength(4);
  });

  it('prints each KPI\'s target in the email views too (a helper must not shadow the data field)', () => {
    const data = sample();
    const { text, html } = renderEmail(data, 'brief');
    expect(text).toMatch(/Bounce rate +5\.8% +▲ \+3\.0\u00a0pp \(worse\) +from 2\.9% +above target < 5%/);
    expect(text).toMatch(/Spam rate +0\.46% +▲ \+0\.12\u00a0pp \(worse\) +from 0\.34% +target < 1%/);
    expect(html).toContain('above target &lt; 5%');
    expect(html).toContain('target &lt; 1%');
  });

  it('prints the note and the occurrences when the alerts are derived from the events', () => {
    const data = sample();
    const derived = { state: null, code: null, fired_at: null, acknowledged_at: null, acknowledged_by: null, resolved_at: null, source: 'event' as const };
    data.alerts_source = { kind: 'derived', recorded_from: '2026-12-01T05:00:00.000Z', note: 'Alerts before 1 Dec 2026 are derived from the events: Herald recorded alerts from then on.' };
    data.critical_alerts = [
      { ...derived, rule: 'deliverability', severity: 'critical', occurred_at: '2026-11-19T14:32:00.000Z', last_at: '2026-11-20T20:02:00.000Z', count: 12, summary: 'Bounce rate 18.7%' },
      { ...derived, rule: 'revenue-impact', severity: 'high', occurred_at: '2026-11-20T21:05:00.000Z', count: 1, summary: 'A negative revenue impact of $4,100 was recorded' },
    ];
    data.medium_alerts = [{ ...derived, rule: 'deliverability', severity: 'medium', occurred_at: '2026-11-17T14:00:00.000Z', last_at: '2026-11-17T20:00:00.000Z', count: 3, summary: 'Bounce rate 6.1%' }];
    data.medium_alert_count = 3;
    const html = renderExecutiveSummaryHtml(data, {});
    expect(html).toContain('<p class="note alerts-source">Alerts before 1 Dec 2026 are derived from the events: Herald recorded alerts from then on.</p>');
    expect(html).toContain('<span class="alert-status">the worst of 12 occurrences, the last Fri 20 Nov, 15:02</span>');
    expect(html).toContain('<span class="alert-status"></span>'); // one occurrence: nothing more to say
    expect(html).not.toMatch(/acknowledged by|not acknowledged|resolved \d|· open/);
    expect(html).toContain('Medium alerts · 3');
    expect(html).toContain('<span class="alert-when">Tue 17 Nov, 09:00 · the worst of 3 occurrences</span>');
  });

  it('prints at most 8 critical or high and 5 medium alerts (9 and 6 are printed whole), the most severe and latest, and says what it left out', () => {
    const data = sample();
    const base = data.critical_alerts[0];
    const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T14:00:00.000Z`;
    // 12 critical (16th…22nd and 5 more on the 16th), 1 high; the high one and the 4 oldest critical ones are left out.
    data.critical_alerts = [
      ...Array.from({ length: 12 }, (_, i) => ({ ...base, code: String(2000 + i), summary: `Critical number ${i + 1}`, occurred_at: at(10 + i), fired_at: at(10 + i),
        acknowledged_at: i < 2 ? null : at(10 + i).replace('14:00', '14:30'), resolved_at: at(10 + i).replace('14:00', '18:00') })),
      { ...base, severity: 'high' as const, summary: 'The high one', occurred_at: at(22), fired_at: at(22) },
    ];
    data.medium_alerts = Array.from({ length: 7 }, (_, i) => ({ ...data.medium_alerts[0], summary: `Medium number ${i + 1}`, occurred_at: at(10 + i), fired_at: at(10 + i) }));
    data.medium_alert_count = 7;
    const html = renderExecutiveSummaryHtml(data, {});
    const shown = [...html.matchAll(/<span class="alert-summary">([^<]*)<\/span>/g)].map((m) => m[1]);
    expect(shown).toEqual([
      ...[5, 6, 7, 8, 9, 10, 11, 12].map((n) => `Critical number ${n}`),
      ...[3, 4, 5, 6, 7].map((n) => `Medium number ${n}`),
    ]);
    expect(html).toContain('<p class="note alerts-more">…and 5 more critical or high alerts in this period (3 acknowledged, 5 resolved)</p>');
    expect(html).toContain('<p class="note alerts-more">…and 2 more medium alerts in this period (2 resolved)</p>');
    // The data object keeps them all; one more than the limit is printed rather than "…and 1 more".
    expect(data.critical_alerts).toHaveLength(13);
    data.critical_alerts = data.critical_alerts.slice(0, 9);
    data.medium_alerts = data.medium_alerts.slice(0, 6);
    const whole = renderExecutiveSummaryHtml(data, {});
    expect(whole.match(/<span class="alert-summary">/g)).toHaveLength(15);
    expect(whole).not.toContain('alerts-more');
  });

  it('declares utf-8 and the exact CSP first, and contains no script', () => {
    const html = renderExecutiveSummaryHtml(sample(), { 'deliverability-trend': PROBE_SVG });
    const head = html.slice(html.indexOf('<head>'), html.indexOf('</head>'));
    expect(head).toMatch(/^<head>\s*<meta charset="utf-8">\s*<meta http-equiv="Content-Security-Policy"/);
    expect(head).toContain(CSP_META);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:\/\//i.source.replace('https?', 'https?(?!://www\\.w3\\.org)'));
    expect(html).toContain('font-family: "Liberation Sans", "DejaVu Sans", sans-serif');
    expect(html).toContain('size: A4;');
  });

  it('prints n/a for null metrics', () => {
    const data = sample();
    data.cost.gross_margin = null;
    data.cost.cost_per_email_delivered = null;
    data.revenue_protection.risk_level = null;
    data.revenue_protection.ip_reputation = null;
    data.kpis[0].value = null;
    data.kpis[0].trend = { previous: null, unit: 'pct', change: null, kind: null, direction: null };
    data.health.business_health = null;
    const html = renderExecutiveSummaryHtml(data, {});
    expect(rowText(html, 'Gross margin')).toBe('Gross margin target > 70% n/a');
    expect(rowText(html, 'Cost per 1,000 emails delivered')).toBe('Cost per 1,000 emails delivered n/a');
    expect(rowText(html, 'Risk level')).toBe('Risk level over the period · now n/a · Monitor');
    expect(rowText(html, 'IP reputation')).toBe('IP reputation · domain reputation n/a · Fair');
    expect(html).toContain('<div class="kpi-value">n/a</div>');
    expect(html).not.toContain('from n/a');
    expect(html).toContain('<div class="health-value">n/a</div>');
    expect(html).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('escapes hostile strings everywhere and never emits their tags', () => {
    const data = sample();
    data.tenant.name = HOSTILE;
    data.recommended_actions[0].title = HOSTILE;
    data.recommended_actions[1].detail = HOSTILE;
    data.recommended_actions[2].rule = HOSTILE;
    data.critical_alerts[0].summary = HOSTILE;
    data.critical_alerts[0].acknowledged_by = HOSTILE;
    data.critical_alerts[1].rule = HOSTILE;
    data.medium_alerts[0].summary = HOSTILE;
    data.alerts_source = { kind: 'derived', recorded_from: null, note: HOSTILE };
    data.decisions.items[0].title = HOSTILE;
    data.decisions.by_type[0].decision_type = HOSTILE;
    data.cost_optimization.by_category[0].category = HOSTILE;
    data.period.words = HOSTILE;
    data.efficiency.missing_components = [HOSTILE];
    data.kpis[0].label = HOSTILE;
    data.kpis[0].target = HOSTILE;
    data.kpis[1].status = HOSTILE as never;
    data.kpis[1].unit = HOSTILE as never;
    const html = renderExecutiveSummaryHtml(data, {});
    expectNoRawHostileMarkup(html);
    expect(html).toContain(`<h1>${HOSTILE_ESCAPED}</h1>`);
    expect(html).toContain(`<title>Executive summary · ${HOSTILE_ESCAPED}`);
    expect(html).toContain(`<div class="action-title">${HOSTILE_ESCAPED}</div>`);
    expect(html).toContain(`<span class="alert-summary">${HOSTILE_ESCAPED}</span>`);
    expect(html).toContain(`<span class="alert-status">acknowledged by ${HOSTILE_ESCAPED} at 10:10 · resolved 13:45</span>`);
    expect(html).toContain(`<p class="note alerts-source">${HOSTILE_ESCAPED}</p>`);
    expect(html.match(new RegExp(`<span class="alert-summary">${HOSTILE_ESCAPED.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</span>`, 'g'))).toHaveLength(2);
    expect(html).toContain(`<td class="wrap">${HOSTILE_ESCAPED}</td>`);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('&amp;');
    // an unknown status never becomes a class name
    expect(html).toContain('<div class="kpi tone-muted">');
  });

  it('escapes hostile strings in the footer and header templates', () => {
    const data = sample();
    data.tenant.name = HOSTILE;
    data.period.words = HOSTILE;
    const footer = briefFooterTemplate(data);
    const header = briefHeaderTemplate(data);
    for (const out of [footer, header]) {
      expectNoRawHostileMarkup(out);
      expect(out).toContain(HOSTILE_ESCAPED);
    }
    expect(footer).toContain(`Confidential — prepared for ${HOSTILE_ESCAPED} leadership`);
    const custom = briefFooterTemplate(sample(), { confidentiality: HOSTILE });
    expectNoRawHostileMarkup(custom);
    expect(custom).toContain(HOSTILE_ESCAPED);
    const body = renderExecutiveSummaryHtml(sample(), {}, { confidentiality: HOSTILE });
    expectNoRawHostileMarkup(body);
    expect(body).toContain(`<p class="confidential">${HOSTILE_ESCAPED}</p>`);
  });

  it('builds a Puppeteer footer with page numbers and an explicit font size', () => {
    const footer = briefFooterTemplate(sample());
    expect(footer).toContain('<span class="pageNumber"></span>');
    expect(footer).toContain('<span class="totalPages"></span>');
    expect(footer).toContain('font-size: 8px');
    expect(footer).toContain('Northwind Mail Co · Week 47, 16–22 Nov 2026');
    expect(footer).toContain('Confidential — prepared for Northwind Mail Co leadership</span>');
    expect(footer).toContain('<span style="flex: 0 0 auto; white-space: nowrap;">· Page <span class="pageNumber"></span> of <span class="totalPages"></span></span>');
    expect(footer).not.toMatch(/<style|<link|class="(?!pageNumber|totalPages)/);
    const header = briefHeaderTemplate(sample());
    expect(header).toContain('font-size: 8px');
    expect(header).not.toContain('Generated');   // printed once, in the title block
    expect(briefFooterTemplate(sample(), { confidentiality: 'Board only' })).toContain('>Board only</span>');
  });

  it('inserts chart SVG raw, only through trustedChartSvg, and a placeholder for a missing chart', () => {
    const html = renderExecutiveSummaryHtml(sample(), { 'deliverability-trend': `<?xml version="1.0"?>\n${PROBE_SVG}` });
    expect(html).toContain(`<div class="chart">${PROBE_SVG}</div>`);
    expect(html.match(/Chart not available/g)).toHaveLength(4);
    expect(() => renderExecutiveSummaryHtml(sample(), { 'cost-breakdown': '<div>not a chart</div>' })).toThrow(/cost-breakdown" is not an <svg> element/);
    expect(() => renderExecutiveSummaryHtml(sample(), { 'cost-breakdown': '<svg><script>alert(1)</script></svg>' })).toThrow(/contains a script/);
  });

  it('has no triple-stash in any template: data is always escaped', () => {
    const root = new URL('../../templates/', import.meta.url);
    const files = [
      ...readdirSync(root).filter((f) => f.endsWith('.hbs')).map((f) => new URL(f, root)),
      ...readdirSync(new URL('partials/', root)).map((f) => new URL(`partials/${f}`, root)),
    ];
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const src = readFileSync(file, 'utf8');
      expect(src, file.pathname).not.toMatch(/\{\{\{|\{\{~?&/);
    }
    const code = readFileSync(new URL('../../src/render/templates.ts', import.meta.url), 'utf8');
    expect(code.match(/new Handlebars\.SafeString\(/g)).toHaveLength(2); // the chart and its placeholder
  });

  it('says plainly when the period had no activity, with n/a figures', () => {
    const data = sample();
    data.has_data = false;
    data.kpis = data.kpis.map((k) => ({ ...k, value: null, trend: { previous: null, unit: 'pct' as const, change: null, kind: null, direction: null } }));
    data.health = { business_health: null, revenue_health: null, cost_efficiency: null, efficiency_score: null, status: 'neutral' };
    data.critical_alerts = [];
    data.medium_alerts = [];
    data.medium_alert_count = 0;
    data.recommended_actions = [];
    data.decisions = { decisions_tracked: 0, by_type: [], decision_velocity_hours: null, velocity_samples: 0, items: [] };
    data.cost_optimization.by_category = [];
    const html = renderExecutiveSummaryHtml(data, {});
    expect(html).toContain('No activity was recorded for Northwind Mail Co in Week 47, 16–22 Nov 2026.');
    expect(html.indexOf('No activity was recorded')).toBeLessThan(html.indexOf('Key indicators'));
    expect(html).toContain('<main class="brief no-data">');
    expect(html).toContain('No critical or high alerts in this period');
    expect(html).not.toContain('<h3 class="subsection-title">Medium alerts');
    expect(html).toContain('No recommended actions for this period.');
    expect(html).toContain('No strategic decisions were recorded in this period.');
    expect(html).toContain('No savings were realized or identified in this period.');
    expect(html.match(/<div class="kpi-value">n\/a<\/div>/g)).toHaveLength(data.kpis.length);
    expect(html).not.toMatch(/NaN|undefined/);
  });

  it('names the template and the field when the data lacks one (strict mode)', () => {
    const noMargin = sample() as unknown as { cost: Record<string, unknown> };
    delete noMargin.cost.gross_margin;
    expect(() => renderExecutiveSummaryHtml(noMargin as unknown as ExecutiveSummaryData, {})).toThrow(TemplateError);
    try {
      renderExecutiveSummaryHtml(noMargin as unknown as ExecutiveSummaryData, {});
    } catch (err) {
      const e = err as TemplateError;
      expect(e.message).toMatch(/^Template "executive-summary > cost": missing field "cost\.gross_margin"/);
      expect(e.templates).toEqual(['executive-summary', 'cost']);
      expect(e.field).toBe('cost.gross_margin');
    }

    const noLabel = sample() as unknown as { kpis: Record<string, unknown>[] };
    delete noLabel.kpis[2].label;
    expect(() => renderExecutiveSummaryHtml(noLabel as unknown as ExecutiveSummaryData, {})).toThrow(
      /Template "executive-summary > kpi-card": missing field "kpis\.2\.label"/,
    );

    const noTrend = sample() as unknown as { kpis: { trend: Record<string, unknown> }[] };
    delete noTrend.kpis[3].trend.change;
    expect(() => renderExecutiveSummaryHtml(noTrend as unknown as ExecutiveSummaryData, {})).toThrow(
      /Template "executive-summary > kpi-card": missing field "kpis\.3\.trend\.change"/,
    );

    const noName = sample() as unknown as { tenant: Record<string, unknown> };
    delete noName.tenant.name;
    expect(() => renderExecutiveSummaryHtml(noName as unknown as ExecutiveSummaryData, {})).toThrow(
      /Template "executive-summary": missing field "tenant\.name" at line \d+/,
    );
    expect(() => briefFooterTemplate(noName as unknown as ExecutiveSummaryData)).toThrow(/Template "brief-footer": missing field "tenant\.name"/);

    const noAck = sample() as unknown as { critical_alerts: Record<string, unknown>[] };
    delete noAck.critical_alerts[1].acknowledged_at;
    expect(() => renderExecutiveSummaryHtml(noAck as unknown as ExecutiveSummaryData, {})).toThrow(
      /Template "executive-summary > alert-list": missing field "critical_alerts\.1\.acknowledged_at"/,
    );

    const noItems = sample() as unknown as { decisions: Record<string, unknown> };
    delete noItems.decisions.by_type;
    expect(() => renderExecutiveSummaryHtml(noItems as unknown as ExecutiveSummaryData, {})).toThrow(/missing field "decisions\.by_type"/);
  });

  it('is deterministic and reads its templates relative to the project, not the working directory', async () => {
    const a = renderExecutiveSummaryHtml(sample(), { 'cost-breakdown': PROBE_SVG });
    expect(renderExecutiveSummaryHtml(sample(), { 'cost-breakdown': PROBE_SVG })).toBe(a);
    const cwd = process.cwd();
    try {
      process.chdir(tmpdir());
      vi.resetModules();
      const fresh = await import('../../src/render/templates.js');
      expect(fresh.renderExecutiveSummaryHtml(sample(), { 'cost-breakdown': PROBE_SVG })).toBe(a);
    } finally {
      process.chdir(cwd);
    }
  });
});
