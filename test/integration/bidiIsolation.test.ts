/**
 * Bidirectional controls in data (issue 10.6): a tenant named "Evil\u202E Corp" must not reverse
 * what follows its name (the period, a figure) in the PDF, the email subject and body, and Slack;
 * SMS drops the controls. The PDF is read back as text: an override that leaked shows the rest of
 * the line reversed ("6202 rebmevoN").
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { herald } from '../helpers/cli.js';
import { pdfText } from '../helpers/pdfText.js';
import { hasBidiControls, isolateBidi, isolateBidiDeep, stripBidi } from '../../src/render/bidi.js';
import { renderEmail } from '../../src/delivery/email/renderEmail.js';
import { slackDigest } from '../../src/delivery/slack/slackDigest.js';
import { alertEmail, alertSlack, smsBody, type AlertNotice } from '../../src/alerts/alertMessages.js';

const RLO = '\u202E';
const PDI = '\u2069';
const FSI = '\u2068';
const EVIL = `Evil${RLO} Corp`;

describe('isolateBidi', () => {
  it('leaves plain text alone and isolates text with a bidi control', () => {
    expect(isolateBidi('Acme & Co')).toBe('Acme & Co');
    expect(isolateBidi(EVIL)).toBe(`${FSI}${EVIL}${PDI}`);
  });

  it('drops a stray PDI that would close the isolate early, and closes isolates left open', () => {
    // "x PDI RLO y": unbalanced, the PDI would end our isolate and the RLO would apply after it
    expect(isolateBidi(`x${PDI}${RLO}y`)).toBe(`${FSI}x${RLO}y${PDI}`);
    expect(isolateBidi(`a${FSI}b`)).toBe(`${FSI}a${FSI}b${PDI}${PDI}`);
    // already isolated: kept as is, wrapped once more
    expect(isolateBidi(isolateBidi(EVIL))).toBe(`${FSI}${FSI}${EVIL}${PDI}${PDI}`);
  });

  it('maps a view context deeply, and returns the same object when nothing needs it', () => {
    const clean = { tenant: { name: 'Acme' }, items: ['a', 1, null] };
    expect(isolateBidiDeep(clean)).toBe(clean);
    const hostile = { tenant: { name: EVIL }, items: [{ title: `t${RLO}` }], n: 3, when: new Date(0) };
    const out = isolateBidiDeep(hostile);
    expect(out).not.toBe(hostile);
    expect(out).toEqual({ tenant: { name: `${FSI}${EVIL}${PDI}` }, items: [{ title: `${FSI}t${RLO}${PDI}` }], n: 3, when: new Date(0) });
    expect(hostile.tenant.name).toBe(EVIL);   // the data object itself is untouched
  });

  it('strips every control for SMS', () => {
    expect(stripBidi(`a\u200Fb${RLO}c\u2066d${PDI}`)).toBe('abcd');
    expect(hasBidiControls(stripBidi(EVIL))).toBe(false);
  });
});

let t: TestDatabase;
let dir: string;
let data: Parameters<typeof renderEmail>[0];
let pdf: Buffer;
beforeAll(async () => {
  t = await createTestDatabase();
  await t.db.exec(`INSERT INTO tenants (id, name, timezone) VALUES ('evil', '${EVIL}', 'UTC')`);
  await t.db.exec(`INSERT INTO deliverability_daily_summary (tenant_id, tracking_date, emails_sent, emails_delivered, emails_bounced, emails_spam)
                   SELECT 'evil', d::date, 1000, 990, 8, 2 FROM generate_series('2026-10-01'::date, '2026-11-30'::date, '1 day') d`);
  dir = await mkdtemp(path.join(tmpdir(), 'herald-bidi-'));
  const json = await herald(['preview', 'executive-summary', '--tenant', 'evil', '--period', '2026-11', '--format', 'json'], { DATABASE_URL: t.url });
  expect(json.stderr).toBe('');
  data = JSON.parse(json.stdout);
  expect(data.tenant.name).toBe(EVIL);   // the data object keeps the name as stored
  const out = path.join(dir, 'evil.pdf');
  const r = await herald(['preview', 'executive-summary', '--tenant', 'evil', '--period', '2026-11', '--out', out], { DATABASE_URL: t.url });
  expect(r.stderr).toBe('');
  pdf = await readFile(out);
}, 120_000);
afterAll(async () => {
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a tenant name with U+202E', () => {
  it('does not reverse what follows it on the PDF\'s lines', async () => {
    const { text } = await pdfText(pdf);
    expect(text).toContain('November 2026');
    expect(text).not.toMatch(/6202 rebmevoN/);
    // the page header and the section headings name the tenant, then the period in reading order:
    // the override reverses the name's own text ("proC") and nothing after it
    expect(text).toMatch(/Evil ?proC · November 2026/);
    expect(text).toMatch(/Executive summary · Evil ?proC/);
  });

  it('is isolated in the email subject, its HTML and text parts', () => {
    const email = renderEmail(data, 'brief');
    expect(email.subject).toContain(`${FSI}${EVIL}${PDI} · Executive summary`);
    expect(email.html).toContain(`${FSI}${EVIL}${PDI}`);
    expect(email.text).toContain(`${FSI}${EVIL}${PDI}`);
    // no bare occurrence of the name (every one is inside an isolate)
    for (const part of [email.subject, email.html, email.text]) expect(part.split(`${FSI}${EVIL}${PDI}`).join('')).not.toContain(RLO);
  });

  it('is isolated in the Slack digest', () => {
    const slack = slackDigest(data, 'brief');
    const all = JSON.stringify(slack);
    expect(all).toContain(JSON.stringify(`${FSI}${EVIL}${PDI}`).slice(1, -1));
    expect(all.split(JSON.stringify(`${FSI}${EVIL}${PDI}`).slice(1, -1)).join('')).not.toContain('\\u202e');
    expect(all.split(`${FSI}${EVIL}${PDI}`).join('')).not.toContain(RLO);
  });

  it('is isolated in an alert\'s email and Slack message, and dropped from its SMS', () => {
    const n: AlertNotice = {
      alertId: 7, code: '4821', rule: 'deliverability', tenantName: EVIL, timezone: 'UTC', severity: 'critical', step: 'fire',
      short: 'bounce 17.0% > 15%, $112 at risk', summary: 'Bounce rate 17.0% is above the 15% critical threshold; $112 of revenue at risk.',
      atRisk: 112, firedAt: '2026-03-10T11:00:00Z', at: '2026-03-10T11:00:00Z', test: false,
    };
    const sms = smsBody([n]);
    expect(sms).toContain('Evil Corp');
    expect(hasBidiControls(sms)).toBe(false);
    const email = alertEmail(n);
    expect(email.subject).toContain(`${FSI}${EVIL}${PDI} · alert 4821`);
    // the body names the tenant isolated or stripped of the control (as its SMS lines do), never bare
    for (const part of [email.subject, email.html, email.text]) {
      expect(part).toMatch(/Evil Corp|\u2068Evil\u202E Corp\u2069/);
      expect(part.split(`${FSI}${EVIL}${PDI}`).join('')).not.toContain(RLO);
    }
    const slack = JSON.stringify(alertSlack(n));
    expect(slack.split(`${FSI}${EVIL}${PDI}`).join('')).not.toContain(RLO);
    expect(slack).toContain(`${FSI}${EVIL}${PDI}`);
  });
});
