/**
 * An SMTP sink for benchmarks: a real smtp-server on 127.0.0.1 (no TLS, AUTH optional) that reads
 * each message's header block for Message-ID and X-Herald-Delivery-Key, counts the bytes of the
 * rest and throws them away. Unlike test/helpers/smtpSink.ts it neither parses MIME with
 * mailparser nor keeps messages: that sink spends CPU in the benchmark's own process (the one
 * that also draws charts and drives Chromium) and holds every PDF in memory, which would inflate
 * the very figures the benchmark reports.
 */
import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface CountedMessage {
  messageId: string | null;
  deliveryKey: string | null;
  rcptTo: string[];
  bytes: number;
  /** performance.now() when the server accepted the message (answered 250 to DATA). */
  at: number;
}

export interface CountingSmtpSink {
  readonly url: string;
  readonly messages: CountedMessage[];
  waitFor(count: number, timeoutMs: number, onProgress?: (n: number) => void): Promise<void>;
  close(): Promise<void>;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** A header's value from a raw header block (folded lines unfolded), or null. */
function header(block: string, name: string): string | null {
  const m = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r\\n[ \\t].*)*)`, 'im').exec(block);
  return m ? m[1].replace(/\r\n[ \t]+/g, ' ').trim() : null;
}

export async function startCountingSmtpSink(): Promise<CountingSmtpSink> {
  const messages: CountedMessage[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(0);
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    // smtp-server looks the client's address up in DNS for every connection: ~100 ms per session here.
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 200,
    onData(stream, session, callback) {
      let head: Buffer | null = Buffer.alloc(0);
      let headers = '';
      let bytes = 0;
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (head === null) return;
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf(HEADER_END);
        if (end >= 0 || head.length > 64 * 1024) {
          headers = head.subarray(0, end >= 0 ? end : head.length).toString('utf8');
          head = null;
        }
      });
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        if (head !== null) headers = head.toString('utf8');
        messages.push({
          messageId: header(headers, 'Message-ID'),
          deliveryKey: header(headers, 'X-Herald-Delivery-Key'),
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          bytes,
          at: performance.now(),
        });
        callback(null, 'OK: queued');
        events.emit('message');
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async waitFor(count, timeoutMs, onProgress) {
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), timeoutMs);
      const progress = onProgress ? setInterval(() => onProgress(messages.length), 10_000) : undefined;
      try {
        while (messages.length < count) await once(events, 'message', { signal: ac.signal });
      } catch (err) {
        if (ac.signal.aborted) throw new Error(`smtp sink: ${messages.length} of ${count} messages after ${timeoutMs} ms`);
        throw err;
      } finally {
        clearTimeout(timer);
        clearInterval(progress);
      }
    },
    async close() {
      for (const c of server.connections) c.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
