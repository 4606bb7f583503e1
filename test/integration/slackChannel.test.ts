/**
 * The Slack channel against a local stand-in that speaks the Web API's wire format, driven by
 * the real @slack/web-api client: digest, upload into the thread, idempotent retries, rate
 * limits, error classification, secrets, health check, Block Kit limits.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fixtureJson from '../fixtures/executive-summary.sample.json' with { type: 'json' };
import { DeliveryError, type Channel, type Delivery, type SlackMessage } from '../../src/delivery/Channel.js';
import { executiveSummaryMessages } from '../../src/report/executiveSummaryMessages.js';
import { createSlackChannel, digestTag, DIGEST_EVENT_TYPE } from '../../src/delivery/slack/slackChannel.js';
import { SLACK_LIMITS, slackDigest } from '../../src/delivery/slack/slackDigest.js';
import type { Recipient } from '../../src/recipients/Recipient.js';
import type { AlertItem, ExecutiveSummaryData, Recommendation } from '../../src/report/types.js';
import { startSlackStandIn, type SlackStandIn } from '../helpers/slackStandIn.js';

const TOKEN = 'xoxb-1111111111-2222222222-S3cretS3cretS3cret';
const WRONG_TOKEN = 'xoxb-9999999999-8888888888-Wr0ngWr0ngWr0ng';
const CHANNEL = 'C0123ABCD';
const NO_HISTORY_TOKEN = 'xoxb-3333333333-4444444444-N0H1st0ryN0H1st';
const C_PRIVATE = 'G0PRIVATE1';
const HOSTILE_TENANT = 'Acme <script>alert(1)</script> & <!channel> <@U123>';

function sampleData(over: Partial<ExecutiveSummaryData> = {}): ExecutiveSummaryData {
  const data = structuredClone(fixtureJson) as unknown as ExecutiveSummaryData;
  data.tenant = { ...data.tenant, name: HOSTILE_TENANT };
  return { ...data, ...over };
}

function recipient(over: Partial<Recipient> = {}): Recipient {
  return {
    id: 7, tenantId: 'northwind', name: 'Dana CEO', role: 'ceo', email: null, slackChannel: CHANNEL, phone: null,
    timezone: 'America/New_York', quietHours: null, groups: ['executives'], ...over,
  };
}

type Pdf = { bytes: Buffer; filename: string; sha256: string };
type TestDelivery = Delivery<SlackMessage> & { saved: Record<string, unknown>[]; data: ExecutiveSummaryData; kind: 'brief' | 'delayed-notice'; pdf?: Pdf };
/**
 * A brief's Slack delivery, its digest rendered from `data` as the producer does (`pdf` becomes the
 * attachment), whose checkpoint is persisted in `saved`, like the outbox row would be.
 */
function delivery(over: Partial<Omit<TestDelivery, 'message' | 'saved'>> = {}): TestDelivery {
  const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(64 * 1024), Buffer.from('\n%%EOF\n')]);
  const saved: Record<string, unknown>[] = [];
  const kind = over.kind ?? 'brief';
  const data = over.data ?? sampleData();
  const pdf = 'pdf' in over ? over.pdf : kind === 'brief' ? { bytes, filename: 'northwind-2026-W47-executive-summary.pdf', sha256: 'x' } : undefined;
  const d: TestDelivery = {
    id: 42,
    deliveryKey: 'weekly-exec:executive-summary:northwind:2026-W47:slack:7',
    channel: 'slack',
    kind,
    recipient: recipient(),
    tenantId: data.tenant.id,
    data,
    message: executiveSummaryMessages(data, kind).slack,
    messageId: 1,
    pdf,
    attachment: pdf && { ...pdf, contentType: 'application/pdf' },
    attempt: 1,
    queuedAt: new Date(Date.now() - 60_000),
    progress: null,
    async checkpoint(p) {
      saved.push(structuredClone(p));
      d.progress = structuredClone(p);
    },
    saved,
    ...over,
  };
  return d;
}

/** Every string anywhere in a value (block texts, fields, elements…). */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

type AnyBlock = { type: string; text?: { type: string; text: string }; fields?: { text: string }[]; elements?: { text: string }[] };

/** Shared per-channel check (after Alertmanager's AssertNotifyLeaksNoSecret): nowhere in the error, its cause chain included. */
function expectNoSecret(err: unknown, ...secrets: string[]): void {
  const views = [String(err), err instanceof Error ? err.message : '', inspect(err, { depth: 10 }), JSON.stringify(err) ?? ''];
  for (let c: unknown = err; c instanceof Error; c = c.cause) views.push(c.message, String(c.stack));
  for (const s of secrets) for (const v of views) expect(v).not.toContain(s);
}

async function sendError(ch: Channel<"slack">, d: Delivery<SlackMessage>): Promise<DeliveryError> {
  const err = await ch.send(d).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

let slack: SlackStandIn;
const errorsSeen: unknown[] = [];

beforeAll(async () => {
  slack = await startSlackStandIn({
    tokens: {
      [TOKEN]: {},
      'xoxb-no-files-scope': { scopes: ['chat:write', 'channels:read', 'channels:history'] },
      [NO_HISTORY_TOKEN]: { scopes: ['chat:write', 'files:write', 'channels:read', 'groups:read'] },
    },
    channels: { [CHANNEL]: { name: 'exec-briefs' }, C0ARCHIVED: { isArchived: true }, C0OUTSIDER: { isMember: false }, [C_PRIVATE]: { isPrivate: true } },
  });
});
afterEach(() => slack.reset());
afterAll(async () => {
  await slack?.close();
});

const channel = (over: Partial<Parameters<typeof createSlackChannel>[0]> = {}) => createSlackChannel({ token: TOKEN, apiUrl: slack.url, retries: 0, ...over });

describe('slack channel: a brief', () => {
  it('posts one digest message and uploads the PDF byte-identical into its thread', async () => {
    const d = delivery();
    const result = await channel().send(d);

    expect(slack.messages).toHaveLength(1);
    const msg = slack.messages[0];
    expect(msg.channel).toBe(CHANNEL);
    expect(result.providerId).toBe(`${CHANNEL}/${msg.ts}`);

    // Wire format: what the real client sent, in order, with the bot token as a Bearer header.
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'files.getUploadURLExternal', 'upload', 'files.completeUploadExternal']);
    expect(slack.calls[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(slack.calls[0].params).toMatchObject({ unfurl_links: 'false', unfurl_media: 'false' });

    const blocks = msg.blocks as AnyBlock[];
    const types = blocks.map((b) => b.type);
    expect(types[0]).toBe('header');
    expect(types).toEqual(expect.arrayContaining(['header', 'context', 'section', 'divider']));
    expect(blocks[0].text?.type).toBe('plain_text');
    expect(blocks[0].text?.text.startsWith('Executive summary · Acme &lt;script&gt;')).toBe(true);
    const kpis = blocks.find((b) => b.fields);
    expect(kpis?.fields).toHaveLength(8);
    expect(kpis?.fields?.[0].text).toContain('Recognized revenue');
    expect(kpis?.fields?.[0].text).toContain('$9,050  ▲ +4.1%');
    expect(kpis?.fields?.find((f) => f.text.includes('Bounce rate'))?.text).toContain('▲ +3.0\u00a0pp');   // 2.9% → 5.8%: points, not "+102.4%"
    const all = [msg.text ?? '', ...strings(blocks)].join('\n');
    expect(all).toContain('Week 47, 16–22 Nov 2026');
    expect(all).toContain('Business health: 86 / 100 · OK');
    expect(all).toContain('Bounce rate reached 16.8%');
    expect(all).toContain('Right-size VPS vps-nyc-04');
    expect(all).toContain('$640 a month');
    expect(all).toContain('Confidential — prepared for Acme');

    // The tenant name cannot ping, mention or inject: escaped once, in every text field.
    for (const s of [msg.text ?? '', ...strings(blocks)]) {
      expect(s).not.toContain('<!channel>');
      expect(s).not.toContain('<@U123>');
      expect(s).not.toMatch(/<script/i);
      expect(s).not.toContain('&amp;lt;');
    }
    expect(msg.text).toContain('&lt;!channel&gt;');
    expect(all).toContain('&amp; &lt;!channel&gt; &lt;@U123&gt;');

    expect(slack.uploads).toHaveLength(1);
    const up = slack.uploads[0];
    expect(up.completed).toBe(true);
    expect(up.bytes?.equals(d.pdf!.bytes)).toBe(true);
    expect(up.filename).toBe(d.pdf!.filename);
    expect(up.channelId).toBe(CHANNEL);
    expect(up.threadTs).toBe(msg.ts);

    // The post was checkpointed before the upload, then the upload.
    expect(d.saved).toEqual([{ ts: msg.ts, channel: CHANNEL }, { ts: msg.ts, channel: CHANNEL, fileId: up.fileId }]);
  });

  it('a retry after an upload failure uploads into the first message and does not post again', async () => {
    const ch = channel();
    const d = delivery();
    slack.failNext('files.getUploadURLExternal', { status: 500 });

    const err = await sendError(ch, d);
    errorsSeen.push(err);
    expect(err).toMatchObject({ retryable: true, reason: 'unavailable' });
    expect(slack.messages).toHaveLength(1);
    const first = slack.messages[0];
    expect(d.progress).toEqual({ ts: first.ts, channel: CHANNEL });

    // The outbox retries the same row later: progress comes from the persisted checkpoint.
    const retry = delivery({ pdf: d.pdf, progress: structuredClone(d.progress) });
    const result = await ch.send(retry);
    expect(result.providerId).toBe(`${CHANNEL}/${first.ts}`);
    expect(slack.messages).toHaveLength(1);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
    const done = slack.uploads.filter((u) => u.completed);
    expect(done).toHaveLength(1);
    expect(done[0].threadTs).toBe(first.ts);
    expect(done[0].bytes?.equals(d.pdf!.bytes)).toBe(true);

    // Once the upload is checkpointed, yet another attempt sends nothing at all.
    const callsBefore = slack.calls.length;
    const third = await createSlackChannel({ token: TOKEN, apiUrl: slack.url, retries: 0 }).send(delivery({ pdf: d.pdf, progress: retry.progress }));
    expect(third.providerId).toBe(`${CHANNEL}/${first.ts}`);
    expect(slack.calls.length).toBe(callsBefore);
  });

  it('a post whose answer was lost is found by its metadata on the retry: one message, the PDF in its thread', async () => {
    const ch = channel();
    const d = delivery();
    slack.failNext('chat.postMessage', { status: 500, afterHandling: true });
    const err = await sendError(ch, d);
    expect(err).toMatchObject({ retryable: true });
    expect(slack.messages).toHaveLength(1);          // Slack posted it; we never heard
    expect(d.progress).toBeNull();
    const first = slack.messages[0];
    expect(first.params.metadata).toEqual({ event_type: DIGEST_EVENT_TYPE, event_payload: { delivery: digestTag(d.deliveryKey, d.messageId) } });
    expect(JSON.stringify(first.params.metadata)).not.toContain('northwind'); // a tag, not Herald's ids

    // Other traffic in the channel meanwhile: the digest is on the second page of history.
    const base = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 250; i++) slack.messages.push({ channel: CHANNEL, ts: `${base + 1}.${String(900000 + i)}`, text: `chatter ${i}`, blocks: undefined, threadTs: undefined, params: {} });

    const retry = delivery({ pdf: d.pdf, attempt: 2 });
    const result = await ch.send(retry);
    expect(result.providerId).toBe(`${CHANNEL}/${first.ts}`);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
    expect(slack.callsOf('conversations.history')).toHaveLength(2);
    expect(slack.callsOf('conversations.history')[0].params).toMatchObject({ channel: CHANNEL, include_all_metadata: 'true' }); // form-encoded
    expect(retry.saved[0]).toEqual({ ts: first.ts, channel: CHANNEL });
    expect(slack.uploads.filter((u) => u.completed).map((u) => u.threadTs)).toEqual([first.ts]);
  });

  it('a first attempt does not read history; a forced resend (a new message under the key) posts again', async () => {
    const ch = channel();
    const d = delivery();
    await ch.send(d);
    expect(slack.callsOf('conversations.history')).toHaveLength(0);
    const resend = delivery({ pdf: d.pdf, messageId: 2, attempt: 2 }); // a new message for the key, its first answer lost too: it looks, finds only message 1's
    await ch.send(resend);
    expect(slack.callsOf('conversations.history')).toHaveLength(1);
    expect(slack.messages.map((m) => (m.params.metadata as { event_payload: { delivery: string } }).event_payload.delivery))
      .toEqual([digestTag(d.deliveryKey, 1), digestTag(d.deliveryKey, 2)]);
  });

  it('without a history scope it cannot look: the retry posts again (at least once), and check() says why', async () => {
    const ch = channel({ token: NO_HISTORY_TOKEN });
    const d = delivery();
    slack.failNext('chat.postMessage', { status: 500, afterHandling: true });
    await sendError(ch, d);
    await ch.send(delivery({ pdf: d.pdf, attempt: 2 }));
    expect(slack.callsOf('conversations.history').map((c) => (c.response as { error?: string }).error)).toEqual(['missing_scope']);
    expect(slack.messages).toHaveLength(2);
    expect(await ch.check!([CHANNEL])).toEqual({ ok: false, problems: [
      'slack token: missing scope channels:history (a digest whose answer was lost cannot be recognised: a retry would post it again)',
    ] });
  });

  it('a failed byte upload (the upload URL answers 500) is retryable and the retry does not post again', async () => {
    const ch = channel();
    const d = delivery();
    slack.failNext('upload', { status: 503 });
    const err = await sendError(ch, d);
    errorsSeen.push(err);
    expect(err).toMatchObject({ retryable: true, reason: 'unavailable' });
    await ch.send(delivery({ pdf: d.pdf, progress: d.progress }));
    expect(slack.messages).toHaveLength(1);
    expect(slack.uploads.filter((u) => u.completed).map((u) => u.threadTs)).toEqual([slack.messages[0].ts]);
  });

  it('a delayed notice is one short message and no upload', async () => {
    const d = delivery({ kind: 'delayed-notice', pdf: undefined });
    await channel().send(d);
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0].text).toMatch(/delayed.*incomplete.*follow/i);
    expect(slack.uploads).toHaveLength(0);
    expect(strings(slack.messages[0].blocks).join(' ')).not.toContain('<!channel>');
  });
});

describe('slack channel: rate limits', () => {
  it('honours a short Retry-After: waits, retries and succeeds', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1 });
    // The wait is recorded, not slept: what is asserted is that it waited what Slack asked, once.
    const waits: number[] = [];
    const result = await channel({ sleep: async (ms) => { waits.push(ms); } }).send(delivery());
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[0]).toBeLessThanOrEqual(1000);

    const posts = slack.callsOf('chat.postMessage');
    expect(posts.map((c) => c.status)).toEqual([429, 200]);
    expect(slack.messages).toHaveLength(1);
    expect(result.providerId).toBe(`${CHANNEL}/${slack.messages[0].ts}`);
  });

  it('short Retry-Afters that keep coming: it gives up after its waits, and says why (not "longer than" what it waits)', async () => {
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 1, times: 4 });
    const err = await sendError(channel(), delivery());
    expect(err).toMatchObject({ retryable: true, reason: 'rate_limited', retryAfterMs: 1000 });
    expect(err.message).toMatch(/rate_limited, retry after 1 s \(after 3 waits already\)$/);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(4);
  });

  it('a Retry-After longer than maxRetryAfterSeconds fails fast with retryAfterMs, and later sends do not hit Slack', async () => {
    const ch = channel();
    slack.failNext('chat.postMessage', { status: 429, retryAfter: 3600 });
    // Fails at once: waiting an hour would run past the test's timeout (no time is asserted here).
    const err = await sendError(ch, delivery());
    errorsSeen.push(err);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
    expect(err).toMatchObject({ retryable: true, reason: 'rate_limited', retryAfterMs: 3_600_000 });
    expect(err.message).toMatch(/retry after 3600 s \(longer than the 60 s this channel waits\)$/);
    expect(slack.messages).toHaveLength(0);

    // The channel remembers the limit: the next send to that channel fails without a request.
    const again = await sendError(ch, delivery());
    expect(again).toMatchObject({ retryable: true, reason: 'rate_limited' });
    expect(again.message).toMatch(/retry after 3[56]\d\d s \(longer than the 60 s this channel waits\)$/);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('a short rate limit while completing the upload is waited out: one message, one shared file', async () => {
    const d = delivery();
    slack.failNext('files.completeUploadExternal', { status: 429, retryAfter: 1 });
    await channel().send(d);
    expect(slack.callsOf('files.completeUploadExternal').map((c) => c.status)).toEqual([429, 200]);
    expect(slack.messages).toHaveLength(1);
    const shared = slack.uploads.filter((u) => u.completed);
    expect(shared).toHaveLength(1);
    expect(shared[0].threadTs).toBe(slack.messages[0].ts);
    expect(shared[0].bytes?.equals(d.pdf!.bytes)).toBe(true);
  });

  it('a rate limit on the upload fails retryably after the post was checkpointed', async () => {
    const d = delivery();
    slack.failNext('files.getUploadURLExternal', { status: 429, retryAfter: 120 });
    const err = await sendError(channel(), d);
    expect(err).toMatchObject({ retryable: true, reason: 'rate_limited', retryAfterMs: 120_000 });
    expect(d.progress).toMatchObject({ ts: slack.messages[0].ts });
  });
});

describe('slack channel: failures are classified', () => {
  it('channel_not_found is a permanent invalid_recipient', async () => {
    const d = delivery({ recipient: recipient({ slackChannel: 'C0NOTKNOWN' }) });
    const err = await sendError(channel(), d);
    errorsSeen.push(err);
    expect(err).toMatchObject({ retryable: false, reason: 'invalid_recipient' });
    expect(err.message).toContain('channel_not_found');
    expect(d.saved).toEqual([]);
  });

  it.each([
    ['C0ARCHIVED', 'is_archived'],
    ['C0OUTSIDER', 'not_in_channel'],
  ])('%s (%s) is a permanent invalid_recipient', async (id, code) => {
    const err = await sendError(channel(), delivery({ recipient: recipient({ slackChannel: id }) }));
    expect(err).toMatchObject({ retryable: false, reason: 'invalid_recipient' });
    expect(err.message).toContain(code);
  });

  it('a recipient without a Slack channel is a permanent invalid_recipient, without a request', async () => {
    const err = await sendError(channel(), delivery({ recipient: recipient({ slackChannel: null }) }));
    expect(err).toMatchObject({ retryable: false, reason: 'invalid_recipient' });
    expect(slack.calls).toHaveLength(0);
  });

  it('invalid_auth is a permanent auth failure, and the token is not in the error', async () => {
    const err = await sendError(channel({ token: WRONG_TOKEN }), delivery());
    errorsSeen.push(err);
    expect(err).toMatchObject({ retryable: false, reason: 'auth' });
    expect(err.message).toContain('invalid_auth');
    expectNoSecret(err, WRONG_TOKEN);
  });

  it('missing_scope and token_revoked are permanent auth failures', async () => {
    slack.failNext('chat.postMessage', { error: 'missing_scope' });
    slack.failNext('chat.postMessage', { error: 'token_revoked' });
    for (let i = 0; i < 2; i++) {
      const err = await sendError(channel(), delivery());
      expect(err).toMatchObject({ retryable: false, reason: 'auth' });
    }
  });

  it('an HTTP 500 is retryable unavailable, a 400 permanent bad_request', async () => {
    slack.failNext('chat.postMessage', { status: 500 });
    const e500 = await sendError(channel(), delivery());
    errorsSeen.push(e500);
    expect(e500).toMatchObject({ retryable: true, reason: 'unavailable' });
    slack.failNext('chat.postMessage', { status: 400 });
    const e400 = await sendError(channel(), delivery());
    expect(e400).toMatchObject({ retryable: false, reason: 'bad_request' });
  });

  it('a refused connection is retryable network', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const err = await sendError(channel({ apiUrl: `http://127.0.0.1:${port}/api/` }), delivery());
    errorsSeen.push(err);
    expect(err).toMatchObject({ retryable: true, reason: 'network' });
  });

  it('the token appears in no error message (every error above, causes included)', () => {
    expect(errorsSeen.length).toBeGreaterThanOrEqual(6);
    for (const err of errorsSeen) expectNoSecret(err, TOKEN, WRONG_TOKEN);
  });
});

describe('slack channel: check()', () => {
  it('reports an unknown channel, an archived one and a malformed id without throwing', async () => {
    const res = await channel().check!([CHANNEL, 'C0UNKNOWN1', 'C0ARCHIVED', '#general']);
    expect(res.ok).toBe(false);
    expect(res.problems).toEqual([
      'slack channel C0UNKNOWN1: channel_not_found',
      'slack channel C0ARCHIVED: is_archived',
      'slack channel #general: not a channel id (expected an id like C0123ABCD)',
    ]);
  });

  it('is ok for a valid token and known channels', async () => {
    expect(await channel().check!([CHANNEL])).toEqual({ ok: true, problems: [] });
  });

  it('reports an invalid token and a missing scope', async () => {
    const bad = await channel({ token: WRONG_TOKEN }).check!([CHANNEL]);
    expect(bad).toEqual({ ok: false, problems: ['slack token: invalid_auth'] });
    for (const p of bad.problems) expect(p).not.toContain(WRONG_TOKEN);
    const scoped = await channel({ token: 'xoxb-no-files-scope' }).check!([CHANNEL]);
    expect(scoped.problems).toEqual(['slack token: missing scope files:write']);
    const privateOnly = await channel({ token: 'xoxb-no-files-scope' }).check!([CHANNEL, C_PRIVATE]);
    expect(privateOnly.problems).toContain('slack token: missing scope groups:history (a digest whose answer was lost cannot be recognised: a retry would post it again)');
  });
});

describe('slack digest: Block Kit limits', () => {
  const longText = (i: number) => `Alert ${i}: ${'<!here> & bounce '.repeat(60)}`;
  const alerts: AlertItem[] = Array.from({ length: 40 }, (_, i) => ({
    rule: 'deliverability', severity: i % 2 ? 'critical' : 'high', occurred_at: '2026-11-19T14:32:00.000Z', summary: longText(i), source: 'alert',
    state: i % 3 ? 'acknowledged' : 'firing', code: String(1000 + i), fired_at: '2026-11-19T14:32:00.000Z',
    acknowledged_at: i % 3 ? '2026-11-19T15:02:00.000Z' : null, acknowledged_by: i % 3 ? `Eve <!here> & <@U123> ${'&'.repeat(500)} (SMS)` : null, resolved_at: null,
  }));
  const medium: AlertItem[] = alerts.map((a) => ({ ...a, severity: 'medium', acknowledged_at: null, acknowledged_by: null }));
  const actions: Recommendation[] = Array.from({ length: 20 }, (_, i) => ({
    rule: 'right-size-vps', title: `Action ${i} ${'<@U999> '.repeat(40)}`, detail: 'd&'.repeat(500), estimated_monthly_saving: 100 * i, priority: 'high',
  }));
  const data = sampleData({ critical_alerts: alerts, medium_alerts: medium, medium_alert_count: medium.length, recommended_actions: actions });
  data.tenant.name = `${HOSTILE_TENANT} ${'&'.repeat(300)}`;
  data.kpis = Array.from({ length: 14 }, (_, i) => ({ ...data.kpis[0], label: `KPI ${i} ${'<'.repeat(900)}` }));

  it('stays within the limits with 40 alerts, 20 actions and 14 KPIs', () => {
    const { text, blocks } = slackDigest(data, 'brief');
    const bs = blocks as AnyBlock[];
    expect(bs.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(bs[0].type).toBe('header');
    expect(bs[0].text!.text.length).toBeLessThanOrEqual(150);
    expect(bs[0].text!.text).not.toMatch(/&[a-z]{0,3}…/); // never an entity cut in half
    for (const b of bs) {
      if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
      if (b.fields) {
        expect(b.fields.length).toBeLessThanOrEqual(10);
        for (const f of b.fields) expect(f.text.length).toBeLessThanOrEqual(2000);
      }
      for (const e of b.elements ?? []) expect(e.text.length).toBeLessThanOrEqual(3000);
    }
    const all = [text, ...strings(bs)].join('\n');
    // As many alerts as the PDF lists, and the same line for the rest.
    expect(all).toContain('_…and 32 more critical or high alerts in this period (21 acknowledged, 0 resolved)_');
    expect(all).toContain('*Medium alerts (40)*');
    expect(all).toContain('_…and 35 more medium alerts in this period (0 resolved)_');
    expect(all).toContain('and 15 more');
    expect(all).toContain('and 5 more'); // KPIs: 9 shown of 14
    expect(all).toContain('acknowledged by Eve &lt;!here&gt; &amp; &lt;@U123&gt;');
    for (const s of [text, ...strings(bs)]) {
      expect(s).not.toContain('<!here>');
      expect(s).not.toContain('<@U999>');
      expect(s).not.toContain('<@U123>');
    }
  });

  it('is accepted by the stand-in (which refuses more than 50 blocks) and posts once', async () => {
    await channel().send(delivery({ data }));
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0].blocks!.length).toBeLessThanOrEqual(50);
  });

  it('says "No critical or high alerts" for a quiet period', () => {
    const { blocks } = slackDigest(sampleData({ critical_alerts: [], medium_alerts: [], medium_alert_count: 0 }), 'brief');
    const all = strings(blocks).join('\n');
    expect(all).toContain('No critical or high alerts in this period');
    expect(all).not.toContain('Medium alerts');
  });

  it('shows who acknowledged each alert and when, whether it resolved, and lists the medium ones', () => {
    const all = strings(slackDigest(sampleData(), 'brief').blocks).join('\n');
    // Times in America/New_York: fired 09:32, acknowledged 10:10, resolved 13:45 the same day.
    expect(all).toContain('Bounce rate reached 16.8% on 19 Nov, above the 15% critical threshold — Thu 19 Nov, 09:32 · acknowledged by Nora Chen (SMS) at 10:10 · resolved 13:45');
    expect(all).toContain('— Wed 18 Nov, 15:05 · acknowledged by Nora Chen (SMS) at 18:40 · open');
    expect(all).toContain('— Fri 20 Nov, 16:05 · not acknowledged · resolved 17:05');
    expect(all).toContain('*Medium alerts (4)* · no immediate message was sent; listed for awareness');
    expect(all).toContain('• Bounce rate 5.2% is above the 5% medium threshold; $57 of revenue at risk. — Sun 22 Nov, 11:20 · open');
    expect(all).toContain('• Spam rate 1.1% is above the 1% medium threshold; $48 of revenue at risk. — Sat 21 Nov, 08:02 · resolved Sun 22 Nov, 09:15');
    expect(all).not.toContain('derived from the events');
  });

  it('says when the alerts are derived from the events', () => {
    const data = sampleData();
    data.alerts_source = { kind: 'derived', recorded_from: null, note: 'Herald has not recorded alerts for this period; they are derived from the events.' };
    data.critical_alerts = [{
      rule: 'deliverability', severity: 'critical', occurred_at: '2026-11-19T14:32:00.000Z', last_at: '2026-11-20T20:02:00.000Z', count: 12,
      summary: 'Bounce rate 18.7% is above the 15% critical threshold', source: 'event',
      state: null, code: null, fired_at: null, acknowledged_at: null, acknowledged_by: null, resolved_at: null,
    }];
    const all = strings(slackDigest(data, 'brief').blocks).join('\n');
    expect(all).toContain('*Critical and high alerts (1)*\n_Herald has not recorded alerts for this period; they are derived from the events._');
    expect(all).toContain('critical threshold — Thu 19 Nov, 09:32 · the worst of 12 occurrences, the last Fri 20 Nov, 15:02');
    expect(all).not.toContain('acknowledged');
  });
});
