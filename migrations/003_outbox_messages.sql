-- Up Migration
-- The outbox carries rendered messages. Whoever owns what is sent (a report's brief, an alert)
-- renders it once per channel; a channel only transports it. Rows carry a priority (a critical
-- SMS is claimed before any brief of a 1,000-tenant fan-out) and a retry policy (an SMS is
-- retried within seconds, a brief over hours).

-- One rendered message, sent to any number of recipients (a brief's email to its c-suite).
-- Immutable once written: a forced resend stores a new message under the same delivery keys.
CREATE TABLE herald.messages (
  id bigserial PRIMARY KEY,
  channel text NOT NULL CHECK (channel IN ('email', 'slack', 'sms')),
  content jsonb NOT NULL CHECK (content->>'channel' = channel),
  artifact_run_id bigint REFERENCES herald.runs,   -- that run's archived PDF travels with the message
  created_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE herald.outbox
  ADD COLUMN message_id bigint REFERENCES herald.messages,
  -- Lower is claimed first: critical alerts 0, high 10, notices 20, briefs 50.
  ADD COLUMN priority smallint NOT NULL DEFAULT 50,
  ADD COLUMN retry_policy text NOT NULL DEFAULT 'brief',
  -- A permanent failure (a Slack channel that is gone) sends this message instead, through its channel.
  ADD COLUMN fallback_message_id bigint REFERENCES herald.messages,
  ALTER COLUMN report DROP NOT NULL,
  ALTER COLUMN period_label DROP NOT NULL;
ALTER TABLE herald.outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE herald.outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('brief', 'delayed-notice', 'alert'));
DROP INDEX herald.outbox_due;
CREATE INDEX outbox_due ON herald.outbox (priority, next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX outbox_run ON herald.outbox (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX outbox_message ON herald.outbox (message_id);
CREATE INDEX outbox_fallback_message ON herald.outbox (fallback_message_id) WHERE fallback_message_id IS NOT NULL;

-- A slot is the one record of a brief's work: when it is (re)dispatched to the job queue (first
-- run, a retry after a failure, another look at stale data, a job lost with its worker) is its
-- next_attempt_at; null when nothing is left to do.
ALTER TABLE herald.schedule_slots
  ADD COLUMN next_attempt_at timestamptz,
  ADD COLUMN dispatches integer NOT NULL DEFAULT 0,
  ADD COLUMN failures integer NOT NULL DEFAULT 0;
UPDATE herald.schedule_slots SET next_attempt_at = updated_at WHERE status = 'queued';
CREATE INDEX schedule_slots_due ON herald.schedule_slots (next_attempt_at) WHERE next_attempt_at IS NOT NULL;

-- Down Migration
DROP INDEX herald.schedule_slots_due;
ALTER TABLE herald.schedule_slots DROP COLUMN next_attempt_at, DROP COLUMN dispatches, DROP COLUMN failures;
DROP INDEX herald.outbox_run, herald.outbox_message, herald.outbox_fallback_message;
DROP INDEX herald.outbox_due;
CREATE INDEX outbox_due ON herald.outbox (next_attempt_at) WHERE status IN ('pending', 'sending');
ALTER TABLE herald.outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE herald.outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('brief', 'delayed-notice'));
ALTER TABLE herald.outbox DROP COLUMN message_id, DROP COLUMN priority, DROP COLUMN retry_policy, DROP COLUMN fallback_message_id;
DROP TABLE herald.messages;
