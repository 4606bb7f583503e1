import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { createTestDatabase, type TestDatabase } from '../helpers/testDb.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { startSlackStandIn, type SlackStandIn } from '../helpers/slackStandIn.js';
import { startWorker, type WorkerProcess } from '../helpers/workerProcess.js';
import { herald } from '../helpers/cli.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { scheduleHash } from '../../src/scheduler/Scheduler.js';
import { SAMPLE_SLACK_CHANNELS } from '../../src/demo/sampleRecipients.js';

// The README's walkthrough: `herald demo` on a database, then `herald worker --config
// config/demo.yaml` against a local SMTP server and Slack stand-in.
let t: TestDatabase;
let smtp: SmtpSink;
let slack: SlackStandIn;
let dir: string;
let configFile: string;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  t = await createTestDatabase({ migrate: false });
  smtp = await startSmtpSink();
  slack = await startSlackStandIn({ tokens: ['xoxb-dev-token'], channels: SAMPLE_SLACK_CHANNELS });
  dir = await mkdtemp(path.join(tmpdir(), 'herald-demo-worker-'));
  const demo = await herald(['demo', '--out', path.join(dir, 'briefs')], { DATABASE_URL: t.url });
  expect(demo.code).toBe(0);
  const raw = YAML.parse(await readFile('config/demo.yaml', 'utf8'));
  raw.archiveDir = path.join(dir, 'archive');
  raw.scheduler = { tickSeconds: 1 };
  configFile = path.join(dir, 'demo.yaml');
  await writeFile(configFile, YAML.stringify(raw));
  // As if the worker had been running until ten minutes ago: its next tick catches up the daily brief.
  for (const s of parseConfig(raw).schedules) {
    await t.db.query(`INSERT INTO herald.schedule_cursors (schedule_id, considered_until, definition_hash) VALUES ($1, now() - interval '10 minutes', $2)`, [s.id, scheduleHash(s)]);
  }
}, 120_000);

afterAll(async () => {
  for (const w of workers) w.kill();
  await smtp?.close();
  await slack?.close();
  await t?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const env = () => ({ DATABASE_URL: t.url, SMTP_URL: smtp.url, SLACK_TOKEN: 'xoxb-dev-token', SLACK_API_URL: slack.url });

async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the demo tenants, delivered by a worker', () => {
  it('every c-suite member gets the daily brief by email and Slack, once, across a restart and a second worker', async () => {
    const first = startWorker(['--config', configFile], env());
    workers.push(first);
    await first.port;
    // c-suite: northwind 2, bluepeak 1, copperleaf 2 by email; one Slack channel each.
    // Every delivery queued so far went out. The catch-up window may straddle a tenant's local
    // midnight: then that tenant's two days are each delivered once.
    // (The demo left its own local-outbox rows and its crisis' alerts; only the schedule's briefs count here.)
    const outbox = async () => (await t.db.query<{ channel: string; status: string; n: number }>(
      `SELECT channel, status, count(*)::int AS n FROM herald.outbox WHERE schedule_id IS NOT NULL GROUP BY 1, 2`)).rows;
    const briefMails = () => smtp.messages.filter((m) => String(m.headers.get('x-herald-delivery-key') ?? '').startsWith('demo-'));
    const briefPosts = () => slack.messages.filter((m) => !m.threadTs && String(m.text).includes('Executive summary'));
    await until(async () => {
      const rows = await outbox();
      const sent = (c: string) => rows.find((r) => r.channel === c && r.status === 'sent')?.n ?? 0;
      return sent('email') >= 5 && sent('slack') >= 3 && rows.every((r) => r.status === 'sent')
        && briefMails().length === sent('email') && slack.uploads.filter((u) => u.completed).length === sent('slack');
    }, 120_000).catch((e) => { throw new Error(`${e.message}\n${first.log().slice(-3000)}`); });
    const byRecipient = briefMails().map((m) => `${m.envelope.rcptTo[0]} ${m.subject}`);
    expect(new Set(byRecipient).size).toBe(byRecipient.length); // each person's brief of a day once
    expect([...new Set(briefMails().map((m) => m.envelope.rcptTo[0]))].sort()).toEqual([
      'arjun.rao@copperleaf.example', 'birgit.lang@bluepeak.example', 'chloe.tan@copperleaf.example', 'nora.chen@northwind.example', 'omar.diaz@northwind.example',
    ]);
    expect(briefMails().every((m) => m.attachments.some((a) => a.contentType === 'application/pdf'))).toBe(true);
    expect([...new Set(briefPosts().map((m) => m.channel))].sort()).toEqual(SAMPLE_SLACK_CHANNELS.filter((c) => c.includes('EXEC')).sort()); // the c-suite's channels
    const emails = briefMails().length;
    const posts = briefPosts().length;

    first.term();
    expect(await first.exited).toBe(0);
    // Restart, with a second worker: more minutes pass, the same days' briefs are not sent again.
    const again = [startWorker(['--config', configFile], env()), startWorker(['--config', configFile], env())];
    workers.push(...again);
    await Promise.all(again.map((w) => w.port));
    const ticks = async () => (await t.db.query<{ at: Date }>(`SELECT max(considered_until) AS at FROM herald.schedule_cursors`)).rows[0].at;
    const since = new Date();
    await until(async () => (await ticks()) > new Date(since.getTime() + 3000), 60_000);
    expect(briefMails()).toHaveLength(emails);
    expect(briefPosts()).toHaveLength(posts);
    for (const w of again) w.term();
    expect(await Promise.all(again.map((w) => w.exited))).toEqual([0, 0]);
  }, 300_000);
});
