/**
 * Benchmark of the executive brief (issue 2): warm render with its breakdown against the floor of
 * Chromium printing the same final HTML on the same browser binary (Puppeteer's defaults otherwise) on a warm page. The floor and
 * both pipeline variants are interleaved run by run, so machine drift hits them alike.
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
const TENANT = 'bluepeak';
const PERIOD = '2026-W46';
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

interface Row { total: number; data: number; charts: number; html: number; pdf: number; bytes: number }

async function main() {
  const t = await createTestDatabase();
  const out = await mkdtemp(path.join(tmpdir(), 'herald-bench-'));
  try {
    await loadSampleData(t.db, { now: NOW });
    const ctx = reportContext(parseConfig({}), { herald: t.db, source: t.db }, fixedClock(NOW));

    // Floor: the same browser binary as herald's (like with like), otherwise Puppeteer's defaults,
    // printing the same final HTML and header/footer on one warm page.
    const data = await loadExecutiveSummary(ctx, TENANT, PERIOD);
    const { html } = await executiveSummaryHtml(data);
    const chromium = findChromium();
    const browser = await puppeteer.launch({ executablePath: chromium.path, headless: chromium.headless, args: ['--no-sandbox'] });
    const page = await browser.newPage();
    const printFloor = async () => {
      const t0 = performance.now();
      await page.setContent(html);
      await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true, displayHeaderFooter: true,
        headerTemplate: briefHeaderTemplate(data), footerTemplate: briefFooterTemplate(data) });
      return performance.now() - t0;
    };

    // Herald: queries + metrics, charts, HTML, PDF on its own pool (one page: a single brief).
    const variants = [true, false].map((tagged) => {
      const pool = new BrowserPool({ size: 1 });
      return { tagged, pool, sampler: pssSampler(() => pool.browserPid()), rows: [] as Row[] };
    });
    const renderBrief = async (v: (typeof variants)[number]): Promise<Row> => {
      const t0 = performance.now();
      const d = await loadExecutiveSummary(ctx, TENANT, PERIOD);
      const t1 = performance.now();
      const brief = await renderExecutiveBrief(d, { pool: v.pool, tagged: v.tagged });
      return { total: performance.now() - t0, data: t1 - t0, ...brief.timings, bytes: brief.pdf.length };
    };

    const floor: number[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const f = await printFloor();
      if (i >= WARMUP) floor.push(f);
      for (const v of variants) {
        const row = await renderBrief(v);
        v.sampler.sample();   // after each render, off the timed path
        if (i >= WARMUP) v.rows.push(row);
      }
    }
    const floorPss = treePssKb(browser.process()?.pid);
    await browser.close();
    for (const v of variants) await v.pool.close();

    // Cold path: process start to the PDF written, through the real CLI.
    const run = promisify(execFile);
    const cold: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await run(process.execPath, ['scripts/herald.mjs', 'preview', 'executive-summary', '--tenant', TENANT, '--period', PERIOD, '--out', path.join(out, `cold-${i}.pdf`)],
        { env: { ...process.env, DATABASE_URL: t.url, HERALD_CONFIG: '' } });
      cold.push(performance.now() - t0);
    }

    const floorP50 = percentile(floor, 50);
    console.log(`Executive brief, ${TENANT} ${PERIOD}: ${RUNS} interleaved warm runs after ${WARMUP} warm-up; herald's browser ${chromium.path}`);
    console.log(`floor  Puppeteer defaults on the same binary, same HTML, warm page, tagged: p50 ${fmt(floorP50)}  p95 ${fmt(percentile(floor, 95))} | Chromium PSS ${Math.round(floorPss / 1024)} MB`);
    for (const v of variants) {
      const p = (k: keyof Row, q = 50) => percentile(v.rows.map((r) => r[k]), q);
      console.log(`herald ${v.tagged ? 'tagged (default)' : 'untagged'}: p50 ${fmt(p('total'))}  p95 ${fmt(p('total', 95))}  = ${(p('total') / floorP50).toFixed(2)} × floor p50` +
        ` | p50 queries+metrics ${fmt(p('data'))}, charts ${fmt(p('charts'))}, html ${fmt(p('html'))}, pdf ${fmt(p('pdf'))} (${(p('pdf') / floorP50).toFixed(2)} × floor)` +
        ` | ${Math.round(v.rows[0].bytes / 1024)} KB | peak PSS node ${Math.round(v.sampler.peak.node / 1024)} MB, Chromium ${Math.round(v.sampler.peak.chromium / 1024)} MB`);
    }
    console.log(`cold   process start → PDF written (CLI, includes Node + tsx start, DB connect, browser launch): ${cold.map(fmt).join(', ')}`);
  } finally {
    await rm(out, { recursive: true, force: true });
    await t.drop();
  }
}

await main();
