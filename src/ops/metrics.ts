import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FailureReason } from '../delivery/Channel.js';

/**
 * Herald's Prometheus metrics, registered on an injected registry and pre-initialised so a
 * dashboard sees zeros rather than gaps. No label ever carries a secret or a recipient address.
 */
export class HeraldMetrics {
  readonly registry: Registry;
  readonly deliveries: Counter<'channel' | 'status'>;
  readonly deliveryFailures: Counter<'channel' | 'reason'>;
  readonly deadDeliveries: Counter<'channel'>;
  readonly operatorNotices: Counter<'kind'>;
  readonly briefs: Counter<'report' | 'outcome'>;
  readonly renderSeconds: Histogram<'report'>;
  readonly outbox: Gauge<'status'>;
  readonly scheduleLastDelivered: Gauge<'schedule'>;
  readonly schedulerTick: Gauge;
  readonly alertsFired: Counter<'rule' | 'severity'>;
  readonly alertNotifications: Counter<'step'>;
  readonly alertEvents: Counter<'outcome'>;
  readonly pollerTick: Gauge;
  readonly pollerTickSeconds: Histogram;

  constructor(registry = new Registry(), opts: { defaultMetrics?: boolean } = {}) {
    this.registry = registry;
    // prom-client's default metrics are already named process_* and nodejs_*: the prefix is ours only.
    if (opts.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'herald_' });
    this.deliveries = new Counter({ name: 'herald_deliveries_total', help: 'Deliveries by channel and final status', labelNames: ['channel', 'status'], registers: [registry] });
    this.deliveryFailures = new Counter({ name: 'herald_delivery_failures_total', help: 'Failed send attempts by channel and reason', labelNames: ['channel', 'reason'], registers: [registry] });
    this.deadDeliveries = new Counter({ name: 'herald_dead_deliveries_total', help: 'Deliveries given up after the last attempt or a permanent failure', labelNames: ['channel'], registers: [registry] });
    this.operatorNotices = new Counter({ name: 'herald_operator_notices_total', help: 'Operator notices raised, by kind', labelNames: ['kind'], registers: [registry] });
    this.briefs = new Counter({ name: 'herald_briefs_total', help: 'Briefs produced by report and outcome (sent, held, failed)', labelNames: ['report', 'outcome'], registers: [registry] });
    this.renderSeconds = new Histogram({ name: 'herald_brief_render_seconds', help: 'Data + charts + HTML + PDF time of one brief', labelNames: ['report'], buckets: [0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30], registers: [registry] });
    this.outbox = new Gauge({ name: 'herald_outbox_deliveries', help: 'Outbox rows by status (refreshed by the worker)', labelNames: ['status'], registers: [registry] });
    this.scheduleLastDelivered = new Gauge({ name: 'herald_schedule_last_delivered_timestamp_seconds', help: 'When a schedule last delivered a brief', labelNames: ['schedule'], registers: [registry] });
    this.schedulerTick = new Gauge({ name: 'herald_scheduler_last_tick_timestamp_seconds', help: 'When the scheduler last considered its schedules', registers: [registry] });
    this.alertsFired = new Counter({ name: 'herald_alerts_fired_total', help: 'Alerts that fired (were notified), by rule and severity', labelNames: ['rule', 'severity'], registers: [registry] });
    this.alertNotifications = new Counter({ name: 'herald_alert_notifications_total', help: 'Alert notifications queued (deliveries and SMS notices), by step kind', labelNames: ['step'], registers: [registry] });
    this.alertEvents = new Counter({ name: 'herald_alert_events_total', help: 'Events the alert poller read, by outcome (evaluated, unknown_tenant, late: arrived after the look-back window, never evaluated)', labelNames: ['outcome'], registers: [registry] });
    this.pollerTick = new Gauge({ name: 'herald_alert_poller_last_tick_timestamp_seconds', help: 'When this process\'s alert poller last completed a tick', registers: [registry] });
    this.pollerTickSeconds = new Histogram({ name: 'herald_alert_poller_tick_seconds', help: 'Duration of an alert poller tick', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] });
    for (const o of ['evaluated', 'unknown_tenant', 'late']) this.alertEvents.labels(o).inc(0);
    for (const channel of ['email', 'slack', 'sms']) {
      for (const status of ['sent', 'dead']) this.deliveries.labels(channel, status).inc(0);
      this.deadDeliveries.labels(channel).inc(0);
    }
    for (const status of ['pending', 'sending', 'sent', 'dead']) this.outbox.labels(status).set(0);
  }

  failure(channel: string, reason: FailureReason): void {
    this.deliveryFailures.labels(channel, reason).inc();
  }
}
