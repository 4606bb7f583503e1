import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import opentype, { type Font } from 'opentype.js';
import * as vega from 'vega';
import { describe, expect, it, vi } from 'vitest';
import type { DailyPoint, ExecutiveSummaryData } from '../../src/report/types.js';
import { executiveChartValues } from '../../src/charts/executiveChartValues.js';
import { CHART_NAMES, chartMarkCount, NO_DATA_MESSAGE, renderChart, renderExecutiveCharts } from '../../src/charts/renderCharts.js';
import { installTextMetrics, measureText } from '../../src/charts/textMetrics.js';
import { humanize } from '../../src/report/format.js';
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

/** A realistic month (or day) of one tenant; `days` daily points from 1 Oct 2026. */
function fixture(days: number, opts: { missingComponent?: boolean; hasData?: boolean } = {}): ExecutiveSummaryData {
  const daily: DailyPoint[] = [];
  for (let i = 0; i < days; i++) {
    const bounce = 0.03 + 0.025 * Math.abs(Math.sin(i / 4)) + (i === 5 ? 0.09 : 0);
    const spam = 0.004 + 0.006 * Math.abs(Math.cos(i / 5));
    daily.push({
      date: new Date(Date.UTC(2026, 9, 1 + i)).toISOString().slice(0, 10),
      emails_sent: 40_000 + Math.round(8_000 * Math.sin(i / 3)),
      // a day with nothing sent has null rates: the charts must skip it, not draw 0
      deliverability_rate: i === 3 ? null : 1 - bounce - spam,
      bounce_rate: i === 3 ? null : bounce,
      spam_rate: i === 3 ? null : spam,
      total_cost: 410 + 30 * Math.sin(i / 2),
      revenue: i % 7 === 0 ? 9_800 : 1_200 + 300 * Math.cos(i),
    });
  }
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
    thresholds: {
      bounce_rate: { monitor: 0.05, warning: 0.1, critical: 0.15 },
      spam_rate: { monitor: 0.01, warning: 0.015, critical: 0.02 },
      trend_stable: { amount_pct: 2, bounce_spam_pp: 0.1, other_rates_pp: 1, score_points: 1 },
    },
  };
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

  it('prints a long category label whole', async () => {
    // the label is wider than vega-lite's default 180 px label limit: the test would catch a cut
    expect(measureText(LONG_CATEGORY, 10)).toBeGreaterThan(180);
    const charts = await renderExecutiveCharts(fixture(7));
    expect(texts(charts['savings-by-category'])).toContain(humanize(LONG_CATEGORY));   // shown as words, whole
    expect(charts['savings-by-category']).not.toContain('…');
    expect(charts['savings-by-category']).toMatch(/width="680"/);
  });

  it('draws labelled, dashed warning and critical thresholds', async () => {
    const svg = (await renderExecutiveCharts(fixture(7)))['deliverability-trend'];
    const labels = texts(svg);
    for (const label of ['Bounce warning 10%', 'Bounce critical 15%', 'Spam warning 1.5%', 'Spam critical 2%']) {
      expect(labels).toContain(label);
    }
    const rules = [...svg.matchAll(/<line\b[^>]*>/g)].map((m) => m[0]).filter((l) => l.includes('stroke-dasharray'));
    expect(rules.some((l) => l.includes('stroke="#dc2626"'))).toBe(true);
    expect(rules.some((l) => l.includes('stroke="#d97706"'))).toBe(true);
    expect(labels).toContain('Bounce rate');
    expect(labels).toContain('Spam rate');
  });

  it('shows a single day as points with their values', async () => {
    const svg = (await renderExecutiveCharts(fixture(1)))['deliverability-trend'];
    const symbols = /<g class="mark-symbol role-mark[^>]*>([\s\S]*?)<\/g>/g;
    const points = [...svg.matchAll(symbols)].reduce((n, m) => n + (m[1].match(/<path/g)?.length ?? 0), 0);
    expect(points).toBe(2); // one per panel
    expect(texts(svg)).toContain('3%'); // the first day's bounce rate is 0.03
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
      { kind: 'threshold', metric: 'Bounce rate', level: 'warning', value: 0.1, label: 'Bounce warning 10%' },
      { kind: 'threshold', metric: 'Bounce rate', level: 'critical', value: 0.15, label: 'Bounce critical 15%' },
      { kind: 'threshold', metric: 'Spam rate', level: 'warning', value: 0.015, label: 'Spam warning 1.5%' },
      { kind: 'threshold', metric: 'Spam rate', level: 'critical', value: 0.02, label: 'Spam critical 2%' },
    ]);
    expect(rows.filter((r) => r.kind === 'series')).toHaveLength(12); // 7 days × 2, less the day with nothing sent
  });

  it('colours efficiency components by the efficiency alert threshold', () => {
    const rows = executiveChartValues(fixture(7, { missingComponent: true }))['efficiency-components'] as Record<string, unknown>[];
    expect(rows.map((r) => [r.label, r.value, r.status])).toEqual([
      ['Deliverability', 95.1, 'good'],
      ['Cost efficiency', 100, 'good'],
      ['Utilization', 42, 'critical'],
      ['Response time', null, 'neutral'],
    ]);
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
