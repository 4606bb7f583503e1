import { describe, expect, it } from 'vitest';
import { computeDecisionReview, roiAchievement, type RecordedOutcome } from '../../src/metrics/decisionReview.js';
import { buildDecisionReview } from '../../src/reports/decision-review/build.js';
import { nextPeriod } from '../../src/reports/decision-review/load.js';
import { addTimeframe, localDaysBetween, parsePeriod, parseTimeframe } from '../../src/time/periods.js';
import { defaultMetricSettings } from '../../src/metrics/settings.js';
import type { LoggedDecision, OutcomeEventRow } from '../../src/sources/types.js';

const BERLIN = { id: 't-b', name: 'Berliner Versand', timezone: 'Europe/Berlin' };
const URAL = { id: 't-u', name: 'Ural Mail', timezone: 'UTC' };
const Z = (s: string) => new Date(s);

function decision(id: string, o: Partial<LoggedDecision> & { date: string; timeframe: string | null; rev: number | null; cost: number | null; type?: string; tenant?: string }): LoggedDecision {
  const date = Z(o.date);
  return {
    decision_id: id, uuid: `uuid-${id}-${o.tracked_at?.toISOString() ?? ''}`, tenant_id: o.tenant ?? BERLIN.id, title: o.title ?? id, decision_type: o.type ?? 'infrastructure',
    decision_date: date, requested_at: o.requested_at ?? null, expected_revenue_impact: o.rev, expected_cost_impact: o.cost,
    outcome_timeframe: o.timeframe, tracked_at: o.tracked_at ?? new Date(date.getTime() + 10 * 60_000),
  };
}
function outcomeEvent(decisionId: string | null, at: string, rev: number | null, cost: number | null, tenant = BERLIN.id): OutcomeEventRow {
  return { uuid: `o-${decisionId}-${at}`, tenant_id: tenant, decision_id: decisionId, actual_revenue: rev, actual_cost: cost, outcome_status: null, notes: null, recorded_at: Z(at) };
}
let nextId = 1;
function recorded(decisionId: string, at: string, rev: number, cost: number, tenant = BERLIN.id): RecordedOutcome {
  return { id: nextId++, tenant_id: tenant, decision_id: decisionId, actual_revenue: rev, actual_cost: cost, note: null, recorded_by: 'cfo (command line)', recorded_at: Z(at) };
}

// November 2026 in Berlin is [2026-10-31T23:00Z, 2026-11-30T23:00Z): CET, UTC+1.
const decisions: LoggedDecision[] = [
  // 1 Sep 00:00 CEST + 3 months = 1 Dec 00:00 CET = 2026-11-30T23:00Z: the period's end, so out (half-open), December's.
  decision('d1', { date: '2026-08-31T22:00:00Z', timeframe: '3 months', rev: 10000, cost: 2000, title: 'Boundary out' }),
  // 30 Sep 23:30 CEST + 2 months = 30 Nov 23:30 CET = 22:30Z: the period's last half hour, in.
  // Tracked twice: the first event's expectations were wrong, the latest (2 Oct) is the decision.
  decision('d2', { date: '2026-09-30T21:30:00Z', timeframe: '2 months', rev: 99999, cost: 0, title: 'Boundary in (first)', tracked_at: Z('2026-09-30T21:35:00Z') }),
  decision('d2', { date: '2026-09-30T21:30:00Z', timeframe: '2 months', rev: 20000, cost: 4000, title: 'Boundary in', tracked_at: Z('2026-10-02T09:00:00Z') }),
  // 15 Aug 12:00 CEST + 3 months = 15 Nov 12:00 CET.
  decision('d3', { date: '2026-08-15T10:00:00Z', timeframe: '3 months', rev: 10000, cost: 0, type: 'pricing', title: 'Twice' }),
  // 1 Oct 10:00 CEST + 6 weeks = 12 Nov 10:00 CET.
  decision('d4', { date: '2026-10-01T08:00:00Z', timeframe: '6 weeks', rev: 6000, cost: 1000, type: 'pricing', title: 'Twice reversed' }),
  // Expected net zero.
  decision('d5', { date: '2026-10-20T09:00:00Z', timeframe: '4 weeks', rev: 5000, cost: 5000, type: 'hiring', title: 'Zero net' }),
  // Due 5 Nov, no outcome: 26 local days overdue at 1 Dec.
  decision('d6', { date: '2026-08-05T08:00:00Z', timeframe: '3 months', rev: 30000, cost: 10000, type: 'budget_allocation', title: 'Awaiting' }),
  // Due 1 Jul: 153 days overdue at 1 Dec (Jul 31 + Aug 31 + Sep 30 + Oct 31 + Nov 30).
  decision('d7', { date: '2026-05-01T08:00:00Z', timeframe: '2 months', rev: 4000, cost: 1000, type: 'budget_allocation', title: 'Old awaiting' }),
  // Unreadable timeframe: due date unknown, reviewed because its outcome was recorded in November.
  decision('d8', { date: '2026-07-01T08:00:00Z', timeframe: 'Q3 sometime', rev: 8000, cost: 2000, type: 'vendor_selection', title: 'Unparseable' }),
  // Made in November: velocity 30 h and 50 h → 40 h.
  decision('d9', { date: '2026-11-02T12:00:00Z', timeframe: '6 months', rev: 1000, cost: 100, type: 'hiring', title: 'Made in Nov', requested_at: Z('2026-11-01T06:00:00Z') }),
  decision('d10', { date: '2026-11-20T12:00:00Z', timeframe: '12 weeks', rev: 1000, cost: 100, title: 'Made later in Nov', requested_at: Z('2026-11-18T10:00:00Z') }),
  // Another tenant's decision: never in Berlin's review.
  decision('u1', { date: '2026-10-15T00:00:00Z', timeframe: '1 month', rev: 1000, cost: 0, tenant: URAL.id, title: 'Ural pricing', type: 'pricing' }),
];
const outcomes: OutcomeEventRow[] = [
  outcomeEvent('d2', '2026-11-15T10:00:00Z', 18000, 4400),       // 13,600 / 16,000 = 85%
  outcomeEvent('d3', '2026-11-20T12:00:00Z', 5000, 1000),        // latest for d3: 4,000 / 10,000 = 40%
  outcomeEvent('d4', '2026-11-20T12:00:00Z', 1000, 1000),        // superseded by the command on 25 Nov
  outcomeEvent('ghost', '2026-11-08T12:00:00Z', 1, 1),           // no such decision
  outcomeEvent('d6', '2026-11-09T12:00:00Z', null, 100),         // not a number: left out, d6 still awaits
  outcomeEvent('u1', '2026-11-20T12:00:00Z', 500, 0, URAL.id),   // 50%
];
const commands: RecordedOutcome[] = [
  recorded('d3', '2026-11-10T09:00:00Z', 9000, 0),               // 90%, superseded by the event on 20 Nov
  recorded('d3', '2026-12-03T09:00:00Z', 20000, 0),              // after the period: not known to November's review
  recorded('d4', '2026-11-25T09:00:00Z', 6000, 2000),            // 4,000 / 5,000 = exactly 80%: met
  recorded('d5', '2026-11-28T09:00:00Z', 3000, 5000),            // expected net 0: not rated
  recorded('d8', '2026-11-03T09:00:00Z', 9000, 1500),            // 7,500 / 6,000 = 125%
];

const settings = { decisionSuccessAtPercent: 80, decisionVelocityTargetHours: 48 };
const range = (label: string, zone: string) => {
  const p = parsePeriod(label, zone);
  return { start: p.start.toJSDate(), end: p.end.toJSDate() };
};

describe('outcome timeframes', () => {
  it('reads the usual ways of writing one and refuses the rest', () => {
    expect(parseTimeframe('3 months')).toEqual({ unit: 'months', count: 3 });
    expect(parseTimeframe('6 weeks')).toEqual({ unit: 'weeks', count: 6 });
    expect(parseTimeframe(' 1 Year ')).toEqual({ unit: 'years', count: 1 });
    expect(parseTimeframe('two quarters')).toEqual({ unit: 'months', count: 6 });
    expect(parseTimeframe('90d')).toEqual({ unit: 'days', count: 90 });
    expect(parseTimeframe('12-month')).toEqual({ unit: 'months', count: 12 });
    for (const bad of ['3-6 months', 'Q3 sometime', 'soon', '0 days', '1.5 months', '500 years', '', null, 42, 'x'.repeat(100)]) expect(parseTimeframe(bad)).toBeNull();
  });

  it('adds months on the local calendar across a DST change, and counts local days', () => {
    // 00:00 CEST + 3 months is 00:00 CET (not 23:00 the day before).
    expect(addTimeframe(Z('2026-08-31T22:00:00Z'), { unit: 'months', count: 3 }, 'Europe/Berlin').toISOString()).toBe('2026-11-30T23:00:00.000Z');
    // 31 Jan + 1 month: the last day of February.
    expect(addTimeframe(Z('2026-01-31T12:00:00Z'), { unit: 'months', count: 1 }, 'UTC').toISOString()).toBe('2026-02-28T12:00:00.000Z');
    expect(localDaysBetween(Z('2026-11-05T08:00:00Z'), Z('2026-11-30T23:00:00Z'), 'Europe/Berlin')).toBe(26);
  });
});

describe('roi achievement', () => {
  it('is actual net over expected net, in percent to 0.1, and null (never Infinity) without a positive expected net', () => {
    expect(roiAchievement(16000, 13600)).toEqual({ roi: 85, notRated: null });
    expect(roiAchievement(3000, 1000)).toEqual({ roi: 33.3, notRated: null });
    expect(roiAchievement(10000, -94000)).toEqual({ roi: -940, notRated: null });
    expect(roiAchievement(0, 5000)).toEqual({ roi: null, notRated: 'expected_net_zero' });
    expect(roiAchievement(0, 0)).toEqual({ roi: null, notRated: 'expected_net_zero' });
    expect(roiAchievement(-5000, -4000)).toEqual({ roi: null, notRated: 'expected_net_negative' });
    expect(roiAchievement(null, 100)).toEqual({ roi: null, notRated: 'expected_missing' });
  });
});

describe('decision review, a tenant in Berlin, November 2026', () => {
  const m = computeDecisionReview({
    period: range('2026-11', 'Europe/Berlin'), next: range('2026-12', 'Europe/Berlin'),
    tenants: [BERLIN], log: { decisions, outcomes }, recorded: commands, settings, defaultTimezone: 'UTC',
  });
  const byId = <T extends { decision_id: string }>(list: T[], id: string) => list.find((d) => d.decision_id === id);

  it('takes a window that ends at the period end as the next period\'s (half-open, local), and one ending in its last half hour as this one\'s', () => {
    expect(byId(m.reviewed, 'd1')).toBeUndefined();
    expect(byId(m.awaiting, 'd1')).toBeUndefined();
    expect(m.coming_up.map((d) => d.decision_id)).toEqual(['d1']);
    expect(m.coming_up[0].due_at).toBe('2026-11-30T23:00:00.000Z');
    const d2 = byId(m.reviewed, 'd2')!;
    expect(d2.due_at).toBe('2026-11-30T22:30:00.000Z');
    expect(d2.due_in_period).toBe(true);
    // The latest event of a decision tracked twice.
    expect(d2.title).toBe('Boundary in');
    expect(d2.expected_net).toBe(16000);
    expect(d2.roi_achievement).toBe(85);
    expect(d2.state).toBe('met');
  });

  it('lets the latest outcome win across the command and the events, up to the period end', () => {
    const d3 = byId(m.reviewed, 'd3')!;
    expect(d3.outcome).toMatchObject({ source: 'event', actual_revenue: 5000, actual_cost: 1000, actual_net: 4000, records: 2, recorded_by: null });
    expect(d3.roi_achievement).toBe(40);
    expect(d3.state).toBe('missed');
    const d4 = byId(m.reviewed, 'd4')!;
    expect(d4.outcome).toMatchObject({ source: 'command', actual_net: 4000, records: 2, recorded_by: 'cfo (command line)' });
    expect(d4.roi_achievement).toBe(80);           // exactly the threshold: a success
    expect(d4.success).toBe(true);
  });

  it('does not rate a decision whose expected net is zero', () => {
    const d5 = byId(m.reviewed, 'd5')!;
    expect(d5.expected_net).toBe(0);
    expect(d5.outcome!.actual_net).toBe(-2000);
    expect(d5.roi_achievement).toBeNull();
    expect(d5.not_rated).toBe('expected_net_zero');
    expect(d5.success).toBeNull();
    expect(d5.state).toBe('not_rated');
    expect(JSON.stringify(m)).not.toMatch(/Infinity|NaN/);
  });

  it('lists what awaits an outcome, most overdue first, in local days to the period end', () => {
    expect(m.awaiting.map((d) => [d.decision_id, d.days_overdue])).toEqual([['d7', 153], ['d6', 26]]);
    expect(m.awaiting.every((d) => d.state === 'awaiting' && d.outcome === null)).toBe(true);
  });

  it('reviews a decision with an unreadable timeframe when its outcome was recorded in the period, and says so', () => {
    const d8 = byId(m.reviewed, 'd8')!;
    expect(d8.due_at).toBeNull();
    expect(d8.roi_achievement).toBe(125);
    expect(m.data_notes.map((n) => [n.code, n.count]).sort()).toEqual([
      ['decision-repeated', 1], ['outcome-invalid-amount', 1], ['outcome-unknown-decision', 1], ['timeframe-unparseable', 1],
    ]);
  });

  it('sums the review: 6 due, 5 with an outcome, 4 rated, 3 met', () => {
    expect(m.summary).toEqual({
      due_for_review: 6,            // d2 d3 d4 d5 d6 due in November; d8 by its outcome
      with_outcome: 5,
      rated: 4,
      met: 3,
      success_rate: 0.75,
      expected_net_total: 37000,    // 16,000 + 10,000 + 5,000 + 0 + 6,000
      actual_net_total: 27100,      // 13,600 + 4,000 + 4,000 − 2,000 + 7,500
      roi_achievement_total: 73.2,  // 27,100 / 37,000
      awaiting_outcome: 2,
      max_days_overdue: 153,
      coming_up: 1,
    });
    expect(m.reviewed.map((d) => d.decision_id)).toEqual(['d8', 'd4', 'd3', 'd5', 'd2']);
  });

  it('gives the success rate by decision type', () => {
    expect(m.by_type.map((t) => [t.decision_type, t.due, t.with_outcome, t.rated, t.met, t.success_rate, t.expected_net, t.actual_net])).toEqual([
      ['pricing', 2, 2, 2, 1, 0.5, 15000, 8000],
      ['budget_allocation', 1, 0, 0, 0, null, 0, 0],
      ['hiring', 1, 1, 0, 0, null, 0, -2000],
      ['infrastructure', 1, 1, 1, 1, 1, 16000, 13600],
      ['vendor_selection', 1, 1, 1, 1, 1, 6000, 7500],
    ]);
  });

  it('measures decision velocity over the decisions made in the period', () => {
    expect(m.decisions_made).toEqual({
      decisions_tracked: 2,
      by_type: [{ decision_type: 'hiring', count: 1 }, { decision_type: 'infrastructure', count: 1 }],
      decision_velocity_hours: 40, velocity_samples: 2, velocity_target_hours: 48, velocity_target_met: true,
    });
  });

  it('uses the configured success threshold', () => {
    const strict = computeDecisionReview({
      period: range('2026-11', 'Europe/Berlin'), next: range('2026-12', 'Europe/Berlin'),
      tenants: [BERLIN], log: { decisions, outcomes }, recorded: commands, settings: { ...settings, decisionSuccessAtPercent: 90 }, defaultTimezone: 'UTC',
    });
    expect(strict.summary.met).toBe(1);  // 85% and 80% fall short of 90%; 125% meets it
  });
});

describe('decision review, portfolio (UTC), November 2026', () => {
  const m = computeDecisionReview({
    period: range('2026-11', 'UTC'), next: range('2026-12', 'UTC'),
    tenants: [URAL, BERLIN], log: { decisions, outcomes }, recorded: commands, settings, defaultTimezone: 'UTC', timezone: 'UTC',
  });

  it('reads the period in the portfolio\'s zone: Berlin\'s 1 Dec 00:00 is 30 Nov 23:00 UTC, inside it', () => {
    const d1 = m.awaiting.find((d) => d.decision_id === 'd1')!;
    expect(d1.due_in_period).toBe(true);
    expect(d1.days_overdue).toBe(1);   // due 30 Nov on the portfolio's (UTC) calendar, a day before its end
  });

  it('gives one row per tenant, by name, and names each decision\'s tenant', () => {
    expect(m.by_tenant.map((t) => [t.tenant_name, t.due, t.with_outcome, t.rated, t.met, t.success_rate, t.awaiting_outcome, t.decisions_tracked])).toEqual([
      ['Berliner Versand', 7, 5, 4, 3, 0.75, 3, 2],
      ['Ural Mail', 1, 1, 1, 0, 0, 0, 0],
    ]);
    expect(m.reviewed.find((d) => d.decision_id === 'u1')).toMatchObject({ tenant_name: 'Ural Mail', roi_achievement: 50, state: 'missed' });
    expect(m.summary).toMatchObject({ due_for_review: 8, with_outcome: 6, rated: 5, met: 3, success_rate: 0.6, awaiting_outcome: 3, coming_up: 0 });
  });
});

describe('the data object', () => {
  const period = parsePeriod('2026-11', 'Europe/Berlin');
  const data = buildDecisionReview({
    scope: 'tenant', period, next: nextPeriod(period), tenants: [BERLIN], log: { decisions, outcomes }, recorded: commands,
    settings: defaultMetricSettings, defaultTimezone: 'UTC', now: Z('2026-12-01T07:00:00Z'), newestEventAt: Z('2026-11-30T22:00:00Z'), newestSummaryDate: '2026-11-30',
  });

  it('is JSON with the period, the next period and a headline that leads with the money lost', () => {
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
    expect(data.period).toMatchObject({ label: '2026-11', start: '2026-11-01T00:00:00+01:00', end: '2026-12-01T00:00:00+01:00', timezone: 'Europe/Berlin' });
    expect(data.next_period.label).toBe('2026-12');
    expect(data.tenant).toEqual({ id: 't-b', name: 'Berliner Versand', timezone: 'Europe/Berlin' });
    expect(data.headline).toBe('“Zero net” lost $2,000 net against $0 expected; 3 of 4 decisions reviewed met 80% of the expected return (75%); 2 decisions await an outcome, the oldest 153 days overdue.');
    expect(data.headline_level).toBe('warning');
    expect(data.has_data).toBe(true);
  });

  it('says when there is nothing to review', () => {
    const empty = buildDecisionReview({
      scope: 'portfolio', period, next: nextPeriod(period), tenants: [BERLIN], log: { decisions: [], outcomes: [] }, recorded: [],
      settings: defaultMetricSettings, defaultTimezone: 'UTC', now: Z('2026-12-01T07:00:00Z'), newestEventAt: null, newestSummaryDate: null,
    });
    expect(empty.tenant).toBeNull();
    expect(empty.scope_name).toBe('Portfolio');
    expect(empty.has_data).toBe(false);
    expect(empty.summary.success_rate).toBeNull();
    expect(empty.summary.roi_achievement_total).toBeNull();
    expect(empty.headline_level).toBe('ok');
  });
});

describe('email and Slack', () => {
  const period = parsePeriod('2026-11', 'Europe/Berlin');
  const hostile = decisions.map((d) => (d.decision_id === 'd3' ? { ...d, title: '<img src=x onerror=alert(1)> & *bold* <!channel>' } : d));
  const data = buildDecisionReview({
    scope: 'tenant', period, next: nextPeriod(period), tenants: [{ ...BERLIN, name: 'Berliner\r\nBcc: x@evil.test' }], log: { decisions: hostile, outcomes }, recorded: commands,
    settings: defaultMetricSettings, defaultTimezone: 'UTC', now: Z('2026-12-01T07:00:00Z'), newestEventAt: null, newestSummaryDate: null,
  });

  it('states the state in the subject and leads the body with the headline', async () => {
    const { decisionReviewMessages } = await import('../../src/reports/decision-review/messages.js');
    const { email, slack } = decisionReviewMessages(data, 'brief');
    expect(email.subject).toBe('Warning · Berliner Bcc: x@evil.test · Decision review · November 2026');
    const body = email.html.slice(email.html.indexOf('<body'));
    expect(body.indexOf('lost $2,000 net')).toBeGreaterThan(-1);
    expect(body.indexOf('lost $2,000 net')).toBeLessThan(body.indexOf('Success rate'));
    expect(email.html).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt; &amp; *bold*');
    expect(email.html).not.toContain('<img src=x');
    expect(email.text).toContain('Success rate          75% (3 of 4 decisions rated met 80% of the expected net)');
    expect(email.text).toContain('- Twice reversed: Met, 80.0% (expected $5,000, actual $4,000)');
    expect(email.text).toContain('- Old awaiting: due 1 Jul 2026, 153 days overdue (id d7)');
    expect(slack.text).toMatch(/^Warning · Berliner Bcc: x@evil.test · Decision review · November 2026: “Zero net” lost/);
    const json = JSON.stringify(slack.blocks);
    expect(json).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; *bold* &lt;!channel&gt;');
    expect(json).not.toContain('<!channel>');
    expect(json).toContain('*Success rate*\\n75% (3 of 4 decisions rated met 80% of the expected net)');
  });

  it('sends a short delayed notice instead of figures', async () => {
    const { decisionReviewMessages } = await import('../../src/reports/decision-review/messages.js');
    const { email, slack } = decisionReviewMessages(data, 'delayed-notice');
    expect(email.subject).toBe('Delayed: decision review · Berliner Bcc: x@evil.test · November 2026');
    expect(email.text).toContain('Your decision review for November 2026 is delayed.');
    expect(email.text).not.toContain('$');
    expect(JSON.stringify(slack.blocks)).toContain('your decision review is delayed');
  });
});

describe('the pages a review may have (pre-send check)', () => {
  it('is one page at least (a quiet week) and grows with the decisions and tenants listed', async () => {
    const { decisionReview } = await import('../../src/reports/decision-review/index.js');
    const period = parsePeriod('2026-11', 'Europe/Berlin');
    const base = { scope: 'portfolio' as const, period, next: nextPeriod(period), recorded: [], settings: defaultMetricSettings, defaultTimezone: 'UTC', now: Z('2026-12-01T07:00:00Z'), newestEventAt: null, newestSummaryDate: null };
    const quiet = buildDecisionReview({ ...base, tenants: [BERLIN], log: { decisions: [], outcomes: [] } });
    expect(decisionReview.pages!(quiet, { min: 2, max: 4 })).toEqual({ min: 1, max: 4 });
    // 40 decisions due 5 Nov without an outcome, and 2 tenants: 42 rows, 30 beyond the first 12 → 3 more pages.
    const many = Array.from({ length: 40 }, (_, i) => decision(`m${i}`, { date: '2026-08-05T08:00:00Z', timeframe: '3 months', rev: 1000, cost: 0 }));
    const busy = buildDecisionReview({ ...base, tenants: [BERLIN, URAL], log: { decisions: many, outcomes: [] } });
    expect(busy.awaiting).toHaveLength(40);
    expect(decisionReview.pages!(busy, { min: 2, max: 4 })).toEqual({ min: 1, max: 7 });
  });
});

describe('a demanding reader\'s cases', () => {
  const NY = { id: 't-n', name: 'New York Co', timezone: 'America/New_York' };
  // ISO week 2026-W48 in New York: Mon 23 Nov 00:00 EST (05:00Z) to Mon 30 Nov 00:00 EST (05:00Z).
  const week = range('2026-W48', 'America/New_York');
  const next = range('2026-W49', 'America/New_York');
  const review = (decisions: LoggedDecision[], outcomes: OutcomeEventRow[] = [], recordedRows: RecordedOutcome[] = []) => computeDecisionReview({
    period: week, next, tenants: [NY], log: { decisions, outcomes }, recorded: recordedRows, settings, defaultTimezone: 'UTC',
  });

  it('a week in New York: a window ending Monday 00:00 local is the next week\'s, one ending Sunday 23:59 this week\'s', () => {
    const m = review([
      // 26 Oct 00:00 EDT + 5 weeks = 30 Nov 00:00 EST (the week's end): next week.
      decision('w-out', { tenant: NY.id, date: '2026-10-26T04:00:00Z', timeframe: '5 weeks', rev: 100, cost: 0 }),
      // 25 Oct 23:59 EDT + 5 weeks = 29 Nov 23:59 EST: this week, awaiting, 1 day overdue.
      decision('w-in', { tenant: NY.id, date: '2026-10-26T03:59:00Z', timeframe: '5 weeks', rev: 100, cost: 0 }),
    ]);
    expect(m.awaiting.map((d) => [d.decision_id, d.due_at, d.days_overdue])).toEqual([['w-in', '2026-11-30T04:59:00.000Z', 1]]);
    expect(m.coming_up.map((d) => [d.decision_id, d.due_at])).toEqual([['w-out', '2026-11-30T05:00:00.000Z']]);
  });

  it('an outcome recorded early (before the review date) is reviewed in the week it was recorded, and is not "coming up"', () => {
    const m = review([decision('early', { tenant: NY.id, date: '2026-11-02T15:00:00Z', timeframe: '6 weeks', rev: 1000, cost: 0 })],
      [outcomeEvent('early', '2026-11-25T15:00:00Z', 900, 0, NY.id)]);
    expect(m.reviewed.map((d) => [d.decision_id, d.due_in_period, d.roi_achievement])).toEqual([['early', false, 90]]);
    expect(m.coming_up).toEqual([]);
    expect(m.summary.due_for_review).toBe(1);
  });

  it('two outcomes at the same instant: the command\'s record wins (a person corrected the event)', () => {
    const at = '2026-11-25T15:00:00Z';
    const m = review([decision('tie', { tenant: NY.id, date: '2026-10-12T15:00:00Z', timeframe: '6 weeks', rev: 1000, cost: 0 })],
      [outcomeEvent('tie', at, 100, 0, NY.id)], [recorded('tie', at, 1000, 0, NY.id)]);
    expect(m.reviewed[0].outcome).toMatchObject({ source: 'command', actual_net: 1000, records: 2 });
    expect(m.reviewed[0].roi_achievement).toBe(100);
  });

  it('a decision awaiting in one week is reviewed in the week its late outcome arrives', () => {
    const decisionsLate = [decision('late', { tenant: NY.id, date: '2026-10-05T15:00:00Z', timeframe: '6 weeks', rev: 1000, cost: 200 })];
    // Due 16 Nov: W48 still waits for it (14 days overdue at 30 Nov, New York); the outcome comes 2 Dec, in W49.
    const w48 = review(decisionsLate, [], [recorded('late', '2026-12-02T15:00:00Z', 1200, 200, NY.id)]);
    expect(w48.awaiting.map((d) => [d.decision_id, d.days_overdue])).toEqual([['late', 14]]);
    const w49 = computeDecisionReview({
      period: next, next: range('2026-W50', 'America/New_York'), tenants: [NY], log: { decisions: decisionsLate, outcomes: [] },
      recorded: [recorded('late', '2026-12-02T15:00:00Z', 1200, 200, NY.id)], settings, defaultTimezone: 'UTC',
    });
    expect(w49.awaiting).toEqual([]);
    expect(w49.reviewed.map((d) => [d.decision_id, d.due_in_period, d.roi_achievement, d.state])).toEqual([['late', false, 125, 'met']]);
  });

  it('an outcome event without a decision_id, or of another tenant\'s decision, is left out and counted', () => {
    const m = review([decision('own', { tenant: NY.id, date: '2026-10-12T15:00:00Z', timeframe: '6 weeks', rev: 1000, cost: 0 })],
      [outcomeEvent(null, '2026-11-25T15:00:00Z', 1, 1, NY.id), outcomeEvent('own', '2026-11-25T15:00:00Z', 900, 0, 'someone-else')]);
    // The other tenant's event is not this review's (its tenant is not reviewed); the one without an id is counted.
    expect(m.data_notes).toEqual([{ code: 'outcome-unknown-decision', count: 1, text: "1 decision_outcome_event names no decision tracked by the period's end; left out" }]);
    expect(m.awaiting.map((d) => d.decision_id)).toEqual(['own']);
  });
});
