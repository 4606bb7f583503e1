import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool } from '../../src/render/BrowserPool.js';
import { findChromium } from '../../src/render/findChromium.js';
import { htmlCsp, htmlToPdf, RenderError } from '../../src/render/htmlToPdf.js';
import { pdfText } from '../helpers/pdfText.js';

// Real Chromium (headless-shell when installed); one pool for the whole file.
const pool = new BrowserPool({ size: 2 });
afterAll(() => pool.close());

const CSP_META = `<meta http-equiv="Content-Security-Policy" content="${htmlCsp()}">`;

function doc(body: string, head = ''): string {
  return `<!doctype html><html><head>${CSP_META}<meta charset="utf-8"><style>
    @page { size: A4; margin: 15mm 15mm 20mm }
    body { font-family: 'Liberation Sans', sans-serif; }
    .page { break-after: page; }
  </style>${head}</head><body>${body}</body></html>`;
}

const threePages = doc(`<div class="page">Alpha page</div><div class="page">Bravo page</div><div>Charlie page</div>`);

/** A page that takes Chromium a while to lay out and print. */
const heavy = doc(
  `<table>${Array.from({ length: 4000 }, (_, i) => `<tr><td>row ${i}</td><td>${'x'.repeat(40)}</td></tr>`).join('')}</table>`,
);

async function renderError(p: Promise<unknown>): Promise<RenderError> {
  const err = await p.then(
    () => {
      throw new Error('expected the render to reject, it resolved with a PDF');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RenderError);
  return err as RenderError;
}

describe('htmlToPdf on real Chromium', () => {
  it('prints CSS page breaks as pages, with a page-number footer', async () => {
    const { pdf, pageCount } = await htmlToPdf(
      threePages,
      {
        footerTemplate:
          '<div style="font-size:9px;width:100%;text-align:center"><span class="pageNumber"></span>/<span class="totalPages"></span></div>',
      },
      pool,
    );
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pageCount).toBe(3);
    const read = await pdfText(pdf);
    expect(read.pages).toBe(3);
    expect(read.pageTexts[0]).toContain('Alpha page');
    expect(read.pageTexts[0]).toContain('1/3');
    expect(read.pageTexts[2]).toContain('Charlie page');
    expect(read.pageTexts[2]).toContain('3/3');
  });

  it('prints an untagged PDF when asked, with the same text', async () => {
    const tagged = await htmlToPdf(threePages, {}, pool);
    const untagged = await htmlToPdf(threePages, { tagged: false }, pool);
    expect(untagged.pageCount).toBe(3);
    expect(untagged.pdf.length).toBeLessThan(tagged.pdf.length);
    expect((await pdfText(untagged.pdf)).text).toBe((await pdfText(tagged.pdf)).text);
  });

  describe('network and script refusal', () => {
    let server: Server;
    let requests: string[];
    let base: string;

    beforeAll(async () => {
      requests = [];
      server = createServer((req, res) => {
        requests.push(req.url ?? '');
        res.end('body{}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const hostile = (b: string) => `
      <link rel="stylesheet" href="${b}/link.css">
      <style>@import url("${b}/import.css"); .bg { background: url("${b}/bg.png"); height: 20px }</style>
      <p>Still printed</p>
      <img src="${b}/pixel.png"><img src="file:///etc/hostname">
      <div class="bg"></div>
      <iframe src="${b}/frame.html"></iframe>
      <script src="${b}/script.js"></script>
      <script>document.body.innerHTML = 'PWNED'</script>`;

    it('loads nothing and runs no script, yet prints', async () => {
      const { pdf, pageCount } = await htmlToPdf(doc(hostile(base)), {}, pool);
      expect(requests).toEqual([]);
      expect(pageCount).toBe(1);
      const { text } = await pdfText(pdf);
      expect(text).toContain('Still printed');
      expect(text).not.toContain('PWNED');
    });

    it('the browser itself denies the network even without the CSP (second wall)', async () => {
      // Bypass htmlToPdf's CSP check to prove the proxy/resolver flags hold on their own.
      const html = `<!doctype html><html><head></head><body>${hostile(base)}
        <img src="http://example.com/x.png"></body></html>`;
      const text = await pool.withPage(async (page) => {
        await page.setContent(html, { waitUntil: 'load', timeout: 10_000 });
        return (await pdfText(Buffer.from(await page.pdf({ format: 'A4' })))).text;
      });
      expect(requests).toEqual([]);
      expect(text).toContain('Still printed');
      expect(text).not.toContain('PWNED');
    });
  });

  it('refuses HTML without the CSP meta, or with the CSP after a loadable element', async () => {
    const noCsp = '<!doctype html><html><head></head><body>hi</body></html>';
    expect((await renderError(htmlToPdf(noCsp, {}, pool))).stage).toBe('template');

    const late = `<!doctype html><html><head><link rel="stylesheet" href="http://x/a.css">${CSP_META}</head><body>hi</body></html>`;
    expect((await renderError(htmlToPdf(late, {}, pool))).stage).toBe('template');

    const weaker = `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="default-src *"></head><body>hi</body></html>`;
    expect((await renderError(htmlToPdf(weaker, {}, pool))).stage).toBe('template');
  });

  it('a timed-out render rejects with no PDF, and the pool keeps working', async () => {
    const err = await renderError(htmlToPdf(heavy, { timeoutMs: 1 }, pool));
    expect(err.stage).toBe('timeout');
    expect(err.retryable).toBe(true);
    const next = await htmlToPdf(threePages, {}, pool);
    expect(next.pageCount).toBe(3);
  });

  it('relaunches Chromium after it is killed', async () => {
    await htmlToPdf(threePages, {}, pool); // make sure a browser is up
    const pid = pool.browserPid();
    expect(pid).toBeTypeOf('number');
    const before = pool.stats();
    process.kill(pid!, 'SIGKILL');

    const { pageCount } = await htmlToPdf(threePages, {}, pool);
    expect(pageCount).toBe(3);
    expect(pool.browserPid()).not.toBe(pid);
    expect(pool.stats().launches).toBe(before.launches + 1);
    expect(pool.stats().crashes).toBe(before.crashes + 1);
  });

  it('a render in flight when Chromium dies rejects with stage "browser"', async () => {
    await htmlToPdf(threePages, {}, pool);
    const pid = pool.browserPid()!;
    // Kill the browser the moment the render has its page (a test seam around withPage).
    const killing = {
      withPage: <T>(fn: Parameters<BrowserPool['withPage']>[0]) =>
        pool.withPage((page) => {
          process.kill(pid, 'SIGKILL');
          return fn(page) as Promise<T>;
        }),
    } as unknown as BrowserPool;
    const err = await renderError(htmlToPdf(heavy, { timeoutMs: 20_000 }, killing));
    expect(err.stage).toBe('browser');

    expect((await htmlToPdf(threePages, {}, pool)).pageCount).toBe(3);
  });

  it('runs 6 renders through 2 pages', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        htmlToPdf(doc(`<div class="page">Doc ${i}</div><div>end ${i}</div>`), { tagged: false }, pool),
      ),
    );
    for (const [i, r] of results.entries()) {
      expect(r.pageCount).toBe(2);
      expect((await pdfText(r.pdf)).text).toContain(`Doc ${i}`);
    }
    const stats = pool.stats();
    expect(stats.peakOpenPages).toBe(2);
    expect(stats.openPages).toBeLessThanOrEqual(2);
  });

  it('warm() launches the browser and opens every page before the first render', async () => {
    const fresh = new BrowserPool({ size: 3 });
    try {
      await fresh.warm();
      expect(fresh.stats()).toMatchObject({ launches: 1, renders: 0, openPages: 3 });
      const r = await htmlToPdf(doc('<div>warm</div>'), { tagged: false }, fresh);
      expect((await pdfText(r.pdf)).text).toContain('warm');
      expect(fresh.stats()).toMatchObject({ launches: 1, renders: 1, openPages: 3 });
    } finally {
      await fresh.close();
    }
  });
});

describe('a Chromium that cannot start', () => {
  it('fails the render and says why in stats().launchError (the worker\'s /healthz), until a launch succeeds', async () => {
    const pool = new BrowserPool({ size: 1 }); // finds Chromium at each launch: CHROME_PATH first
    const saved = process.env.CHROME_PATH;
    try {
      process.env.CHROME_PATH = '/nonexistent/chromium';
      await expect(pool.warm()).rejects.toThrow();
      expect(pool.stats()).toMatchObject({ launches: 0, launchError: expect.stringContaining('CHROME_PATH=/nonexistent/chromium is not an executable file') });
      await expect(htmlToPdf(doc('<div>x</div>'), { tagged: false }, pool)).rejects.toThrow(RenderError);
      if (saved === undefined) delete process.env.CHROME_PATH;
      else process.env.CHROME_PATH = saved;
      await pool.warm(); // fixed: the next launch works and the error is gone
      expect(pool.stats()).toMatchObject({ launches: 1, launchError: null });
    } finally {
      if (saved === undefined) delete process.env.CHROME_PATH;
      else process.env.CHROME_PATH = saved;
      await pool.close();
    }
  });
});

describe('findChromium', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-chrome-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function fakeBinary(name: string): string {
    const path = join(dir, name);
    writeFileSync(path, '#!/bin/sh\n');
    chmodSync(path, 0o755);
    return path;
  }

  it('names CHROME_PATH when it points nowhere', () => {
    expect(() => findChromium({ CHROME_PATH: join(dir, 'missing') })).toThrow(/CHROME_PATH/);
  });

  it('prefers CHROME_PATH, then PUPPETEER_EXECUTABLE_PATH, then the system', () => {
    const chrome = fakeBinary('chrome');
    const shell = fakeBinary('chrome-headless-shell');
    expect(findChromium({ PUPPETEER_EXECUTABLE_PATH: shell })).toEqual({
      path: shell,
      headless: 'shell',
      source: 'PUPPETEER_EXECUTABLE_PATH',
    });
    expect(findChromium({ CHROME_PATH: chrome, PUPPETEER_EXECUTABLE_PATH: shell })).toEqual({
      path: chrome,
      headless: true,
      source: 'CHROME_PATH',
    });
    expect(findChromium({}).source).toBe('system');
  });
});
