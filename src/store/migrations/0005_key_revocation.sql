-- A revoked key stays listed (who had access, and until when) but no longer
-- authenticates anything.
alter table api_keys add column revoked_at timestamptz;
