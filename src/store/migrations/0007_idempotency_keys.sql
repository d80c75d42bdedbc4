-- The answers to POSTs sent with an Idempotency-Key, per brand and caller,
-- kept for 24 hours, so a client retrying after a lost response gets the
-- first answer again instead of doing the work twice. A row is 'running'
-- while its first request is in flight; a second request with the same key
-- waits for it rather than running alongside it.
create table idempotency_keys (
  brand_id text not null,
  caller text not null,
  key text not null,
  request_hash text not null,
  state text not null check (state in ('running', 'done')),
  status_code integer,
  content_type text,
  body text,
  created_at timestamptz not null,
  primary key (brand_id, caller, key)
);
create index idempotency_keys_expiry on idempotency_keys (brand_id, created_at);
