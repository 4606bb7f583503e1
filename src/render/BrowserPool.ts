import puppeteer, { type Browser, type Page } from 'puppeteer';
import { findChromium } from './findChromium.js';

/** pino-compatible: `logger.warn({ err }, 'message')`. */
export interface PoolLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
}

export interface BrowserPoolOptions {
  /** Pages rendering at once (and kept open between renders). Default 2: on two cores 2 pages
   * gave 7.2–13.4 PDFs/s, 4 pages barely more for much more memory. */
  size?: number;
  /** Chromium binary. Default: `findChromium()` (CHROME_PATH, PUPPETEER_EXECUTABLE_PATH, system). */
  executablePath?: string;
  /** Default: `'shell'` for a chromium-headless-shell binary, else `true` (new headless). */
  headless?: 'shell' | boolean;
  /** How long one launch may take before it fails. Default 30000 ms. */
  launchTimeoutMs?: number;
  /** How long closing a discarded page may take before the whole browser is recycled
   * (a page that will not close means a hung Chromium). Default 5000 ms. */
  pageCloseTimeoutMs?: number;
  /** A page's renderer is made to collect its garbage after this many renders (0: never).
   * Default 100. With JavaScript off, Blink and V8 in a page barely collect on their own: every
   * distinct document printed leaves ~0.7 MB behind, so a reused page grows without bound. */
  gcEveryRenders?: number;
  /** Default: silent. */
  logger?: PoolLogger;
}

export interface BrowserPoolStats {
  /** Browser processes started (1 + relaunches). */
  launches: number;
  /** `withPage` calls whose function resolved. */
  renders: number;
  /** Browser disconnects the pool did not ask for (crash, kill, OOM). */
  crashes: number;
  /** Pages open now, and the most ever open at once (never above `size`). */
  openPages: number;
  peakOpenPages: number;
  /** Why the last launch failed (a missing or broken Chromium), until one succeeds; null when fine. */
  launchError: string | null;
}

export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox', // Herald runs as root in containers, where the sandbox cannot start.
  '--disable-gpu',
  '--disable-dev-shm-usage', // /dev/shm is 64 MB in Docker: large PDFs crash the renderer.
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--font-render-hinting=none', // same glyph metrics on every machine
  // Deny the network without request interception (which costs 11–18% per render): every
  // request goes to a dead proxy, loopback included (`<-loopback>` removes the implicit
  // bypass), and no name resolves. The CSP meta that htmlToPdf requires is the second wall.
  '--proxy-server=127.0.0.1:9',
  '--proxy-bypass-list=<-loopback>',
  '--host-resolver-rules=MAP * ~NOTFOUND',
];

/** A forced garbage collection of a page's renderer takes tens of milliseconds; a page that
 * needs longer is in trouble and is replaced. */
const GC_TIMEOUT_MS = 5000;

/** A healthy Chromium answers Browser.getVersion in well under a millisecond. */
const PING_TIMEOUT_MS = 2000;

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * One Chromium for the process with a bounded set of reusable pages (a fresh page per PDF costs
 * ×1.76). The browser is launched lazily and relaunched after a crash; a page whose render failed
 * or timed out is closed and replaced, never reused (its state is unknown).
 *
 * Whoever creates a pool closes it; `close()` does not wait for renders in flight (they reject):
 * drain your work first.
 */
export class BrowserPool {
  readonly size: number;
  readonly #opts: BrowserPoolOptions;
  readonly #logger: PoolLogger | undefined;

  #browser: Browser | undefined;
  #launching: Promise<Browser> | undefined;
  /** Browsers we are closing on purpose: their disconnect is not a crash. */
  readonly #closing = new WeakSet<Browser>();
  /** Pages that crashed ('error' event) while idle or in use. */
  readonly #broken = new WeakSet<Page>();
  /** Renders per page since its renderer last collected garbage. */
  readonly #sinceGc = new WeakMap<Page, number>();
  readonly #gcEvery: number;
  #idle: Page[] = [];
  #inUse = 0;
  #openPages = 0;
  #peakOpenPages = 0;
  readonly #waiters: Waiter[] = [];
  #closed = false;
  #closePromise: Promise<void> | undefined;
  #launches = 0;
  #launchError: string | null = null;
  #renders = 0;
  #crashes = 0;

  constructor(opts: BrowserPoolOptions = {}) {
    const size = opts.size ?? 2;
    if (!Number.isInteger(size) || size < 1) throw new Error(`BrowserPool size must be an integer ≥ 1, got ${size}`);
    this.size = size;
    const gcEvery = opts.gcEveryRenders ?? 100;
    if (!Number.isInteger(gcEvery) || gcEvery < 0) throw new Error(`BrowserPool gcEveryRenders must be an integer ≥ 0, got ${gcEvery}`);
    this.#gcEvery = gcEvery;
    this.#opts = opts;
    this.#logger = opts.logger;
  }

  /**
   * Runs `fn` with a page of its own (JavaScript disabled). At most `size` run at once; the rest
   * wait in order. If `fn` rejects, the page is closed and replaced.
   */
  async withPage<T>(fn: (page: Page) => Promise<T>): Promise<T> {
    await this.#acquire();
    let page: Page | undefined;
    try {
      page = await this.#takePage();
    } catch (err) {
      this.#release();
      throw err;
    }
    let result: T;
    try {
      result = await fn(page);
    } catch (err) {
      // Close the failed page in the background, still holding its slot: the caller (maybe a
      // timeout) gets its error now, not after a hung Chromium finally lets go of the page.
      this.#discardThenRelease(page);
      throw err;
    }
    this.#renders++;
    if (this.#gcDue(page)) {
      // In the background, still holding the page's slot: this render's caller gets its result now.
      const p = page;
      void this.#collectGarbage(p).then((ok) => this.#putBack(p, ok));
    } else {
      this.#putBack(page, true);
    }
    return result;
  }

  /**
   * Launches the browser and opens every page now (a worker does it as it starts), so that the
   * first brief of a schedule does not wait for them.
   */
  async warm(): Promise<void> {
    // Every page is held until all are open: a page put back early would be taken again instead.
    const taken = await Promise.allSettled(Array.from({ length: this.size }, async () => {
      await this.#acquire();
      try {
        return await this.#takePage();
      } catch (err) {
        this.#release();
        throw err;
      }
    }));
    for (const t of taken) if (t.status === 'fulfilled') this.#putBack(t.value, true);
    const failed = taken.find((t): t is PromiseRejectedResult => t.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Back to the idle list if it is still usable, else closed and replaced; frees its slot. */
  #putBack(page: Page, ok: boolean): void {
    if (ok && !this.#closed && page.browser() === this.#browser && !page.isClosed() && !this.#broken.has(page)) {
      this.#idle.push(page);
      this.#release();
    } else {
      this.#discardThenRelease(page);
    }
  }

  /** Closes the browser; idempotent. Later `withPage` calls reject. */
  close(): Promise<void> {
    this.#closePromise ??= this.#doClose();
    return this.#closePromise;
  }

  stats(): BrowserPoolStats {
    return {
      launches: this.#launches,
      renders: this.#renders,
      crashes: this.#crashes,
      openPages: this.#openPages,
      peakOpenPages: this.#peakOpenPages,
      launchError: this.#launchError,
    };
  }

  /** PID of the running Chromium, if one is up. */
  browserPid(): number | undefined {
    return this.#browser?.process()?.pid ?? undefined;
  }

  async #doClose(): Promise<void> {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w.reject(new Error('BrowserPool is closed'));
    const launching = this.#launching;
    if (launching) await launching.catch(() => undefined); // #launch closes it when it sees #closed
    const browser = this.#browser;
    this.#forgetBrowser(); // pages in use are discarded when their render settles
    if (browser) await this.#closeBrowser(browser);
  }

  // --- permits -------------------------------------------------------------------------------

  #acquire(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('BrowserPool is closed'));
    if (this.#inUse < this.size) {
      this.#inUse++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #release(): void {
    const next = this.#waiters.shift();
    if (next) next.resolve(); // the permit passes straight to the next waiter
    else this.#inUse--;
  }

  // --- pages ---------------------------------------------------------------------------------

  async #takePage(): Promise<Page> {
    let browser = await this.#getBrowser();
    if (!(await this.#alive(browser))) browser = await this.#getBrowser();
    while (this.#idle.length > 0) {
      const page = this.#idle.pop()!;
      if (page.browser() === browser && !page.isClosed() && !this.#broken.has(page)) return page;
      await this.#discardPage(page);
    }
    // Count the page before it exists so a concurrent close/open never overshoots `size`.
    this.#pageOpened();
    try {
      const page = await browser.newPage();
      await this.#preparePage(page);
      return page;
    } catch (err) {
      this.#openPages--;
      throw err;
    }
  }

  async #preparePage(page: Page): Promise<void> {
    page.on('error', () => this.#broken.add(page)); // renderer crash ("Page crashed!")
    // Templates are static HTML + inline SVG: no script ever needs to run, and a hostile string
    // that slipped past escaping cannot execute. Puppeteer's setContent still works (it writes
    // the document over CDP, which this switch does not block).
    await page.setJavaScriptEnabled(false);
  }

  #gcDue(page: Page): boolean {
    if (this.#gcEvery === 0) return false;
    const n = (this.#sinceGc.get(page) ?? 0) + 1;
    this.#sinceGc.set(page, n >= this.#gcEvery ? 0 : n);
    return n >= this.#gcEvery;
  }

  /**
   * Makes the page's renderer collect its garbage (V8 and Blink's heap): 65–80 ms of renderer CPU,
   * under 1% of what 100 renders cost. Without it a page that printed 2,250 distinct briefs held
   * 800 MB instead of ~150 MB. Resolves false when the page could not (closed, crashed, hung):
   * it is then replaced rather than reused.
   */
  async #collectGarbage(page: Page): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const cdp = await page.createCDPSession();
      try {
        return await Promise.race([
          cdp.send('HeapProfiler.collectGarbage').then(() => true),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), GC_TIMEOUT_MS))),
        ]);
      } finally {
        clearTimeout(timer);
        void cdp.detach().catch(() => undefined);
      }
    } catch {
      return false;
    }
  }

  #pageOpened(): void {
    this.#openPages++;
    this.#peakOpenPages = Math.max(this.#peakOpenPages, this.#openPages);
  }

  #discardThenRelease(page: Page): void {
    void this.#discardPage(page)
      .catch(() => undefined)
      .finally(() => this.#release());
  }

  /** Closes a page, waiting (bounded) so the slot is free only once the page is gone. */
  async #discardPage(page: Page): Promise<void> {
    try {
      const browser = page.browser();
      if (page.isClosed() || !browser.connected) return;
      const timeoutMs = this.#opts.pageCloseTimeoutMs ?? 5000;
      let timer: NodeJS.Timeout | undefined;
      const closed = await Promise.race([
        page.close().then(
          () => true,
          () => true, // already gone
        ),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
      ]).finally(() => clearTimeout(timer));
      if (!closed) {
        // A page that will not even close means the browser is hung: recycle it.
        this.#logger?.warn({ timeoutMs }, 'chromium page did not close; recycling the browser');
        if (this.#browser === browser) this.#forgetBrowser();
        this.#killBrowser(browser);
      }
    } finally {
      this.#openPages--;
    }
  }

  // --- browser -------------------------------------------------------------------------------

  /**
   * One CDP round trip before each render (≈0.3 ms over the pipe, ~1% of a warm render). A
   * Chromium that died a moment ago still looks `connected` until the pipe's EOF is read; without
   * this check the next render would fail on the dead browser instead of relaunching. A browser
   * that does not answer at all is hung: kill it.
   */
  async #alive(browser: Browser): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const answer = await Promise.race([
      browser.version().then(
        () => 'ok' as const,
        () => 'dead' as const,
      ),
      new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), PING_TIMEOUT_MS))),
    ]).finally(() => clearTimeout(timer));
    if (answer === 'ok') return true;
    if (this.#browser === browser) this.#forgetBrowser();
    if (answer === 'hung') {
      this.#crashes++;
      this.#logger?.warn({ pid: browser.process()?.pid }, 'chromium does not answer; recycling it');
      this.#killBrowser(browser);
    }
    return false;
  }

  #getBrowser(): Promise<Browser> {
    if (this.#browser?.connected) return Promise.resolve(this.#browser);
    this.#launching ??= this.#launch().then(
      (browser) => {
        this.#launchError = null;
        return browser;
      },
      (err: Error) => {
        this.#launchError = err.message.split('\n')[0];
        throw err;
      },
    ).finally(() => (this.#launching = undefined));
    return this.#launching;
  }

  async #launch(): Promise<Browser> {
    let executablePath = this.#opts.executablePath;
    let headless = this.#opts.headless;
    if (!executablePath) {
      const found = findChromium();
      executablePath = found.path;
      headless ??= found.headless;
    }
    headless ??= executablePath.includes('headless-shell') ? 'shell' : true;
    const started = performance.now();
    const browser = await puppeteer.launch({
      executablePath,
      headless,
      args: [...CHROMIUM_ARGS],
      // A pipe, not a DevTools port: no other local process can drive this browser.
      pipe: true,
      timeout: this.#opts.launchTimeoutMs ?? 30_000,
      // Puppeteer's SIGINT handler calls process.exit(130): that would cut a worker's graceful
      // drain short. The owner closes the pool; Puppeteer still kills Chromium on process exit.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    this.#launches++;
    // Puppeteer's PipeTransport drops its 'error' listeners when the connection closes; killing
    // a hung Chromium afterwards makes the pipe emit ECONNRESET with no listener, which crashes
    // the whole Node process. Keep a listener on the pipes (fd 3 write, fd 4 read) for life.
    for (const stream of browser.process()?.stdio.slice(3) ?? []) stream?.on('error', () => undefined);
    if (this.#closed) {
      await this.#closeBrowser(browser);
      throw new Error('BrowserPool is closed');
    }
    browser.on('disconnected', () => this.#onDisconnected(browser));
    this.#browser = browser;
    // Reuse the tab Chromium opens at start-up as a pool page rather than leaving it open
    // outside the count.
    for (const page of await browser.pages()) {
      if (this.#openPages < this.size && this.#idle.length < this.size) {
        this.#pageOpened();
        try {
          await this.#preparePage(page);
          this.#idle.push(page);
        } catch {
          this.#openPages--;
        }
      } else {
        await page.close().catch(() => undefined);
      }
    }
    this.#logger?.info(
      { pid: browser.process()?.pid, executablePath, headless, ms: Math.round(performance.now() - started) },
      'chromium launched',
    );
    return browser;
  }

  #onDisconnected(browser: Browser): void {
    if (this.#browser === browser) this.#forgetBrowser();
    if (this.#closing.has(browser)) return;
    this.#crashes++;
    this.#logger?.warn({ pid: browser.process()?.pid }, 'chromium disconnected; it will be relaunched on the next render');
    // Make sure a half-dead process does not linger.
    browser.process()?.kill('SIGKILL');
  }

  /** Drops the current browser and its idle pages; in-use pages are discarded on return. */
  #forgetBrowser(): void {
    this.#browser = undefined;
    const idle = this.#idle;
    this.#idle = [];
    this.#openPages -= idle.length;
  }

  /** A hung Chromium will not honour Browser.close: kill it (SIGKILL also ends a stopped process). */
  #killBrowser(browser: Browser): void {
    this.#closing.add(browser);
    browser.process()?.kill('SIGKILL');
    void browser.disconnect().catch(() => undefined);
  }

  async #closeBrowser(browser: Browser): Promise<void> {
    this.#closing.add(browser);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        browser.close(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('close timed out')), 5000))),
      ]);
    } catch {
      browser.process()?.kill('SIGKILL');
    } finally {
      clearTimeout(timer);
    }
  }
}

let shared: BrowserPool | undefined;

/** The process-wide pool, created on first use with default options. */
export function sharedBrowserPool(): BrowserPool {
  shared ??= new BrowserPool();
  return shared;
}

/** Closes the process-wide pool (if it was ever created); the next `sharedBrowserPool()` makes a new one. */
export async function closeSharedBrowserPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
