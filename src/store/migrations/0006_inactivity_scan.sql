-- When a participant's latest order last moved (the clock of the request
-- that moved it), so the inactivity job can look at those whose spell just
-- changed, plus those whose spell has just grown long enough, instead of at
-- every participant of the program each minute.
alter table participants add column activity_changed_at timestamptz;
