-- Up Migration
-- Tenant isolation on every write path (SPEC §7: "a recipient of tenant A never receives tenant
-- B's report; the database enforces it"). 002 guarded inserts of memberships and outbox rows; an
-- UPDATE of a recipient's or a group's tenant, an outbox row pointing at another tenant's run or
-- message, and the alert tables were open. Every refusal is SQLSTATE 23514 (check_violation),
-- whatever code (or operator at a psql prompt) tries it.

-- A recipient's or a group's tenant never changes: the person or group of another tenant is a new
-- row (memberships, deliveries and alert history stay with the tenant they were made for).
CREATE FUNCTION herald.tenant_is_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.tenant_id IS DISTINCT FROM OLD.tenant_id THEN
    RAISE EXCEPTION 'tenant isolation: the tenant of % % cannot change (% → %); add a new one instead',
      TG_TABLE_NAME, OLD.id, coalesce(OLD.tenant_id, 'platform'), coalesce(NEW.tenant_id, 'platform')
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER recipients_tenant_fixed BEFORE UPDATE OF tenant_id ON herald.recipients
  FOR EACH ROW EXECUTE FUNCTION herald.tenant_is_fixed();
CREATE TRIGGER recipient_groups_tenant_fixed BEFORE UPDATE OF tenant_id ON herald.recipient_groups
  FOR EACH ROW EXECUTE FUNCTION herald.tenant_is_fixed();
CREATE TRIGGER alerts_tenant_fixed BEFORE UPDATE OF tenant_id ON herald.alerts
  FOR EACH ROW EXECUTE FUNCTION herald.tenant_is_fixed();
CREATE TRIGGER runs_tenant_fixed BEFORE UPDATE OF tenant_id ON herald.runs
  FOR EACH ROW EXECUTE FUNCTION herald.tenant_is_fixed();

-- An outbox row sends one tenant's things to that tenant's people: its recipient (002), its run,
-- and the run whose PDF its messages attach.
CREATE FUNCTION herald.outbox_same_tenant_refs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  other text;
BEGIN
  IF NEW.run_id IS NOT NULL THEN
    SELECT tenant_id INTO other FROM herald.runs WHERE id = NEW.run_id;
    IF other IS DISTINCT FROM NEW.tenant_id THEN
      RAISE EXCEPTION 'tenant isolation: delivery % of tenant % cannot carry run % of tenant %',
        NEW.delivery_key, coalesce(NEW.tenant_id, 'platform'), NEW.run_id, coalesce(other, 'platform') USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  IF EXISTS (SELECT 1 FROM herald.messages m JOIN herald.runs r ON r.id = m.artifact_run_id
              WHERE m.id IN (NEW.message_id, NEW.fallback_message_id) AND r.tenant_id IS DISTINCT FROM NEW.tenant_id) THEN
    RAISE EXCEPTION 'tenant isolation: delivery % of tenant % cannot attach another tenant''s artifact',
      NEW.delivery_key, coalesce(NEW.tenant_id, 'platform') USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER outbox_same_tenant_refs BEFORE INSERT OR UPDATE OF tenant_id, run_id, message_id, fallback_message_id ON herald.outbox
  FOR EACH ROW EXECUTE FUNCTION herald.outbox_same_tenant_refs();

-- A message that outbox rows send cannot be made to attach another tenant's PDF.
CREATE FUNCTION herald.message_same_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.artifact_run_id IS NOT NULL AND EXISTS (
       SELECT 1 FROM herald.outbox o, herald.runs r
        WHERE (o.message_id = NEW.id OR o.fallback_message_id = NEW.id) AND r.id = NEW.artifact_run_id
          AND r.tenant_id IS DISTINCT FROM o.tenant_id) THEN
    RAISE EXCEPTION 'tenant isolation: message % is sent for another tenant than run %', NEW.id, NEW.artifact_run_id
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER messages_same_tenant BEFORE UPDATE OF artifact_run_id ON herald.messages
  FOR EACH ROW EXECUTE FUNCTION herald.message_same_tenant();

-- An alert is told to its tenant's people only (source-health alerts, tenant null: the platform's).
CREATE FUNCTION herald.alert_links_same_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  alert_tenant text;
  other text;
BEGIN
  SELECT tenant_id INTO alert_tenant FROM herald.alerts WHERE id = NEW.alert_id;
  IF TG_TABLE_NAME = 'alert_notifications' THEN
    SELECT tenant_id INTO other FROM herald.outbox WHERE id = NEW.outbox_id;
  ELSE
    SELECT tenant_id INTO other FROM herald.recipients WHERE id = NEW.recipient_id;
  END IF;
  IF alert_tenant IS DISTINCT FROM other THEN
    RAISE EXCEPTION 'tenant isolation: alert % of tenant % cannot be told through % of tenant %',
      NEW.alert_id, coalesce(alert_tenant, 'platform'), TG_TABLE_NAME, coalesce(other, 'platform') USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER alert_notifications_same_tenant BEFORE INSERT OR UPDATE ON herald.alert_notifications
  FOR EACH ROW EXECUTE FUNCTION herald.alert_links_same_tenant();
CREATE TRIGGER sms_intents_same_tenant BEFORE INSERT OR UPDATE OF alert_id, recipient_id ON herald.sms_intents
  FOR EACH ROW EXECUTE FUNCTION herald.alert_links_same_tenant();

-- Down Migration
DROP TRIGGER sms_intents_same_tenant ON herald.sms_intents;
DROP TRIGGER alert_notifications_same_tenant ON herald.alert_notifications;
DROP TRIGGER messages_same_tenant ON herald.messages;
DROP TRIGGER outbox_same_tenant_refs ON herald.outbox;
DROP TRIGGER runs_tenant_fixed ON herald.runs;
DROP TRIGGER alerts_tenant_fixed ON herald.alerts;
DROP TRIGGER recipient_groups_tenant_fixed ON herald.recipient_groups;
DROP TRIGGER recipients_tenant_fixed ON herald.recipients;
DROP FUNCTION herald.alert_links_same_tenant(), herald.message_same_tenant(), herald.outbox_same_tenant_refs(), herald.tenant_is_fixed();
