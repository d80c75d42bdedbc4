-- A participant's own figures (the portal's stats, earnings and payouts) read
-- only that participant's rows, however large the program is.
create index clicks_participant on clicks (program_id, participant_id, occurred_at);
create index events_signups on events (program_id, (outcome ->> 'attributedTo'), occurred_at)
  where type = 'signup' and status = 'processed';
create index payout_lines_participant on payout_lines (program_id, participant_id, payout_id);
