/**
 * A local SMTP server, Slack stand-in and Twilio stand-in for watching a worker deliver briefs
 * and alerts (README, "Watch a worker deliver" and "A director's loop"). Prints the environment
 * for `herald worker`, then one line per message received, and keeps the messages under
 * var/dev-sinks/. Ctrl-C stops it.
 *   npx tsx scripts/dev-sinks.ts [--smtp-port 2525] [--slack-port 3535] [--twilio-port 4545]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startSmtpSink } from '../test/helpers/smtpSink.js';
import { startSlackStandIn } from '../test/helpers/slackStandIn.js';
import { startTwilioStandIn } from '../test/helpers/twilioStandIn.js';
import { SAMPLE_SLACK_CHANNELS } from '../src/demo/sampleRecipients.js';
import { DEV_TWILIO } from './devTwilio.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const dir = path.resolve('var/dev-sinks');
await mkdir(dir, { recursive: true });

const smtp = await startSmtpSink({ port: arg('--smtp-port', 2525) });
const token = 'xoxb-dev-token';
const slack = await startSlackStandIn({ port: arg('--slack-port', 3535), tokens: [token], channels: SAMPLE_SLACK_CHANNELS });
const twilio = await startTwilioStandIn({ port: arg('--twilio-port', 4545), accountSid: DEV_TWILIO.accountSid, authToken: DEV_TWILIO.authToken });
console.log(`export SMTP_URL=${smtp.url} SLACK_TOKEN=${token} SLACK_API_URL=${slack.url}`);
console.log(`export TWILIO_ACCOUNT_SID=${DEV_TWILIO.accountSid} TWILIO_AUTH_TOKEN=${DEV_TWILIO.authToken} TWILIO_FROM=${DEV_TWILIO.from} TWILIO_API_URL=${twilio.url}`);
console.log(`messages are kept in ${dir}`);

let seenMail = 0;
let seenSlack = 0;
let seenSms = 0;
setInterval(async () => {
  for (; seenMail < smtp.messages.length; seenMail++) {
    const m = smtp.messages[seenMail];
    const file = path.join(dir, `mail-${String(seenMail + 1).padStart(4, '0')}.eml`);
    await writeFile(file, m.raw);
    console.log(`email → ${m.envelope.rcptTo.join(', ')}: ${m.subject} (${m.attachments.length} attachment(s)) ${file}`);
  }
  for (; seenSlack < slack.messages.length; seenSlack++) {
    const m = slack.messages[seenSlack];
    const file = path.join(dir, `slack-${String(seenSlack + 1).padStart(4, '0')}.json`);
    await writeFile(file, JSON.stringify(m, null, 2));
    console.log(`slack → ${m.channel}${m.threadTs ? ` (thread ${m.threadTs})` : ''}: ${m.text} ${file}`);
  }
  for (; seenSms < twilio.messages.length; seenSms++) {
    const m = twilio.messages[seenSms];
    const file = path.join(dir, `sms-${String(seenSms + 1).padStart(4, '0')}.txt`);
    await writeFile(file, `${new Date(m.at).toISOString()} ${m.sid} to ${m.to}\n${m.body}\n`);
    console.log(`sms   → ${m.to}: ${m.body}`);
  }
}, 500);

const stop = async () => {
  await smtp.close();
  await slack.close();
  await twilio.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
