/**
 * The `email` channel (SPEC §7): one message per delivery, through nodemailer over SMTP.
 *
 * - Body: the message its producer rendered (a brief's HTML summary and plain-text part, an
 *   alert's notice); an attachment (a brief's archived PDF) travels byte for byte. Pictures the
 *   HTML shows by `cid:` (a brief's key chart) travel as inline parts with that Content-ID, so
 *   the body is multipart/related and the PDF stays an attachment beside it.
 * - Identity: the Message-ID is derived from the delivery key (messageIdFor), and the key itself
 *   travels in `X-Herald-Delivery-Key`, so a retry of the same delivery is recognisably the same
 *   message (mail clients and archives thread or dedupe it).
 * - Failures are classified by classifySmtpError (4xx retry, 5xx permanent, connection trouble
 *   retry, bad credentials permanent). The SMTP URL holds a password: it never appears in an
 *   error or a health-check problem, and the password is redacted from servers' replies.
 * - A transport built here from `smtpUrl` is a pool of reused connections with short timeouts,
 *   so a dead server fails in seconds, not in nodemailer's default two minutes; `close()` closes
 *   it. A transport passed in belongs to the caller, who closes it.
 */
import { createHash } from 'node:crypto';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { DeliveryError, type Channel, type Delivery, type EmailMessage, type SendResult } from '../Channel.js';
import { classifySmtpError, redactSecrets, type ClassifyOptions } from './classifySmtpError.js';
import { probeSmtp } from './smtpProbe.js';

export interface EmailChannelOptions {
  /** `smtp://user:pass@host:port` or `smtps://…` (SMTP_URL). Required unless `transport` is given. */
  smtpUrl?: string;
  /** A ready nodemailer transporter (tests, the demo's file outbox); used instead of `smtpUrl`. */
  transport?: Transporter;
  /** Sender, e.g. `Herald <herald@example.com>`. */
  from: string;
  /** Reply-To header; none by default. */
  replyTo?: string;
  /**
   * Timeouts in ms for the transport built from `smtpUrl` (ignored with `transport`).
   * Defaults: connection 10 000, greeting 10 000, socket inactivity 30 000, DNS 10 000.
   */
  timeouts?: { connectionMs?: number; greetingMs?: number; socketMs?: number; dnsMs?: number };
  /**
   * SMTP connections kept open and reused for the transport built from `smtpUrl` (the outbox's
   * concurrency). Default 4. A connection per message cost a TCP and SMTP handshake each time.
   */
  maxConnections?: number;
}

export interface EmailChannel extends Channel<'email'> {
  readonly name: 'email';
  /** Verifies the SMTP connection and login (transport.verify) and the addresses' syntax; never throws. */
  check(destinations: string[]): Promise<{ ok: boolean; problems: string[] }>;
  /** Closes the transport if this channel created it (from `smtpUrl`); idempotent. */
  close(): void;
}

/** `<first 32 hex of sha256(deliveryKey)@herald>`: the same key always gives the same Message-ID. */
export function messageIdFor(deliveryKey: string): string {
  return `<${createHash('sha256').update(deliveryKey, 'utf8').digest('hex').slice(0, 32)}@herald>`;
}

const DEFAULT_TIMEOUTS = { connectionMs: 10_000, greetingMs: 10_000, socketMs: 30_000, dnsMs: 10_000 };

export function createEmailChannel(opts: EmailChannelOptions): EmailChannel {
  if (typeof opts.from !== 'string' || opts.from.trim() === '') throw new Error('email channel: from must be a sender address');
  let transport: Transporter;
  let owned = false;
  let describe: ClassifyOptions = {};
  if (opts.transport) {
    transport = opts.transport;
  } else if (typeof opts.smtpUrl === 'string' && opts.smtpUrl.trim() !== '') {
    const url = parseSmtpUrl(opts.smtpUrl);
    describe = { server: url.server, secrets: url.secrets };
    const t = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    transport = nodemailer.createTransport({
      url: opts.smtpUrl,
      connectionTimeout: t.connectionMs,
      greetingTimeout: t.greetingMs,
      socketTimeout: t.socketMs,
      dnsTimeout: t.dnsMs,
      pool: true,
      maxConnections: opts.maxConnections ?? 4,
      // A long-lived connection is renewed now and then rather than trusted forever.
      maxMessages: 100,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
    owned = true;
  } else {
    throw new Error('email channel: set smtpUrl (SMTP_URL) or transport');
  }

  let closed = false;

  return {
    name: 'email',

    async send(d: Delivery<EmailMessage>): Promise<SendResult> {
      const to = typeof d.recipient.email === 'string' ? d.recipient.email.trim() : '';
      if (to === '') {
        throw new DeliveryError(`recipient ${d.recipient.id} has no email address`, false, 'invalid_recipient');
      }
      // The database keeps tenants apart; this is the last line of defence at the edge.
      if (d.recipient.tenantId !== null && d.recipient.tenantId !== d.tenantId) {
        throw new DeliveryError(`recipient ${d.recipient.id} belongs to another tenant than the message`, false, 'invalid_recipient');
      }
      const messageId = messageIdFor(d.deliveryKey);
      const message: SendMailOptions = {
        from: opts.from,
        to: { name: d.recipient.name, address: to },
        subject: d.message.subject,
        text: d.message.text,
        html: d.message.html,
        messageId,
        headers: { 'X-Herald-Delivery-Key': d.deliveryKey.replace(/[\r\n]+/g, ' ') },
        attachments: [
          ...(d.message.inline ?? []).map((img) => ({
            cid: img.cid, filename: img.filename, content: Buffer.from(img.contentBase64, 'base64'), contentType: img.contentType, contentDisposition: 'inline' as const,
          })),
          ...(d.attachment
            ? [{ filename: d.attachment.filename, content: d.attachment.bytes, contentType: d.attachment.contentType, contentDisposition: 'attachment' as const }]
            : []),
        ],
        disableFileAccess: true,
        disableUrlAccess: true,
      };
      if (opts.replyTo) message.replyTo = opts.replyTo;

      try {
        await transport.sendMail(message);
      } catch (err) {
        throw classifySmtpError(err, describe);
      }
      return { providerId: messageId };
    },

    async check(destinations: string[]): Promise<{ ok: boolean; problems: string[] }> {
      const problems: string[] = [];
      for (const address of destinations ?? []) {
        if (!looksLikeAddress(address)) problems.push(`recipient address ${JSON.stringify(address)} is not an email address`);
      }
      if (opts.smtpUrl && owned) {
        // As a send goes: EHLO, STARTTLS, AUTH, MAIL FROM and RCPT TO, then RSET (verify() says
        // "ok" to a server that requires AUTH when SMTP_URL has no credentials).
        problems.push(...await probeSmtp({ smtpUrl: opts.smtpUrl, address: senderAddress(opts.from) }));
      } else {
        try {
          const verified: unknown = await transport.verify();
          if (verified === false) problems.push('the email transport cannot be verified');
        } catch (err) {
          const e = classifySmtpError(err, describe);
          problems.push(`${e.message} [${e.reason}]`);
        }
      }
      return { ok: problems.length === 0, problems: problems.map((p) => redactSecrets(p, describe.secrets ?? [])) };
    },

    close(): void {
      if (owned && !closed) transport.close();
      closed = true;
    },
  };
}

/**
 * Reads what the channel needs to know of SMTP_URL: a name for the server in messages
 * (host:port, never the credentials) and the secrets to redact. Throws without quoting the URL.
 */
function parseSmtpUrl(smtpUrl: string): { server: string; secrets: string[] } {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new Error('email channel: smtpUrl is not a valid URL (expected smtp://user:password@host:port)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new Error(`email channel: smtpUrl must use smtp:// or smtps://, not ${url.protocol}//`);
  }
  if (url.hostname === '') throw new Error('email channel: smtpUrl has no host');
  const user = safeDecode(url.username);
  const password = safeDecode(url.password);
  const secrets = password === ''
    ? []
    : [
        url.password,
        password,
        // how the password travels in AUTH PLAIN and AUTH LOGIN, should a server echo it back
        Buffer.from(`\u0000${user}\u0000${password}`).toString('base64'),
        Buffer.from(password).toString('base64'),
      ];
  return { server: `SMTP server ${url.host}`, secrets };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The address in a From header ("Herald <herald@example.com>" → herald@example.com). */
function senderAddress(from: string): string {
  return (/<([^<>]+)>\s*$/.exec(from)?.[1] ?? from).trim();
}

/** A deliberately loose check (one @, something on each side, no spaces): the server decides. */
function looksLikeAddress(s: unknown): boolean {
  return typeof s === 'string' && /^[^\s@]+@[^\s@]+$/.test(s.trim());
}
