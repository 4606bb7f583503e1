/**
 * The email and Slack views of a brief (issue 9, point 7): the subject states the health and the
 * period in words; both lead with the headline; trends say better or worse in words where there
 * is no colour; the key chart is the one that tells the headline's story, as a small palette PNG
 * that is not blank; hostile data stays escaped in every new place.
 */
import { describe, expect, it } from 'vitest';
import fixtureJson from '../fixtures/executive-summary.sample.json' with { type: 'json' };
import { emailSubject, renderEmail } from '../../src/delivery/email/renderEmail.js';
import { slackDigest } from '../../src/delivery/slack/slackDigest.js';
import { executiveSummaryMessages } from '../../src/report/executiveSummaryMessages.js';
import { keyChart } from '../../src/report/keyChart.js';
import { rasterizeChart } from '../../src/charts/rasterizeChart.js';
import { narrowSpec, renderNarrowChart } from '../../src/charts/narrowChart.js';
import { chartMarkCount, renderChart } from '../../src/charts/renderCharts.js';
import { executiveChartValues } from '../../src/charts/executiveChartValues.js';
import { emailKeyChart } from '../../src/delivery/email/emailKeyChart.js';
import { trendInWords } from '../../src/delivery/trendWords.js';
import type { InlineImage } from '../../src/delivery/Channel.js';
import type { ExecutiveSummaryData } from '../../src/report/types.js';
import { decodePng, distinctColors, shareOf } from '../helpers/png.js';

const HOSTILE = 'Acme <script>alert(1)</script> & <img src=x onerror=alert(2)> <!channel> <@U123>';
const HOSTILE_HTML = 'Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src&#x3D;x onerror&#x3D;alert(2)&gt; &lt;!channel&gt; &lt;@U123&gt;';
const HOSTILE_SLACK = 'Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(2)&gt; &lt;!channel&gt; &lt;@U123&gt;';

function sample(): ExecutiveSummaryData {
  return structuredClone(fixtureJson) as unknown as ExecutiveSummaryData;
}

/** A day brief, as the data object says it. */
function day(data = sample()): ExecutiveSummaryData {
  data.period = { ...data.period, kind: 'day', label: '2026-12-01', words: 'Tuesday 1 Dec 2026' };
  return data;
}

function month(data = sample()): ExecutiveSummaryData {
  data.period = { ...data.period, kind: 'month', label: '2026-11', words: 'November 2026' };
  return data;
}

type Block = { type: string; text?: { text: string }; fields?: { text: string }[]; elements?: { text: string }[] };

function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

/** A minimal picture to attach: what the views do with it, not what it shows. */
const PICTURE: InlineImage = { cid: 'deliverability-trend.0123456789abcdef@herald', filename: 'deliverability-trend.png', contentType: 'image/png', contentBase64: 'iVBORw0KGgo=', alt: 'Chart of the daily bounce and spam rates', width: 560, height: 193,
  title: 'Bounce and spam rate by day', caption: 'Shaded: Week 47, 16–22 Nov 2026.',
};

describe('email subject', () => {
  it('states the health first and the period in words: a day, a week, a month', () => {
    const critical = (d: ExecutiveSummaryData) => {
      d.tenant.name = 'Bluepeak Commerce';
      d.health.status = 'critical';
      d.health.business_health = 24;
      return d;
    };
    expect(emailSubject(critical(day()), 'brief')).toBe('Critical · Bluepeak Commerce · Executive summary · Tue 1 Dec 2026');
    const week = critical(sample());
    week.period = { ...week.period, label: '2026-W48', words: 'Week 48, 23–29 Nov 2026' };
    expect(emailSubject(week, 'brief')).toBe('Critical · Bluepeak Commerce · Executive summary · Week 48, 23–29 Nov 2026');
    expect(emailSubject(critical(month()), 'brief')).toBe('Critical · Bluepeak Commerce · Executive summary · November 2026');
    expect(emailSubject(sample(), 'brief')).toBe('OK · Northwind Mail Co · Executive summary · Week 47, 16–22 Nov 2026');
    const warning = sample();
    warning.health.status = 'warning';
    expect(emailSubject(warning, 'brief')).toMatch(/^Warning · /);
  });

  it('says when there is nothing to rate, keeps the delayed notice\'s own subject, and no control characters', () => {
    const empty = sample();
    empty.has_data = false;
    empty.health = { ...empty.health, business_health: null, status: 'neutral' };
    expect(emailSubject(empty, 'brief')).toBe('No activity · Northwind Mail Co · Executive summary · Week 47, 16–22 Nov 2026');
    expect(emailSubject(day(), 'delayed-notice')).toBe('Delayed: executive summary · Northwind Mail Co · Tuesday 1 Dec 2026');
    const evil = sample();
    evil.tenant.name = 'Evil\r\nBcc: victim@example.com\u2028x';
    const subject = emailSubject(evil, 'brief');
    expect(subject).toBe('OK · Evil Bcc: victim@example.com x · Executive summary · Week 47, 16–22 Nov 2026');
    expect(subject).not.toMatch(/[\r\n\u2028]/);
  });
});

describe('email views', () => {
  it('lead with the headline, show the state now as page 1 does, and label recognized revenue and cash collected', () => {
    const data = sample();
    data.revenue_protection.risk_level_now = 'critical';
    const e = renderEmail(data, 'brief');
    const html = e.html;
    // Right after the title band: the headline, in its level's colour.
    const afterTitle = html.slice(html.indexOf('Generated '));
    expect(afterTitle.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').replace(/^Generated [^)]*\) /, '').startsWith(data.headline.replace(/\s+/g, ' '))).toBe(true);
    expect(html).toMatch(/border-left:4px solid #2563eb;[^>]*>Bounce rate rose from 2\.9% to 5\.8%/); // monitor: blue
    expect(html).toMatch(/Now <b style="color:#dc2626;">Critical<\/b>/);
    expect(html).toMatch(/Over the period <b style="color:#2563eb;">Monitor<\/b>/);
    expect(e.text).toContain('Deliverability risk now: Critical (over the period: Monitor)');
    for (const part of [html, e.text]) {
      expect(part).toContain('Recognized revenue');
      expect(part).toContain('Cash collected');
      expect(part).toContain('$8,400');
      expect(part).not.toMatch(/Critical alerts/i);
    }
    expect(html).toContain('>Critical and high alerts</div>');
    expect(e.text).toContain('CRITICAL AND HIGH ALERTS (times in America/New_York)');
  });

  it('mark a missed target with the target, and print the data notes', () => {
    const data = sample();
    const e = renderEmail(data, 'brief');
    // Bounce rate 5.8% against < 5%; revenue protection 50% against > 95%: misses, in red, with the target.
    expect(e.html).toMatch(/color:#dc2626;">above target &lt; 5%</);
    expect(e.html).toMatch(/color:#dc2626;">· below target &gt; 95%</);
    expect(e.html).toMatch(/color:#6b7280;">target &gt; 70%</); // met: muted
    expect(e.text).toMatch(/Bounce rate +5\.8% +▲ \+3\.0\u00a0pp \(worse\) +from 2\.9% +above target < 5%/);
    expect(e.text).toContain('Revenue protection rate 50.0% (below target > 95%)');
    for (const note of data.data_notes) {
      expect(e.html).toContain(note.text);
      expect(e.text).toContain(note.text);
    }
    expect(e.text).toContain('DATA NOTES');
    const none = sample();
    none.data_notes = [];
    expect(renderEmail(none, 'brief').text).not.toContain('DATA NOTES');
  });

  it('list at most as many alerts as the PDF, and say what they left out', () => {
    const data = sample();
    const a = data.critical_alerts[0];
    data.critical_alerts = Array.from({ length: 12 }, (_, i) => ({ ...a, summary: `Alert number ${i}`, occurred_at: `2026-11-${String(10 + i).padStart(2, '0')}T14:32:00.000Z` }));
    const e = renderEmail(data, 'brief');
    expect(e.html.match(/Alert number \d+/g)).toHaveLength(8);
    expect(e.text.match(/Alert number \d+/g)).toHaveLength(8);
    for (const part of [e.html, e.text]) expect(part).toContain('…and 4 more critical or high alerts in this period (4 acknowledged, 4 resolved) (all in the PDF)');
  });

  it('show the key chart by cid:, with its alt text, only when there is one and only in a brief', () => {
    const data = sample();
    const withChart = executiveSummaryMessages(data, 'brief', { keyChart: PICTURE }).email;
    expect(withChart.inline).toEqual([PICTURE]);
    expect(withChart.html).toContain(`<img src="cid:${PICTURE.cid}" width="560" height="193" alt="Chart of the daily bounce and spam rates"`);
    expect(withChart.html).toContain('>Bounce and spam rate by day</div>');
    expect(withChart.html).toContain('>Shaded: Week 47, 16–22 Nov 2026.</div>');
    const without = executiveSummaryMessages(data, 'brief').email;
    expect(without.inline).toBeUndefined();
    expect(without.html).not.toMatch(/<img/i);
    const notice = executiveSummaryMessages(data, 'delayed-notice', { keyChart: PICTURE }).email;
    expect(notice.inline).toBeUndefined();
    expect(notice.html).not.toMatch(/<img/i);
  });

  it('escape hostile data in every new place: headline, data notes, alt text, subject and text literal', () => {
    const data = sample();
    data.tenant.name = HOSTILE;
    data.headline = `Bounce rose at ${HOSTILE}`;
    data.data_notes = [{ code: 'optimization-invalid-amount', count: 1, text: `Left out: ${HOSTILE}` }];
    data.targets.gross_margin.target = HOSTILE;
    const e = renderEmail(data, 'brief', { keyChart: { ...PICTURE, alt: `Chart "${HOSTILE}"`, title: `Title ${HOSTILE}`, caption: `Shaded: ${HOSTILE}` } });
    expect(e.html).not.toMatch(/<script/i);
    expect(e.html.match(/<img\b/g)).toHaveLength(1); // the chart's, not the tenant's
    expect(e.html).not.toContain('onerror=alert');
    expect(e.html).toContain(`Bounce rose at ${HOSTILE_HTML}`);
    expect(e.html).toContain(`Left out: ${HOSTILE_HTML}`);
    expect(e.html).toContain(`alt="Chart &quot;${HOSTILE_HTML}&quot;"`);
    expect(e.html).toContain(`>Title ${HOSTILE_HTML}</div>`);
    expect(e.html).toContain(`>Shaded: ${HOSTILE_HTML}</div>`);
    expect(e.html).toContain(`target ${HOSTILE_HTML}`);
    expect(e.text).toContain(`Bounce rose at ${HOSTILE}`);
    expect(e.text).toContain(`Left out: ${HOSTILE}`);
    expect(e.subject).toBe(`OK · ${HOSTILE} · Executive summary · Week 47, 16–22 Nov 2026`);
  });
});

describe('slack digest', () => {
  it('leads with the headline, right under the title, then the state now', () => {
    const data = sample();
    data.revenue_protection.risk_level_now = 'critical';
    const { text, blocks } = slackDigest(data, 'brief');
    const bs = blocks as Block[];
    expect(bs[0].type).toBe('header');
    expect(bs[0].text!.text).toBe('Executive summary · Northwind Mail Co · Week 47, 16–22 Nov 2026');
    expect(bs[1]).toMatchObject({ type: 'section', text: { text: `*${data.headline}*` } });
    const all = strings(bs).join('\n');
    expect(all).toContain('Deliverability risk now: *Critical* (over the period: Monitor)');
    expect(all).toContain('Recognized revenue $9,050 · cash collected $8,400');
    expect(all).toContain('gross margin 71.3% (target &gt; 70%)');
    expect(all).toContain('*Critical and high alerts (3)*');
    expect(all).toContain('Revenue protection rate 50.0% (below target &gt; 95%)');
    expect(all).not.toMatch(/\*Critical alerts/);
    for (const note of data.data_notes) expect(all).toContain(note.text);
    // The notification: health first, as the subject, then the headline.
    expect(text.startsWith(`OK · Northwind Mail Co · Executive summary · Week 47, 16–22 Nov 2026: ${data.headline}`)).toBe(true);
  });

  it('says in words whether a trend is good or bad (Slack shows no colour)', () => {
    const data = sample();
    data.kpis.push({ ...data.kpis.find((k) => k.key === 'spam_rate')!, key: 'spam_rate_2', label: 'Spam rate (improving)', trend: { previous: 0.0045, unit: 'pp', change: -0.11, kind: 'change', direction: 'improving' } });
    const fields = (slackDigest(data, 'brief').blocks as Block[]).find((b) => b.fields)!.fields!.map((f) => f.text);
    const field = (label: string) => fields.find((f) => f.startsWith(`*${label}*`)) ?? '';
    expect(field('Bounce rate')).toContain('5.8%  ▲ +3.0\u00a0pp (worse)');
    expect(field('Recognized revenue')).toContain('$9,050  ▲ +4.1% (better)');
    expect(field('Total cost')).toContain('► +0.3% (steady)');
    expect(field('Spam rate (improving)')).toContain('▼ −0.11\u00a0pp (better)');
    expect(field('Efficiency score')).toContain('▼ −3.3\u00a0pts (worse)');
    // A miss is marked with its target.
    expect(field('Bounce rate')).toContain('_above target &lt; 5%_');
    expect(field('Spam rate')).toContain('target &lt; 1%');
    expect(trendInWords({ polarity: 'higher_is_better', trend: { previous: 0, unit: 'pct', change: null, kind: 'new', direction: 'improving' } })).toBe('▲ new (better)');
    expect(trendInWords({ polarity: 'higher_is_better', trend: { previous: null, unit: 'pct', change: null, kind: null, direction: null } })).toBe('n/a');
  });

  it('escapes hostile data in the headline, the data notes and the notification', () => {
    const data = sample();
    data.tenant.name = HOSTILE;
    data.headline = `Bounce rose at ${HOSTILE}`;
    data.data_notes = [{ code: 'optimization-invalid-amount', count: 1, text: `Left out: ${HOSTILE}` }];
    data.targets.gross_margin.target = HOSTILE;
    const { text, blocks } = slackDigest(data, 'brief');
    const all = [text, ...strings(blocks)];
    for (const s of all) {
      expect(s).not.toContain('<!channel>');
      expect(s).not.toContain('<@U123>');
      expect(s).not.toMatch(/<script/i);
      expect(s).not.toContain('&amp;lt;');
    }
    const joined = all.join('\n');
    expect(joined).toContain(`*Bounce rose at ${HOSTILE_SLACK}*`);
    expect(joined).toContain(`Left out: ${HOSTILE_SLACK}`);
    expect(joined).toContain(`(target ${HOSTILE_SLACK})`);
    expect(text).toContain(`OK · ${HOSTILE_SLACK} · Executive summary`);
  });
});

describe('key chart', () => {
  it('is the chart that tells the headline\'s story', () => {
    const data = sample(); // "Bounce rate rose from 2.9% to 5.8%…"
    expect(keyChart(data)?.chart).toBe('deliverability-trend');
    const critical = sample();
    critical.headline_rule = 'critical-now';
    critical.headline = 'Bounce has been above the 15% critical line since 21 Nov; $18,850 of revenue at risk.';
    expect(keyChart(critical)?.chart).toBe('deliverability-trend');
    const losing = sample();
    losing.headline_rule = 'losing-money';
    expect(keyChart(losing)?.chart).toBe('cost-breakdown');
    const margin = sample();
    margin.headline = 'Gross margin fell from 80.0% to 71.3% (−8.7 pp) against Week 46, 9–15 Nov 2026.';
    expect(keyChart(margin)?.chart).toBe('cost-breakdown');
    const efficiency = sample();
    efficiency.headline = 'Efficiency score fell from 89 to 71 (−18 pts) against Week 46, 9–15 Nov 2026.';
    expect(keyChart(efficiency)?.chart).toBe('efficiency-components');
    const steady = sample();
    steady.headline_rule = 'steady';
    steady.headline = 'Steady against Week 46, 9–15 Nov 2026: the largest move, total cost +0.3%, is small.';
    expect(keyChart(steady)?.chart).toBe('cost-breakdown');
    const savings = sample();
    savings.headline = 'Realized savings rose from $317 to $912 (+187.7%) against October 2026.';
    savings.kpis.push({ ...savings.kpis[0], key: 'realized_savings', label: 'Realized savings' });
    expect(keyChart(savings)?.chart).toBe('savings-by-category');
    const empty = sample();
    empty.has_data = false;
    expect(keyChart(empty)).toBeNull();
  });

  it('says what it shows, with its figures', () => {
    expect(keyChart(sample())?.alt).toBe('Chart of the daily bounce and spam rates, 16 Nov to 22 Nov, against their warning and critical lines: '
      + 'bounce peaked at 16.8% on 19 Nov (warning line 10%, critical 15%); spam peaked at 1.7% on 18 Nov (warning line 1.5%, critical 2%).');
    const losing = sample();
    losing.headline_rule = 'losing-money';
    expect(keyChart(losing)?.alt).toBe('Chart of the cost in Week 47, 16–22 Nov 2026: infrastructure $2,184 and email service $412, total $2,596, against recognized revenue of $9,050 (gross margin 71.3%).');
  });

  it('describes the days the chart draws, and says what is shaded (a daily brief draws the trailing days)', () => {
    const data = day();
    const days = Array.from({ length: 14 }, (_, i) => ({ date: `2026-11-${String(18 + i).padStart(2, '0')}`.replace('2026-11-31', '2026-12-01'), bounce_rate: 0.02 + i * 0.01, spam_rate: 0.002 }));
    const chart = keyChart(data, { days, shaded: true })!;
    expect(chart.caption).toBe('Shaded: Tuesday 1 Dec 2026.');
    expect(chart.alt).toBe('Chart of the daily bounce and spam rates, 18 Nov to 1 Dec (Tuesday 1 Dec 2026 shaded), against their warning and critical lines: '
      + 'bounce peaked at 15.0% on 1 Dec (warning line 10%, critical 15%); spam peaked at 0.20% on 18 Nov (warning line 1.5%, critical 2%).');
    expect(keyChart(sample())!.caption).toBe('');
  });

  it('is rasterised to a small palette PNG that is not blank, exactly 1120 px wide', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="280" height="100" viewBox="0 0 280 100">'
      + '<defs><linearGradient id="g"><stop offset="0" stop-color="#2563eb"/><stop offset="1" stop-color="#dc2626"/></linearGradient></defs>'
      + '<rect width="280" height="100" fill="#ffffff"/><rect x="10" y="10" width="260" height="40" fill="url(#g)"/>'
      + '<path d="M10 90 L140 60 L270 80" stroke="#16a34a" stroke-width="3" fill="none"/>'
      + '<text x="10" y="75" font-family="Liberation Sans" font-size="12" fill="#111827">Bounce 16.8%</text></svg>';
    const r = await rasterizeChart(svg, { width: 1120 });
    expect([r.width, r.height]).toEqual([1120, 400]);
    const png = decodePng(r.png);
    expect([png.width, png.height, png.colorType, png.bitDepth]).toEqual([1120, 400, 3, 8]);
    // The gradient has far more than 256 colours: quantised to a palette of at most 256.
    expect(png.paletteSize).toBe(r.colors);
    expect(r.colors).toBeLessThanOrEqual(256);
    expect(r.colors).toBeGreaterThan(64);
    expect(distinctColors(png)).toBeGreaterThan(64);
    expect(shareOf(png, 0xffffff)).toBeGreaterThan(0.3);
    expect(shareOf(png, 0xffffff)).toBeLessThan(0.9);
    // Few colours are kept exactly.
    const flat = await rasterizeChart('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="5" fill="#dc2626"/></svg>', { width: 20 });
    const flatPng = decodePng(flat.png);
    expect(new Set(flatPng.pixels)).toEqual(new Set([0xdc2626, 0xffffff]));
    await expect(rasterizeChart('not an svg')).rejects.toThrow();
  });
});

describe('narrow chart for the email', () => {
  it('stacks panels side by side and narrows the plot; a single chart is narrowed', () => {
    const faceted = { facet: { column: { field: 'metric', header: { labelAnchor: 'start' } } }, spec: { width: 226, height: 150 } };
    expect(narrowSpec(faceted, 340)).toEqual({
      facet: { row: { field: 'metric', header: { labelAnchor: 'start', labelOrient: 'top', labelAngle: 0, labelAlign: 'left', labelBaseline: 'bottom' } } },
      spec: { width: 240, height: 150 },
    });
    expect(faceted.facet.column.header).toEqual({ labelAnchor: 'start' }); // the PDF's spec is not touched
    expect(narrowSpec({ width: 330, autosize: { type: 'fit-x' } }, 340)).toEqual({ width: 340, autosize: { type: 'fit-x' } });
  });

  it('draws the key chart of a brief 340 px wide, panels one above the other, as a 680 px PNG', async () => {
    const data = sample();
    const svg = await renderNarrowChart('deliverability-trend', data);
    const size = (markup: string) => (/<svg[^>]*width="(\d+)" height="(\d+)"/.exec(markup) ?? []).slice(1).map(Number);
    const [w, h] = size(svg);
    const [pdfW, pdfH] = size(await renderChart('deliverability-trend', executiveChartValues(data)['deliverability-trend']));
    expect(w).toBeLessThanOrEqual(360);
    expect(w).toBeLessThan(pdfW * 0.6);
    expect(h).toBeGreaterThan(pdfH * 1.5); // the two panels one above the other
    expect(chartMarkCount(svg)).toBeGreaterThan(0);
    const image = await emailKeyChart(data, {});
    expect(image).toMatchObject({ filename: 'deliverability-trend.png', contentType: 'image/png', width: 340 });
    const png = decodePng(Buffer.from(image!.contentBase64, 'base64'));
    expect([png.width, png.colorType]).toEqual([680, 3]);
    expect(image!.height).toBe(Math.round(png.height / 2));
    expect(distinctColors(png)).toBeGreaterThan(8);
    const empty = sample();
    empty.has_data = false;
    expect(await emailKeyChart(empty, {})).toBeNull();
  });
});
