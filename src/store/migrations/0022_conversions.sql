-- Signups and leads are paid and counted once per customer per kind: the
-- first attributed one of each, remembered by every key it carried (the
-- customer's id and email, or the event's own id without a customer).
create table conversion_customers (
  program_id text not null,
  kind text not null,
  customer_key text not null,
  event_id text not null,
  participant_id text not null,
  occurred_at timestamptz not null,
  primary key (program_id, kind, customer_key)
);

-- Each first conversion once, with when its commissions leave their hold;
-- null while an admin must review them, or when it paid nothing. Its event
-- id is the order id of its ledger entries and hold releases.
create table conversions (
  program_id text not null,
  event_id text not null,
  kind text not null,
  participant_id text not null,
  occurred_at timestamptz not null,
  available_at timestamptz,
  primary key (program_id, event_id)
);
-- Hold release pages through due conversions by (available_at, event_id).
create index conversions_due on conversions (program_id, available_at, event_id)
  where available_at is not null;
-- The monthly caps read what a month's conversions booked.
create index conversions_month on conversions (program_id, occurred_at);
