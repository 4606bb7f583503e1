/**
 * Replies to an alert SMS as Twilio would deliver the reply to the worker: a form POST to
 * /twilio/inbound, signed with the dev stand-in's auth token for the worker's public URL
 * (alerts.publicUrl). Prints Herald's TwiML answer. See README, "A director's loop".
 *   npx tsx scripts/sms-reply.ts <from-number> "<text>" [--worker http://127.0.0.1:8080] [--public-url URL]
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import { DEV_TWILIO } from './devTwilio.js';

const [from, body] = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const opt = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
if (!from || body === undefined) {
  console.error('usage: npx tsx scripts/sms-reply.ts <from-number> "<text>" [--worker http://127.0.0.1:8080] [--public-url URL]');
  process.exit(2);
}
const worker = opt('--worker', 'http://127.0.0.1:8080');
const publicUrl = opt('--public-url', process.env.HERALD_PUBLIC_URL ?? worker);
const params: Record<string, string> = {
  MessageSid: `SM${randomBytes(16).toString('hex')}`, AccountSid: DEV_TWILIO.accountSid, From: from, To: DEV_TWILIO.from, Body: body, NumMedia: '0',
};
const signature = twilio.getExpectedTwilioSignature(DEV_TWILIO.authToken, `${publicUrl.replace(/\/+$/, '')}/twilio/inbound`, params);
const res = await fetch(`${worker}/twilio/inbound`, {
  method: 'POST', body: new URLSearchParams(params).toString(),
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
});
console.log(`${res.status} ${await res.text()}`);
