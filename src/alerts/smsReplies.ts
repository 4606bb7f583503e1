/**
 * What a director's reply to an alert SMS asks for (SPEC §8). Pure. Case and spacing do not
 * matter ("ack 4821", " Ack4821 "); the carriers' keywords for opting out and help are honoured
 * as they require (STOP, START, HELP and their synonyms).
 */
import { parseDuration } from './settings.js';

export type ReplyCommand =
  | { kind: 'ack'; codes: string[] }
  | { kind: 'snooze'; code: string; forMs: number }
  | { kind: 'esc'; code: string }
  | { kind: 'stop' }
  | { kind: 'start' }
  | { kind: 'help' }
  | { kind: 'unknown'; reason: string };

const STOP = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
const START = new Set(['START', 'UNSTOP', 'YES', 'OPTIN']);
const HELP = new Set(['HELP', 'INFO']);
/** A snooze longer than a day is not a snooze: acknowledge instead. */
export const MAX_SNOOZE_MS = 24 * 3600_000;
export const DEFAULT_SNOOZE_MS = 3600_000;

export function parseReply(body: string): ReplyCommand {
  const text = String(body ?? '').normalize('NFKC').toUpperCase().replace(/\s+/g, ' ').trim();
  if (text === '') return { kind: 'unknown', reason: 'empty message' };
  if (STOP.has(text)) return { kind: 'stop' };
  if (START.has(text)) return { kind: 'start' };
  if (HELP.has(text) || text === '?') return { kind: 'help' };
  const m = /^(ACK|SNOOZE|ESC)\s?(.*)$/.exec(text);
  if (!m) return { kind: 'unknown', reason: 'not a command' };
  const verb = m[1];
  const rest = m[2] ?? '';
  const codes: string[] = rest.match(/\b\d{4}\b/g) ?? [];
  if (codes.length === 0) return { kind: 'unknown', reason: `${verb} needs an alert code, e.g. ${verb} 4821` };
  if (verb === 'ACK') return { kind: 'ack', codes: [...new Set(codes)] };
  if (codes.length > 1) return { kind: 'unknown', reason: `${verb} takes one alert code` };
  const code = codes[0]!;
  if (verb === 'ESC') return { kind: 'esc', code };
  const after = rest.replace(code, '').trim().toLowerCase().replace(/\s+/g, '');
  const forMs = after === '' ? DEFAULT_SNOOZE_MS : parseDuration(after);
  if (forMs === null || forMs <= 0) return { kind: 'unknown', reason: `SNOOZE ${code} takes a duration such as 30m or 1h` };
  return { kind: 'snooze', code, forMs: Math.min(forMs, MAX_SNOOZE_MS) };
}

export const HELP_TEXT = 'Herald alerts: reply ACK <code> to acknowledge, SNOOZE <code> 1h to pause repeats, ESC <code> to escalate now. Reply STOP to opt out of texts.';
