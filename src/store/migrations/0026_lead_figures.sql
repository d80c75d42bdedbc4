-- Leads are counted like signups, per participant and per program over a
-- period: the same partial index keeps either read to the period's leads.
create index events_leads on events (program_id, (outcome ->> 'attributedTo'), occurred_at)
  where type = 'lead' and status = 'processed';
