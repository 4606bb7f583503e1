import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { insertAcmeFixture } from '../helpers/fixture.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { herald, type CliResult } from '../helpers/cli.js';
import { pdfText } from '../helpers/pdfText.js';
import { addRecipient } from '../../src/recipients/recipientsRepo.js';
import { messageIdFor } from '../../src/delivery/email/emailChannel.js';

/**
 * `herald run <schedule-id>` through the real CLI (a child process) against a fresh database,
 * a config file in a temp dir (--config) and an SMTP sink in this process. The CLI's clock is the
 * real one: every period used here is named explicitly (--period / --from --to), so the results do
 * not depend on the day the suite runs.
 *
 * The tests of this file share state on purpose and run in order: dry run first (nothing exists
 * yet), then the first send, the rerun, --force, the ranges.
 */

let t: TestDatabase;
let smtp: SmtpSink;
let dir: string;
let archiveDir: string;
let configFile: string;

const KEY = (recipient: number, period = '2026-11') => `monthly-exec:executive-summary:acme:${period}:email:${recipient}`;
const angle = (id: string) => id.replace(/^<?/, '<').replace(/>?$/, '>');

beforeAll(async () => {
  t = await createTestDatabase();
  await insertAcmeFixture(t.db);
  smtp = await startSmtpSink();
  dir = await mkdtemp(path.join(tmpdir(), 'herald-run-'));
  archiveDir = path.join(dir, 'archive');
  configFile = path.join(dir, 'herald.yaml');
  await writeFile(configFile, [
    'timezone: UTC',
    `archiveDir: ${JSON.stringify(archiveDir)}`,
    'delivery:',
    '  from: "Herald <herald@test>"',
    'schedules:',
    '  - id: monthly-exec',
    '    report: executive-summary',
    '    every: monthly',
    '    at: "08:00"',
    '    deliver:',
    '      - { channel: email, to: [c-suite] }',
    '  - id: weekly-exec',
    '    report: executive-summary',
    '    every: weekly',
    '    deliver:',
    '      - { channel: email, to: [c-suite] }',
    '',
  ].join('\n'));
  await addRecipient(t.db, { tenantId: 'acme', name: 'Ada CEO', role: 'CEO', email: 'ada@acme.test', groups: ['c-suite'] });   // id 1
  await addRecipient(t.db, { tenantId: 'acme', name: 'Fin CFO', role: 'CFO', email: 'fin@acme.test', groups: ['c-suite', 'finance'] });   // id 2
  await addRecipient(t.db, { tenantId: 'acme', name: 'Ops Only', email: 'ops@acme.test', groups: ['ops'] });   // not in c-suite
});
afterAll(async () => {
  await smtp?.close();
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return herald(['--config', configFile, 'run', ...args], { DATABASE_URL: t.url, SOURCE_DATABASE_URL: '', SMTP_URL: smtp.url, SLACK_TOKEN: '', ...env });
}

const outbox = async () => (await t.db.query<{ delivery_key: string; status: string; run_id: string; provider_id: string | null }>(
  `SELECT delivery_key, status, run_id, provider_id FROM herald.outbox ORDER BY id`)).rows;
const runs = async () => (await t.db.query<{ id: string; period_label: string; status: string; artifact_path: string | null; artifact_sha256: string | null }>(
  `SELECT id, period_label, status, artifact_path, artifact_sha256 FROM herald.runs ORDER BY id`)).rows;
const archived = async () => (await readdir(archiveDir, { recursive: true }).catch(() => [] as string[])).filter((f) => f.endsWith('.pdf'));

describe.concurrent('herald run: bad input exits 2 with one line naming the field, before rendering anything', () => {
  const cases: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
    ['unknown schedule id', ['nightly', '--period', '2026-11'], {}, /^herald: schedule-id: unknown schedule "nightly" \(configured: monthly-exec, weekly-exec\)\n$/],
    ['a week on a monthly schedule', ['monthly-exec', '--period', '2026-W47'], {}, /^herald: --period: "2026-W47" is a week; this schedule delivers one brief a month\n$/],
    ['a month on a weekly schedule', ['weekly-exec', '--period', '2026-11'], {}, /^herald: --period: "2026-11" is a month; this schedule delivers one brief a week\n$/],
    ['a period that does not parse', ['monthly-exec', '--period', '2026-13'], {}, /^herald: --period: period "2026-13": month must be 01–12\n$/],
    ['--from without --to', ['monthly-exec', '--from', '2026-10'], {}, /^herald: --to: required with --from\n$/],
    ['--to without --from', ['monthly-exec', '--to', '2026-10'], {}, /^herald: --from: required with --to\n$/],
    ['--to before --from', ['monthly-exec', '--from', '2026-11', '--to', '2026-09'], {}, /^herald: --to: "2026-09" is before --from "2026-11"\n$/],
    ['--from of the wrong kind', ['monthly-exec', '--from', '2026-11-01', '--to', '2026-11'], {}, /^herald: --from: "2026-11-01" is a day; this schedule delivers one brief a month\n$/],
    ['--period with --from', ['monthly-exec', '--period', '2026-11', '--from', '2026-10', '--to', '2026-11'], {}, /^herald: --period: use either --period or --from\/--to\n$/],
    ['unknown --tenant', ['monthly-exec', '--period', '2026-11', '--tenant', 'nope'], {}, /^herald: --tenant: unknown tenant "nope"\n$/],
    ['email without SMTP_URL', ['monthly-exec', '--period', '2026-11', '--tenant', 'acme'], { SMTP_URL: '' },
      /^herald: SMTP_URL: not set: schedule monthly-exec delivers by email \(--dry-run renders without sending\)\n$/],
  ];
  it.each(cases)('%s', async (_name, args, env, stderr) => {
    const r = await run(args, env);
    expect(r.stderr).toMatch(stderr);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});

describe('after bad input', () => {
  it('wrote nothing: no runs, no outbox rows, no archived PDF, no email', async () => {
    expect(await runs()).toEqual([]);
    expect(await outbox()).toEqual([]);
    expect(await archived()).toEqual([]);
    expect(smtp.messages).toHaveLength(0);
  });
});

describe('herald run monthly-exec', () => {
  it('--dry-run renders and checks but archives and sends nothing (exit 0)', async () => {
    const r = await run(['monthly-exec', '--period', '2026-11', '--tenant', 'acme', '--dry-run'], { SMTP_URL: '' });   // no channel needed
    expect(r.stderr).toBe('[1/1] acme 2026-11: dry-run\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('dry run: 1 brief(s) rendered and checked, nothing archived or sent; 0 would be held\n');
    expect(await outbox()).toEqual([]);
    expect(await runs()).toEqual([]);              // no run record, so no artifact either
    expect(await archived()).toEqual([]);
    expect(smtp.messages).toHaveLength(0);
  });

  it('--period 2026-11 --tenant acme sends the brief once to the c-suite, PDF attached (exit 0)', async () => {
    const r = await run(['monthly-exec', '--period', '2026-11', '--tenant', 'acme']);
    expect(r.stderr).toBe('[1/1] acme 2026-11: queued\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('1 brief(s): 1 queued, 0 held; deliveries: 2 sent, 0 already sent before (not resent without --force), '
      + '0 waiting to retry, 0 dead (attempted now: 2)\n');

    // The dispatcher ran inside the command: the mail is already in the sink when it exits.
    expect(smtp.messages.map((m) => m.envelope.rcptTo[0]).sort()).toEqual(['ada@acme.test', 'fin@acme.test']);
    const [run1] = await runs();
    expect(run1).toMatchObject({ period_label: '2026-11', status: 'rendered' });
    expect(run1.artifact_path!.startsWith(archiveDir)).toBe(true);
    expect(await archived()).toHaveLength(1);
    for (const mail of smtp.messages) {
      expect(mail.subject).toContain('November 2026');
      expect(mail.envelope.mailFrom).toBe('herald@test');
      const pdf = mail.attachments.filter((a) => a.contentType === 'application/pdf');
      expect(pdf).toHaveLength(1);
      expect(createHash('sha256').update(pdf[0].content).digest('hex')).toBe(run1.artifact_sha256);
    }
    expect((await pdfText(smtp.messages[0].attachments.find((a) => a.contentType === 'application/pdf')!.content)).text).toContain('November 2026');
    expect(smtp.byMessageId(messageIdFor(KEY(1)))?.envelope.rcptTo).toEqual(['ada@acme.test']);
    expect(smtp.byMessageId(messageIdFor(KEY(2)))?.envelope.rcptTo).toEqual(['fin@acme.test']);
    expect((await outbox()).map((o) => [o.delivery_key, o.status, o.run_id])).toEqual([
      [KEY(1), 'sent', run1.id],
      [KEY(2), 'sent', run1.id],
    ]);
  });

  it('run again: nothing new is sent (exit 0, the summary says the two were sent before)', async () => {
    const r = await run(['monthly-exec', '--period', '2026-11', '--tenant', 'acme']);
    expect(r.stderr).toBe('[1/1] acme 2026-11: queued\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('1 brief(s): 1 queued, 0 held; deliveries: 0 sent, 2 already sent before (not resent without --force), '
      + '0 waiting to retry, 0 dead (attempted now: 0)\n');
    expect(smtp.messages).toHaveLength(2);
    const all = await runs();
    expect(all).toHaveLength(2);                                     // the rerun is rendered, recorded and archived…
    expect(await archived()).toHaveLength(2);
    expect((await outbox()).map((o) => o.run_id)).toEqual([all[0].id, all[0].id]);   // …but the deliveries stay the first run's
  });

  it('--force resends, with the same delivery keys and so the same Message-IDs', async () => {
    const first = smtp.messages.map((m) => m.messageId).sort();
    const r = await run(['monthly-exec', '--period', '2026-11', '--tenant', 'acme', '--force']);
    expect(r.stderr).toBe('[1/1] acme 2026-11: queued\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^1 brief\(s\): 1 queued, 0 held; deliveries: 2 sent, 0 already sent before/);
    expect(smtp.messages).toHaveLength(4);
    expect(smtp.messages.slice(2).map((m) => m.messageId).sort()).toEqual(first);
    expect(first).toEqual([angle(messageIdFor(KEY(1))), angle(messageIdFor(KEY(2)))].sort());
    // The resent keys now point at the forcing run, and the mail carries that run's artifact (a
    // fresh rendering: PDFs are not byte-stable); the first run's artifact stays archived.
    const all = await runs();
    expect((await outbox()).map((o) => [o.delivery_key, o.status, o.run_id])).toEqual([
      [KEY(1), 'sent', all[2].id],
      [KEY(2), 'sent', all[2].id],
    ]);
    for (const m of smtp.messages.slice(2)) {
      const pdf = m.attachments.find((a) => a.contentType === 'application/pdf')!;
      expect(createHash('sha256').update(pdf.content).digest('hex')).toBe(all[2].artifact_sha256);
    }
    expect(await archived()).toHaveLength(3);
  });

  it('--from 2026-10 --to 2026-11 makes the briefs in order; November is not sent again (exit 0)', async () => {
    // October passes its pre-send checks: freshness looks at the newest daily summary and event of
    // the tenant, which reach 30 November and 1 December, and October renders within 2–4 pages.
    const r = await run(['monthly-exec', '--from', '2026-10', '--to', '2026-11', '--tenant', 'acme']);
    expect(r.stderr).toBe('[1/2] acme 2026-10: queued\n[2/2] acme 2026-11: queued\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('2 brief(s): 2 queued, 0 held; deliveries: 2 sent, 2 already sent before (not resent without --force), '
      + '0 waiting to retry, 0 dead (attempted now: 2)\n');
    const fresh = smtp.messages.slice(4);
    expect(fresh.map((m) => m.envelope.rcptTo[0]).sort()).toEqual(['ada@acme.test', 'fin@acme.test']);
    for (const m of fresh) expect(m.subject).toContain('October 2026');
    const periods = (await runs()).slice(3).map((x) => x.period_label);
    expect(periods).toEqual(['2026-10', '2026-11']);                 // rendered in order
  });

  it('a brief held by its freshness check: the progress line says held, nothing is sent, exit 1', async () => {
    // November's last daily summary has not arrived (taken out for this test): the brief is stale
    // and held, even when forced (a forced resend is still checked).
    const { rows: [missing] } = await t.db.query(`DELETE FROM deliverability_daily_summary WHERE tenant_id = 'acme' AND tracking_date = '2026-11-30' RETURNING *`);
    try {
      const sentBefore = smtp.messages.length;
      const r = await run(['monthly-exec', '--period', '2026-11', '--tenant', 'acme', '--force']);
      expect(r.stderr).toBe('[1/1] acme 2026-11: held (daily summaries reach 2026-11-29, the period ends 2026-11-30)\n');
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^1 brief\(s\): 0 queued, 1 held; deliveries: 0 sent, /);
      expect(smtp.messages).toHaveLength(sentBefore);
      const held = (await runs()).filter((x) => x.period_label === '2026-11' && x.status === 'held');
      expect(held).toHaveLength(1);
      const checks = (await t.db.query<{ checks: { stale: boolean; problems: { check: string; message: string }[] } }>(
        `SELECT checks FROM herald.runs WHERE id = $1`, [held[0].id])).rows[0].checks;
      expect(checks.stale).toBe(true);
      expect(checks.problems[0]).toEqual({ check: 'freshness', message: 'daily summaries reach 2026-11-29, the period ends 2026-11-30' });

      // A dry run reports what would be held and still exits 0.
      const dry = await run(['monthly-exec', '--period', '2026-11', '--tenant', 'acme', '--dry-run']);
      expect(dry.stderr).toMatch(/^\[1\/1\] acme 2026-11: dry-run, would be held \(daily summaries reach 2026-11-29, .*\)\n$/);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toBe('dry run: 1 brief(s) rendered and checked, nothing archived or sent; 1 would be held\n');
    } finally {
      await t.db.query(`INSERT INTO deliverability_daily_summary SELECT * FROM json_populate_record(NULL::deliverability_daily_summary, $1)`, [JSON.stringify(missing)]);
    }
  });

  it('refuses a month that is not over (SPEC §3): exit 2 naming --to, nothing rendered', async () => {
    const before = (await runs()).length;
    const r = await run(['monthly-exec', '--from', '2026-11', '--to', '2099-12', '--tenant', 'acme']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^herald: --to: period "2099-12" has not begun: it starts /);
    expect((await runs()).length).toBe(before);
  });

  it('sends its own deliveries only: another schedule\'s due delivery is left to the workers', async () => {
    const other = (await t.db.query<{ id: string }>(
      `INSERT INTO herald.runs (report, scope, tenant_id, period_label, period_start, period_end, timezone, trigger, status)
       VALUES ('executive-summary', 'acme', 'acme', '2026-W40', '2026-09-28', '2026-10-05', 'UTC', 'schedule', 'rendered') RETURNING id`)).rows[0].id;
    await t.db.query(
      `INSERT INTO herald.outbox (delivery_key, schedule_id, report, tenant_id, period_label, channel, recipient_id, run_id, kind, next_attempt_at)
       VALUES ('weekly-exec:executive-summary:acme:2026-W40:email:1', 'weekly-exec', 'executive-summary', 'acme', '2026-W40', 'email', 1, $1, 'brief', now() - interval '1 minute')`, [other]);
    try {
      const r = await run(['monthly-exec', '--period', '2026-09', '--tenant', 'acme']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/deliveries: 2 sent, .*\(attempted now: 2\)\n$/);
      expect(smtp.messages).toHaveLength(8);
      expect(smtp.messages.slice(6).map((m) => m.subject ?? '').every((subject) => subject.includes('September 2026'))).toBe(true);
      const left = (await t.db.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM herald.outbox WHERE run_id = $1`, [other])).rows;
      expect(left).toEqual([{ status: 'pending', attempts: 0 }]);
    } finally {
      await t.db.query(`DELETE FROM herald.outbox WHERE run_id = $1`, [other]);
      await t.db.query(`DELETE FROM herald.runs WHERE id = $1`, [other]);
    }
  });
});
