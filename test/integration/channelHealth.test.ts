import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { startSlackStandIn, type SlackStandIn } from '../helpers/slackStandIn.js';
import { herald } from '../helpers/cli.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { checkChannels, noticeChannelProblems } from '../../src/delivery/channelHealth.js';
import { createEmailChannel } from '../../src/delivery/email/emailChannel.js';
import { createSlackChannel } from '../../src/delivery/slack/slackChannel.js';
import { OperatorNotices } from '../../src/ops/operatorNotices.js';
import { slackNoticeForwarder } from '../../src/ops/slackNoticeForwarder.js';
import { HeraldMetrics } from '../../src/ops/metrics.js';
import { silentLogger } from '../../src/ops/logger.js';

let t: TestDatabase;
let smtp: SmtpSink;
let slack: SlackStandIn;
let dir: string;
const TOKEN = 'xoxb-test-token';

beforeAll(async () => {
  t = await createTestDatabase();
  smtp = await startSmtpSink();
  slack = await startSlackStandIn({ channels: ['C0123ABCD', 'C0OPS0001'] });
  dir = await mkdtemp(path.join(tmpdir(), 'herald-health-'));
  await t.db.exec(`
    INSERT INTO tenants (id, name) VALUES ('acme', 'Acme');
    INSERT INTO herald.recipients (tenant_id, name, slack_channel) VALUES ('acme', 'Known', 'C0123ABCD'), ('acme', 'Lost', 'C0GONE0001');
  `);
});
afterAll(async () => {
  await smtp?.close();
  await slack?.close();
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const config = parseConfig({ schedules: [{ id: 'w', report: 'executive-summary', every: 'weekly', deliver: [{ channel: 'email', to: ['c-suite'] }, { channel: 'slack', to: ['c-suite'] }, { channel: 'sms', to: ['on-call'] }] }] });

describe('channel health', () => {
  it('finds an unknown Slack channel, a dead SMTP server and a channel no one configured', async () => {
    await smtp.stop();
    try {
      const reports = await checkChannels(t.db, config, {
        email: createEmailChannel({ smtpUrl: smtp.url, from: 'Herald <h@test>' }),
        slack: createSlackChannel({ token: TOKEN, apiUrl: slack.url, retries: 0 }),
      });
      const by = Object.fromEntries(reports.map((r) => [r.channel, r]));
      expect(by.slack.ok).toBe(false);
      expect(by.slack.problems.join('\n')).toContain('C0GONE0001');
      expect(by.slack.problems.join('\n')).not.toContain('C0123ABCD');
      expect(by.email.ok).toBe(false);
      expect(by.sms.problems[0]).toMatch(/^sms: a schedule or an alert route delivers by sms but it is not configured/);

      const metrics = new HeraldMetrics();
      const notices = new OperatorNotices({ db: t.db, logger: silentLogger, metrics, forward: slackNoticeForwarder({ token: TOKEN, apiUrl: slack.url, channel: 'C0OPS0001' }) });
      await noticeChannelProblems(notices, reports, '2026-11-22');
      await noticeChannelProblems(notices, reports, '2026-11-22');   // a restart the same day: no new notices
      const rows = await t.db.query(`SELECT * FROM herald.operator_notices WHERE kind = 'channel-unhealthy'`);
      expect(rows.rows.length).toBe(reports.reduce((n, r) => n + r.problems.length, 0));
      // Each notice also reached the ops channel, once.
      const ops = slack.messages.filter((m) => m.channel === 'C0OPS0001');
      expect(ops).toHaveLength(rows.rows.length);
      expect(ops.some((m) => String(m.text).includes('C0GONE0001'))).toBe(true);
    } finally {
      await smtp.restart();
    }
  });

  it('herald config check --live: exit 1 with each problem; no secret in the output', async () => {
    const file = path.join(dir, 'herald.yaml');
    await writeFile(file, JSON.stringify({ schedules: [{ id: 'w', report: 'executive-summary', every: 'weekly', deliver: [{ channel: 'email', to: ['c-suite'] }, { channel: 'slack', to: ['c-suite'] }] }] }));
    const smtpWithPassword = smtp.url.replace('smtp://', 'smtp://herald:pa55w0rd-SECRET@');
    const bad = await herald(['config', 'check', file, '--live'], { DATABASE_URL: t.url, SMTP_URL: smtpWithPassword, SLACK_TOKEN: 'xoxb-WRONG-SECRET-TOKEN', SLACK_API_URL: slack.url });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^slack: PROBLEM$/m);
    expect(bad.stdout + bad.stderr).not.toMatch(/pa55w0rd-SECRET|WRONG-SECRET-TOKEN/);
    // A server that requires AUTH, and no credentials in SMTP_URL: every send would fail with 530.
    const guarded = await startSmtpSink({ credentials: { user: 'herald', pass: 'secret' } });
    try {
      const noAuth = await herald(['config', 'check', file, '--live'], { DATABASE_URL: t.url, SMTP_URL: guarded.url, SLACK_TOKEN: TOKEN, SLACK_API_URL: slack.url });
      expect(noAuth.code).toBe(1);
      expect(noAuth.stdout).toContain(`email: PROBLEM\n  email: SMTP server 127.0.0.1:${guarded.port} requires AUTH (530) and SMTP_URL has no user and password\n`);
    } finally {
      await guarded.close();
    }
    const good = await herald(['config', 'check', file, '--live'], { DATABASE_URL: t.url, SMTP_URL: smtp.url, SLACK_TOKEN: TOKEN, SLACK_API_URL: slack.url });
    expect(good.stdout).toMatch(/^email: ok$/m);
    expect(good.stdout).toMatch(/C0GONE0001/);   // the lost channel is still reported
    expect(good.code).toBe(1);
  });
});
