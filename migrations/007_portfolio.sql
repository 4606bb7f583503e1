-- Up Migration
-- Portfolio reports (SPEC §5, §7; issue 11): a report about every tenant goes only to the
-- platform's own recipients (tenant NULL). 002 and 005 already tie an outbox row's recipient, run
-- and attached artifact to the row's tenant, comparing NULL as a value: a row of tenant NULL goes
-- only to recipients of tenant NULL and carries only runs of tenant NULL. What was open is the run
-- itself: nothing tied its tenant to its scope, so a portfolio run recorded under a tenant would
-- have been deliverable to that tenant's people. A run's tenant is now its scope: NULL exactly for
-- scope 'portfolio', the tenant id otherwise (a tenant whose id is 'portfolio' stays a tenant).
-- Its tenant never changes (005), and now neither does its scope. SQLSTATE 23514, as every refusal.
-- (A CASE, not an OR: `scope = tenant_id` is NULL, which a CHECK accepts, when the tenant is NULL.)
ALTER TABLE herald.runs ADD CONSTRAINT runs_scope_is_tenant
  CHECK (CASE WHEN tenant_id IS NULL THEN scope = 'portfolio' ELSE scope = tenant_id END);

-- Down Migration
ALTER TABLE herald.runs DROP CONSTRAINT runs_scope_is_tenant;
