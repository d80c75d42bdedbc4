-- A monthly cap reads what the month's orders booked: the program's orders of
-- one month, found by time, instead of every order or commission of the program.
create index orders_time on orders (program_id, occurred_at);
