-- Mail to send, written in the transaction of what causes it (a sign-in
-- request, later a reward or a payout), so a mail that committed is never
-- lost and one that did not is never sent. A worker claims due rows by taking
-- a lease, so two servers never send the same mail at once; a lease that runs
-- out (the worker died mid-send) makes the row due again.
create table mail_outbox (
  id text primary key,
  brand_id text not null,
  program_id text,
  to_address text not null,
  template text not null,
  data jsonb not null,
  status text not null check (status in ('pending', 'sent', 'failed')),
  attempts integer not null default 0,
  last_error text,
  next_attempt_at timestamptz,
  lease_until timestamptz,
  created_at timestamptz not null,
  sent_at timestamptz
);
create index mail_outbox_due on mail_outbox (next_attempt_at) where status = 'pending';
-- How many mails of a kind went to one address of a program lately: the sign-in limit.
create index mail_outbox_recent on mail_outbox (program_id, lower(to_address), template, created_at);
