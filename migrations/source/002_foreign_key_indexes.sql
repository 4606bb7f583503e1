-- Up Migration
-- The per-tenant lookups of every brief (a tenant's subscriptions, VPS instances and their IPs).
-- PostgreSQL does not index foreign keys by itself; without these each brief scanned the tables,
-- which grows with the number of tenants. A platform database normally has them already.
CREATE INDEX IF NOT EXISTS subscriptions_tenant ON subscriptions (tenant_id);
CREATE INDEX IF NOT EXISTS vps_instances_tenant ON vps_instances (tenant_id);
CREATE INDEX IF NOT EXISTS smtp_ip_addresses_vps_instance ON smtp_ip_addresses (vps_instance_id);

-- Down Migration
DROP INDEX IF EXISTS subscriptions_tenant, vps_instances_tenant, smtp_ip_addresses_vps_instance;
