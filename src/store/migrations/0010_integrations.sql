-- A program's connection to a store: the signing secret its webhooks are
-- checked with (kept to compute the HMAC, never answered by the API) and,
-- for Shopify, the shop a delivery must come from.
create table integrations (
  program_id text not null references programs (id),
  provider text not null check (provider in ('shopify', 'stripe', 'woocommerce')),
  secret text not null,
  shop_domain text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (program_id, provider)
);

-- Every signed delivery and what became of it, newest first in the log; a
-- redelivery is known by the provider's own id of the delivery.
create table integration_deliveries (
  id text primary key,
  program_id text not null,
  provider text not null,
  provider_delivery_id text,
  topic text not null,
  status text not null check (status in ('processed', 'duplicate', 'ignored', 'rejected')),
  event_ids jsonb not null,
  error jsonb,
  received_at timestamptz not null
);
create index integration_deliveries_log on integration_deliveries (program_id, provider, id);
create index integration_deliveries_redelivery on integration_deliveries
  (program_id, provider, provider_delivery_id) where provider_delivery_id is not null;
