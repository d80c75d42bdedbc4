-- Each participant's figures for the console's list, kept as counters so a
-- page sorted by sales, earnings or balance is an index scan of the program,
-- not a sum over all of its orders and ledger entries. Triggers on orders and
-- ledger_entries keep them (both tables are append-only), so every write path
-- counts, and a balance stays what ledger.ts sums: these are for sorting and
-- showing a list, never for deciding what may be paid.
--   sales_minor    attributed orders' commissionable value (as reports count sales)
--   orders         attributed orders
--   earnings_minor cash booked by commissions and rewards, less refunds and rejected reviews
--   balance_minor  available cash
--   points         available points
create table participant_stats (
  program_id text not null,
  participant_id text not null,
  sales_minor bigint not null default 0,
  orders bigint not null default 0,
  earnings_minor bigint not null default 0,
  balance_minor bigint not null default 0,
  points bigint not null default 0,
  primary key (program_id, participant_id)
);
create index participant_stats_sales on participant_stats (program_id, sales_minor, participant_id);
create index participant_stats_earnings on participant_stats (program_id, earnings_minor, participant_id);
create index participant_stats_balance on participant_stats (program_id, balance_minor, participant_id);

-- The list's other sorts: by joining time, and by name (the external id where there is none).
create index participants_joined on participants (program_id, created_at, id);
create index participants_named on participants (program_id, (coalesce(name, external_id)), id);

-- A ledger entry of an order held for review names the open flag that holds it.
create index fraud_flags_open_order on fraud_flags (program_id, order_id)
  where order_id is not null and status = 'open';

-- A manual adjustment: a transfer of its own (cause 'adjustment') whose
-- reason and author are kept here, by the transfer's id.
create table ledger_adjustments (
  program_id text not null,
  transfer_id text not null,
  participant_id text not null,
  asset text not null check (asset in ('cash', 'points')),
  amount_minor bigint not null check (amount_minor <> 0),
  reason text not null,
  made_by text not null,
  created_at timestamptz not null,
  primary key (program_id, transfer_id)
);

insert into participant_stats (program_id, participant_id)
select program_id, id from participants;

update participant_stats s set sales_minor = o.sales, orders = o.n
from (select program_id, participant_id, sum(commissionable_minor) as sales, count(*) as n
      from orders where participant_id is not null group by program_id, participant_id) o
where s.program_id = o.program_id and s.participant_id = o.participant_id;

update participant_stats s
set earnings_minor = l.earnings, balance_minor = l.balance, points = l.points
from (select program_id, participant_id,
        coalesce(sum(amount_minor) filter (where asset = 'cash'
          and cause_type in ('commission', 'refund', 'review', 'reward')), 0) as earnings,
        coalesce(sum(amount_minor) filter (where asset = 'cash' and bucket = 'available'), 0) as balance,
        coalesce(sum(amount_minor) filter (where asset = 'points' and bucket = 'available'), 0) as points
      from ledger_entries where account = 'participant' group by program_id, participant_id) l
where s.program_id = l.program_id and s.participant_id = l.participant_id;

-- The migration runner splits files on semicolons that end a line, so inside
-- these bodies every semicolon has more text after it on its line. Rows are
-- upserted in key order, so two transactions lock the rows they share in the
-- same order and cannot deadlock on them.
create function participant_stats_joined() returns trigger language plpgsql as $$
begin
  insert into participant_stats (program_id, participant_id)
  select program_id, id from new_rows order by program_id, id
  on conflict do nothing; return null; end $$;

create function participant_stats_orders() returns trigger language plpgsql as $$
begin
  insert into participant_stats (program_id, participant_id, sales_minor, orders)
  select program_id, participant_id, sum(commissionable_minor), count(*)
  from new_rows where participant_id is not null
  group by program_id, participant_id order by program_id, participant_id
  on conflict (program_id, participant_id) do update
  set sales_minor = participant_stats.sales_minor + excluded.sales_minor,
      orders = participant_stats.orders + excluded.orders; return null; end $$;

create function participant_stats_ledger() returns trigger language plpgsql as $$
begin
  insert into participant_stats (program_id, participant_id, earnings_minor, balance_minor, points)
  select program_id, participant_id,
    coalesce(sum(amount_minor) filter (where asset = 'cash'
      and cause_type in ('commission', 'refund', 'review', 'reward')), 0),
    coalesce(sum(amount_minor) filter (where asset = 'cash' and bucket = 'available'), 0),
    coalesce(sum(amount_minor) filter (where asset = 'points' and bucket = 'available'), 0)
  from new_rows where account = 'participant'
  group by program_id, participant_id order by program_id, participant_id
  on conflict (program_id, participant_id) do update
  set earnings_minor = participant_stats.earnings_minor + excluded.earnings_minor,
      balance_minor = participant_stats.balance_minor + excluded.balance_minor,
      points = participant_stats.points + excluded.points; return null; end $$;

create trigger participant_stats_joined after insert on participants
  referencing new table as new_rows for each statement execute function participant_stats_joined();
create trigger participant_stats_orders after insert on orders
  referencing new table as new_rows for each statement execute function participant_stats_orders();
create trigger participant_stats_ledger after insert on ledger_entries
  referencing new table as new_rows for each statement execute function participant_stats_ledger();
