/**
 * `POST /twilio/inbound` (SPEC §8): a director's reply to an alert SMS, as Twilio posts it.
 *
 * - The `X-Twilio-Signature` is checked against the public URL Twilio posts to
 *   (`alerts.publicUrl` + the path), over the raw form fields: 403 otherwise, nothing read.
 * - The sender must be a known recipient's phone; an alert code is only found among the open
 *   alerts of that recipient's tenant (another tenant's code is "no such alert": it tells nothing).
 * - The answer is TwiML: one short message back to the sender (none for an unknown sender, so a
 *   stranger's texts cost nothing).
 */
import twilio from 'twilio';
import type { Db } from '../db/Db.js';
import type { Logger } from '../ops/logger.js';
import type { Clock } from '../time/clock.js';
import { recipientsByPhone, setSmsOptOut } from '../recipients/recipientsRepo.js';
import type { Recipient } from '../recipients/Recipient.js';
import { normalizePhone, maskPhone } from '../delivery/sms/phone.js';
import type { AlertEngine } from './AlertEngine.js';
import { actOnAlert, type AlertAction } from './alertActions.js';
import { HELP_TEXT, parseReply } from './smsReplies.js';
import { formatDuration } from './settings.js';
import type { HeraldEvents } from '../ops/heraldEvents.js';

export interface InboundSmsOptions {
  db: Db;
  engine: AlertEngine;
  clock: Clock;
  logger: Logger;
  /** TWILIO_AUTH_TOKEN: the key of the signature. */
  authToken: string;
  /** alerts.publicUrl: where Twilio posts, as Twilio sees it. */
  publicUrl: string | null;
  tiers: number;
  /** Told when a reply queued notifications (the dispatcher looks at once). */
  onQueued?(): void;
  /** Herald's own events (an acknowledgement). Default: none. */
  events?: HeraldEvents;
}

export interface HttpAnswer { status: number; contentType: string; body: string }

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
export function twiml(message?: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${message ? `<Message>${xml(message)}</Message>` : ''}</Response>`;
}
const answer = (message?: string): HttpAnswer => ({ status: 200, contentType: 'text/xml; charset=utf-8', body: twiml(message) });

/** Handles one inbound webhook: `path` as requested (with its query), the raw form body, the signature header. */
export async function handleInboundSms(o: InboundSmsOptions, req: { path: string; body: string; signature: string | undefined }): Promise<HttpAnswer> {
  if (!o.publicUrl) {
    o.logger.error('twilio inbound: alerts.publicUrl is not configured; replies cannot be verified and are refused');
    return { status: 403, contentType: 'text/plain', body: 'forbidden\n' };
  }
  const params = Object.fromEntries(new URLSearchParams(req.body));
  const url = `${o.publicUrl.replace(/\/+$/, '')}${req.path}`;
  if (!req.signature || !twilio.validateRequest(o.authToken, req.signature, url, params)) {
    o.logger.warn({ path: req.path }, 'twilio inbound: signature does not match; refused');
    return { status: 403, contentType: 'text/plain', body: 'forbidden\n' };
  }
  const from = normalizePhone(String(params.From ?? ''));
  const senders: Recipient[] = from.ok ? await recipientsByPhone(o.db, from.e164) : [];
  const log = o.logger.child({ from: from.ok ? maskPhone(from.e164) : 'invalid', sid: params.MessageSid });
  if (senders.length === 0) {
    log.warn('twilio inbound: a text from a number that is no recipient; ignored');
    return answer();
  }
  const now = o.clock.now();
  const command = parseReply(String(params.Body ?? ''));
  log.info({ command: command.kind }, 'twilio inbound: reply');
  switch (command.kind) {
    case 'stop':
      await setSmsOptOut(o.db, from.ok ? from.e164 : '', true, now);
      return answer('You will receive no more Herald texts. Reply START to resume.');
    case 'start':
      await setSmsOptOut(o.db, from.ok ? from.e164 : '', false, now);
      return answer('Herald texts resumed. Reply HELP for the commands.');
    case 'help':
      return answer(HELP_TEXT);
    case 'unknown':
      return answer(`Not understood (${command.reason}). ${HELP_TEXT}`);
  }
  const codes = command.kind === 'ack' ? command.codes : [command.code];
  const action: AlertAction = command.kind === 'ack' ? { kind: 'ack' } : command.kind === 'snooze' ? { kind: 'snooze', forMs: command.forMs } : { kind: 'esc' };
  const lines: string[] = [];
  let queued = 0;
  for (const code of codes) {
    // The sender acts as their recipient of the alert's tenant (one number may serve two tenants).
    const result = await actOnAlert(o.db, o.engine, { code }, action, (alert) => {
      const who = senders.find((s) => s.tenantId === alert.tenantId);
      return who ? `${who.name} (SMS)` : null;
    }, now, o.tiers, o.events ? { events: o.events, via: 'sms' } : undefined);
    if (result.ok) queued += result.queued;
    const subject = result.alert ? `${code} (${result.alert.tenantName ?? result.alert.tenantId ?? 'Herald'}: ${result.alert.short})` : code;
    if (!result.ok) lines.push(result.alert ? `Alert ${subject}: ${result.reason}.` : `No open alert ${code} for you.`);
    else if (action.kind === 'ack') lines.push(`Acknowledged ${subject}. Repeats stopped.`);
    else if (action.kind === 'snooze') lines.push(`Snoozed ${subject} for ${formatDuration(action.forMs)}.`);
    else lines.push(`Escalated ${subject} to the next tier.`);
  }
  if (queued > 0) o.onQueued?.();
  return answer(lines.join(' '));
}
