/**
 * A local stand-in for PostHog's capture endpoint as posthog-node speaks to it (point the client's
 * host, `POSTHOG_HOST`, at `url`): `POST /batch/`, `Content-Type: application/json`, the body
 * gzip-compressed (`Content-Encoding: gzip`; plain JSON is read too), JSON
 * `{api_key, batch: [{event, distinct_id, properties, timestamp, uuid, type, library, …}], sent_at}`.
 * It answers 200 `{}`. An in-process node http server on 127.0.0.1.
 *
 * - `failNext(n, status)` answers the next n batches with that status (e.g. 503) and keeps them
 *   out of `events` (PostHog did not take them); they stay in `requests`.
 * - Records every request (`requests`: path, headers, whether it was gzip, the decoded body, the
 *   status answered) and the events of every accepted batch (`events`).
 * - `waitForEvents(n)` awaits n accepted events (an event, never a sleep).
 */
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface CapturedEvent {
  event: string;
  distinct_id: string;
  properties: Record<string, unknown>;
  timestamp?: string;
  uuid?: string;
  [other: string]: unknown;
}

export interface CaptureRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  gzip: boolean;
  /** The decoded JSON body (null when it did not parse). */
  body: { api_key?: string; batch?: CapturedEvent[]; sent_at?: string; [k: string]: unknown } | null;
  /** The decoded body as text (for "does it contain …" checks). */
  text: string;
  status: number;
  at: number;
}

export interface PosthogCaptureStandIn {
  url: string;
  requests: CaptureRequest[];
  /** Events of accepted batches, in order. */
  events: CapturedEvent[];
  failNext(n: number, status: number): void;
  waitForEvents(n: number, timeoutMs?: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

export async function startPosthogCaptureStandIn(): Promise<PosthogCaptureStandIn> {
  const requests: CaptureRequest[] = [];
  const events: CapturedEvent[] = [];
  const failures: number[] = [];
  const emitter = new EventEmitter();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const gzip = req.headers['content-encoding'] === 'gzip';
      let text = '';
      let body: CaptureRequest['body'] = null;
      try {
        text = (gzip ? gunzipSync(raw) : raw).toString('utf8');
        body = JSON.parse(text);
      } catch { /* recorded as unparsed */ }
      const path = (req.url ?? '').split('?')[0];
      const ok = req.method === 'POST' && path === '/batch/' && body !== null && Array.isArray(body.batch) && typeof body.api_key === 'string';
      const status = !ok ? (path === '/batch/' ? 400 : 404) : failures.length > 0 ? failures.shift()! : 200;
      requests.push({ method: req.method ?? '', path, headers: req.headers, gzip, body, text, status, at: Date.now() });
      if (status === 200) {
        events.push(...body!.batch!);
        emitter.emit('events');
      }
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(status === 200 ? '{}' : JSON.stringify({ type: 'server_error', code: 'unavailable', detail: 'stand-in failure' }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    events,
    failNext(n, status) {
      for (let i = 0; i < n; i++) failures.push(status);
    },
    async waitForEvents(n, timeoutMs = 30_000) {
      const end = Date.now() + timeoutMs;
      while (events.length < n) {
        const left = end - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for ${n} PostHog event(s); have ${events.length}`);
        await Promise.race([once(emitter, 'events'), new Promise((r) => setTimeout(r, Math.min(left, 500)))]);
      }
    },
    reset() {
      requests.length = 0;
      events.length = 0;
      failures.length = 0;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
