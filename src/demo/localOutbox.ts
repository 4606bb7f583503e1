/**
 * The demo's local outbox (SPEC §11): transports that write what would be sent into a folder
 * instead of reaching SMTP, Slack and Twilio. They sit behind the same Channel interface as the
 * real ones, so the demo runs the real outbox, dispatcher and message views:
 *
 *   email/<key>.eml    the whole MIME message (HTML + text + PDF), as a mail client would open it
 *   slack/<key>.json   the chat.postMessage arguments, and the file that would go in its thread
 *   sms/<number>.txt   each text, with its time and length in segments
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Channel, Channels, Delivery, SendResult, SlackMessage, SmsMessage } from '../delivery/Channel.js';
import { createEmailChannel } from '../delivery/email/emailChannel.js';
import { smsSegments } from '../delivery/sms/smsSegments.js';

/** A delivery key as a file name. */
function fileName(key: string): string {
  return key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 180);
}

/** A nodemailer transport that writes each message's raw MIME to `dir/<delivery key>.eml`. */
function emlTransport(dir: string) {
  return {
    name: 'herald-eml-file',
    version: '1',
    send(mail: { message: { createReadStream(): NodeJS.ReadableStream; getHeader(name: string): string | undefined } }, done: (err: Error | null, info?: unknown) => void) {
      const key = mail.message.getHeader('x-herald-delivery-key') ?? `message-${Date.now()}`;
      const chunks: Buffer[] = [];
      const stream = mail.message.createReadStream();
      stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
      stream.on('error', (err: Error) => done(err));
      stream.on('end', () => {
        mkdir(dir, { recursive: true })
          .then(() => writeFile(path.join(dir, `${fileName(key)}.eml`), Buffer.concat(chunks)))
          .then(() => done(null, { messageId: mail.message.getHeader('message-id') }), done);
      });
    },
  };
}

let seq = 0;

function slackChannel(dir: string): Channel<'slack'> {
  return {
    name: 'slack',
    async send(d: Delivery<SlackMessage>): Promise<SendResult> {
      // A ts of our own, checkpointed like Slack's: replies (an acknowledgement) thread under it.
      const ts = (d.progress?.ts as string | undefined) ?? `${(Date.now() / 1000).toFixed(0)}.${String(++seq).padStart(6, '0')}`;
      const channel = d.recipient.slackChannel ?? '';
      const payload = {
        method: 'chat.postMessage',
        args: { channel, text: d.message.text, blocks: d.message.blocks, ...(d.thread ? { thread_ts: d.thread.ts } : {}) },
        ts,
        thread_file: d.attachment ? { method: 'files.uploadV2', filename: d.attachment.filename, bytes: d.attachment.bytes.length, thread_ts: ts } : null,
      };
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, `${fileName(d.deliveryKey)}.json`), `${JSON.stringify(payload, null, 2)}\n`);
      await d.checkpoint({ ts, channel });
      return { providerId: `${channel}/${ts}` };
    },
  };
}

function smsChannel(dir: string, now: () => Date): Channel<'sms'> {
  return {
    name: 'sms',
    async send(d: Delivery<SmsMessage>): Promise<SendResult> {
      const to = d.recipient.phone ?? 'unknown';
      const s = smsSegments(d.message.body);
      await mkdir(dir, { recursive: true });
      await appendFile(path.join(dir, `${fileName(to)}.txt`),
        `${now().toISOString()}  to ${d.recipient.name} ${to}  (${s.segments} segment${s.segments === 1 ? '' : 's'}, ${s.encoding})\n${d.message.body}\n\n`);
      return { providerId: `SMfile${String(++seq).padStart(26, '0')}` };
    },
  };
}

/** The three channels, writing under `dir`; SMS times are read from `now` (the demo's clock). */
export function localOutboxChannels(dir: string, now: () => Date): Channels {
  return {
    email: createEmailChannel({ transport: nodemailer.createTransport(emlTransport(path.join(dir, 'email'))), from: 'Herald <herald@demo.local>' }),
    slack: slackChannel(path.join(dir, 'slack')),
    sms: smsChannel(path.join(dir, 'sms'), now),
  };
}
