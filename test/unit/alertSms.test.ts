import { describe, expect, it } from 'vitest';
import { alertEmail, alertSlack, smsBody, type AlertNotice } from '../../src/alerts/alertMessages.js';
import { planSms, type GroupingPolicy, type SmsIntent } from '../../src/alerts/smsGrouping.js';
import { DEFAULT_SNOOZE_MS, MAX_SNOOZE_MS, parseReply } from '../../src/alerts/smsReplies.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import { smsSegments } from '../../src/delivery/sms/smsSegments.js';
import type { Severity } from '../../src/report/types.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const NOW = new Date('2026-03-10T12:00:00Z');   // 13:00 in Berlin, 08:00 EDT in New York
const ago = (ms: number) => new Date(NOW.getTime() - ms);

function notice(over: Partial<AlertNotice> = {}): AlertNotice {
  return {
    alertId: 7, code: '4821', rule: 'deliverability', tenantName: 'Acme Mail Co', timezone: 'Europe/Berlin',
    severity: 'critical', step: 'fire', short: 'bounce 17.0% > 15%, $112 at risk',
    summary: 'Bounce rate 17.0% is above the 15% critical threshold; $112 of revenue at risk.', atRisk: 112,
    firedAt: '2026-03-10T11:00:00Z', at: '2026-03-10T11:00:00Z', test: false, ...over,
  };
}

let nextIntent = 1;
function intent(recipientId: number, severity: Severity, createdAt: Date, over: Partial<AlertNotice> = {}): SmsIntent {
  const id = nextIntent++;
  return { id, recipientId, severity, createdAt, notice: notice({ alertId: 100 + id, code: String(4800 + id), severity, ...over }) };
}

const POLICY: GroupingPolicy = { groupWaitMs: defaultAlertSettings.groupWait, maxPerHour: defaultAlertSettings.maxSmsPerHour };
const BERLIN = () => 'Europe/Berlin';
/** `n` SMS sent to a recipient, the oldest `oldest` ago, then one a minute. */
const sent = (recipientId: number, n: number, oldest: number) =>
  new Map([[recipientId, Array.from({ length: n }, (_, i) => ago(oldest - i * M))]]);

// Grouping: a recipient's waiting notices go as one SMS once the oldest has waited the groupWait
// of the worst severity among them (critical 0 s: at once; high 30 s).
describe('planSms: grouping', () => {
  it('sends a critical notice at once', () => {
    const i = intent(1, 'critical', NOW);
    const out = planSms([i], new Map(), NOW, POLICY, BERLIN);
    expect(out).toEqual([{ recipientId: 1, intentIds: [i.id], severity: 'critical', body: smsBody([i.notice]) }]);
  });

  it('holds high notices for 30 s, then sends them as one SMS', () => {
    const a = intent(1, 'high', ago(29 * S));
    const b = intent(1, 'high', ago(10 * S));
    expect(planSms([a, b], new Map(), NOW, POLICY, BERLIN)).toEqual([]);
    const later = new Date(NOW.getTime() + S);   // the oldest has now waited 30 s
    const out = planSms([a, b], new Map(), later, POLICY, BERLIN);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ recipientId: 1, intentIds: [a.id, b.id], severity: 'high' });
    expect(out[0].body).toContain(`Reply ACK <code>: ${a.notice.code}, ${b.notice.code}`);
  });

  it('takes a waiting high notice along with a critical one, at once', () => {
    const h = intent(1, 'high', ago(5 * S));
    const c = intent(1, 'critical', NOW);
    const out = planSms([c, h], new Map(), NOW, POLICY, BERLIN);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ intentIds: [h.id, c.id], severity: 'critical' });
    expect(out[0].body.startsWith('CRITICAL 2 alerts for Acme Mail Co: ')).toBe(true);
  });

  it('plans one SMS per recipient', () => {
    const out = planSms([intent(1, 'critical', NOW), intent(2, 'critical', NOW), intent(1, 'critical', NOW)], new Map(), NOW, POLICY, BERLIN);
    expect(out.map((o) => [o.recipientId, o.intentIds.length])).toEqual([[1, 2], [2, 1]]);
  });

  it('says an alert once, by its latest notice, when several of its notices wait', () => {
    const fire = intent(1, 'critical', ago(40 * M));
    const repeat = { ...intent(1, 'critical', ago(10 * M)), notice: { ...fire.notice, step: 'repeat-1', at: ago(10 * M).toISOString() } };
    const out = planSms([fire, repeat], new Map(), NOW, POLICY, BERLIN);
    expect(out[0].intentIds).toEqual([fire.id, repeat.id]);
    expect(out[0].body).toBe(smsBody([repeat.notice]));
    expect(out[0].body.match(new RegExp(fire.notice.code, 'g'))).toHaveLength(1);
  });
});

// The per-hour cap: at most maxSmsPerHour (10) per recipient in any hour; the 10th says so and
// when texts resume (recipient's zone); while capped nothing goes, then the overflow goes as one.
describe('planSms: maxSmsPerHour', () => {
  it('adds the cap note to the 10th SMS of the hour, with the resume time in the recipient zone', () => {
    // Oldest sent 50 min ago (11:10Z): it ages out at 12:10Z = 13:10 in Berlin, 08:10 EDT in New York.
    const i = intent(1, 'critical', NOW);
    const [berlin] = planSms([i], sent(1, 9, 50 * M), NOW, POLICY, BERLIN);
    expect(berlin.body).toContain('SMS limit 10/h reached');
    expect(berlin.body).toMatch(/SMS limit 10\/h reached.*texts resume 13:10$/);
    expect(berlin.body).toContain(`Reply ACK ${i.notice.code}`);
    expect(smsSegments(berlin.body).segments).toBeLessThanOrEqual(2);
    const [ny] = planSms([i], sent(1, 9, 50 * M), NOW, POLICY, () => 'America/New_York');
    expect(ny.body).toMatch(/texts resume 08:10$/);
  });

  it('adds no cap note below the 10th', () => {
    const [out] = planSms([intent(1, 'critical', NOW)], sent(1, 8, 50 * M), NOW, POLICY, BERLIN);
    expect(out.body).not.toContain('SMS limit');
  });

  it('counts only the last hour', () => {
    // 10 sent, but the oldest exactly an hour ago: 9 in the last hour.
    const [out] = planSms([intent(1, 'critical', NOW)], sent(1, 10, H), NOW, POLICY, BERLIN);
    expect(out.body).toContain('SMS limit 10/h reached');
  });

  it('plans nothing with 10 sent in the last hour, then folds the waiting ones into ONE SMS', () => {
    const history = sent(1, 10, 50 * M);    // 11:10Z … 11:19Z
    const waiting = [
      intent(1, 'critical', ago(20 * M)),
      intent(1, 'critical', ago(15 * M), { rule: 'revenue-impact', short: 'revenue impact -$12,500 (> $10,000)' }),
      intent(1, 'critical', ago(5 * M), { rule: 'cost-overrun', short: 'cost $1,300/mo is 130% of budget (> 120%)' }),
    ];
    expect(planSms(waiting, history, NOW, POLICY, BERLIN)).toEqual([]);
    expect(planSms(waiting, history, new Date('2026-03-10T12:09:59Z'), POLICY, BERLIN)).toEqual([]);

    // 12:10Z: the 11:10Z text ages out; one SMS carries all three, and it is the last of the hour again.
    const out = planSms(waiting, history, new Date('2026-03-10T12:10:00Z'), POLICY, BERLIN);
    expect(out).toHaveLength(1);
    expect(out[0].intentIds).toEqual(waiting.map((w) => w.id));
    const codes = waiting.map((w) => w.notice.code);
    expect(out[0].body.startsWith('CRITICAL 3 alerts for Acme Mail Co: ')).toBe(true);
    expect(out[0].body).toContain(`Reply ACK <code>: ${codes.join(', ')}`);
    expect(out[0].body).toMatch(/SMS limit 10\/h reached.*texts resume 13:11$/);   // next to age out: 11:11Z
    expect(smsSegments(out[0].body).segments).toBeLessThanOrEqual(2);
  });

  it('caps each recipient on their own', () => {
    const history = sent(1, 10, 50 * M);
    const out = planSms([intent(1, 'critical', NOW), intent(2, 'critical', NOW)], history, NOW, POLICY, BERLIN);
    expect(out.map((o) => o.recipientId)).toEqual([2]);
  });
});

// The SMS text: the exact single-alert wording, at most two segments, the reply code never cut,
// nothing unprintable from data.
describe('smsBody', () => {
  it('reads exactly as the spec example for a single fire notice', () => {
    expect(smsBody([notice()])).toBe('CRITICAL Acme Mail Co: bounce 17.0% > 15%, $112 at risk. Reply ACK 4821');
  });

  it('has no reply instruction in a resolved notice', () => {
    const body = smsBody([notice({ step: 'resolve', at: '2026-03-10T12:00:00Z' })]);
    expect(body).not.toContain('Reply ACK');
    expect(body).toBe('RESOLVED Acme Mail Co: deliverability alert 4821 cleared after 1 h.');
  });

  it('shortens a 3-segment message to 2, keeping "Reply ACK 4821" whole', () => {
    const short = Array.from({ length: 40 }, (_, i) => `reason${i}`).join(' ');
    const natural = `CRITICAL Acme Mail Co: ${short}. Reply ACK 4821`;
    expect(smsSegments(natural)).toMatchObject({ encoding: 'GSM-7', segments: 3 });
    const body = smsBody([notice({ short })]);
    expect(smsSegments(body).segments).toBeLessThanOrEqual(2);
    expect(body.startsWith('CRITICAL Acme Mail Co: reason0 reason1')).toBe(true);
    expect(body.endsWith('Reply ACK 4821')).toBe(true);
    expect(body.length).toBeLessThan(natural.length);
  });

  it('fits a UCS-2 tenant name (emoji) in 2 segments and keeps the reply', () => {
    const tenantName = 'Acme 🚀 Mail';
    const body = smsBody([notice({ tenantName, short: Array.from({ length: 20 }, (_, i) => `reason${i}`).join(' ') })]);
    expect(smsSegments(body)).toMatchObject({ encoding: 'UCS-2' });
    expect(smsSegments(body).segments).toBeLessThanOrEqual(2);
    expect(body.startsWith(`CRITICAL ${tenantName}: `)).toBe(true);
    expect(body.endsWith('Reply ACK 4821')).toBe(true);
  });

  it('respects a configured maxSegments of 1', () => {
    const body = smsBody([notice({ short: 'x '.repeat(120).trim() })], { maxSegments: 1 });
    expect(smsSegments(body).segments).toBe(1);
    expect(body.endsWith('Reply ACK 4821')).toBe(true);
  });

  it('lets no control character of a tenant name or text into the SMS', () => {
    const body = smsBody([notice({ tenantName: 'Acme\u0007\r\nMail\u0000\u001b Co\u2028', short: 'bounce\t17.0%\u007f > 15%' })]);
    // eslint-disable-next-line no-control-regex
    expect(body).not.toMatch(/[\u0000-\u001f\u007f\u2028\u2029]/);
    expect(body).toBe('CRITICAL Acme Mail Co: bounce 17.0% > 15%. Reply ACK 4821');
  });

  it('lists several alerts with their codes', () => {
    const body = smsBody([notice(), notice({ alertId: 8, code: '4822', severity: 'high', rule: 'efficiency', short: 'efficiency score 65 < 70' })]);
    expect(body).toBe('CRITICAL 2 alerts for Acme Mail Co: bounce 17.0% > 15%, $112 at risk [4821]; efficiency score 65 < 70 [4822]. Reply ACK <code>: 4821, 4822');
  });

  it('asks no ACK for a resolved alert folded with an open one', () => {
    const body = smsBody([notice({ step: 'resolve' }), notice({ alertId: 8, code: '4822' })]);
    expect(body).toContain('resolved: deliverability [4821]');
    expect(body.endsWith('Reply ACK 4822')).toBe(true);
  });
});

// Replies: case and spacing do not matter; the carriers' keywords are honoured; what cannot be
// understood says why.
describe('parseReply', () => {
  it.each([
    ['ACK 4821', { kind: 'ack', codes: ['4821'] }],
    ['ack4821', { kind: 'ack', codes: ['4821'] }],
    ['  Ack   4821 ', { kind: 'ack', codes: ['4821'] }],
    ['ACK 4821 4822', { kind: 'ack', codes: ['4821', '4822'] }],
    ['ACK 4821, 4821', { kind: 'ack', codes: ['4821'] }],
    ['SNOOZE 4821 1h', { kind: 'snooze', code: '4821', forMs: 3_600_000 }],
    ['snooze 4821 30m', { kind: 'snooze', code: '4821', forMs: 1_800_000 }],
    ['snooze 4821', { kind: 'snooze', code: '4821', forMs: DEFAULT_SNOOZE_MS }],
    ['SNOOZE 4821 48h', { kind: 'snooze', code: '4821', forMs: MAX_SNOOZE_MS }],
    ['ESC 4821', { kind: 'esc', code: '4821' }],
    ['esc 4821', { kind: 'esc', code: '4821' }],
    ['STOP', { kind: 'stop' }],
    ['stop', { kind: 'stop' }],
    ['Unsubscribe', { kind: 'stop' }],
    ['START', { kind: 'start' }],
    ['HELP', { kind: 'help' }],
  ])('%j → %j', (text, expected) => {
    expect(parseReply(text)).toEqual(expected);
  });

  it('has a default snooze of 1 h and a cap of 24 h', () => {
    expect(DEFAULT_SNOOZE_MS).toBe(H);
    expect(MAX_SNOOZE_MS).toBe(24 * H);
  });

  it.each([['ACK'], ['ack '], ['SNOOZE'], ['ESC']])('%j without a code is unknown, with a reason naming the code', (text) => {
    const r = parseReply(text);
    expect(r.kind).toBe('unknown');
    expect(r.kind === 'unknown' && r.reason).toMatch(/code/);
  });

  it.each([['hello there'], ['4821'], ['OK thanks'], ['']])('%j is unknown', (text) => {
    const r = parseReply(text);
    expect(r.kind).toBe('unknown');
    expect(r.kind === 'unknown' && r.reason.length).toBeGreaterThan(0);
  });

  it('refuses a snooze it cannot read, or on two codes', () => {
    expect(parseReply('SNOOZE 4821 soon').kind).toBe('unknown');
    expect(parseReply('SNOOZE 4821 4822').kind).toBe('unknown');
    expect(parseReply('ESC 4821 4822').kind).toBe('unknown');
  });
});

// Email and Slack: the subject names severity, tenant and code; data never becomes markup
// (HTML-escaped in the email, Slack-escaped in every Slack text).
describe('alertEmail / alertSlack', () => {
  const hostile = 'Acme <script>alert(1)</script> & <!channel>';

  it('names severity, tenant and code in the subject', () => {
    const e = alertEmail(notice());
    expect(e.subject).toContain('CRITICAL');
    expect(e.subject).toContain('Acme Mail Co');
    expect(e.subject).toContain('4821');
    expect(e.text).toContain('To acknowledge: reply ACK 4821 to the alert SMS');
  });

  it('says resolved, without an ACK request, in a resolved email', () => {
    const e = alertEmail(notice({ step: 'resolve', at: '2026-03-10T12:00:00Z' }));
    expect(e.subject).toMatch(/Resolved/);
    expect(e.text).not.toContain('Reply ACK');
    expect(e.html).not.toContain('Reply ACK');
  });

  it('HTML-escapes a hostile tenant name in the email', () => {
    const e = alertEmail(notice({ tenantName: hostile }));
    expect(e.html).not.toContain('<script');
    expect(e.html).not.toContain('<!channel>');
    expect(e.html).toContain('Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;');
  });

  it('Slack-escapes a hostile tenant name in every Slack text', () => {
    const m = alertSlack(notice({ tenantName: hostile }));
    const texts: string[] = [];
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === 'text' && typeof x === 'string') texts.push(x);
          else collect(x);
        }
      }
    };
    collect(m);
    expect(texts.length).toBeGreaterThanOrEqual(3);
    for (const t of texts) {
      expect(t).not.toMatch(/[<>]/);
      expect(t).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    const withTenant = texts.filter((t) => t.includes('Acme'));
    expect(withTenant.length).toBeGreaterThanOrEqual(2);   // the fallback text and the header block
    for (const t of withTenant) expect(t).toContain('Acme &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;');
  });

  it('names the severity and code in Slack', () => {
    const m = alertSlack(notice());
    expect(m.text).toContain('CRITICAL');
    expect(JSON.stringify(m.blocks)).toContain('Alert 4821');
  });
});
