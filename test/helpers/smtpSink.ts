/**
 * A real SMTP server in the test process (smtp-server on 127.0.0.1, no TLS) that parses every
 * message it accepts with mailparser and keeps it. Shared by the email channel, outbox and
 * worker tests.
 *
 * - Answers can be scripted per recipient (`rcptError`) or per message (`dataError`), e.g. a
 *   550 for an unknown mailbox or a 451 the first two times.
 * - `credentials` makes the server require AUTH with exactly these credentials (535 otherwise).
 * - `stop()` closes the server and keeps its port, so "SMTP is down" means nothing listens there;
 *   `restart()` listens on the same port again (the same `url` keeps working).
 * - `waitFor(n)` awaits the n-th message (an event, never a sleep).
 */
import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';

/** An SMTP reply to script: `{ code: 550, message: '5.1.1 No such user' }`. */
export interface SmtpReply {
  code: number;
  message: string;
}

export interface SmtpSinkOptions {
  /** Reply to RCPT TO for this address instead of accepting it; undefined accepts. */
  rcptError?: (address: string) => SmtpReply | undefined;
  /** Reply to the end of DATA instead of accepting the message (called with the parsed message). */
  dataError?: (message: SinkMessage) => SmtpReply | undefined;
  /** Require AUTH (PLAIN/LOGIN) with these credentials; other credentials get 535. Default: AUTH optional, anything accepted. */
  credentials?: { user: string; pass: string };
  /** Awaited at the end of each DATA before the reply: a test holds sends in flight with it. */
  beforeAccept?: () => Promise<void>;
  /** Port to listen on (default 0: any free port). */
  port?: number;
}

/** A parsed message plus its SMTP envelope. */
export interface SinkMessage extends ParsedMail {
  envelope: { mailFrom: string | null; rcptTo: string[]; user: string | null };
  /** The message as received, byte for byte. */
  raw: Buffer;
}

export interface SmtpSink {
  readonly port: number;
  /** `smtp://127.0.0.1:PORT` (no credentials). */
  readonly url: string;
  /** Accepted messages, in arrival order (a rejected one is not kept). */
  readonly messages: SinkMessage[];
  /** The message whose Message-ID is `id` (with or without angle brackets). */
  byMessageId(id: string): SinkMessage | undefined;
  /** SMTP sessions open now (a pooled client keeps one open between messages). */
  readonly openSessions: number;
  /** Resolves once at least `count` messages were accepted; rejects after `timeoutMs` (default 10 s). */
  waitFor(count: number, timeoutMs?: number): Promise<SinkMessage[]>;
  /** Stops listening (open sessions are cut) and keeps the port for `restart()`. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
  /** Stops for good. */
  close(): Promise<void>;
}

function bare(id: string): string {
  return id.trim().replace(/^</, '').replace(/>$/, '');
}

function smtpError(reply: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: SinkMessage[] = [];
  let openSessions = 0;
  const events = new EventEmitter();
  events.setMaxListeners(0);

  const serverOptions: SMTPServerOptions = {
    authOptional: !opts.credentials,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    // smtp-server looks the client's address up in DNS for every connection: ~100 ms per session here.
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 200,
    onConnect(_session, callback) {
      openSessions += 1;
      callback();
    },
    onClose() {
      openSessions -= 1;
    },
    onAuth(auth, _session, callback) {
      const c = opts.credentials;
      if (!c || (auth.username === c.user && auth.password === c.pass)) return callback(null, { user: auth.username ?? 'anonymous' });
      return callback(smtpError({ code: 535, message: '5.7.8 Authentication credentials invalid' }));
    },
    onRcptTo(address, _session, callback) {
      const reply = opts.rcptError?.(address.address);
      callback(reply ? smtpError(reply) : null);
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        Promise.resolve(opts.beforeAccept?.()).then(() => simpleParser(raw)).then(
          (parsed) => {
            const message = Object.assign(parsed, {
              envelope: {
                mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
                rcptTo: session.envelope.rcptTo.map((r) => r.address),
                user: typeof session.user === 'string' ? session.user : null,
              },
              raw,
            }) as SinkMessage;
            const reply = opts.dataError?.(message);
            if (reply) return callback(smtpError(reply));
            messages.push(message);
            events.emit('message', message);
            callback(null, 'OK: queued');
          },
          (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
        );
      });
    },
  };

  let server: SMTPServer | null = null;
  let port = 0;

  async function listen(onPort: number): Promise<number> {
    const s = new SMTPServer(serverOptions);
    s.on('error', () => {}); // a client that hangs up mid-session is not a test failure
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      s.server.once('error', onError);
      s.listen(onPort, '127.0.0.1', () => {
        s.server.off('error', onError);
        resolve();
      });
    });
    server = s;
    return (s.server.address() as AddressInfo).port;
  }

  async function stop(): Promise<void> {
    const s = server;
    if (!s) return;
    server = null;
    // Cut open sessions now: a stopped server must look dead, not slow.
    for (const connection of s.connections) connection.close();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  port = await listen(opts.port ?? 0);

  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    get openSessions() {
      return openSessions;
    },
    byMessageId(id) {
      const wanted = bare(id);
      return messages.find((m) => typeof m.messageId === 'string' && bare(m.messageId) === wanted);
    },
    async waitFor(count, timeoutMs = 10_000) {
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), timeoutMs);
      try {
        while (messages.length < count) await once(events, 'message', { signal: ac.signal });
        return messages;
      } catch (err) {
        if (ac.signal.aborted) throw new Error(`smtp sink: ${messages.length} of ${count} messages after ${timeoutMs} ms`);
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
    stop,
    async restart() {
      if (server) return;
      await listen(port);
    },
    async close() {
      await stop();
    },
  };
}
