/**
 * Benchmark of the executive brief (issue 2): warm render with its breakdown against the floor of
 * Chromium printing the same final HTML with Puppeteer's defaults on a warm page, in one run.
 * Figures and ratios only; nothing here passes or fails. `npm run bench` (BENCH_RUNS=40 default).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import puppeteer from 'puppeteer';
import { createTestDatabase } from '../test/helpers/testDb.js';
import { loadSampleData } from '../src/demo/sampleData.js';
import { reportContext } from '../src/cli/context.js';
import { parseConfig } from '../src/config/loadConfig.js';
import { fixedClock } from '../src/time/clock.js';
import { loadExecutiveSummary } from '../src/report/loadExecutiveSummary.js';
import { executiveSummaryHtml, renderExecutiveBrief } from '../src/render/renderBrief.js';
import { BrowserPool } from '../src/render/BrowserPool.js';
import { briefFooterTemplate, briefHeaderTemplate } from '../src/render/templates.js';
import { findChromium } from '../src/render/findChromium.js';
import { percentile, pssSampler, treePssKb } from './pss.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const WARMUP = 5;
const NOW = new Date('2026-11-22T12:00:00Z');
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const stats = (xs: number[]) => ({ p50: percentile(xs, 50), p95: percentile(xs, 95) });

async function main() {
  const t = await createTestDatabase();
  const out = await mkdtemp(path.join(tmpdir(), 'herald-bench-'));
  try {
    await loadSampleData(t.db, { now: NOW });
    const ctx = reportContext(parseConfig({}), { herald: t.db, source: t.db }, fixedClock(NOW));
    const tenant = 'bluepeak';
    const period = '2026-W46';

    // --- Herald's pipeline: queries + metrics, charts, HTML, PDF (one shared pool, tagged) ---
    const measurePipeline = async (tagged: boolean) => {
      const pool = new BrowserPool({ size: 1 });
      const sampler = pssSampler(() => pool.browserPid());
      const rows: { total: number; data: number; charts: number; html: number; pdf: number; bytes: number }[] = [];
      for (let i = 0; i < WARMUP + RUNS; i++) {
        const t0 = performance.now();
        const data = await loadExecutiveSummary(ctx, tenant, period);
        const t1 = performance.now();
        const brief = await renderExecutiveBrief(data, { pool, tagged });
        const total = performance.now() - t0;
        if (i >= WARMUP) rows.push({ total, data: t1 - t0, ...brief.timings, bytes: brief.pdf.length });
      }
      const peak = sampler.stop();
      await pool.close();
      return { rows, peak };
    };

    // --- Floor: Puppeteer defaults (new headless, full Chromium), same final HTML, warm page ---
    const data = await loadExecutiveSummary(ctx, tenant, period);
    const { html } = await executiveSummaryHtml(data);
    const chromium = findChromium();
    const fullChromium = chromium.path.includes('headless-shell') ? chromium.path.replace('chromium-headless-shell', 'chromium') : chromium.path;
    const browser = await puppeteer.launch({ executablePath: fullChromium, args: ['--no-sandbox'] });
    const page = await browser.newPage();
    const floor: number[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const t0 = performance.now();
      await page.setContent(html);
      await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true, displayHeaderFooter: true,
        headerTemplate: briefHeaderTemplate(data), footerTemplate: briefFooterTemplate(data) });
      if (i >= WARMUP) floor.push(performance.now() - t0);
    }
    const floorPss = treePssKb(browser.process()?.pid);
    await browser.close();

    const tagged = await measurePipeline(true);
    const untagged = await measurePipeline(false);

    // --- Cold path: process start to first PDF, through the real CLI ---
    const run = promisify(execFile);
    const cold: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await run(process.execPath, ['scripts/herald.mjs', 'preview', 'executive-summary', '--tenant', tenant, '--period', period, '--out', path.join(out, `cold-${i}.pdf`)],
        { env: { ...process.env, DATABASE_URL: t.url, HERALD_CONFIG: '' } });
      cold.push(performance.now() - t0);
    }

    const f = stats(floor);
    const report = (name: string, r: Awaited<ReturnType<typeof measurePipeline>>) => {
      const s = stats(r.rows.map((x) => x.total));
      const part = (k: 'data' | 'charts' | 'html' | 'pdf') => percentile(r.rows.map((x) => x[k]), 50);
      console.log(`${name}: p50 ${fmt(s.p50)}  p95 ${fmt(s.p95)}  = ${(s.p50 / f.p50).toFixed(2)} × floor p50 ` +
        `| breakdown p50: queries+metrics ${fmt(part('data'))}, charts ${fmt(part('charts'))}, html ${fmt(part('html'))}, pdf ${fmt(part('pdf'))} ` +
        `| ${Math.round(r.rows[0].bytes / 1024)} KB | peak PSS node ${Math.round(r.peak.node / 1024)} MB, chromium ${Math.round(r.peak.chromium / 1024)} MB`);
    };
    console.log(`Executive brief, ${tenant} ${period}, ${RUNS} warm runs after ${WARMUP} warm-up, browser ${chromium.path}`);
    console.log(`floor (Puppeteer defaults, ${fullChromium}, same HTML, warm page, tagged): p50 ${fmt(f.p50)}  p95 ${fmt(f.p95)} | chromium PSS ${Math.round(floorPss / 1024)} MB`);
    report('herald brief, tagged (default)', tagged);
    report('herald brief, untagged', untagged);
    console.log(`cold (process start → PDF written, CLI): ${cold.map((c) => fmt(c)).join(', ')}`);
  } finally {
    await rm(out, { recursive: true, force: true });
    await t.drop();
  }
}

await main();
