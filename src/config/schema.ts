import { z } from 'zod';
import { DateTime } from 'luxon';
import { defaultMetricSettings } from '../metrics/settings.js';
import { defaultAlertRuleSettings } from '../alerts/rules.js';

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

const a = defaultAlertRuleSettings;
export const alertRulesSchema = z.object({
  revenueImpact: z.object({ critical: z.number().positive(), high: z.number().positive(), medium: z.number().positive() }).strict().default(a.revenueImpact),
  efficiencyBelow: z.number().min(0).max(100).default(a.efficiencyBelow),
  optimizationAbove: z.number().min(0).default(a.optimizationAbove),
  costOverrunRatio: z.number().gt(0).default(a.costOverrunRatio),
}).strict();

const channel = z.enum(['email', 'slack', 'sms']);
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
}).strict().refine((s) => (s.every === undefined) !== (s.cron === undefined), { message: 'set exactly one of every or cron', path: ['every'] });

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
  alerts: z.object({ rules: alertRulesSchema.default(alertRulesSchema.parse({})) }).strict().default({ rules: alertRulesSchema.parse({}) }),
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
