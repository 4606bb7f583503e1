import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import opentype, { type Font } from 'opentype.js';
import * as vega from 'vega';
import { describe, expect, it, vi } from 'vitest';
import type { DailyPoint, ExecutiveSummaryData, TrendDay, TrendWindow } from '../../src/report/types.js';
import { executiveChartValues, SAVINGS_LABEL_WIDTH, wrapLabel } from '../../src/charts/executiveChartValues.js';
import { CHART_NAMES, chartMarkCount, NO_DATA_MESSAGE, renderChart, renderExecutiveCharts } from '../../src/charts/renderCharts.js';
import { installTextMetrics, measureText } from '../../src/charts/textMetrics.js';
import { humanize, statusColor } from '../../src/report/format.js';
import { segmentHitsBox, svgGeometry, textBox } from '../helpers/svgGeometry.js';
import { mulberry32 } from '../../src/demo/prng.js';

const FONT_DIR = '/usr/share/fonts/truetype/liberation';
const LONG_CATEGORY = 'infrastructure_rightsizing_and_ip_pool_consolidation';
const HOSTILE_CATEGORY = '<script>alert(1)</script> & co';

function loadFont(file: string): Font {
  const buf = readFileSync(join(FONT_DIR, file));
  return opentype.parse(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
}

/** Sum of advance widths straight from the font tables: the expectation measureText must meet. */
function advanceWidth(font: Font, text: string, size: number): number {
  let units = 0;
  for (const ch of text) units += font.glyphs.get(font.charToGlyphIndex(ch)).advanceWidth ?? 0;
  return (units / font.unitsPerEm) * size;
}

/** One day of the sample tenant, `i` days from 1 Oct 2026 (negative: September). */
function sampleDay(i: number): DailyPoint {
  const bounce = 0.03 + 0.025 * Math.abs(Math.sin(i / 4)) + (i === 5 ? 0.09 : 0);
  const spam = 0.004 + 0.006 * Math.abs(Math.cos(i / 5));
  return {
    date: new Date(Date.UTC(2026, 9, 1 + i)).toISOString().slice(0, 10),
    emails_sent: 40_000 + Math.round(8_000 * Math.sin(i / 3)),
    // a day with nothing sent has null rates: the charts must skip it, not draw 0
    deliverability_rate: i === 3 ? null : 1 - bounce - spam,
    bounce_rate: i === 3 ? null : bounce,
    spam_rate: i === 3 ? null : spam,
    total_cost: 410 + 30 * Math.sin(i / 2),
    revenue: i % 7 === 0 ? 9_800 : 1_200 + 300 * Math.cos(i),
  };
}

/** The trend window of a period of `days` days from 1 Oct 2026: at least 14 days ending with its last, as the builder makes it. */
function trendWindow(days: number): TrendWindow {
  const count = Math.max(14, days);
  const points: TrendDay[] = [];
  for (let i = days - count; i < days; i++) {
    const d = sampleDay(i);
    points.push({
      date: d.date, in_period: i >= 0, emails_sent: d.emails_sent, deliverability_rate: d.deliverability_rate, bounce_rate: d.bounce_rate, spam_rate: d.spam_rate,
      // payments are read for the period and the one before it
      cash_collected: i >= -days ? d.revenue : null,
    });
  }
  return { first: points[0].date, last: points[points.length - 1].date, words: 'the window', extends_period: count > days, days: points };
}

/** A realistic month (or day) of one tenant; `days` daily points from 1 Oct 2026. */
function fixture(days: number, opts: { missingComponent?: boolean; hasData?: boolean } = {}): ExecutiveSummaryData {
  const daily: DailyPoint[] = [];
  for (let i = 0; i < days; i++) daily.push(sampleDay(i));
  const period = { kind: 'month' as const, label: '2026-10', start: '2026-10-01T00:00:00+02:00', end: '2026-11-01T00:00:00+01:00', timezone: 'Europe/Paris', words: 'October 2026' };
  return {
    report: 'executive-summary',
    schema_version: 1,
    tenant: { id: 't1', name: 'Acme', timezone: 'Europe/Paris' },
    period,
    previous_period: period,
    generated_at: '2026-11-01T07:00:00+01:00',
    has_data: opts.hasData ?? true,
    data_freshness: { newest_summary_date: '2026-10-31', newest_event_at: null },
    headline: 'Steady: no indicator moved beyond its stable band against October 2026.', headline_rule: 'steady', headline_level: 'ok',
    health: { business_health: 72, revenue_health: 75, cost_efficiency: 80, efficiency_score: 68, status: 'warning' },
    kpis: [],
    trends: { revenue: 'improving', cost: 'stable', efficiency: 'declining' },
    targets: {
      revenue_protection_rate: { target: '> 95%', met: false, polarity: 'higher_is_better' },
      gross_margin: { target: '> 70%', met: true, polarity: 'higher_is_better' },
      savings_rate: { target: '10–15% a month', met: true, polarity: 'higher_is_better' },
      decision_velocity_hours: { target: '< 48 h', met: null, polarity: 'lower_is_better' },
    },
    revenue_protection: {
      emails_sent: 1_240_000, emails_delivered: 1_178_000, emails_bounced: 52_000, emails_spam: 10_000,
      deliverability_rate: 0.95, bounce_rate: 0.042, spam_rate: 0.008, revenue_at_risk: 5_100, risk_level: 'ok', risk_level_now: 'ok',
      risk_now: { days: ['2026-10-29', '2026-10-30', '2026-10-31'], days_level: 'ok', metric: null, value: null, threshold: null, on: null, since: null, ongoing: false, open_critical_alerts: 0, open_critical_since: null },
      ip_reputation: 'good', domain_reputation: 'good', revenue_protection_rate: 0.9, alerts_considered: 3,
    },
    revenue_impact: { negative_total: 100, positive_total: 1_000, business_performance_score: 81.8, event_count: 4 },
    cost: {
      infrastructure_cost: 9_450.5, email_service_cost: 3_120.25, total_cost: 12_570.75, monthly_total_cost: 12_570.75, revenue: 48_200, mrr: 45_000, recognized_revenue: 45_000,
      gross_margin: 0.74, cost_per_email_delivered: 0.0107, efficiency_ratio: 3.83,
    },
    cost_optimization: {
      realized_savings: 5_200, identified_savings: 14_800, average_roi: 2.1, implemented_baseline_cost: 40_000, savings_rate: 0.13,
      identified_flagged: { count: 0, total: 0, amounts: [] }, excluded_events: { invalid_amount: 0, above_baseline: 0 },
      by_category: [
        { category: HOSTILE_CATEGORY, realized: 3_200, identified: 4_100, identified_flagged: 0 },
        { category: LONG_CATEGORY, realized: 1_500, identified: 8_200, identified_flagged: 0 },
        { category: 'ip_warmup', realized: 500, identified: 900, identified_flagged: 0 },
      ],
    },
    efficiency: {
      resource_utilization: 0.55,
      efficiency_score: 68,
      components: [
        { name: 'deliverability', label: 'Deliverability', value: 95.1, weight: 0.3, effective_weight: 0.3 },
        { name: 'cost_efficiency', label: 'Cost efficiency', value: 100, weight: 0.3, effective_weight: 0.3 },
        { name: 'utilization', label: 'Utilization', value: 42, weight: 0.2, effective_weight: 0.2 },
        { name: 'response_time', label: 'Response time', value: opts.missingComponent ? null : 61, weight: 0.2, effective_weight: 0.2 },
      ],
      missing_components: opts.missingComponent ? ['response_time'] : [],
    },
    decisions: { decisions_tracked: 0, by_type: [], decision_velocity_hours: null, velocity_samples: 0, items: [] },
    critical_alerts: [],
    medium_alerts: [],
    medium_alert_count: 0,
    alerts_source: { kind: 'records', recorded_from: '2026-09-01T00:00:00.000Z', note: null },
    recommended_actions: [],
    data_notes: [],
    daily,
    trend_window: trendWindow(days),
    thresholds: {
      bounce_rate: { monitor: 0.05, warning: 0.1, critical: 0.15 },
      spam_rate: { monitor: 0.01, warning: 0.015, critical: 0.02 },
      trend_stable: { amount_pct: 2, bounce_spam_pp: 0.1, other_rates_pp: 1, score_points: 1 },
    },
  };
}

/**
 * A daily brief in the middle of Bluepeak's crisis: bounce and spam rise through their warning and
 * critical lines in the window's second week and stay above them to its last day.
 */
function crisisFixture(): ExecutiveSummaryData {
  const data = fixture(14);
  const rates = (i: number) => {
    const bounce = i < 4 ? 0.021 + 0.001 * (i % 2) : Math.min(0.187, 0.021 + 0.03 * (i - 3)) - (i === 10 ? 0.02 : 0);
    const spam = i < 4 ? 0.002 : Math.min(0.0247, 0.002 + 0.004 * (i - 3)) - (i === 12 ? 0.002 : 0);
    return { bounce_rate: bounce, spam_rate: spam, deliverability_rate: 1 - bounce - spam, emails_sent: 120_000 };
  };
  data.daily = data.daily.map((d, i) => ({ ...d, ...rates(i) }));
  data.trend_window.days = data.trend_window.days.map((d, i) => ({ ...d, ...rates(i) }));
  return data;
}

/** The text content of every <text> element, entities left as written. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

describe('textMetrics', () => {
  it('installs Liberation Sans advance widths into vega', () => {
    expect(installTextMetrics()).toEqual({ source: 'liberation-sans' });
    expect(installTextMetrics()).toEqual({ source: 'liberation-sans' }); // idempotent
    const tm = (vega as unknown as { textMetrics: { width: unknown; estimateWidth: unknown } }).textMetrics;
    expect(tm.width).not.toBe(tm.estimateWidth);
  });

  it('matches the font tables within 2%', () => {
    const regular = loadFont('LiberationSans-Regular.ttf');
    const bold = loadFont('LiberationSans-Bold.ttf');
    for (const text of ['Deliverability rate', LONG_CATEGORY, 'Bounce critical 15%', '$12,345']) {
      expect(measureText(text, 10)).toBeCloseTo(advanceWidth(regular, text, 10), 0);
      expect(Math.abs(measureText(text, 11) / advanceWidth(regular, text, 11) - 1)).toBeLessThan(0.02);
      expect(Math.abs(measureText(text, 11, true) / advanceWidth(bold, text, 11) - 1)).toBeLessThan(0.02);
    }
    // one glyph, exactly: 'W' is 1933/2048 em in Liberation Sans Regular
    expect(measureText('W', 20)).toBeCloseTo(((regular.charToGlyph('W').advanceWidth ?? 0) / regular.unitsPerEm) * 20, 6);
  });

  it('is proportional, bold is wider, and is much narrower than vega’s 0.8 × chars × size estimate', () => {
    expect(measureText('iiii', 11)).toBeLessThan(measureText('WWWW', 11) * 0.3);
    expect(measureText('Revenue', 11, true)).toBeGreaterThan(measureText('Revenue', 11));
    for (const text of [LONG_CATEGORY, 'Deliverability rate', 'Email service']) {
      expect(measureText(text, 10)).toBeLessThan(0.8 * text.length * 10 * 0.7);
    }
    expect(measureText('', 11)).toBe(0);
  });

  it('keeps vega’s estimate, and says so, when the fonts are missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-nofonts-'));
    const saved = process.env.HERALD_FONT_DIR;
    process.env.HERALD_FONT_DIR = dir;
    try {
      vi.resetModules();
      const fresh = await import('../../src/charts/textMetrics.js');
      expect(fresh.installTextMetrics()).toEqual({ source: 'estimate' });
      expect(fresh.measureText('abcd', 10)).toBe(32);
    } finally {
      if (saved === undefined) delete process.env.HERALD_FONT_DIR;
      else process.env.HERALD_FONT_DIR = saved;
      rmSync(dir, { recursive: true, force: true });
      vi.resetModules();
    }
  });
});

describe('renderExecutiveCharts', () => {
  it.each([1, 7, 31])('renders every chart with marks for a %i-day period', async (days) => {
    const charts = await renderExecutiveCharts(fixture(days));
    expect(Object.keys(charts).sort()).toEqual([...CHART_NAMES].sort());
    for (const name of CHART_NAMES) {
      const svg = charts[name];
      expect(svg, name).toMatch(/^<svg [^>]*width="[\d.]+" height="[\d.]+" viewBox="0 0 [\d.]+ [\d.]+"/);
      expect(chartMarkCount(svg), name).toBeGreaterThan(0);
      expect(svg, name).not.toContain(NO_DATA_MESSAGE);
      expect(svg, name).not.toContain('…'); // nothing truncated
      expect(svg, name).toContain('Liberation Sans');
    }
  });

  it('is self-contained and escapes values from the data', async () => {
    const charts = await renderExecutiveCharts(fixture(31));
    for (const [name, svg] of Object.entries(charts)) {
      expect(svg, name).not.toMatch(/<script/i);
      expect(svg, name).not.toMatch(/(?:xlink:)?href\s*=\s*["']?\s*(?:https?:|\/\/)/i);
      expect(svg, name).not.toMatch(/url\(\s*['"]?(?:https?:|\/\/)/i);
      expect(svg, name).not.toMatch(/<(?:image|foreignObject|use)\b/i);
    }
    expect(charts['savings-by-category']).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; co');
  });

  it('prints a long category label whole, wrapped onto lines that fit beside the bars', async () => {
    // the label is wider than vega-lite's default 180 px label limit: the test would catch a cut
    expect(measureText(humanize(LONG_CATEGORY), 10)).toBeGreaterThan(180);
    const svg = (await renderExecutiveCharts(fixture(7)))['savings-by-category'];
    expect(svg).not.toContain('…');
    expect(svg).toMatch(/width="330"/); // beside its table
    // each category label is one <text>, one <tspan> a line: its lines, joined, are the whole label
    const labels = [...svg.matchAll(/<text\b[^>]*>((?:<tspan[^>]*>[^<]*<\/tspan>)+)<\/text>/g)].map((m) => [...m[1].matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((t) => t[1]));
    const long = labels.find((lines) => lines.join(' ') === humanize(LONG_CATEGORY));
    expect(long, JSON.stringify(labels)).toBeDefined();
    expect(long!.length).toBeGreaterThan(1);
    for (const line of long!) expect(measureText(line, 10)).toBeLessThanOrEqual(SAVINGS_LABEL_WIDTH);
    // a short one stays on one line
    expect(texts(svg)).toContain('IP warmup');
    expect(wrapLabel('IP warmup', SAVINGS_LABEL_WIDTH)).toBe('IP warmup');
  });

  it('draws labelled, dashed warning and critical thresholds in the severity scale\'s colours', async () => {
    const svg = (await renderExecutiveCharts(fixture(7)))['deliverability-trend'];
    const labels = texts(svg);
    // Each panel names its rate; each line's label names the line.
    for (const label of ['Warning 10%', 'Critical 15%', 'Warning 1.5%', 'Critical 2%']) expect(labels).toContain(label);
    const rules = [...svg.matchAll(/<line\b[^>]*>/g)].map((m) => m[0]).filter((l) => l.includes('stroke-dasharray'));
    expect(rules.some((l) => l.includes(`stroke="${statusColor('critical')}"`))).toBe(true);
    expect(rules.some((l) => l.includes(`stroke="${statusColor('warning')}"`))).toBe(true);
    expect(labels).toContain('Bounce rate');
    expect(labels).toContain('Spam rate');
  });

  it('keeps the threshold labels clear of the data: outside the plot, never crossed by the line', async () => {
    // Bluepeak's crisis: bounce climbs through the warning and critical lines and stays above
    // them to the last day, right where the labels used to sit; spam likewise.
    const data = crisisFixture();
    const svg = (await renderExecutiveCharts(data))['deliverability-trend'];
    const g = svgGeometry(svg);
    const labels = g.texts.filter((t) => /(warning|critical) [\d.]+%$/i.test(t.text) && t.fill !== '#ffffff'); // not a halo
    expect(labels).toHaveLength(4);
    expect(g.lines).toHaveLength(2); // one data line per panel
    const points = g.lines.flatMap((l) => l.points);
    for (const label of labels) {
      const box = textBox(label);
      // the line of the label's own panel: the panel whose points lie left of the label
      const own = g.lines.filter((l) => l.points[0][0] < box.left).sort((a, b) => b.points[0][0] - a.points[0][0])[0];
      expect(box.left, label.text).toBeGreaterThan(Math.max(...own.points.map((p) => p[0])) + 2); // outside the plot's x-range
      for (const l of g.lines) {
        for (let i = 1; i < l.points.length; i++) expect(segmentHitsBox(l.points[i - 1], l.points[i], box, 1), `${label.text} crossed`).toBe(false);
      }
      for (const s of g.symbols) expect(segmentHitsBox([s.x, s.y], [s.x, s.y], box, s.radius), `${label.text} on a point`).toBe(false);
      // and no two labels overlap, even where the warning and critical lines are close
      for (const other of labels.filter((o) => o !== label)) {
        const b = textBox(other);
        expect(box.right <= b.left || b.right <= box.left || box.bottom <= b.top || b.bottom <= box.top, `${label.text} / ${other.text}`).toBe(true);
      }
    }
    expect(points.length).toBe(28);
  });

  it('draws a daily brief\'s trailing 14 days, its own day highlighted, not one dot', async () => {
    const data = fixture(1);
    const svg = (await renderExecutiveCharts(data))['deliverability-trend'];
    const g = svgGeometry(svg);
    const mid = Number(/width="([\d.]+)"/.exec(svg)![1]) / 2;
    for (const panel of [g.symbols.filter((s) => s.x < mid), g.symbols.filter((s) => s.x >= mid)]) {
      expect(panel).toHaveLength(14);
      const big = Math.max(...panel.map((s) => s.radius));
      const highlighted = panel.filter((s) => s.radius === big);
      expect(highlighted).toHaveLength(1);
      expect(highlighted[0].x).toBe(Math.max(...panel.map((s) => s.x))); // the period's day is the last
      expect(Math.min(...panel.map((s) => s.radius))).toBeLessThan(big);
      // the shaded band of the period covers its point and not the day before
      const band = g.rects.find((r) => r.opacity > 0 && r.x <= highlighted[0].x && r.x + r.width >= highlighted[0].x);
      expect(band).toBeDefined();
      const before = [...panel].sort((a, b) => b.x - a.x)[1];
      expect(band!.x).toBeGreaterThan(before.x);
    }
    const rows = executiveChartValues(data)['deliverability-trend'] as Record<string, unknown>[];
    const series = rows.filter((r) => r.kind === 'series' && r.metric === 'Bounce rate');
    expect(series.map((r) => r.date)).toEqual(data.trend_window.days.filter((d) => d.bounce_rate !== null).map((d) => d.date));
    expect(series.filter((r) => r.highlight).map((r) => r.date)).toEqual([data.period.start.slice(0, 10)]);
  });

  it('shows a tenant\'s only day of data as a point with its value', async () => {
    const data = fixture(1);
    data.trend_window.days = data.trend_window.days.map((d) => (d.in_period ? d : { ...d, emails_sent: null, deliverability_rate: null, bounce_rate: null, spam_rate: null }));
    const svg = (await renderExecutiveCharts(data))['deliverability-trend'];
    expect(svgGeometry(svg).symbols).toHaveLength(2); // one per panel
    expect(texts(svg)).toContain('3%'); // the day's bounce rate is 0.03
  });

  it('shows a missing efficiency component as n/a, not as a zero bar', async () => {
    const svg = (await renderExecutiveCharts(fixture(7, { missingComponent: true })))['efficiency-components'];
    expect(chartMarkCount(svg)).toBe(3);
    expect(texts(svg).some((t) => t.startsWith('n/a'))).toBe(true);
    expect(texts(svg)).toContain('Response time');
    const full = (await renderExecutiveCharts(fixture(7)))['efficiency-components'];
    expect(chartMarkCount(full)).toBe(4);
  });

  it('renders every chart as "No data for this period" when the period has no data', async () => {
    const charts = await renderExecutiveCharts(fixture(7, { hasData: false }));
    for (const name of CHART_NAMES) {
      expect(texts(charts[name]), name).toEqual([NO_DATA_MESSAGE]);
      expect(chartMarkCount(charts[name]), name).toBe(0);
    }
  });
});

describe('renderChart', () => {
  it.each(CHART_NAMES)('%s: empty input gives a centred "No data for this period"', async (name) => {
    const svg = await renderChart(name, []);
    expect(chartMarkCount(svg)).toBe(0);
    const text = /<text\b[^>]*text-anchor="middle"[^>]*>([^<]*)<\/text>/.exec(svg);
    expect(text?.[1]).toBe(NO_DATA_MESSAGE);
    const width = Number(/width="([\d.]+)"/.exec(svg)![1]);
    const height = Number(/height="([\d.]+)"/.exec(svg)![1]);
    const [x, y] = /transform="translate\(([\d.]+),([\d.]+)\)"[^>]*>No data/.exec(svg)!.slice(1).map(Number);
    expect(x).toBe(width / 2);
    // vega puts the baseline 0.3 em below the middle
    expect(Math.abs(y - height / 2)).toBeLessThanOrEqual(0.3 * 12 + 0.5);
    expect(svg).toContain('viewBox=');
  });

  it('renders a custom empty message, escaped', async () => {
    const svg = await renderChart('cost-breakdown', [], { emptyMessage: 'Nothing <yet>' });
    expect(texts(svg)).toEqual(['Nothing &lt;yet&gt;']);
  });

  it('treats thresholds without any rate as no data', async () => {
    const rows = executiveChartValues(fixture(7))['deliverability-trend'].filter((r) => (r as { kind: string }).kind === 'threshold');
    expect(texts(await renderChart('deliverability-trend', rows))).toEqual([NO_DATA_MESSAGE]);
  });

  it('survives NaN, negative and huge values', async () => {
    const svg = await renderChart('cost-breakdown', [
      { item: 'Infrastructure', group: 'cost', value: Number.NaN },
      { item: 'Email service', group: 'cost', value: 1e12 },
      { item: 'Total cost', group: 'total', value: 1e12 },
      { item: 'Revenue', group: 'revenue', value: -250 },
    ]);
    expect(chartMarkCount(svg)).toBe(3);
    expect(texts(svg)).toContain('$1,000,000,000,000');
    expect(svg).not.toContain('NaN');
  });

  it('renders concurrent views of one cached chart each from its own rows, reproducibly', async () => {
    const rows = (category: string) => [
      { category, type: 'Realized', value: 100 },
      { category, type: 'Identified', value: 250 },
    ];
    const [a, b, a2] = await Promise.all([
      renderChart('savings-by-category', rows('alpha_category')),
      renderChart('savings-by-category', rows('beta_category')),
      renderChart('savings-by-category', rows('alpha_category')),
    ]);
    expect(texts(a)).toContain('alpha_category');
    expect(texts(a)).not.toContain('beta_category');
    expect(texts(b)).toContain('beta_category');
    expect(a2).toBe(a);
  });

  it('draws on a reused view exactly what a new view draws, whatever the previous data was', async () => {
    // Varied briefs, each rendered right after a different one on the pooled views: tick values
    // that survive from one render to the next, fitted sizes, negative bars, empty charts, a
    // chart whose labels got longer or shorter.
    const random = mulberry32(20261122);
    const briefs = Array.from({ length: 24 }, (_, i) => {
      const data = fixture(1 + Math.floor(random.next() * 31), { missingComponent: i % 5 === 0, hasData: i % 11 !== 7 });
      const scale = 10 ** Math.floor(random.next() * 5 - 1);
      data.cost.total_cost *= scale * (i % 6 === 0 ? -1 : 1);
      data.cost.recognized_revenue = i % 4 === 0 ? -data.cost.recognized_revenue : data.cost.recognized_revenue * scale;
      data.cost.infrastructure_cost *= scale * random.next();
      data.cost_optimization.by_category = data.cost_optimization.by_category.slice(0, i % 4).map((c, k) => ({
        ...c, category: k === 0 && i % 3 === 0 ? `${c.category}_${'x'.repeat(i)}` : c.category, realized: c.realized * random.next() * scale,
      }));
      data.daily = data.daily.map((d) => ({ ...d, revenue: d.revenue * scale * random.next(), bounce_rate: d.bounce_rate === null ? null : d.bounce_rate * 3 * random.next() }));
      data.efficiency.components = data.efficiency.components.map((c) => ({ ...c, value: c.value === null ? null : 100 * random.next() }));
      return executiveChartValues(data);
    });
    const bad: string[] = [];
    for (const values of briefs) {
      for (const name of CHART_NAMES) {
        const pooled = await renderChart(name, values[name]);
        const fresh = await renderChart(name, values[name], { freshView: true });
        if (pooled !== fresh) bad.push(`${name}#${briefs.indexOf(values)}`);
      }
    }
    expect(bad).toEqual([]);
    // Concurrent renders of one chart each take their own view and still match.
    const concurrent = await Promise.all(briefs.map((v) => renderChart('cost-breakdown', v['cost-breakdown'])));
    for (const [i, svg] of concurrent.entries()) expect(svg).toBe(await renderChart('cost-breakdown', briefs[i]['cost-breakdown'], { freshView: true }));
  });

  it('rejects an unknown chart', async () => {
    await expect(renderChart('pie' as never, [])).rejects.toThrow(/unknown chart/);
  });
});

describe('executiveChartValues', () => {
  it('maps thresholds to labelled rules and skips null rates', () => {
    const rows = executiveChartValues(fixture(7))['deliverability-trend'] as Record<string, unknown>[];
    expect(rows.filter((r) => r.kind === 'threshold')).toEqual([
      { kind: 'threshold', metric: 'Bounce rate', level: 'warning', value: 0.1, label: 'Warning 10%', color: statusColor('warning') },
      { kind: 'threshold', metric: 'Bounce rate', level: 'critical', value: 0.15, label: 'Critical 15%', color: statusColor('critical') },
      { kind: 'threshold', metric: 'Spam rate', level: 'warning', value: 0.015, label: 'Warning 1.5%', color: statusColor('warning') },
      { kind: 'threshold', metric: 'Spam rate', level: 'critical', value: 0.02, label: 'Critical 2%', color: statusColor('critical') },
    ]);
    expect(rows.filter((r) => r.kind === 'series')).toHaveLength(26); // the 14-day window × 2, less the day with nothing sent
  });

  it('colours efficiency components on the brief\'s one severity scale, as the efficiency score is rated', async () => {
    const data = fixture(7, { missingComponent: true });
    data.efficiency.components[1].value = 75;
    data.efficiency.components[2].value = 64;
    const rows = executiveChartValues(data)['efficiency-components'] as Record<string, unknown>[];
    expect(rows.map((r) => [r.label, r.value, r.status, r.color])).toEqual([
      ['Deliverability', 95.1, 'ok', statusColor('ok')],
      ['Cost efficiency', 75, 'monitor', statusColor('monitor')],
      ['Utilization', 64, 'warning', statusColor('warning')],
      ['Response time', null, 'neutral', statusColor('muted')],
    ]);
    const critical = fixture(7);
    critical.efficiency.components[2].value = 42;
    expect((executiveChartValues(critical)['efficiency-components'] as Record<string, unknown>[])[2]).toMatchObject({ status: 'critical', color: statusColor('critical') });
    // the bars are drawn in those colours and no other
    const svg = await renderChart('efficiency-components', rows);
    const fills = [...svg.matchAll(/<g class="mark-rect role-mark[^>]*>([\s\S]*?)<\/g>/g)].flatMap((m) => [...m[1].matchAll(/fill="([^"]+)"/g)].map((f) => f[1]));
    expect(fills).toEqual([statusColor('ok'), statusColor('monitor'), statusColor('warning')]);
  });

  it('labels the cost chart\'s revenue bar as what it is: recognized revenue', async () => {
    const data = fixture(7);
    const rows = executiveChartValues(data)['cost-breakdown'] as Record<string, unknown>[];
    expect(rows.find((r) => r.group === 'revenue')).toEqual({ item: 'Recognized revenue', group: 'revenue', value: data.cost.recognized_revenue });
    const labels = texts((await renderExecutiveCharts(data))['cost-breakdown']);
    expect(labels).toContain('Recognized revenue');
    expect(labels).not.toContain('Revenue');
  });
});

describe('day by day (kpi-sparklines)', () => {
  const rowsOf = (data: ExecutiveSummaryData) => executiveChartValues(data)['kpi-sparklines'] as Record<string, any>[];

  it('draws emails sent, deliverability and cash collected over the window, each on one labelled scale', async () => {
    const data = fixture(7);
    const rows = rowsOf(data);
    const measures = [...new Set(rows.map((r) => r.measure))];
    // daily cost is a monthly rate spread evenly over the days: no row; revenue is cash collected and says so
    expect(measures).toEqual(['Emails sent', 'Deliverability', 'Cash collected']);
    for (const m of measures) {
      const ticks = rows.filter((r) => r.measure === m && r.kind === 'tick');
      const values = rows.filter((r) => r.measure === m && r.kind === 'series').map((r) => r.value as number);
      expect(ticks.length, m).toBeGreaterThanOrEqual(3);
      expect(values.length, m).toBeGreaterThan(7); // the trailing window, not just the week
      // one scale per measure: every value on it, from its lowest tick to its highest
      expect(Math.min(...values), m).toBeGreaterThanOrEqual(ticks[0].value);
      expect(Math.max(...values), m).toBeLessThanOrEqual(ticks[ticks.length - 1].value);
      expect(ticks.every((t) => typeof t.label === 'string' && t.label !== ''), m).toBe(true);
    }
    expect(rows.filter((r) => r.measure === 'Deliverability' && r.kind === 'tick').map((r) => r.label)).toEqual(['80%', '90%', '100%']);
    expect(rows.filter((r) => r.measure === 'Cash collected' && r.kind === 'tick').map((r) => r.label)).toEqual(['$0', '$5K', '$10K']);
    const svg = (await renderExecutiveCharts(data))['kpi-sparklines'];
    const labels = texts(svg);
    for (const label of ['Emails sent', 'Deliverability', 'Cash collected', '80%', '90%', '100%', '$0', '$5K', '$10K', '0']) expect(labels).toContain(label);
    expect(labels).not.toContain('Daily cost');
    expect(labels).not.toContain('Revenue');
    expect(svg).not.toContain('…');
  });

  it('keeps a 0.6-point wobble of a healthy deliverability a wobble, and a fall a fall', async () => {
    const wobble = fixture(7);
    wobble.trend_window.days = wobble.trend_window.days.map((d, i) => ({ ...d, deliverability_rate: 0.98 + (i % 2) * 0.006 }));
    const line = (svg: string) => svgGeometry(svg).lines[0].points.map((p) => p[1]);
    const height = 32; // the rows' height (templates/charts/kpi-sparklines.vl.json)
    const ys = line((await renderExecutiveCharts(wobble))['kpi-sparklines']);
    expect(Math.max(...ys) - Math.min(...ys)).toBeLessThan(0.05 * height);
    const fall = fixture(7);
    fall.trend_window.days = fall.trend_window.days.map((d, i) => ({ ...d, deliverability_rate: i < 7 ? 0.97 : 0.81 }));
    const fys = line((await renderExecutiveCharts(fall))['kpi-sparklines']);
    expect(Math.max(...fys) - Math.min(...fys)).toBeGreaterThan(0.6 * height);
  });

  it('leaves out a row that carries no information: the same every day, or not known for every day', () => {
    const flat = fixture(7);
    flat.trend_window.days = flat.trend_window.days.map((d) => ({ ...d, emails_sent: 50_000 }));
    expect(new Set(rowsOf(flat).map((r) => r.measure))).toEqual(new Set(['Deliverability', 'Cash collected']));
    const noPayments = fixture(7);
    noPayments.trend_window.days = noPayments.trend_window.days.map((d) => ({ ...d, cash_collected: 0 }));
    expect(rowsOf(noPayments).some((r) => r.measure === 'Cash collected')).toBe(false);
    // a daily brief reads payments for its day and the day before only: no cash row of 2 days in 14
    expect(rowsOf(fixture(1)).some((r) => r.measure === 'Cash collected')).toBe(false);
  });
});

describe('chartMarkCount', () => {
  it('counts mark elements, not axes, legends or text', () => {
    const svg =
      '<svg><g class="mark-group role-axis"><g class="mark-rule role-axis-tick"><line/><line/></g></g>' +
      '<g class="mark-rect role-mark layer_0_marks"><path d="M0"/><path d="M1"/></g>' +
      '<g class="mark-text role-mark layer_1_marks"><text>x</text></g>' +
      '<g class="mark-symbol role-legend-symbol"><path/></g></svg>';
    expect(chartMarkCount(svg)).toBe(2);
  });
});
