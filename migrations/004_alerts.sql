-- Up Migration
-- Alerts (SPEC §8): one open alert per fingerprint (rule, tenant), its lifecycle and timeline,
-- what it notified, the SMS grouping stage, and the poller's cursor. The poller evaluates under
-- an advisory lock and writes each tick in one transaction; the unique keys below (and the
-- outbox's delivery keys) make a second poller, a retry or a restart send nothing twice.

ALTER TABLE herald.alerts
  ADD COLUMN fingerprint text,
  ADD COLUMN code text CHECK (code ~ '^[0-9]{4}$'),            -- what a director replies with: ACK 4821
  ADD COLUMN current_severity text CHECK (current_severity IN ('critical', 'high', 'medium')),
  ADD COLUMN value float8,
  ADD COLUMN short text,                                       -- the SMS line: "bounce 17.0% > 15%, $112 at risk"
  ADD COLUMN at_risk float8,
  ADD COLUMN tenant_name text,
  ADD COLUMN pending_since timestamptz,
  ADD COLUMN fired_at timestamptz,                             -- null: never notified (pending, or cleared first)
  ADD COLUMN last_breach_at timestamptz,
  ADD COLUMN clear_count integer NOT NULL DEFAULT 0,
  ADD COLUMN acknowledged_by text,
  ADD COLUMN snoozed_until timestamptz,
  ADD COLUMN escalation_level integer NOT NULL DEFAULT 0,
  ADD COLUMN repeat_count integer NOT NULL DEFAULT 0,
  ADD COLUMN last_paged_at timestamptz,
  ADD COLUMN realert_count integer NOT NULL DEFAULT 0,
  ADD COLUMN upgrade_count integer NOT NULL DEFAULT 0,
  ADD COLUMN test boolean NOT NULL DEFAULT false,
  ADD COLUMN updated_at timestamptz;
-- Alerts recorded before this migration (the demo's history) fired when they were raised.
UPDATE herald.alerts SET fingerprint = rule || ':' || coalesce(tenant_id, '') || ':legacy:' || id, current_severity = severity,
       fired_at = raised_at, last_breach_at = raised_at, short = summary;
ALTER TABLE herald.alerts ALTER COLUMN fingerprint SET NOT NULL, ALTER COLUMN current_severity SET NOT NULL;
CREATE UNIQUE INDEX alerts_open_fingerprint ON herald.alerts (fingerprint) WHERE state <> 'resolved';
CREATE UNIQUE INDEX alerts_open_code ON herald.alerts (code) WHERE state <> 'resolved';
CREATE INDEX alerts_fired ON herald.alerts (tenant_id, fired_at) WHERE fired_at IS NOT NULL;

-- What happened to an alert, in order (herald alerts show).
CREATE TABLE herald.alert_events (
  id bigserial PRIMARY KEY,
  alert_id bigint NOT NULL REFERENCES herald.alerts ON DELETE CASCADE,
  at timestamptz NOT NULL,
  kind text NOT NULL,
  detail jsonb
);
CREATE INDEX alert_events_alert ON herald.alert_events (alert_id, at);

-- Which deliveries told of which alert (an SMS may tell of several).
CREATE TABLE herald.alert_notifications (
  alert_id bigint NOT NULL REFERENCES herald.alerts ON DELETE CASCADE,
  outbox_id bigint NOT NULL REFERENCES herald.outbox ON DELETE CASCADE,
  step text NOT NULL,
  PRIMARY KEY (alert_id, outbox_id)
);
CREATE INDEX alert_notifications_outbox ON herald.alert_notifications (outbox_id);

-- The SMS grouping stage: one row per (alert, step, recipient) to text; rows of one recipient
-- still waiting are sent as one SMS (groupWait, maxSmsPerHour), then point at it.
CREATE TABLE herald.sms_intents (
  id bigserial PRIMARY KEY,
  alert_id bigint NOT NULL REFERENCES herald.alerts ON DELETE CASCADE,
  step text NOT NULL,
  recipient_id bigint NOT NULL REFERENCES herald.recipients,
  severity text NOT NULL CHECK (severity IN ('critical', 'high', 'medium')),
  notice jsonb NOT NULL,                   -- what the SMS says of this alert
  created_at timestamptz NOT NULL,
  grouped_at timestamptz,
  outbox_id bigint REFERENCES herald.outbox,
  UNIQUE (alert_id, step, recipient_id)
);
CREATE INDEX sms_intents_waiting ON herald.sms_intents (recipient_id, created_at) WHERE outbox_id IS NULL;
CREATE INDEX sms_intents_grouped ON herald.sms_intents (recipient_id, grouped_at) WHERE grouped_at IS NOT NULL;

-- The poller's state, one row: its cursor over the event store, its heartbeat, its sources' health.
CREATE TABLE herald.alert_poller (
  id integer PRIMARY KEY CHECK (id = 1),
  started_at timestamptz NOT NULL,          -- alerts are recorded from here on (briefs of earlier periods derive them)
  cursor_at timestamptz,                    -- newest event timestamp processed
  last_tick_at timestamptz,
  last_cost_at timestamptz,
  last_audit_at timestamptz,
  source_failures jsonb NOT NULL DEFAULT '{}',   -- consecutive failed polls by source
  ticks bigint NOT NULL DEFAULT 0
);

-- Events the poller has processed, for the look-back window and the late audit (pruned).
CREATE TABLE herald.alert_seen_events (
  uuid text PRIMARY KEY,
  event_at timestamptz NOT NULL
);
CREATE INDEX alert_seen_events_at ON herald.alert_seen_events (event_at);

-- Routing reads a recipient's groups per step; group_members was indexed by group only.
CREATE INDEX group_members_recipient ON herald.group_members (recipient_id);

-- STOP by SMS: carriers require that nothing more is texted until START.
ALTER TABLE herald.recipients ADD COLUMN sms_opted_out_at timestamptz;

-- Down Migration
ALTER TABLE herald.recipients DROP COLUMN sms_opted_out_at;
DROP INDEX herald.group_members_recipient;
DROP TABLE herald.alert_seen_events, herald.alert_poller, herald.sms_intents, herald.alert_notifications, herald.alert_events;
DROP INDEX herald.alerts_open_fingerprint, herald.alerts_open_code, herald.alerts_fired;
ALTER TABLE herald.alerts DROP COLUMN fingerprint, DROP COLUMN code, DROP COLUMN current_severity, DROP COLUMN value, DROP COLUMN short,
  DROP COLUMN at_risk, DROP COLUMN tenant_name, DROP COLUMN pending_since, DROP COLUMN fired_at, DROP COLUMN last_breach_at, DROP COLUMN clear_count,
  DROP COLUMN acknowledged_by, DROP COLUMN snoozed_until, DROP COLUMN escalation_level, DROP COLUMN repeat_count, DROP COLUMN last_paged_at,
  DROP COLUMN realert_count, DROP COLUMN upgrade_count, DROP COLUMN test, DROP COLUMN updated_at;
