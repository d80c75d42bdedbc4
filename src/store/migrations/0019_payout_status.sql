-- A payout goes created -> exported (its CSV first downloaded) -> paid (an
-- admin says the provider paid it, with the provider's reference), and never
-- back. Payouts made before this read as created.
alter table payouts add column status text not null default 'created'
  check (status in ('created', 'exported', 'paid'));
alter table payouts add column exported_at timestamptz;
alter table payouts add column paid_at timestamptz;
alter table payouts add column paid_reference text;

-- Who a line paid, by name as it was when paid, like its external id and email.
alter table payout_lines add column name text;
update payout_lines l set name = p.name
  from participants p
  where p.program_id = l.program_id and p.id = l.participant_id;
