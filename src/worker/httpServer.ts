import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Health { ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> }

/** A POST handler: the path as requested (with its query), the raw body, the headers (lower-case). */
export type PostHandler = (req: { path: string; body: string; headers: http.IncomingHttpHeaders }) => Promise<{ status: number; contentType: string; body: string }>;

/** Webhook bodies are small forms; anything larger is refused before it is read whole. */
const MAX_BODY_BYTES = 64 * 1024;

function readBody(req: http.IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        resolve(null);
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * The worker's HTTP face: GET /healthz, GET /metrics (Prometheus), and the POST routes given
 * (`/twilio/inbound`). Nothing else answers.
 */
export async function startHttpServer(opts: { port: number; host?: string; registry: Registry; health: () => Promise<Health>; post?: Record<string, PostHandler> }): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    try {
      const pathname = (req.url ?? '/').split('?')[0];
      const post = req.method === 'POST' ? opts.post?.[pathname] : undefined;
      if (req.method === 'GET' && req.url === '/healthz') {
        const h = await opts.health();
        res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(h));
      } else if (req.method === 'GET' && req.url === '/metrics') {
        res.writeHead(200, { 'content-type': opts.registry.contentType }).end(await opts.registry.metrics());
      } else if (post) {
        const body = await readBody(req);
        if (body === null) {
          res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' }).end('request body too large\n');
          return;
        }
        const answer = await post({ path: req.url ?? pathname, body, headers: req.headers });
        res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
      void err;
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
