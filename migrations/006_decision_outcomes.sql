-- Up Migration
-- Outcomes of strategic decisions recorded with `herald decisions outcome` (SPEC §4, §9). An audit
-- log: every record is kept, who recorded it and when; the latest recorded outcome of a decision
-- wins (also over decision_outcome_event events, by recorded time). Rows are never changed or
-- deleted: a correction is a new record. Every refusal is SQLSTATE 23514 (check_violation).
CREATE TABLE herald.decision_outcomes (
  id bigserial PRIMARY KEY,
  -- The decision's id as the events give it (its decision_id property, else the event's uuid),
  -- and the tenant whose strategic_decision_event it is: ids are only unique within a tenant.
  decision_id text NOT NULL CHECK (length(decision_id) BETWEEN 1 AND 200),
  tenant_id text NOT NULL CHECK (length(tenant_id) BETWEEN 1 AND 200),
  -- USD. Signed: a decision can lose revenue, and save cost. Under a trillion, as every amount a
  -- brief prints (the event stores leave larger ones out).
  actual_revenue numeric(14,2) NOT NULL CHECK (abs(actual_revenue) < 1e12),
  actual_cost numeric(14,2) NOT NULL CHECK (abs(actual_cost) < 1e12),
  note text CHECK (length(note) <= 1000),
  -- Who recorded it: --by, else HERALD_ACTOR, else the operating-system user ("… (command line)").
  recorded_by text NOT NULL CHECK (length(recorded_by) BETWEEN 1 AND 200),
  recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX decision_outcomes_latest ON herald.decision_outcomes (tenant_id, decision_id, recorded_at DESC, id DESC);
CREATE INDEX decision_outcomes_recorded ON herald.decision_outcomes (recorded_at);

CREATE FUNCTION herald.decision_outcomes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit: decision outcomes are kept as recorded (% refused); record a new outcome instead', TG_OP
    USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER decision_outcomes_no_update BEFORE UPDATE OR DELETE ON herald.decision_outcomes
  FOR EACH ROW EXECUTE FUNCTION herald.decision_outcomes_append_only();
CREATE TRIGGER decision_outcomes_no_truncate BEFORE TRUNCATE ON herald.decision_outcomes
  FOR EACH STATEMENT EXECUTE FUNCTION herald.decision_outcomes_append_only();

-- Down Migration
DROP TABLE herald.decision_outcomes;
DROP FUNCTION herald.decision_outcomes_append_only();
