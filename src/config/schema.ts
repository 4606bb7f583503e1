import { z } from 'zod';
import { DateTime } from 'luxon';
import { defaultMetricSettings } from '../metrics/settings.js';
import { defaultAlertSettings, parseDuration, type AlertSettings } from '../alerts/settings.js';
import { ScheduleError, validateScheduleTiming } from '../scheduler/slots.js';

const zone = z.string().refine((tz) => DateTime.local().setZone(tz).isValid, { message: 'not an IANA time zone' });
const fraction = z.number().min(0).max(1);
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24-hour)');
const identifier = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, 'letters, digits, - and _ only');

const levels = z.object({ critical: fraction, warning: fraction, monitor: fraction }).strict()
  .refine((l) => l.critical >= l.warning && l.warning >= l.monitor, { message: 'must satisfy critical ≥ warning ≥ monitor' });

const m = defaultMetricSettings;
export const metricsSchema = z.object({
  revenueAtRisk: z.object({ perBounce: z.number().min(0), perSpam: z.number().min(0) }).strict().default(m.revenueAtRisk),
  riskThresholds: z.object({ bounceRate: levels, spamRate: levels }).strict().default(m.riskThresholds),
  trendStableBelow: fraction.default(m.trendStableBelow),
  trendStableBelowPp: z.object({ bounceAndSpam: z.number().min(0).max(100), otherRates: z.number().min(0).max(100) }).strict().default(m.trendStableBelowPp),
  trendStableBelowPoints: z.number().min(0).max(100).default(m.trendStableBelowPoints),
  grossMarginTarget: z.number().gt(0).max(1).default(m.grossMarginTarget),
  savingsRateTarget: z.object({ min: fraction, max: fraction }).strict().default(m.savingsRateTarget),
  decisionVelocityTargetHours: z.number().positive().default(m.decisionVelocityTargetHours),
  ackWithinHours: z.number().positive().default(m.ackWithinHours),
  utilizationBand: z.object({ low: z.number().gt(0).lt(100), high: z.number().gt(0).lt(100) }).strict()
    .refine((b) => b.low < b.high, { message: 'low must be below high' }).default(m.utilizationBand),
  rightSize: z.object({ cpuBelowPercent: z.number().min(0).max(100), savingShare: fraction }).strict().default(m.rightSize),
  underusedIp: z.object({ warmupBelowPercent: z.number().min(0).max(100) }).strict().default(m.underusedIp),
  decisionSuccessAtPercent: z.number().positive().default(m.decisionSuccessAtPercent),
}).strict();

const channel = z.enum(['email', 'slack', 'sms']);

/** "5s", "30m", "4h", "1d", "250ms" or seconds, as milliseconds. */
const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `"${String(v).slice(0, 40)}" is not a duration (e.g. 5s, 30m, 4h)` });
    return z.NEVER;
  }
  return ms;
});
const severityRoutes = z.object({ critical: z.array(channel), high: z.array(channel), medium: z.array(channel) }).strict();
const rates = z.object({ bounceRate: fraction, spamRate: fraction }).strict();
const usd = z.number().min(0);

const A = defaultAlertSettings;
const R = A.rules;
/** Fields every rule may set; each rule's defaults fill what the file leaves out. */
const ruleCommon = (d: { enabled: boolean; for: number; quietFor: number }) => ({
  enabled: z.boolean().default(d.enabled),
  for: duration.default(d.for),
  resolveAfter: z.number().int().min(1).max(1000).optional(),
  quietFor: duration.default(d.quietFor),
  routes: severityRoutes.partial().optional(),
});
const ordered = <T extends Record<string, number>>(keys: (keyof T)[], higherFirst: boolean) => (l: T) =>
  keys.every((k, i) => i === 0 || (higherFirst ? l[keys[i - 1]] >= l[k] : l[keys[i - 1]] <= l[k]));
export const alertRulesSchema = z.object({
  deliverability: z.object({
    ...ruleCommon(R.deliverability),
    levels: z.object({ critical: rates, high: rates, medium: rates }).strict()
      .refine((l) => l.critical.bounceRate >= l.high.bounceRate && l.high.bounceRate >= l.medium.bounceRate
        && l.critical.spamRate >= l.high.spamRate && l.high.spamRate >= l.medium.spamRate, { message: 'must satisfy critical ≥ high ≥ medium' })
      .default(R.deliverability.levels),
    clear: rates.default(R.deliverability.clear),
  }).strict().refine((r) => r.clear.bounceRate <= r.levels.medium.bounceRate && r.clear.spamRate <= r.levels.medium.spamRate,
    { message: 'clear must be at or below the medium levels (hysteresis)', path: ['clear'] }).default(R.deliverability),
  'revenue-impact': z.object({
    ...ruleCommon(R['revenue-impact']),
    levels: z.object({ critical: usd, high: usd, medium: usd }).strict()
      .refine(ordered<{ critical: number; high: number; medium: number }>(['critical', 'high', 'medium'], true), { message: 'must satisfy critical ≥ high ≥ medium' })
      .default(R['revenue-impact'].levels),
  }).strict().default(R['revenue-impact']),
  'cost-overrun': z.object({
    ...ruleCommon(R['cost-overrun']),
    levels: z.object({ critical: z.number().gt(0) }).strict().default(R['cost-overrun'].levels),
    clear: z.number().gt(0).default(R['cost-overrun'].clear),
  }).strict().refine((r) => r.clear <= r.levels.critical, { message: 'clear must be at or below levels.critical (hysteresis)', path: ['clear'] }).default(R['cost-overrun']),
  efficiency: z.object({
    ...ruleCommon(R.efficiency),
    levels: z.object({ high: z.number().min(0).max(100) }).strict().default(R.efficiency.levels),
    clear: z.number().min(0).max(100).default(R.efficiency.clear),
  }).strict().refine((r) => r.clear >= r.levels.high, { message: 'clear must be at or above levels.high (hysteresis)', path: ['clear'] }).default(R.efficiency),
  optimization: z.object({
    ...ruleCommon(R.optimization),
    levels: z.object({ high: usd }).strict().default(R.optimization.levels),
  }).strict().default(R.optimization),
}).strict();

export const alertsSchema = z.object({
  enabled: z.boolean().default(A.enabled),
  pollEvery: duration.refine((ms) => ms >= 1000 && ms <= 60_000 && ms % 1000 === 0, { message: 'must be whole seconds from 1s to 60s' }).default(A.pollEvery),
  lookBack: duration.refine((ms) => ms >= 1000 && ms <= 24 * 3600_000, { message: 'must be from 1s to 24h' }).default(A.lookBack),
  lateAudit: duration.refine((ms) => ms <= 24 * 3600_000, { message: 'must be at most 24h' }).default(A.lateAudit),
  costEvery: duration.refine((ms) => ms >= 1000, { message: 'must be at least 1s' }).default(A.costEvery),
  publicUrl: z.string().url().refine((u) => /^https?:\/\//.test(u), { message: 'an http(s) URL' }).nullable().default(A.publicUrl),
  tiers: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'a recipient group name')).min(1).default(A.tiers),
  routes: severityRoutes.default(A.routes),
  repeatEvery: duration.refine((ms) => ms >= 60_000, { message: 'must be at least 1m' }).default(A.repeatEvery),
  escalateAfter: duration.refine((ms) => ms >= 60_000, { message: 'must be at least 1m' }).default(A.escalateAfter),
  ackTimeout: duration.refine((ms) => ms >= 60_000, { message: 'must be at least 1m' }).default(A.ackTimeout),
  resolveAfter: z.number().int().min(1).max(1000).default(A.resolveAfter),
  groupWait: z.object({ critical: duration, high: duration, medium: duration }).strict().default(A.groupWait),
  maxSmsPerHour: z.number().int().min(1).max(1000).default(A.maxSmsPerHour),
  sourceHealth: z.object({
    failAfter: z.number().int().min(1).max(1000).default(A.sourceHealth.failAfter),
    silentAfter: duration.default(A.sourceHealth.silentAfter),
    severity: z.enum(['critical', 'high', 'medium']).default(A.sourceHealth.severity),
  }).strict().default(A.sourceHealth),
  rules: alertRulesSchema.default(R),
}).strict();

export const reportNames = ['executive-summary', 'cost-optimization', 'decision-review'] as const;

export const scheduleSchema = z.object({
  id: identifier,
  report: z.enum(reportNames),
  every: z.enum(['daily', 'weekly', 'monthly']).optional(),
  cron: z.string().regex(/^\S+(\s+\S+){4}$/, 'expected 5 cron fields').optional(),
  at: localTime.default('07:00'),
  timezone: zone.optional(),
  scope: z.union([z.literal('all'), z.literal('portfolio'), z.object({ tenants: z.array(identifier).min(1) }).strict()]).default('all'),
  deliver: z.array(z.object({ channel, to: z.array(z.string().min(1)).min(1) }).strict()).min(1),
  catchUp: z.enum(['latest', 'all', 'none']).default('latest'),
  deadline: localTime.optional(),
  onStale: z.enum(['hold', 'send-delayed-notice']).default('hold'),
}).strict().refine((s) => (s.every === undefined) !== (s.cron === undefined), { message: 'set exactly one of every or cron', path: ['every'] })
  .superRefine((s, ctx) => {
    // The very expansion the worker does: a cron that does not parse or can never fire is refused
    // here, not at every tick.
    if ((s.every === undefined) === (s.cron === undefined)) return;
    try {
      validateScheduleTiming(s);
    } catch (err) {
      if (!(err instanceof ScheduleError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message, path: [err.field] });
    }
  });

const deliveryDefaults = {
  from: 'Herald <herald@localhost>',
  pages: { min: 2, max: 4 },
  freshness: { eventLagHours: 3, requireDailySummary: true },
  staleRetryMinutes: 30,
  staleGiveUpHours: 24,
  outboxConcurrency: 4,
  leaseSeconds: 300,
};
export const deliverySchema = z.object({
  from: z.string().min(3).default(deliveryDefaults.from),
  pages: z.object({ min: z.number().int().min(1), max: z.number().int().min(1) }).strict()
    .refine((p) => p.min <= p.max, { message: 'min must not exceed max' }).default(deliveryDefaults.pages),
  freshness: z.object({ eventLagHours: z.number().min(0), requireDailySummary: z.boolean() }).strict().default(deliveryDefaults.freshness),
  staleRetryMinutes: z.number().positive().default(deliveryDefaults.staleRetryMinutes),
  staleGiveUpHours: z.number().positive().default(deliveryDefaults.staleGiveUpHours),
  outboxConcurrency: z.number().int().min(1).max(32).default(deliveryDefaults.outboxConcurrency),
  leaseSeconds: z.number().int().min(1).default(deliveryDefaults.leaseSeconds),
  opsSlackChannel: z.string().regex(/^[CG][A-Z0-9]{6,}$/, 'a Slack channel id (C…)').optional(),
}).strict();

const schedulerDefaults = { tickSeconds: 30, misfireGraceMinutes: 10, briefLockSeconds: 300 };
export const schedulerSchema = z.object({
  tickSeconds: z.number().int().min(1).max(300).default(schedulerDefaults.tickSeconds),
  misfireGraceMinutes: z.number().min(1).default(schedulerDefaults.misfireGraceMinutes),
  briefLockSeconds: z.number().int().min(1).default(schedulerDefaults.briefLockSeconds),
}).strict();

export const configSchema = z.object({
  timezone: zone.default('UTC'),
  sources: z.object({
    business: z.object({
      url: z.string().min(1).optional(),
      // A separate business database is read in read-only transactions, each statement at most this long.
      statementTimeoutSeconds: z.number().int().min(1).max(3600).default(60),
    }).strict().default({ statementTimeoutSeconds: 60 }),
    events: z.object({
      kind: z.enum(['posthog-export', 'posthog-api']).default('posthog-export'),
      table: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/, 'a plain table name').default('posthog_events'),
    }).strict().default({ kind: 'posthog-export', table: 'posthog_events' }),
  }).strict().default({ business: { statementTimeoutSeconds: 60 }, events: { kind: 'posthog-export', table: 'posthog_events' } }),
  report: z.object({
    confidentiality: z.string().min(1).max(200).default('Confidential: prepared for the leadership of {tenant}. Do not forward.'),
    pdf: z.object({
      tagged: z.boolean().default(true),
      pagePool: z.number().int().min(1).max(8).default(2),
      timeoutMs: z.number().int().min(1000).max(600_000).default(30_000),
    }).strict().default({ tagged: true, pagePool: 2, timeoutMs: 30_000 }),
  }).strict().default({ confidentiality: 'Confidential: prepared for the leadership of {tenant}. Do not forward.', pdf: { tagged: true, pagePool: 2, timeoutMs: 30_000 } }),
  archiveDir: z.string().min(1).default('var/archive'),
  delivery: deliverySchema.default(deliveryDefaults),
  scheduler: schedulerSchema.default(schedulerDefaults),
  metrics: metricsSchema.default(metricsSchema.parse({})),
  alerts: alertsSchema.default(A),
  schedules: z.array(scheduleSchema).default([])
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((s, i) => {
        if (seen.has(s.id)) ctx.addIssue({ code: 'custom', message: `duplicate schedule id "${s.id}"`, path: [i, 'id'] });
        seen.add(s.id);
      });
    }),
}).strict();

export type HeraldConfig = z.infer<typeof configSchema>;
export type ScheduleConfig = z.infer<typeof scheduleSchema>;

// The parsed `alerts:` section is exactly the engine's AlertSettings (durations in ms).
const _alertsMatch: AlertSettings = {} as z.infer<typeof alertsSchema>;
void _alertsMatch;
