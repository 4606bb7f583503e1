-- Up Migration
-- The alert poller reads every tenant's alertable events by time (SPEC §8): without an index on
-- the timestamp each tick would scan the export table. A platform's export table needs the same
-- (README, "Alerts").
CREATE INDEX IF NOT EXISTS posthog_events_time ON posthog_events ("timestamp", event) INCLUDE (uuid);

-- Down Migration
DROP INDEX IF EXISTS posthog_events_time;
