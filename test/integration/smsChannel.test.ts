/**
 * The SMS channel against the Twilio stand-in, through the real twilio package: what goes on
 * the wire, how each failure is classified, that a lost answer is not sent twice, and that the
 * auth token never appears in what the channel says.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DeliveryError, type Channel, type Delivery, type SmsMessage } from '../../src/delivery/Channel.js';
import type { Recipient } from '../../src/recipients/Recipient.js';
import { classifyTwilioError, createSmsChannel } from '../../src/delivery/sms/smsChannel.js';
import twilio from 'twilio';
import { inboundSmsParams, signTwilioRequest, startTwilioStandIn, type TwilioStandIn } from '../helpers/twilioStandIn.js';

const FROM = '+12025550143';
const TO = '+12125550101';
const BODY = 'CRITICAL acme: bounce rate 17.2% (> 15%). Reply ACK 4821';

let standIn: TwilioStandIn;
let sms: Channel<'sms'>;

beforeAll(async () => {
  standIn = await startTwilioStandIn();
  sms = channel();
});
afterAll(async () => {
  sms?.close?.();
  await standIn?.close();
});
beforeEach(() => standIn.reset());

function channel(over: { authToken?: string; from?: string; apiUrl?: string; timeoutMs?: number } = {}): Channel<'sms'> {
  return createSmsChannel({
    accountSid: standIn.accountSid,
    authToken: over.authToken ?? standIn.authToken,
    from: over.from ?? FROM,
    apiUrl: over.apiUrl ?? standIn.url,
    timeoutMs: over.timeoutMs ?? 5_000,
  });
}

function recipient(over: Partial<Recipient> = {}): Recipient {
  return {
    id: 42, tenantId: 'acme', name: 'Dana Director', role: 'director', email: null, slackChannel: null,
    phone: TO, timezone: 'America/New_York', quietHours: null, groups: ['on-call'], ...over,
  };
}

interface Built { d: Delivery<SmsMessage>; saved: Record<string, unknown>[] }

function delivery(over: Partial<Omit<Delivery<SmsMessage>, 'checkpoint'>> = {}): Built {
  const saved: Record<string, unknown>[] = [];
  const d: Delivery<SmsMessage> = {
    id: 7,
    deliveryKey: 'alert:deliverability:acme:1:sms:42',
    channel: 'sms',
    recipient: recipient(),
    tenantId: 'acme',
    message: { channel: 'sms', body: BODY },
    messageId: 3,
    attempt: 1,
    queuedAt: new Date(Date.now() - 1_000),
    progress: null,
    ...over,
    async checkpoint(progress) {
      saved.push(progress);
      d.progress = progress;
    },
  };
  return { d, saved };
}

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err, 'the send should have failed').toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

const posts = () => standIn.requests.filter((r) => r.method === 'POST');
const lists = () => standIn.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/Messages.json'));

describe('sms channel: sending', () => {
  it('posts To, From and Body with Basic auth, returns the SID and checkpoints it', async () => {
    const { d, saved } = delivery();
    const result = await sms.send(d);

    expect(result.providerId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(posts()).toHaveLength(1);
    const req = posts()[0];
    expect(req.path).toBe(`/2010-04-01/Accounts/${standIn.accountSid}/Messages.json`);
    expect(req.authOk).toBe(true);
    expect(req.form).toEqual({ To: TO, From: FROM, Body: BODY });
    expect(req.status).toBe(201);
    expect(standIn.messages).toHaveLength(1);
    expect(standIn.messages[0]).toMatchObject({ sid: result.providerId, to: TO, from: FROM, body: BODY });
    expect(saved).toEqual([{ sid: result.providerId }]);
  });

  it('sends through a messaging service when TWILIO_FROM is an MG SID', async () => {
    const service = `MG${'0123456789abcdef'.repeat(2)}`;
    const { d } = delivery();
    const result = await channel({ from: service }).send(d);
    expect(posts()[0].form).toEqual({ To: TO, MessagingServiceSid: service, Body: BODY });
    expect(standIn.messages[0]).toMatchObject({ sid: result.providerId, messagingServiceSid: service });
  });

  it('a retry that finds progress.sid returns it without any request', async () => {
    const sid = `SM${'ab'.repeat(16)}`;
    const { d } = delivery({ attempt: 2, progress: { sid } });
    expect(await sms.send(d)).toEqual({ providerId: sid });
    expect(standIn.requests).toHaveLength(0);
  });

  it('refuses an invalid phone number before any request, without printing it', async () => {
    const bad = '+1212555010';
    const { d } = delivery({ recipient: recipient({ phone: bad }) });
    const e = await failure(sms.send(d));
    expect(e).toMatchObject({ retryable: false, reason: 'invalid_recipient' });
    expect(e.message).toContain('recipient 42');
    expect(e.message).toContain('not a valid E.164 number');
    expect(e.message).not.toContain(bad);
    expect(e.message).not.toContain('212555');
    expect(standIn.requests).toHaveLength(0);
  });

  it('refuses a recipient without a phone and one of another tenant', async () => {
    expect(await failure(sms.send(delivery({ recipient: recipient({ phone: null }) }).d))).toMatchObject({ retryable: false, reason: 'invalid_recipient' });
    expect(await failure(sms.send(delivery({ recipient: recipient({ tenantId: 'globex' }) }).d))).toMatchObject({ retryable: false, reason: 'invalid_recipient' });
    expect(standIn.requests).toHaveLength(0);
  });

  it('refuses a body of 3 segments before any request', async () => {
    const body = `${'Cost overrun at acme: month-to-date spend is far above budget. '.repeat(5)}Reply ACK 4821`;
    const { d } = delivery({ message: { channel: 'sms', body } });
    const e = await failure(sms.send(d));
    expect(e).toMatchObject({ retryable: false, reason: 'bad_request' });
    expect(e.message).toMatch(/3 segments \(GSM-7, \d+ characters\), at most 2/);
    expect(standIn.requests).toHaveLength(0);
  });
});

describe('sms channel: failures', () => {
  it('429 with Retry-After → retryable rate_limited carrying retryAfterMs', async () => {
    standIn.failNext(1, { status: 429, retryAfter: 7 });
    const e = await failure(sms.send(delivery().d));
    expect(e).toMatchObject({ retryable: true, reason: 'rate_limited', retryAfterMs: 7_000 });
    expect(e.message).toContain('messages.create');
    expect(e.message).toContain('20429');
    expect(posts()).toHaveLength(1);              // the client did not retry on its own
    expect(standIn.messages).toHaveLength(0);
  });

  it('429 without Retry-After → rate_limited with no retryAfterMs', async () => {
    standIn.failNext(1, { status: 429 });
    const e = await failure(sms.send(delivery().d));
    expect(e).toMatchObject({ retryable: true, reason: 'rate_limited', retryAfterMs: undefined });
  });

  it('500 → retryable unavailable', async () => {
    standIn.failNext(1, { status: 500 });
    const e = await failure(sms.send(delivery().d));
    expect(e).toMatchObject({ retryable: true, reason: 'unavailable' });
    expect(e.message).toContain('HTTP 500');
  });

  it('21211 → permanent invalid_recipient, naming the code but not the number', async () => {
    standIn.failNext(1, { status: 400, code: 21211 });
    const e = await failure(sms.send(delivery().d));
    expect(e).toMatchObject({ retryable: false, reason: 'invalid_recipient' });
    expect(e.message).toContain('21211');
    expect(e.message).not.toContain(TO);
  });

  it('an opted-out number (21610, replied STOP) → permanent invalid_recipient', async () => {
    standIn.optOut(TO);
    const e = await failure(sms.send(delivery().d));
    expect(e).toMatchObject({ retryable: false, reason: 'invalid_recipient' });
    expect(e.message).toContain('21610');
    expect(standIn.messages).toHaveLength(0);
  });

  it('bad credentials → auth (the dispatcher pauses the channel)', async () => {
    const e = await failure(channel({ authToken: 'f'.repeat(32) }).send(delivery().d));
    expect(e).toMatchObject({ retryable: false, reason: 'auth' });
    expect(e.message).toContain('20003');
    expect(standIn.requests[0]).toMatchObject({ authOk: false, status: 401 });
    expect(standIn.messages).toHaveLength(0);
  });

  it('nothing listening → retryable network', async () => {
    const gone = await startTwilioStandIn();
    const url = gone.url;
    await gone.close();
    const e = await failure(channel({ apiUrl: url }).send(delivery().d));
    expect(e).toMatchObject({ retryable: true, reason: 'network' });
    expect(e.message).toContain('ECONNREFUSED');
  });
});

describe('sms channel: a lost answer is not sent twice', () => {
  it('the retry finds the accepted message by listing and adopts it', async () => {
    standIn.failNext(1, { afterHandling: true });
    const first = delivery();
    const e = await failure(sms.send(first.d));
    expect(e).toMatchObject({ retryable: true, reason: 'network' });
    expect(standIn.messages).toHaveLength(1);      // Twilio accepted it; we never heard
    expect(first.saved).toEqual([]);

    const retry = delivery({ attempt: 2, queuedAt: first.d.queuedAt });
    const result = await sms.send(retry.d);
    expect(result.providerId).toBe(standIn.messages[0].sid);
    expect(standIn.messages).toHaveLength(1);
    expect(posts()).toHaveLength(1);
    expect(retry.saved).toEqual([{ sid: standIn.messages[0].sid }]);
    const list = lists()[0];
    expect(list.query).toMatchObject({ To: TO, From: FROM });
    // Day-granular: asked from the start of the UTC day of queuedAt - 60 s.
    const since = new Date(first.d.queuedAt.getTime() - 60_000).toISOString().slice(0, 10);
    expect(list.query['DateSent>']).toBe(`${since}T00:00:00Z`);
  });

  it('a timeout after Twilio accepted the message: retryable, and the retry adopts it', async () => {
    standIn.failNext(1, { afterHandling: true, hang: true });
    const impatient = channel({ timeoutMs: 300 });
    const first = delivery();
    const e = await failure(impatient.send(first.d));
    expect(e).toMatchObject({ retryable: true, reason: 'network' });
    expect(e.message).toContain('ECONNABORTED');     // axios's timeout
    expect(standIn.messages).toHaveLength(1);

    const result = await impatient.send(delivery({ attempt: 2, queuedAt: first.d.queuedAt }).d);
    expect(result.providerId).toBe(standIn.messages[0].sid);
    expect(standIn.messages).toHaveLength(1);
  });

  it('the retry of a send that never reached Twilio lists, finds nothing, and sends once', async () => {
    standIn.failNext(1, { status: 503 });
    const first = delivery();
    await failure(sms.send(first.d));
    expect(standIn.messages).toHaveLength(0);

    const result = await sms.send(delivery({ attempt: 2, queuedAt: first.d.queuedAt }).d);
    expect(standIn.messages).toHaveLength(1);
    expect(result.providerId).toBe(standIn.messages[0].sid);
    expect(lists()).toHaveLength(1);
  });

  it('a message with the same body sent before this delivery was queued is not adopted', async () => {
    await sms.send(delivery().d);                 // an earlier alert with the same text
    const later = delivery({ attempt: 2, queuedAt: new Date(Date.now() + 120_000) });
    const result = await sms.send(later.d);
    expect(standIn.messages).toHaveLength(2);
    expect(result.providerId).toBe(standIn.messages[1].sid);
  });

  it('a failing list call fails the attempt as retryable rather than risk a second SMS', async () => {
    standIn.failNext(1, { afterHandling: true });
    const first = delivery();
    await failure(sms.send(first.d));
    standIn.failNext(1, { status: 503, on: 'list' });
    const e = await failure(sms.send(delivery({ attempt: 2, queuedAt: first.d.queuedAt }).d));
    expect(e).toMatchObject({ retryable: true, reason: 'unavailable' });
    expect(e.message).toContain('messages.list');
    expect(posts()).toHaveLength(1);
    expect(standIn.messages).toHaveLength(1);
  });
});

describe('sms channel: check', () => {
  it('passes with good credentials, sender and destinations', async () => {
    expect(await sms.check!([TO, '+12125550102'])).toEqual({ ok: true, problems: [] });
    expect(standIn.requests[0]).toMatchObject({ method: 'GET', path: `/2010-04-01/Accounts/${standIn.accountSid}.json`, authOk: true });
  });

  it('reports refused credentials, a bad sender, bad destinations and a suspended account without throwing', async () => {
    const refused = await channel({ authToken: 'e'.repeat(32) }).check!([TO]);
    expect(refused).toEqual({ ok: false, problems: ['twilio: credentials refused (20003)'] });

    const bad = await channel({ from: 'HERALD' }).check!(['+1212555010', '0207 183 8750']);
    expect(bad.ok).toBe(false);
    expect(bad.problems).toHaveLength(3);
    expect(bad.problems[0]).toContain('TWILIO_FROM');
    expect(bad.problems.join('\n')).not.toContain('212555010');

    standIn.accountStatus = 'suspended';
    expect(await sms.check!([])).toEqual({ ok: false, problems: ['twilio: the account is suspended, not active'] });

    const gone = await startTwilioStandIn();
    const url = gone.url;
    await gone.close();
    const unreachable = await channel({ apiUrl: url }).check!([]);
    expect(unreachable.ok).toBe(false);
    expect(unreachable.problems[0]).toContain('ECONNREFUSED');
  });
});

describe('sms channel: the auth token never appears', () => {
  it('in no error, cause or check problem, for every failure kind', async () => {
    const token = standIn.authToken;
    const basic = Buffer.from(`${standIn.accountSid}:${token}`).toString('base64');
    const said: string[] = [];
    const collect = async (p: Promise<unknown>) => {
      const e = await failure(p);
      said.push(e.message, JSON.stringify(e.cause ?? null), String(e.stack));
      return e;
    };
    const reasons = new Set<string>();
    const kinds: [string, () => void][] = [
      ['429', () => standIn.failNext(1, { status: 429, retryAfter: 3 })],
      ['500', () => standIn.failNext(1, { status: 500 })],
      ['21211', () => standIn.failNext(1, { status: 400, code: 21211 })],
      ['21610', () => standIn.optOut(TO)],
      ['404 unknown code', () => standIn.failNext(1, { status: 404, code: 20404 })],
      ['lost answer', () => standIn.failNext(1, { afterHandling: true })],
      ['dropped', () => standIn.failNext(1, {})],
    ];
    for (const [, script] of kinds) {
      standIn.reset();
      script();
      reasons.add((await collect(sms.send(delivery().d))).reason);
    }
    standIn.reset();
    standIn.failNext(1, { status: 500, on: 'list' });
    reasons.add((await collect(sms.send(delivery({ attempt: 2 }).d))).reason);
    reasons.add((await collect(channel({ authToken: `${token.slice(0, 31)}x` }).send(delivery().d))).reason);
    reasons.add((await collect(sms.send(delivery({ recipient: recipient({ phone: '+1' }) }).d))).reason);
    reasons.add((await collect(sms.send(delivery({ message: { channel: 'sms', body: 'x'.repeat(400) } }).d))).reason);
    const gone = await startTwilioStandIn();
    await gone.close();
    reasons.add((await collect(channel({ apiUrl: gone.url }).send(delivery().d))).reason);
    said.push(...(await channel({ authToken: 'bad' }).check!(['nope'])).problems);
    said.push(...(await sms.check!(['+1'])).problems);

    expect([...reasons].sort()).toEqual(['auth', 'bad_request', 'invalid_recipient', 'network', 'rate_limited', 'rejected', 'unavailable']);
    for (const text of said) {
      expect(text).not.toContain(token);
      expect(text).not.toContain(basic);
      expect(text).not.toContain(standIn.accountSid);
    }
  });
});

describe('inbound webhook helpers', () => {
  it('make a form and a signature that twilio.validateRequest accepts', () => {
    const url = 'https://herald.example.com/twilio/inbound';
    const params = inboundSmsParams({ from: TO, to: FROM, body: 'ACK 4821', accountSid: standIn.accountSid });
    expect(params).toMatchObject({ From: TO, To: FROM, Body: 'ACK 4821', NumMedia: '0', AccountSid: standIn.accountSid, FromCountry: 'US' });
    expect(params.MessageSid).toMatch(/^SM[0-9a-f]{32}$/);
    const signature = signTwilioRequest(standIn.authToken, url, params);
    expect(twilio.validateRequest(standIn.authToken, signature, url, params)).toBe(true);
    expect(twilio.validateRequest(standIn.authToken, signature, url, { ...params, Body: 'ACK 4822' })).toBe(false);
    expect(twilio.validateRequest('0'.repeat(32), signature, url, params)).toBe(false);
  });
});

describe('classifyTwilioError', () => {
  const cases: [string, unknown, { retryable: boolean; reason: string }][] = [
    ['RestException 401 20003', { status: 401, code: 20003, message: 'Authenticate' }, { retryable: false, reason: 'auth' }],
    ['20003 under 403', { status: 403, code: 20003 }, { retryable: false, reason: 'auth' }],
    ['21614 not mobile', { status: 400, code: 21614 }, { retryable: false, reason: 'invalid_recipient' }],
    ['21612 unreachable', { status: 400, code: 21612 }, { retryable: false, reason: 'invalid_recipient' }],
    ['21408 region', { status: 400, code: 21408 }, { retryable: false, reason: 'invalid_recipient' }],
    ['21606 sender', { status: 400, code: 21606 }, { retryable: false, reason: 'auth' }],
    ['unknown 400', { status: 400, code: 21999 }, { retryable: false, reason: 'bad_request' }],
    ['404', { status: 404, code: 20404 }, { retryable: false, reason: 'rejected' }],
    ['503', { status: 503 }, { retryable: true, reason: 'unavailable' }],
    ['14107 send rate', { status: 400, code: 14107 }, { retryable: true, reason: 'rate_limited' }],
    ['ETIMEDOUT', Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }), { retryable: true, reason: 'network' }],
    ['axios timeout', Object.assign(new Error('timeout of 5000ms exceeded'), { code: 'ECONNABORTED' }), { retryable: true, reason: 'network' }],
    ['socket hang up', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), { retryable: true, reason: 'network' }],
    ['a bug', new TypeError('x is undefined'), { retryable: true, reason: 'unknown' }],
  ];
  it.each(cases)('%s', (_name, err, expected) => {
    expect(classifyTwilioError(err, 'messages.create')).toMatchObject(expected);
  });
});
