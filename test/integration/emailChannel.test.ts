import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fixtureJson from '../fixtures/executive-summary.sample.json' with { type: 'json' };
import { DeliveryError, type Delivery, type EmailMessage } from '../../src/delivery/Channel.js';
import { executiveSummaryMessages } from '../../src/report/executiveSummaryMessages.js';
import { classifySmtpError } from '../../src/delivery/email/classifySmtpError.js';
import { createEmailChannel, messageIdFor, type EmailChannel } from '../../src/delivery/email/emailChannel.js';
import { renderEmail } from '../../src/delivery/email/renderEmail.js';
import { emailKeyChart } from '../../src/delivery/email/emailKeyChart.js';
import { renderExecutiveCharts } from '../../src/charts/renderCharts.js';
import { decodePng, distinctColors, isPng, shareOf } from '../helpers/png.js';
import type { Recipient } from '../../src/recipients/Recipient.js';
import { formatDateTime, formatKpiValue, formatScore, formatTrendChange, formatUsd, trendArrow } from '../../src/report/format.js';
import type { ExecutiveSummaryData } from '../../src/report/types.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { channelsFromEnv, closeChannels } from '../../src/worker/channelsFromEnv.js';
import { parseConfig } from '../../src/config/loadConfig.js';

const HOSTILE_NAME = 'Acme <script>alert(1)</script> & <img src=x onerror=alert(2)>';
const PASSWORD = 's3cr3t';
const FROM = 'Herald <herald@example.com>';

function fixture(): ExecutiveSummaryData {
  return structuredClone(fixtureJson) as ExecutiveSummaryData;
}

/** Every byte value, twice, behind a PDF header: any text-mode mangling would show. */
const PDF_BYTES = Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256)), Buffer.from('\n%%EOF\n')]);
const sha256 = (b: Buffer | Uint8Array) => createHash('sha256').update(b).digest('hex');

function recipient(over: Partial<Recipient> = {}): Recipient {
  return {
    id: 7, tenantId: 'northwind', name: 'Dana Director', role: 'CFO', email: 'dana@northwind.example',
    slackChannel: null, phone: null, timezone: null, quietHours: null, groups: ['c-suite'], ...over,
  };
}

let seq = 0;
type Pdf = { bytes: Buffer; filename: string; sha256: string };
/** A brief's email delivery: its message rendered from `data` as the producer does; `pdf` becomes the attachment. */
type TestDelivery = Delivery<EmailMessage> & { data: ExecutiveSummaryData; kind: 'brief' | 'delayed-notice'; pdf?: Pdf };
/** `message` defaults to the brief's email rendered from `data` (no key chart). */
function delivery(over: Partial<TestDelivery> = {}): TestDelivery {
  seq += 1;
  const kind = over.kind ?? 'brief';
  const data = over.data ?? fixture();
  const pdf = 'pdf' in over ? over.pdf : kind === 'brief' ? { bytes: PDF_BYTES, filename: 'northwind-2026-W47.pdf', sha256: sha256(PDF_BYTES) } : undefined;
  return {
    id: seq,
    deliveryKey: `weekly-exec:executive-summary:northwind:2026-W47:email:7:${seq}`,
    channel: 'email',
    kind,
    recipient: recipient(),
    tenantId: data.tenant.id,
    data,
    message: executiveSummaryMessages(data, kind).email,
    messageId: seq,
    pdf,
    attachment: pdf && { ...pdf, contentType: 'application/pdf' },
    attempt: 1,
    queuedAt: new Date(Date.now() - 60_000),
    progress: null,
    checkpoint: async () => {},
    ...over,
  };
}

async function sendError(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => { throw new Error('expected the send to fail, it succeeded'); },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

/** The key figures of the brief, formatted by the same functions as the PDF. */
function keyFigures(data: ExecutiveSummaryData): string[] {
  const figures = [formatScore(data.health.business_health)];
  for (const k of data.kpis) {
    figures.push(formatKpiValue(k.value, k.unit), formatTrendChange(k.trend), formatKpiValue(k.trend.previous, k.unit));
  }
  for (const a of data.recommended_actions) figures.push(formatUsd(a.estimated_monthly_saving));
  return figures;
}

/** The HTML part as text, entities decoded: what a reader sees. */
function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, '\u00a0')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&#x3D;/g, '=').replace(/&#x60;/g, '`')
    .replace(/&amp;/g, '&');
}

describe('email channel against a real SMTP server', () => {
  const badRcpt: Record<string, { code: number; message: string }> = {
    'nobody@northwind.example': { code: 550, message: '5.1.1 No such user here' },
    'greylisted@northwind.example': { code: 451, message: '4.7.1 Greylisted, try again later' },
    'busy@northwind.example': { code: 421, message: '4.7.0 Too many connections, closing' },
    'full@northwind.example': { code: 452, message: '4.2.2 Mailbox full' },
    'policy@northwind.example': { code: 554, message: '5.7.1 Rejected by policy' },
  };
  let sink: SmtpSink;
  let channel: EmailChannel;
  const extra: Array<{ close(): unknown }> = [];

  beforeAll(async () => {
    sink = await startSmtpSink({ rcptError: (address) => badRcpt[address] });
    channel = createEmailChannel({ smtpUrl: sink.url, from: FROM, replyTo: 'ops@example.com', timeouts: { connectionMs: 2000, greetingMs: 2000, socketMs: 5000 } });
  });
  afterAll(async () => {
    channel.close();
    await sink.close();
  });
  afterEach(async () => {
    for (const c of extra.splice(0)) await c.close();
  });

  it('delivers a brief: subject, HTML and text parts, the PDF byte for byte, identity headers', async () => {
    const d = delivery();
    const before = sink.messages.length;
    const result = await channel.send(d);
    await sink.waitFor(before + 1);
    const m = sink.byMessageId(result.providerId)!;
    expect(m).toBeDefined();

    expect(m.subject).toBe('OK · Northwind Mail Co · Executive summary · Week 47, 16–22 Nov 2026');
    expect(m.envelope.rcptTo).toEqual(['dana@northwind.example']);
    expect(m.to && !Array.isArray(m.to) ? m.to.value[0] : null).toMatchObject({ address: 'dana@northwind.example', name: 'Dana Director' });
    expect(m.from?.value[0]).toMatchObject({ address: 'herald@example.com', name: 'Herald' });
    expect(m.replyTo?.value[0]?.address).toBe('ops@example.com');

    // Message-ID from the delivery key; the key itself in a header.
    expect(result.providerId).toBe(messageIdFor(d.deliveryKey));
    expect(m.messageId).toBe(messageIdFor(d.deliveryKey));
    expect(messageIdFor(d.deliveryKey)).toMatch(/^<[0-9a-f]{32}@herald>$/);
    expect(m.headers.get('x-herald-delivery-key')).toBe(d.deliveryKey);

    // Both views.
    expect(typeof m.html).toBe('string');
    expect(m.text).toBeTruthy();
    const html = m.html as string;
    const text = m.text!;

    // The attachment, byte-identical.
    expect(m.attachments).toHaveLength(1);
    const [att] = m.attachments;
    expect(att.filename).toBe('northwind-2026-W47.pdf');
    expect(att.contentType).toBe('application/pdf');
    expect(att.contentDisposition).toBe('attachment');
    expect(sha256(att.content)).toBe(d.pdf!.sha256);

    // Key figures, formatted as in the PDF, in both parts.
    const shown = visibleText(html);
    for (const figure of keyFigures(d.data)) {
      expect(shown, `HTML part shows ${figure}`).toContain(figure);
      expect(text, `text part shows ${figure}`).toContain(figure);
    }
    for (const k of d.data.kpis) {
      expect(shown).toContain(k.label);
      expect(text).toContain(`${trendArrow(k.trend.direction, k.polarity)} ${formatTrendChange(k.trend)}`);
    }
    for (const a of [...d.data.critical_alerts, ...d.data.medium_alerts]) {
      expect(shown).toContain(a.summary);
      expect(text).toContain(a.summary);
    }
    // Who acknowledged each alert and when, and whether it resolved; the medium ones listed.
    for (const line of ['acknowledged by Nora Chen (SMS) at 10:10 · resolved 13:45', 'acknowledged by Nora Chen (SMS) at 18:40 · open',
      'not acknowledged · resolved 17:05', 'Sat 21 Nov, 08:02 · resolved Sun 22 Nov, 09:15', 'Sun 22 Nov, 11:20 · open']) {
      expect(shown, `HTML part shows ${line}`).toContain(line);
      expect(text, `text part shows ${line}`).toContain(line);
    }
    expect(shown).toContain('Medium alerts · 4');
    expect(text).toContain('MEDIUM ALERTS (4; no immediate message was sent, listed for awareness)');
    expect(html).toMatch(/color:#dc2626;">not acknowledged · resolved 17:05</); // an unanswered alert stands out
    for (const a of d.data.recommended_actions) {
      expect(shown).toContain(a.title);
      expect(text).toContain(a.title);
    }
    expect(html).toMatch(/>86<span[^>]*>&nbsp;\/&nbsp;100<\/span>/);
    expect(text).toContain('BUSINESS HEALTH: 86 / 100 (OK)');
    for (const part of [shown, text]) {
      expect(part).toContain('attached as a PDF');
      expect(part).toContain('Confidential — prepared for Northwind Mail Co leadership');
      expect(part).toContain('Week 47, 16–22 Nov 2026');
    }

    // Email-safe: no script, no remote resources, no stylesheet, no flex/grid, 600px wide.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\bsrc\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/<(style|link|img|iframe|object|embed|form)\b/i);
    expect(html).not.toMatch(/display\s*:\s*(flex|grid)/i);
    expect(html).toContain('max-width:600px');
  });

  it('reuses one pooled connection for consecutive messages and lets it go when closed (channelsFromEnv, closeChannels)', async () => {
    const own = await startSmtpSink();
    extra.push(own);
    const channels = channelsFromEnv(parseConfig({ delivery: { from: FROM } }), { SMTP_URL: own.url });
    await channels.email!.send(delivery());
    await channels.email!.send(delivery());
    await own.waitFor(2);
    expect(own.openSessions).toBe(1); // kept open for the next message (its idle timeout is 30 s)
    closeChannels(channels);
    for (let i = 0; i < 100 && own.openSessions > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(own.openSessions).toBe(0);
  });

  it('sends the same Message-ID for the same delivery key (a retry is recognisably the same message)', async () => {
    const d = delivery();
    const before = sink.messages.length;
    const first = await channel.send(d);
    const second = await channel.send({ ...d, id: d.id + 1000 });
    await sink.waitFor(before + 2);
    expect(second.providerId).toBe(first.providerId);
    const ids = sink.messages.slice(before).map((m) => m.messageId);
    expect(ids).toEqual([first.providerId, first.providerId]);
    expect(sink.messages.slice(before).map((m) => m.headers.get('x-herald-delivery-key'))).toEqual([d.deliveryKey, d.deliveryKey]);
    // …and a different key gives a different one.
    expect(messageIdFor(`${d.deliveryKey}x`)).not.toBe(first.providerId);
  });

  it('escapes hostile strings in the HTML, keeps them literal in the subject header and the text part', async () => {
    const data = fixture();
    data.tenant.name = HOSTILE_NAME;
    data.critical_alerts[0].summary = `Bounce spike ${HOSTILE_NAME}`;
    data.recommended_actions[0].title = `Right-size "${HOSTILE_NAME}"`;
    const d = delivery({ data, recipient: recipient({ name: `Eve "<b>" \r\nBcc: x@evil.example` }) });
    const before = sink.messages.length;
    const { providerId } = await channel.send(d);
    await sink.waitFor(before + 1);
    const m = sink.byMessageId(providerId)!;

    // The subject is a header: the literal name, decoded by the client, not HTML.
    expect(m.subject).toBe(`OK · ${HOSTILE_NAME} · Executive summary · Week 47, 16–22 Nov 2026`);
    // The recipient's name cannot add a header or a recipient.
    expect(m.envelope.rcptTo).toEqual(['dana@northwind.example']);
    expect(m.bcc).toBeUndefined();

    const html = m.html as string;
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toContain('onerror=alert');
    expect(html).toContain('Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src&#x3D;x onerror&#x3D;alert(2)&gt;');
    expect(html).toContain('Right-size &quot;Acme &lt;script&gt;');
    expect(visibleText(html)).toContain(`Bounce spike ${HOSTILE_NAME}`);
    // Plain text is never parsed as HTML: it carries the name as it is.
    expect(m.text).toContain(HOSTILE_NAME);
    expect(m.text).not.toContain('&lt;');
  });

  it('carries the key chart as an inline PNG (cid:) with alt text, beside the PDF', async () => {
    const data = fixture();
    const keyChart = await emailKeyChart(data, await renderExecutiveCharts(data));
    expect(keyChart).not.toBeNull();
    const message = executiveSummaryMessages(data, 'brief', { keyChart }).email;
    expect(message.inline).toHaveLength(1);
    const d = delivery({ data, message });
    const before = sink.messages.length;
    const { providerId } = await channel.send(d);
    await sink.waitFor(before + 1);
    const received = sink.byMessageId(providerId)!;
    // mailparser turns cid: links into data: URIs by default; read the message as sent.
    const m = await simpleParser(received.raw, { keepCidLinks: true });
    const html = m.html as string;

    const img = /<img\b[^>]*>/.exec(html)?.[0] ?? '';
    const cid = /\ssrc="cid:([^"]+)"/.exec(img)?.[1];
    expect(cid, img).toBeTruthy();
    const alt = /\salt="([^"]*)"/.exec(img)?.[1] ?? '';
    // The headline is about the bounce rate: the picture is the deliverability trend, said in words.
    expect(alt).toContain('Chart of the daily bounce and spam rates');
    expect(alt).toContain('bounce peaked at 16.8% on 19 Nov');
    expect(img).toMatch(/\swidth="340"/); // laid out for a phone's column, panels stacked
    expect(img).toContain('max-width:340px');

    const inline = m.attachments.filter((a) => a.contentDisposition === 'inline');
    expect(inline).toHaveLength(1);
    const [pic] = inline;
    expect(pic.contentType).toBe('image/png');
    expect(pic.contentId).toBe(`<${cid}>`);
    expect(pic.related).toBe(true);
    expect(pic.filename).toBe('deliverability-trend.png');
    // The PDF still travels as an attachment.
    expect(m.attachments.filter((a) => a.contentDisposition === 'attachment').map((a) => a.contentType)).toEqual(['application/pdf']);

    // A real picture: a palette PNG (PNG-8) 680 px wide (2× its 340 px), small, and not blank.
    const bytes = pic.content;
    expect(isPng(bytes)).toBe(true);
    expect(bytes.toString('latin1', 12, 16)).toBe('IHDR');
    expect(bytes.readUInt32BE(16)).toBe(680);
    const png = decodePng(bytes);
    expect([png.colorType, png.bitDepth]).toEqual([3, 8]);
    expect(png.paletteSize).toBeLessThanOrEqual(256);
    expect(png.height).toBeGreaterThan(600); // two panels, one above the other
    expect(bytes.length).toBeLessThan(40_000);
    expect(distinctColors(png)).toBeGreaterThan(8);
    const white = shareOf(png, 0xffffff);
    expect(white).toBeGreaterThan(0.5);
    expect(white).toBeLessThan(0.98);
    expect(png.pixels.some((p) => p === 0x2563eb || (p >> 16) < 0x60 && (p & 0xff) > 0xc0)).toBe(true); // the blue data line
    expect(sha256(bytes)).toBe(sha256(Buffer.from(message.inline![0].contentBase64, 'base64')));
  });

  it('leads with the headline, right after the title, in both parts', async () => {
    const data = fixture();
    const d = delivery({ data });
    const before = sink.messages.length;
    const { providerId } = await channel.send(d);
    await sink.waitFor(before + 1);
    const m = sink.byMessageId(providerId)!;
    const generated = `Generated ${formatDateTime(data.generated_at, data.tenant.timezone)}`;
    const shown = visibleText(m.html as string).replace(/\s+/g, ' ');
    const afterTitle = shown.slice(shown.indexOf(generated) + generated.length).trim();
    expect(afterTitle.startsWith(data.headline.replace(/\s+/g, ' ')), afterTitle.slice(0, 200)).toBe(true);
    const lines = m.text!.split('\n');
    const after = lines.slice(lines.findIndex((l) => l.startsWith(generated)) + 1).find((l) => l.trim() !== '');
    expect(after).toBe(data.headline);
    // The inbox preview (the hidden preheader) is the headline too.
    expect((m.html as string)).toMatch(new RegExp(`<div style="display:none[^>]*>${data.headline.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</div>`));
  });

  it('sends a delayed notice without an attachment', async () => {
    const d = delivery({ kind: 'delayed-notice', deliveryKey: 'weekly-exec:executive-summary:northwind:2026-W47:email:7:delayed' });
    expect(d.pdf).toBeUndefined();
    const before = sink.messages.length;
    const { providerId } = await channel.send(d);
    await sink.waitFor(before + 1);
    const m = sink.byMessageId(providerId)!;
    expect(m.subject).toBe('Delayed: executive summary · Northwind Mail Co · Week 47, 16–22 Nov 2026');
    expect(m.attachments).toHaveLength(0);
    expect(m.messageId).toBe(messageIdFor(d.deliveryKey));
    for (const part of [visibleText(m.html as string), m.text!]) {
      expect(part).toContain('Week 47, 16–22 Nov 2026 is delayed');
      expect(part).toContain('not complete yet');
      expect(part).toContain('follow automatically');
      expect(part).not.toContain('$9,050'); // no figures from incomplete data
    }
  });

  it('uses the configured confidentiality line, with {tenant} replaced', () => {
    const e = renderEmail(fixture(), 'brief', { confidentiality: 'Confidential: prepared for the leadership of {tenant}. Do not forward.' });
    expect(e.html).toContain('Confidential: prepared for the leadership of Northwind Mail Co. Do not forward.');
    expect(e.text).toContain('Confidential: prepared for the leadership of Northwind Mail Co. Do not forward.');
  });

  it('says when the alerts are derived from the events, in both parts', () => {
    const data = fixture();
    const note = 'Herald has not recorded alerts for this period; they are derived from the events.';
    data.alerts_source = { kind: 'derived', recorded_from: null, note };
    const e = renderEmail(data, 'brief');
    expect(visibleText(e.html)).toContain(note);
    expect(e.text).toContain(note);
    expect(renderEmail(fixture(), 'brief').text).not.toContain('derived from the events');
  });

  it('says so when there was no activity and when there are no alerts or actions', () => {
    const data = fixture();
    data.has_data = false;
    data.critical_alerts = [];
    data.medium_alerts = [];
    data.medium_alert_count = 0;
    data.recommended_actions = [];
    const e = renderEmail(data, 'brief');
    expect(visibleText(e.html)).toContain('No critical or high alerts in this period');
    expect(e.html).toMatch(/#dcfce7[^>]*>No critical or high alerts in this period/); // the green all-clear
    expect(visibleText(e.html)).toContain('No activity was recorded for Northwind Mail Co');
    expect(e.text).toContain('No critical or high alerts in this period');
    expect(e.text).toContain('No recommended actions for this period');
  });

  it('refuses a recipient without an email address or of another tenant (permanent)', async () => {
    const before = sink.messages.length;
    let err = await sendError(channel.send(delivery({ recipient: recipient({ email: null }) })));
    expect([err.retryable, err.reason]).toEqual([false, 'invalid_recipient']);
    err = await sendError(channel.send(delivery({ recipient: recipient({ tenantId: 'other-tenant' }) })));
    expect([err.retryable, err.reason]).toEqual([false, 'invalid_recipient']);
    expect(sink.messages.length).toBe(before);
  });

  it('classifies SMTP replies: 550 on RCPT is a bad recipient, 4xx retry, other 5xx are rejections', async () => {
    const before = sink.messages.length;
    const cases: Array<[string, boolean, string]> = [
      ['nobody@northwind.example', false, 'invalid_recipient'],
      ['greylisted@northwind.example', true, 'rate_limited'],
      ['busy@northwind.example', true, 'rate_limited'],
      ['full@northwind.example', true, 'rate_limited'],
      ['policy@northwind.example', false, 'rejected'],
    ];
    for (const [email, retryable, reason] of cases) {
      const err = await sendError(channel.send(delivery({ recipient: recipient({ email }) })));
      expect([email, err.retryable, err.reason]).toEqual([email, retryable, reason]);
      expect(err.cause).toBeDefined();
    }
    expect(sink.messages.length).toBe(before);
  });

  it('classifies replies to the message itself (end of DATA)', async () => {
    const picky = await startSmtpSink({
      dataError: (m) => (m.subject?.startsWith('Delayed') ? { code: 554, message: '5.6.0 Message rejected' } : { code: 452, message: '4.3.1 Insufficient system storage' }),
    });
    extra.push(picky);
    const ch = createEmailChannel({ smtpUrl: picky.url, from: FROM });
    extra.push(ch);
    let err = await sendError(ch.send(delivery({ kind: 'delayed-notice' })));
    expect([err.retryable, err.reason]).toEqual([false, 'rejected']);
    err = await sendError(ch.send(delivery()));
    expect([err.retryable, err.reason]).toEqual([true, 'rate_limited']);
    expect(picky.messages).toHaveLength(0);
  });

  it('reports SMTP down as a quick, retryable network failure, without the password', async () => {
    const down = await startSmtpSink();
    await down.stop(); // nothing listens on its port now
    const ch = createEmailChannel({ smtpUrl: `smtp://user:${PASSWORD}@127.0.0.1:${down.port}`, from: FROM, timeouts: { connectionMs: 1000, greetingMs: 1000, socketMs: 1000 } });
    extra.push(ch);
    // Quick: a channel that waited would run past the test's own timeout (no time is asserted here).
    const err = await sendError(ch.send(delivery()));
    expect([err.retryable, err.reason]).toEqual([true, 'network']);
    expect(err.message).toContain('127.0.0.1');
    expect(err.message).not.toContain(PASSWORD);
    expect(err.message).not.toContain('smtp://');
    expect(inspect(err, { depth: 10 })).not.toContain(PASSWORD);

    // It comes back on the same port: the same channel delivers again.
    await down.restart();
    extra.push(down);
    const { providerId } = await ch.send(delivery());
    await down.waitFor(1);
    expect(down.byMessageId(providerId)).toBeDefined();
  });

  it('fails fast on a server that accepts the connection and never greets (short timeouts)', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    extra.push({ close: () => { sockets.forEach((s) => s.destroy()); return new Promise((r) => silent.close(r)); } });
    const port = (silent.address() as AddressInfo).port;
    const ch = createEmailChannel({ smtpUrl: `smtp://user:${PASSWORD}@127.0.0.1:${port}`, from: FROM, timeouts: { connectionMs: 500, greetingMs: 500, socketMs: 500 } });
    extra.push(ch);
    // Quick: a channel that waited would run past the test's own timeout (no time is asserted here).
    const err = await sendError(ch.send(delivery()));
    expect([err.retryable, err.reason]).toEqual([true, 'network']);
    expect(inspect(err, { depth: 10 })).not.toContain(PASSWORD);
  });

  it('reports refused credentials as a permanent auth failure, without the password', async () => {
    const guarded = await startSmtpSink({ credentials: { user: 'herald', pass: 'the-right-one' } });
    extra.push(guarded);
    const wrong = createEmailChannel({ smtpUrl: `smtp://herald:${PASSWORD}@127.0.0.1:${guarded.port}`, from: FROM });
    extra.push(wrong);
    const err = await sendError(wrong.send(delivery()));
    expect([err.retryable, err.reason]).toEqual([false, 'auth']);
    expect(err.message).not.toContain(PASSWORD);
    expect(inspect(err, { depth: 10 })).not.toContain(PASSWORD);
    const health = await wrong.check([]);
    expect(health.ok).toBe(false);
    expect(health.problems.join(' ')).toMatch(/authentication/);
    expect(health.problems.join(' ')).not.toContain(PASSWORD);

    // No credentials at all: 530 authentication required.
    const anonymous = createEmailChannel({ smtpUrl: guarded.url, from: FROM });
    extra.push(anonymous);
    const err530 = await sendError(anonymous.send(delivery()));
    expect([err530.retryable, err530.reason]).toEqual([false, 'auth']);
    // …and the health check says so before any send: it goes as far as MAIL FROM / RCPT TO.
    expect(await anonymous.check([])).toEqual({ ok: false, problems: [`email: SMTP server 127.0.0.1:${guarded.port} requires AUTH (530) and SMTP_URL has no user and password`] });
    const before = guarded.messages.length;

    // The right credentials go through (the URL's password is percent-decoded).
    const right = createEmailChannel({ smtpUrl: `smtp://herald:${encodeURIComponent('the-right-one')}@127.0.0.1:${guarded.port}`, from: FROM });
    extra.push(right);
    expect(await right.check([])).toEqual({ ok: true, problems: [] });
    expect(guarded.messages.length).toBe(before); // the checks sent nothing (RSET after RCPT TO)
    const { providerId } = await right.send(delivery());
    await guarded.waitFor(1);
    expect(guarded.byMessageId(providerId)?.envelope.user).toBe('herald');
  });

  it('check() verifies the connection and reports problems without throwing', async () => {
    expect(await channel.check(['dana@northwind.example'])).toEqual({ ok: true, problems: [] });
    const bad = await channel.check(['not an address']);
    expect(bad.ok).toBe(false);
    expect(bad.problems[0]).toContain('not an address');

    const down = await startSmtpSink();
    extra.push(down);
    await down.stop();
    const ch = createEmailChannel({ smtpUrl: `smtp://user:${PASSWORD}@127.0.0.1:${down.port}`, from: FROM });
    extra.push(ch);
    const health = await ch.check([]);
    expect(health.ok).toBe(false);
    expect(health.problems).toHaveLength(1);
    expect(health.problems[0]).toMatch(/127\.0\.0\.1:\d+ unreachable/);
    expect(health.problems[0]).not.toContain(PASSWORD);
  });

  it('rejects a malformed SMTP URL at construction, without echoing it', () => {
    expect(() => createEmailChannel({ smtpUrl: `http://user:${PASSWORD}@host`, from: FROM })).toThrow(/smtp:\/\/ or smtps:\/\//);
    try {
      createEmailChannel({ smtpUrl: `not a url ${PASSWORD}`, from: FROM });
      expect.unreachable();
    } catch (err) {
      expect(String(err)).not.toContain(PASSWORD);
    }
    expect(() => createEmailChannel({ from: FROM })).toThrow(/smtpUrl/);
    expect(() => createEmailChannel({ smtpUrl: 'smtp://127.0.0.1:25', from: '' })).toThrow(/from/);
  });
});

describe('classifySmtpError on failures a local server cannot produce', () => {
  const cases: Array<[string, Record<string, unknown>, boolean, string]> = [
    ['DNS failure', { code: 'EDNS', originalCode: 'ENOTFOUND' }, true, 'network'],
    ['reset connection', { code: 'ESOCKET', originalCode: 'ECONNRESET' }, true, 'network'],
    ['greeting timeout', { code: 'ETIMEDOUT' }, true, 'network'],
    ['login refused without a reply code', { code: 'EAUTH' }, false, 'auth'],
    ['missing credentials', { code: 'ENOAUTH' }, false, 'auth'],
    ['temporary auth failure', { code: 'EAUTH', responseCode: 454, response: '454 4.7.0 Temporary authentication failure', command: 'AUTH PLAIN' }, true, 'unavailable'],
    ['invalid credentials', { code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Bad credentials', command: 'AUTH PLAIN' }, false, 'auth'],
    ['mailbox unavailable (throttled)', { code: 'EENVELOPE', responseCode: 450, command: 'RCPT TO' }, true, 'rate_limited'],
    ['bad sequence', { code: 'EPROTOCOL', responseCode: 503, command: 'RSET' }, true, 'unavailable'],
    ['550 after DATA is not a bad recipient', { code: 'EMESSAGE', responseCode: 550, command: 'DATA' }, false, 'rejected'],
    ['address refused before sending', { code: 'EENVELOPE' }, false, 'invalid_recipient'],
    ['anything else', { code: 'ESOMETHING' }, true, 'unknown'],
  ];
  it.each(cases)('%s', (_name, fields, retryable, reason) => {
    const err = classifySmtpError(Object.assign(new Error('boom'), fields), { server: 'SMTP server mail.example:587' });
    expect([err.retryable, err.reason]).toEqual([retryable, reason]);
  });

  it('redacts known secrets from server replies', () => {
    const err = classifySmtpError(
      Object.assign(new Error('x'), { code: 'EAUTH', responseCode: 535, response: `535 bad password ${PASSWORD}`, command: 'AUTH PLAIN' }),
      { secrets: [PASSWORD] },
    );
    expect(err.message).toContain('<secret>');
    expect(err.message).not.toContain(PASSWORD);
  });
});
