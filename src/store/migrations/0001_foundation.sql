-- Tenants and their credentials. Keys are stored as SHA-256 hashes only.
create table brands (
  id text primary key,
  name text not null unique,
  created_at timestamptz not null default now()
);

create table api_keys (
  brand_id text not null references brands (id),
  id text not null,
  key_hash text not null unique,
  kind text not null check (kind in ('admin', 'participant')),
  program_id text,
  participant_id text,
  created_at timestamptz not null default now(),
  primary key (brand_id, id)
);

create table programs (
  id text primary key,
  brand_id text not null references brands (id),
  name text not null,
  currency text not null,
  timezone text not null,
  -- The validated program settings (attribution, commission, levels, payouts);
  -- read through the zod schema that wrote them.
  config jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index programs_brand on programs (brand_id, id);

create table participants (
  program_id text not null,
  id text not null,
  external_id text not null,
  email text,
  name text,
  level text,
  status text not null check (status in ('applied', 'active', 'suspended')),
  sponsor_id text,
  -- Every sponsor above this participant, nearest first, so an order reads its
  -- whole upline with one lookup however large the network is.
  ancestors text[] not null default '{}',
  referral_code text not null,
  -- Hashes of IP addresses the participant is known by, for self-referral screening.
  ip_hashes text[] not null default '{}',
  created_at timestamptz not null default now(),
  primary key (program_id, id),
  unique (program_id, external_id)
);
-- Codes are global because a tracking link (/r/CODE) names no program.
create unique index participants_referral_code on participants (referral_code);
create index participants_email on participants (program_id, lower(email));
create index participants_sponsor on participants (program_id, sponsor_id);

-- The inbox: every accepted event exactly as received, keyed by the brand's own id.
create table events (
  program_id text not null,
  event_id text not null,
  seq bigserial not null,
  type text not null,
  payload jsonb not null,
  content_hash text not null,
  occurred_at timestamptz not null,
  received_at timestamptz not null default now(),
  status text not null default 'pending' check (status in ('pending', 'processed')),
  outcome jsonb,
  processed_at timestamptz,
  primary key (program_id, event_id)
);
create index events_pending on events (program_id, seq) where status = 'pending';

create table clicks (
  program_id text not null,
  id text not null,
  participant_id text not null,
  code text not null,
  visitor_id text,
  ip_hash text,
  event_id text,
  occurred_at timestamptz not null,
  primary key (program_id, id)
);
create index clicks_visitor on clicks (program_id, visitor_id, occurred_at);
create index clicks_time on clicks (program_id, occurred_at);
create index clicks_ip on clicks (program_id, ip_hash, occurred_at) where ip_hash is not null;

-- A referred customer stays with their referrer when the program binds customers.
create table customer_bindings (
  program_id text not null,
  customer_key text not null,
  participant_id text not null,
  event_id text not null,
  bound_at timestamptz not null,
  primary key (program_id, customer_key)
);

create table orders (
  program_id text not null,
  order_id text not null,
  participant_id text,
  attribution text not null,
  customer_id text,
  customer_email text,
  currency text not null,
  items jsonb not null,
  gross_minor bigint not null,
  discount_minor bigint not null,
  commissionable_minor bigint not null,
  occurred_at timestamptz not null,
  -- Per item per paid level, [level, item index or -1, amount minor]: what a
  -- refund reverses in proportion. Kept on the order, as it is read only with it.
  commission_lines jsonb not null,
  -- The participant paid at each level, level 1 first (null where none was).
  commission_earners text[] not null,
  -- What maxTotalPercent and the caps took off, each with the rule that did.
  cuts jsonb not null,
  -- When the order's commissions leave their hold; null while an admin must
  -- review them (or when there are none). One per order, not per leg: every
  -- leg of an order is held for the same time.
  available_at timestamptz,
  primary key (program_id, order_id)
);
create index orders_participant on orders (program_id, participant_id, occurred_at);
-- The hold-release job looks for orders whose hold is over.
create index orders_holds on orders (program_id, available_at) where available_at is not null;

-- Refunds of orders: applied (with the units returned per order item), or
-- waiting for an order that has not arrived yet.
create table refunds (
  program_id text not null,
  refund_id text not null,
  order_id text not null,
  items jsonb,
  occurred_at timestamptz not null,
  state text not null check (state in ('waiting', 'applied')),
  quantities jsonb,
  value_minor bigint not null default 0,
  primary key (program_id, refund_id)
);
create index refunds_order on refunds (program_id, order_id);
-- Every batch of orders asks for refunds waiting on them; mostly there are none.
create index refunds_waiting on refunds (program_id, order_id) where state = 'waiting';

-- Append-only, double-entry. A transfer is entries that sum to zero: legs on
-- participants' accounts (participant, asset, bucket) and, where money comes
-- from the program, one balancing entry on the program's account. A status
-- change is a new transfer between buckets, never an update.
create table ledger_entries (
  program_id text not null,
  id text not null,
  transfer_id text not null,
  account text not null check (account in ('participant', 'program')),
  -- Set exactly on participant accounts.
  participant_id text check ((account = 'participant') = (participant_id is not null)),
  asset text not null check (asset in ('cash', 'points')),
  bucket text not null check (bucket in ('pending', 'available', 'paid', 'reversed')),
  amount_minor bigint not null,
  cause_type text not null,
  cause_key text not null,
  event_id text,
  -- The order a commission, refund or release belongs to.
  order_id text,
  goal_id text,
  level int,
  created_at timestamptz not null,
  -- The same cause can never be booked twice (a release moves one leg between
  -- two buckets of the same account, hence the bucket). This key is also the
  -- table's primary key: ids are unique by construction (time-sortable, see
  -- ids.ts), and one index fewer per entry is the cheapest speed-up the
  -- ledger has, since every paid level writes an entry.
  primary key (program_id, cause_key, account, bucket)
);
create index ledger_participant on ledger_entries (program_id, participant_id, id);
create index ledger_order on ledger_entries (program_id, order_id, level) where order_id is not null;
create index participants_ancestors on participants using gin (ancestors);

-- How far a scheduled job has got per program, so each run starts there
-- instead of at the beginning of the program's history.
create table job_watermarks (
  program_id text not null,
  job text not null,
  watermark timestamptz not null,
  primary key (program_id, job)
);

-- Each paid level of an order leaves its hold once: the key makes the release
-- job exactly-once however often it runs, and refunds read it to know whether
-- to take money back from pending or from available.
create table hold_releases (
  program_id text not null,
  order_id text not null,
  level int not null,
  participant_id text not null,
  amount_minor bigint not null,
  released_at timestamptz not null,
  primary key (program_id, order_id, level)
);

-- A payout pays every available cash balance at or over the program minimum;
-- its lines are what was paid to whom. The money itself moves in the ledger.
create table payouts (
  program_id text not null,
  id text not null,
  currency text not null,
  total_minor bigint not null,
  created_at timestamptz not null,
  primary key (program_id, id)
);

create table payout_lines (
  program_id text not null,
  payout_id text not null,
  line_no int not null,
  participant_id text not null,
  external_id text not null,
  email text,
  amount_minor bigint not null,
  reference text not null,
  primary key (program_id, payout_id, line_no)
);

-- What fraud screening found, for an admin to approve or reject. A held
-- order's commissions are released by approval and reversed by rejection.
create table fraud_flags (
  program_id text not null,
  id text not null,
  key text not null,
  rule text not null,
  participant_id text not null,
  event_id text not null,
  order_id text,
  reason text not null,
  status text not null check (status in ('open', 'approved', 'rejected')),
  created_at timestamptz not null,
  decided_at timestamptz,
  primary key (program_id, id),
  unique (program_id, key)
);
create index fraud_flags_status on fraud_flags (program_id, status, id);
