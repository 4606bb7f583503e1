-- Up Migration
-- The platform's business tables (SPEC §2.1) and PostHog's PostgreSQL batch-export table (SPEC §2.2).
-- Only the demo and the tests run this set; an operator never runs it against a real platform database.
CREATE TABLE IF NOT EXISTS tenants (
  id text PRIMARY KEY,
  name text NOT NULL,
  timezone text NOT NULL DEFAULT 'UTC',
  monthly_budget numeric(12,2)
);
CREATE TABLE IF NOT EXISTS plans (
  id text PRIMARY KEY,
  name text NOT NULL,
  price_monthly numeric(10,2) NOT NULL
);
CREATE TABLE IF NOT EXISTS subscriptions (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants,
  plan_id text NOT NULL REFERENCES plans,
  status text NOT NULL,
  current_period_start date,
  current_period_end date
);
CREATE TABLE IF NOT EXISTS payments (
  id text PRIMARY KEY,
  subscription_id text NOT NULL REFERENCES subscriptions,
  amount numeric(12,2) NOT NULL,
  paid_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS vps_instances (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES tenants,
  status text NOT NULL,
  approximate_cost numeric(8,2),
  cpu_utilization numeric(5,2),
  memory_utilization numeric(5,2)
);
CREATE TABLE IF NOT EXISTS smtp_ip_addresses (
  id text PRIMARY KEY,
  vps_instance_id text NOT NULL REFERENCES vps_instances,
  ip inet NOT NULL,
  approximate_cost numeric(6,2),
  warmup_progress numeric(5,2),
  daily_capacity integer
);
CREATE TABLE IF NOT EXISTS deliverability_daily_summary (
  tenant_id text NOT NULL REFERENCES tenants,
  tracking_date date NOT NULL,
  emails_sent integer NOT NULL,
  emails_delivered integer NOT NULL,
  emails_bounced integer NOT NULL,
  emails_spam integer NOT NULL,
  ip_reputation text,
  domain_reputation text,
  PRIMARY KEY (tenant_id, tracking_date)
);
-- Exactly the columns PostHog's batch export writes; it has no primary key, so duplicates happen.
CREATE TABLE IF NOT EXISTS posthog_events (
  uuid varchar(200),
  event varchar(200),
  properties jsonb,
  elements jsonb,
  "set" jsonb,
  set_once jsonb,
  distinct_id varchar(200),
  team_id integer,
  ip varchar(200),
  site_url varchar(200),
  "timestamp" timestamptz
);
CREATE INDEX IF NOT EXISTS posthog_events_tenant_event_time
  ON posthog_events ((properties->>'tenant_id'), event, "timestamp");
CREATE INDEX IF NOT EXISTS payments_subscription_paid_at ON payments (subscription_id, paid_at);

-- Down Migration
DROP TABLE IF EXISTS posthog_events, deliverability_daily_summary, smtp_ip_addresses, vps_instances,
  payments, subscriptions, plans, tenants;
