import { describe, expect, it } from 'vitest';
import type { ChannelName } from '../../src/delivery/Channel.js';
import { routeStep, type RoutingInput, type Target } from '../../src/alerts/routing.js';
import { defaultAlertSettings } from '../../src/alerts/settings.js';
import type { Recipient } from '../../src/recipients/Recipient.js';
import { quietHoursEnd } from '../../src/time/quietHours.js';

const NOW = new Date('2026-03-10T12:00:00Z');   // 13:00 in Berlin, 08:00 in New York

let nextId = 1;
function person(name: string, over: Partial<Recipient & { smsOptedOut: boolean }> = {}): Recipient & { smsOptedOut?: boolean } {
  const id = nextId++;
  return {
    id, tenantId: 'acme', name, role: 'director',
    email: `${name.toLowerCase()}@acme.test`, slackChannel: `C-${name.toUpperCase()}`, phone: `+1555000${String(id).padStart(4, '0')}`,
    timezone: 'Europe/Berlin', quietHours: null, groups: ['oncall'], ...over,
  };
}

function route(over: Partial<RoutingInput> & Pick<RoutingInput, 'recipients'>): Target[] {
  return routeStep({
    step: { step: 'fire', tiers: [0] }, severity: 'critical', route: defaultAlertSettings.routes.critical,
    tiers: defaultAlertSettings.tiers, now: NOW, defaultTimezone: 'UTC', ...over,
  });
}

/** "name:channel" per target, sorted, for readable assertions. */
const who = (ts: Target[]) => ts.map((t) => `${t.recipient.name}:${t.channel}`).sort();

// Who hears of a step: the members of the step's tiers, on the route's channels, each once.
describe('routeStep: tiers and channels', () => {
  const ana = person('Ana');
  const ben = person('Ben');
  const cleo = person('Cleo', { groups: ['c-suite'] });
  const staff = person('Sam', { groups: ['finance'] });
  const everyone = [ana, ben, cleo, staff];

  it('tells the members of tier 0 by SMS, email and Slack for a critical fire', () => {
    const ts = route({ recipients: everyone });
    expect(who(ts)).toEqual(['Ana:email', 'Ana:slack', 'Ana:sms', 'Ben:email', 'Ben:slack', 'Ben:sms']);
    for (const t of ts) expect(t).toMatchObject({ dueAt: NOW, heldForQuietHours: false });
  });

  it('tells tier 1 alone on an escalation, and both tiers when the step names both', () => {
    expect(who(route({ step: { step: 'escalate-1', tiers: [1] }, recipients: everyone }))).toEqual(['Cleo:email', 'Cleo:slack', 'Cleo:sms']);
    expect(who(route({ step: { step: 'resolve', tiers: [0, 1] }, recipients: everyone }))).toHaveLength(9);
  });

  it('skips a tier index that names no group', () => {
    expect(route({ step: { step: 'escalate-2', tiers: [2] }, recipients: everyone })).toEqual([]);
  });

  it('uses email and Slack alone on the high route, nothing on the medium one', () => {
    expect(who(route({ severity: 'high', route: defaultAlertSettings.routes.high, recipients: [ana] }))).toEqual(['Ana:email', 'Ana:slack']);
    expect(route({ severity: 'medium', route: defaultAlertSettings.routes.medium, recipients: [ana] })).toEqual([]);
  });

  it('sends a repeat by SMS alone', () => {
    expect(who(route({ step: { step: 'repeat-1', tiers: [0], smsOnly: true }, recipients: [ana, ben] }))).toEqual(['Ana:sms', 'Ben:sms']);
  });

  it('gives a recipient without a phone only email and Slack', () => {
    const noPhone = person('Dora', { phone: null });
    expect(who(route({ recipients: [noPhone] }))).toEqual(['Dora:email', 'Dora:slack']);
    expect(route({ step: { step: 'repeat-1', tiers: [0], smsOnly: true }, recipients: [noPhone] })).toEqual([]);
  });

  it('texts nobody who replied STOP', () => {
    const out = person('Olga', { smsOptedOut: true });
    expect(who(route({ recipients: [out] }))).toEqual(['Olga:email', 'Olga:slack']);
  });

  it('posts once to a Slack channel two recipients share', () => {
    const a = person('Eve', { slackChannel: 'C-EXEC' });
    const b = person('Finn', { slackChannel: 'C-EXEC' });
    const ts = route({ recipients: [a, b] });
    expect(ts.filter((t) => t.channel === 'slack')).toHaveLength(1);
    expect(who(ts)).toEqual(['Eve:email', 'Eve:slack', 'Eve:sms', 'Finn:email', 'Finn:sms']);
  });

  it('tells a recipient in two tiers once per channel', () => {
    const both = person('Gus', { groups: ['oncall', 'c-suite'] });
    const ts = route({ step: { step: 'resolve', tiers: [0, 1] }, recipients: [both, cleo] });
    expect(who(ts)).toEqual(['Cleo:email', 'Cleo:slack', 'Cleo:sms', 'Gus:email', 'Gus:slack', 'Gus:sms']);
  });

  it('follows the route given (a rule override), whatever the severity', () => {
    const slackOnly: ChannelName[] = ['slack'];
    expect(who(route({ route: slackOnly, recipients: [ana] }))).toEqual(['Ana:slack']);
  });
});

// Quiet hours are a mute stage for high and medium: the target is held until they end, in the
// recipient's zone; critical ignores them.
describe('routeStep: quiet hours', () => {
  // 12:00Z is 13:00 in Berlin: quiet 12:00–14:00 covers it, ending 14:00 CET = 13:00Z.
  const quiet = { start: '12:00', end: '14:00' };

  it('holds a high notification until the end of quiet hours', () => {
    const r = person('Hana', { quietHours: quiet });
    const ts = route({ severity: 'high', route: defaultAlertSettings.routes.high, recipients: [r] });
    expect(ts).toHaveLength(2);
    for (const t of ts) expect(t).toMatchObject({ dueAt: new Date('2026-03-10T13:00:00Z'), heldForQuietHours: true });
  });

  it('never holds a critical one', () => {
    const r = person('Ivo', { quietHours: quiet });
    const ts = route({ recipients: [r] });
    expect(ts).toHaveLength(3);
    for (const t of ts) expect(t).toMatchObject({ dueAt: NOW, heldForQuietHours: false });
  });

  it('reads quiet hours in the recipient zone, else the default zone', () => {
    // 12:00–14:00 in New York (08:00 there now): not quiet.
    const ny = person('Jo', { quietHours: quiet, timezone: 'America/New_York' });
    expect(route({ severity: 'high', route: ['email'], recipients: [ny] })[0]).toMatchObject({ dueAt: NOW, heldForQuietHours: false });
    // No zone: UTC, where it is 12:00, quiet until 14:00Z.
    const utc = person('Kai', { quietHours: quiet, timezone: null });
    expect(route({ severity: 'high', route: ['email'], recipients: [utc] })[0]).toMatchObject({ dueAt: new Date('2026-03-10T14:00:00Z'), heldForQuietHours: true });
  });

  it('holds each recipient by their own quiet hours', () => {
    const sleeping = person('Lea', { quietHours: quiet });
    const awake = person('Max');
    const ts = route({ severity: 'high', route: ['email'], recipients: [sleeping, awake] });
    expect(ts.map((t) => [t.recipient.name, t.heldForQuietHours])).toEqual([['Lea', true], ['Max', false]]);
  });
});

// quietHoursEnd on real DST transitions (SPEC §3): an end that does not exist is the first valid
// instant after it; an end that occurs twice is its first occurrence.
describe('quietHoursEnd', () => {
  it('ends overnight quiet hours at 07:00 CEST on the spring-forward night in Berlin', () => {
    // 2026-03-29 01:30 CET = 00:30Z; clocks go 02:00 → 03:00; 07:00 CEST = 05:00Z.
    expect(quietHoursEnd(new Date('2026-03-29T00:30:00Z'), { start: '22:00', end: '07:00' }, 'Europe/Berlin')).toEqual(new Date('2026-03-29T05:00:00Z'));
  });

  it('ends the night before the change too (wraps midnight)', () => {
    // 2026-03-28 23:30 CET = 22:30Z: still ends 07:00 CEST on the 29th.
    expect(quietHoursEnd(new Date('2026-03-28T22:30:00Z'), { start: '22:00', end: '07:00' }, 'Europe/Berlin')).toEqual(new Date('2026-03-29T05:00:00Z'));
  });

  it('ends at 03:00 EDT when the end 02:30 does not exist (New York, 2026-03-08)', () => {
    // 01:45 EST = 06:45Z; 02:30 is skipped; the first valid instant after it is 03:00 EDT = 07:00Z.
    expect(quietHoursEnd(new Date('2026-03-08T06:45:00Z'), { start: '01:00', end: '02:30' }, 'America/New_York')).toEqual(new Date('2026-03-08T07:00:00Z'));
  });

  it('ends at the first 01:30 when it occurs twice (New York, 2026-11-01)', () => {
    // 00:45 EDT = 04:45Z; 01:30 EDT = 05:30Z (01:30 EST would be 06:30Z).
    expect(quietHoursEnd(new Date('2026-11-01T04:45:00Z'), { start: '00:30', end: '01:30' }, 'America/New_York')).toEqual(new Date('2026-11-01T05:30:00Z'));
  });

  it('is null outside quiet hours', () => {
    expect(quietHoursEnd(new Date('2026-03-29T10:00:00Z'), { start: '22:00', end: '07:00' }, 'Europe/Berlin')).toBeNull();
    // 07:00 local exactly: the end is not quiet any more (half-open).
    expect(quietHoursEnd(new Date('2026-03-29T05:00:00Z'), { start: '22:00', end: '07:00' }, 'Europe/Berlin')).toBeNull();
    expect(quietHoursEnd(new Date('2026-03-10T12:00:00Z'), { start: '01:00', end: '02:30' }, 'America/New_York')).toBeNull();
  });

  it('starts at the start minute (inclusive)', () => {
    // 22:00 CET on 2026-03-10 = 21:00Z; ends 07:00 CET on the 11th = 06:00Z.
    expect(quietHoursEnd(new Date('2026-03-10T21:00:00Z'), { start: '22:00', end: '07:00' }, 'Europe/Berlin')).toEqual(new Date('2026-03-11T06:00:00Z'));
  });

  it('is null when start equals end, or without quiet hours', () => {
    expect(quietHoursEnd(new Date('2026-03-10T12:00:00Z'), { start: '13:00', end: '13:00' }, 'Europe/Berlin')).toBeNull();
    expect(quietHoursEnd(new Date('2026-03-10T12:00:00Z'), null, 'Europe/Berlin')).toBeNull();
  });

  it('rejects a malformed time', () => {
    expect(() => quietHoursEnd(NOW, { start: '7pm', end: '07:00' }, 'Europe/Berlin')).toThrow(/HH:MM/);
  });
});
