/**
 * Checks an SMTP server the way a send would use it, without sending (`config check --live`, the
 * worker's start): connect, EHLO, STARTTLS when offered, AUTH with SMTP_URL's credentials (or
 * none), then MAIL FROM and RCPT TO the sender's own address, and RSET: a server that needs AUTH
 * answers 530 there, where nodemailer's verify() (which only logs in when it has credentials)
 * said "ok". Every problem is one line; the password is never in it.
 */
import net from 'node:net';
import tls from 'node:tls';

export interface ProbeOptions {
  /** smtp://user:pass@host:port or smtps://… */
  smtpUrl: string;
  /** The envelope sender and test recipient (delivery.from's address). */
  address: string;
  /** Per step. Default 10 s. */
  timeoutMs?: number;
}

interface Reply { code: number; lines: string[] }

class Session {
  #socket: net.Socket | tls.TLSSocket;
  #buffer = '';
  #waiting: ((r: Reply | Error) => void) | null = null;
  #lines: string[] = [];
  constructor(socket: net.Socket | tls.TLSSocket, private readonly timeoutMs: number) {
    this.#socket = socket;
    this.#listen(socket);
  }

  #listen(socket: net.Socket | tls.TLSSocket): void {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let i: number;
      while ((i = this.#buffer.indexOf('\n')) >= 0) {
        const line = this.#buffer.slice(0, i).replace(/\r$/, '');
        this.#buffer = this.#buffer.slice(i + 1);
        this.#lines.push(line);
        // The last line of a reply has a space after the code: "250 OK", not "250-PIPELINING".
        if (/^\d{3}( |$)/.test(line)) {
          const reply = { code: Number(line.slice(0, 3)), lines: this.#lines.map((l) => l.slice(4)) };
          this.#lines = [];
          this.#waiting?.(reply);
        }
      }
    });
    socket.on('error', (err) => this.#waiting?.(err));
    socket.on('close', () => this.#waiting?.(new Error('the server closed the connection')));
  }

  reply(): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error(`no answer within ${this.timeoutMs / 1000} s`)), this.timeoutMs);
      const done = (r: Reply | Error) => {
        clearTimeout(timer);
        this.#waiting = null;
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
      this.#waiting = done;
    });
  }

  async command(line: string): Promise<Reply> {
    const answer = this.reply();
    this.#socket.write(`${line}\r\n`);
    return answer;
  }

  async startTls(host: string): Promise<void> {
    const plain = this.#socket as net.Socket;
    plain.removeAllListeners('data');
    this.#socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ socket: plain, servername: host }, () => resolve(s));
      s.once('error', reject);
    });
    this.#listen(this.#socket);
  }

  end(): void {
    this.#socket.end();
    this.#socket.destroy();
  }
}

/** Problems found (empty: a send would pass these steps). */
export async function probeSmtp(o: ProbeOptions): Promise<string[]> {
  let url: URL;
  try {
    url = new URL(o.smtpUrl);
  } catch {
    return ['email: SMTP_URL is not a valid URL'];
  }
  const secure = url.protocol === 'smtps:';
  const host = url.hostname;
  const port = Number(url.port || (secure ? 465 : 587));
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  const server = `SMTP server ${url.host}`;
  const timeoutMs = o.timeoutMs ?? 10_000;
  const step = (what: string, r: Reply) => `email: ${server} refused ${what}: ${r.code} ${r.lines.join(' ').slice(0, 160)}`;

  let socket: net.Socket | tls.TLSSocket;
  try {
    socket = await new Promise((resolve, reject) => {
      const s = secure ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
      const timer = setTimeout(() => { s.destroy(); reject(new Error(`no connection within ${timeoutMs / 1000} s`)); }, timeoutMs);
      s.once(secure ? 'secureConnect' : 'connect', () => { clearTimeout(timer); resolve(s); });
      s.once('error', (err) => { clearTimeout(timer); reject(err); });
    });
  } catch (err) {
    return [`email: ${server} unreachable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`];
  }
  const session = new Session(socket, timeoutMs);
  try {
    const greeting = await session.reply();
    if (greeting.code !== 220) return [step('the connection', greeting)];
    let ehlo = await session.command('EHLO herald.check');
    if (ehlo.code !== 250) return [step('EHLO', ehlo)];
    if (!secure && ehlo.lines.some((l) => /^STARTTLS\b/i.test(l))) {
      const tlsReply = await session.command('STARTTLS');
      if (tlsReply.code === 220) {
        await session.startTls(host);
        ehlo = await session.command('EHLO herald.check');
        if (ehlo.code !== 250) return [step('EHLO after STARTTLS', ehlo)];
      }
    }
    const authLine = ehlo.lines.find((l) => /^AUTH\b/i.test(l));
    const mechanisms = authLine ? authLine.split(/\s+/).slice(1).map((m) => m.toUpperCase()) : [];
    if (user) {
      if (!authLine) return [`email: SMTP_URL has credentials but ${server} offers no AUTH`];
      let r: Reply;
      if (mechanisms.includes('PLAIN')) r = await session.command(`AUTH PLAIN ${Buffer.from(`\u0000${user}\u0000${pass}`).toString('base64')}`);
      else if (mechanisms.includes('LOGIN')) {
        r = await session.command('AUTH LOGIN');
        if (r.code === 334) r = await session.command(Buffer.from(user).toString('base64'));
        if (r.code === 334) r = await session.command(Buffer.from(pass).toString('base64'));
      } else return [`email: ${server} offers AUTH ${mechanisms.join(' ')}, none of PLAIN or LOGIN`];
      if (r.code !== 235) return [`email: ${server} refused the credentials of SMTP_URL (authentication failed): ${r.code} ${r.lines.join(' ').slice(0, 120)}`];
    }
    const from = await session.command(`MAIL FROM:<${o.address}>`);
    if (from.code === 530 || (from.code >= 500 && /auth/i.test(from.lines.join(' ')))) {
      return [`email: ${server} requires AUTH (${from.code}) and SMTP_URL has ${user ? 'credentials it did not accept' : 'no user and password'}`];
    }
    if (from.code !== 250) return [step(`MAIL FROM:<${o.address}>`, from)];
    const rcpt = await session.command(`RCPT TO:<${o.address}>`);
    if (rcpt.code === 530) return [`email: ${server} requires AUTH (530) and SMTP_URL has no user and password`];
    if (rcpt.code !== 250 && rcpt.code !== 251) return [step(`RCPT TO:<${o.address}> (the sender's own address)`, rcpt)];
    await session.command('RSET');
    await session.command('QUIT').catch(() => undefined);
    return [];
  } catch (err) {
    return [`email: ${server}: ${(err as Error).message}`];
  } finally {
    session.end();
  }
}
