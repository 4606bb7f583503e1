-- Up Migration
-- Scheduled delivery (SPEC §6–§7): recipients and groups, the outbox, schedule cursors and slots,
-- operator notices.

-- People who receive briefs. tenant_id NULL: the platform's own executives (portfolio reports).
-- A recipient with delivery history is never deleted (the outbox is the audit of who received
-- which brief): `removed_at` marks one who must receive nothing more. The same person may be added
-- again later, as a new recipient (a new id, so new delivery keys).
CREATE TABLE herald.recipients (
  id bigserial PRIMARY KEY,
  tenant_id text,
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  role text,
  email text CHECK (email IS NULL OR email ~ '^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$'),
  slack_channel text CHECK (slack_channel IS NULL OR slack_channel ~ '^[CGD][A-Z0-9]{6,}$'),
  phone text CHECK (phone IS NULL OR phone ~ '^\+[1-9][0-9]{6,14}$'),     -- E.164
  timezone text,
  quiet_start time,                                                         -- local quiet hours
  quiet_end time,
  created_at timestamptz NOT NULL DEFAULT now(),
  removed_at timestamptz,                                                   -- soft removal (see above)
  UNIQUE (id, tenant_id),
  CHECK (email IS NOT NULL OR slack_channel IS NOT NULL OR phone IS NOT NULL),
  CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
);
CREATE UNIQUE INDEX recipients_tenant_email ON herald.recipients (coalesce(tenant_id, ''), lower(email))
  WHERE email IS NOT NULL AND removed_at IS NULL;

-- A group belongs to one tenant (or, tenant_id NULL, to the platform) and so do its members.
CREATE TABLE herald.recipient_groups (
  id bigserial PRIMARY KEY,
  name text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_-]*$'),
  tenant_id text
);
CREATE UNIQUE INDEX recipient_groups_name_tenant ON herald.recipient_groups (name, coalesce(tenant_id, ''));

CREATE TABLE herald.group_members (
  group_id bigint NOT NULL REFERENCES herald.recipient_groups ON DELETE CASCADE,
  recipient_id bigint NOT NULL REFERENCES herald.recipients ON DELETE CASCADE,
  PRIMARY KEY (group_id, recipient_id)
);

-- The database, not the code, keeps tenants apart.
CREATE FUNCTION herald.check_same_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  group_tenant text;
  recipient_tenant text;
BEGIN
  IF TG_TABLE_NAME = 'group_members' THEN
    SELECT tenant_id INTO group_tenant FROM herald.recipient_groups WHERE id = NEW.group_id;
    SELECT tenant_id INTO recipient_tenant FROM herald.recipients WHERE id = NEW.recipient_id;
    IF group_tenant IS DISTINCT FROM recipient_tenant THEN
      RAISE EXCEPTION 'tenant isolation: recipient % (tenant %) cannot join a group of tenant %',
        NEW.recipient_id, coalesce(recipient_tenant, 'platform'), coalesce(group_tenant, 'platform')
        USING ERRCODE = 'check_violation';
    END IF;
  ELSIF TG_TABLE_NAME = 'outbox' THEN
    SELECT tenant_id INTO recipient_tenant FROM herald.recipients WHERE id = NEW.recipient_id;
    -- A tenant's brief goes only to that tenant's people; portfolio reports (tenant NULL) only to the platform's.
    IF recipient_tenant IS DISTINCT FROM NEW.tenant_id THEN
      RAISE EXCEPTION 'tenant isolation: delivery % of tenant % cannot go to recipient % of tenant %',
        NEW.delivery_key, coalesce(NEW.tenant_id, 'platform'), NEW.recipient_id, coalesce(recipient_tenant, 'platform')
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER group_members_same_tenant BEFORE INSERT OR UPDATE ON herald.group_members
  FOR EACH ROW EXECUTE FUNCTION herald.check_same_tenant();

-- One row per rendered artifact that deliveries point at (a resend uses the same bytes).
ALTER TABLE herald.runs ADD COLUMN schedule_id text;
ALTER TABLE herald.runs ADD COLUMN checks jsonb;          -- pre-send check results
ALTER TABLE herald.runs ADD COLUMN data jsonb;            -- the report data object the artifact was rendered from

-- Every send: one row, one delivery key (schedule:report:scope:period:channel:recipient), sent once.
CREATE TABLE herald.outbox (
  id bigserial PRIMARY KEY,
  delivery_key text NOT NULL UNIQUE,
  schedule_id text,
  report text NOT NULL,
  tenant_id text,
  period_label text NOT NULL,
  channel text NOT NULL CHECK (channel IN ('email', 'slack', 'sms')),
  recipient_id bigint NOT NULL REFERENCES herald.recipients,
  run_id bigint REFERENCES herald.runs,
  kind text NOT NULL DEFAULT 'brief' CHECK (kind IN ('brief', 'delayed-notice')),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'dead', 'superseded')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz,
  last_error text,
  error_reason text,
  provider_id text,
  progress jsonb,                       -- a channel's completed steps (Slack: message posted, file not yet)
  sent_at timestamptz,
  fallback_of bigint REFERENCES herald.outbox,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_due ON herald.outbox (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE TRIGGER outbox_same_tenant BEFORE INSERT OR UPDATE OF recipient_id, tenant_id ON herald.outbox
  FOR EACH ROW EXECUTE FUNCTION herald.check_same_tenant();

-- Nothing is sent to a removed recipient, whatever the code does: a delivery that would become
-- pending for one (queued in a race with the removal, a Slack-to-email fallback, a retry of a send
-- that was in flight at the removal, a forced resend) is recorded as superseded instead.
CREATE FUNCTION herald.outbox_skip_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM herald.recipients WHERE id = NEW.recipient_id AND removed_at IS NOT NULL) THEN
    NEW.status := 'superseded';
    NEW.locked_until := NULL;
    NEW.last_error := 'recipient removed';
    NEW.error_reason := 'recipient_removed';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER outbox_skip_removed BEFORE INSERT OR UPDATE OF status ON herald.outbox
  FOR EACH ROW WHEN (NEW.status = 'pending') EXECUTE FUNCTION herald.outbox_skip_removed();

-- Scheduler: one cursor per schedule (the instant up to which its slots were considered) and one
-- row per fired (schedule, tenant, slot): the unique key makes each slot fire once across workers.
CREATE TABLE herald.schedule_cursors (
  schedule_id text PRIMARY KEY,
  considered_until timestamptz NOT NULL,
  definition_hash text NOT NULL
);
CREATE TABLE herald.schedule_slots (
  schedule_id text NOT NULL,
  scope text NOT NULL,                  -- tenant id or 'portfolio'
  slot_at timestamptz NOT NULL,
  period_label text NOT NULL,
  timezone text NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'rendered', 'held', 'failed', 'delivered')),
  error text,
  deadline_at timestamptz,
  deadline_alerted boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schedule_id, scope, period_label)
);

-- What an operator must look at: dead deliveries, held briefs, missed deadlines, channel failures.
CREATE TABLE herald.operator_notices (
  id bigserial PRIMARY KEY,
  kind text NOT NULL,
  dedupe_key text NOT NULL UNIQUE,
  message text NOT NULL,
  details jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Down Migration
DROP TABLE herald.operator_notices, herald.schedule_slots, herald.schedule_cursors, herald.outbox,
  herald.group_members, herald.recipient_groups, herald.recipients CASCADE;
DROP FUNCTION herald.check_same_tenant(), herald.outbox_skip_removed();
