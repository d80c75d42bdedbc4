-- Every fact worth telling, written in the transaction of the fact itself
-- with one delivery row per endpoint that wants it: nothing is told that did
-- not commit, and nothing that committed is left untold. A fact no endpoint
-- wants is not written at all.
create table outbox_events (
  id text primary key,
  brand_id text not null,
  program_id text,
  type text not null,
  data jsonb not null,
  created_at timestamptz not null
);

-- A brand's webhook endpoints, brand-wide or for one program. The secret
-- signs deliveries (Standard Webhooks); it is answered once, at creation.
create table webhook_endpoints (
  id text primary key,
  brand_id text not null references brands (id),
  program_id text references programs (id),
  url text not null,
  events jsonb not null,
  secret text not null,
  disabled boolean not null default false,
  disabled_reason text,
  failing_since timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
create index webhook_endpoints_brand on webhook_endpoints (brand_id, id);

-- One row per event and endpoint, written with the event. A worker
-- claims a due row by taking a lease, so two servers never send the same
-- attempt; a lease that runs out (the worker died) makes the row due again.
create table webhook_deliveries (
  id text primary key,
  endpoint_id text not null references webhook_endpoints (id) on delete cascade,
  event_id text not null,
  brand_id text not null,
  type text not null,
  status text not null check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  last_status_code integer,
  last_error text,
  next_attempt_at timestamptz,
  lease_until timestamptz,
  created_at timestamptz not null,
  delivered_at timestamptz,
  unique (endpoint_id, event_id)
);
create index webhook_deliveries_due on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_log on webhook_deliveries (endpoint_id, id);
