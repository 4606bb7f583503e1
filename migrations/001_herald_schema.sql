-- Up Migration
-- Herald's own state lives in its own schema so it never collides with the platform's tables.
CREATE SCHEMA IF NOT EXISTS herald;

-- One row per report rendered (preview, demo, scheduled run): what, for whom, which period, and the artifact.
CREATE TABLE herald.runs (
  id bigserial PRIMARY KEY,
  report text NOT NULL,
  scope text NOT NULL,                 -- tenant id, or 'portfolio'
  tenant_id text,
  period_label text NOT NULL,          -- 2026-11-21 | 2026-W47 | 2026-11
  period_start timestamptz NOT NULL,
  period_end timestamptz NOT NULL,
  timezone text NOT NULL,
  trigger text NOT NULL CHECK (trigger IN ('preview', 'demo', 'schedule', 'manual')),
  status text NOT NULL CHECK (status IN ('running', 'rendered', 'failed', 'held')),
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  artifact_path text,
  artifact_sha256 text CHECK (artifact_sha256 ~ '^[0-9a-f]{64}$'),
  page_count integer,
  error text
);
CREATE INDEX runs_scope_period ON herald.runs (report, scope, period_label);

-- Alerts raised for a tenant. The alert engine fills it; reports read it for revenue_protection_rate
-- (share of critical/high deliverability alerts acknowledged within 2 hours, SPEC §4).
CREATE TABLE herald.alerts (
  id bigserial PRIMARY KEY,
  rule text NOT NULL,
  tenant_id text,
  severity text NOT NULL CHECK (severity IN ('critical', 'high', 'medium')),
  state text NOT NULL CHECK (state IN ('pending', 'firing', 'acknowledged', 'resolved')),
  summary text NOT NULL,
  raised_at timestamptz NOT NULL,
  acknowledged_at timestamptz,
  resolved_at timestamptz
);
CREATE INDEX alerts_tenant_raised ON herald.alerts (tenant_id, raised_at);

-- Down Migration
DROP SCHEMA herald CASCADE;
