-- The scheduled jobs read only the rows of the program and window they work
-- on, a batch at a time, in the order of an index that leads with program_id,
-- and they page through it by position, so a run that is stopped goes on
-- where it left off.

-- Hold release pages through due orders by (available_at, order_id): the
-- index's order is the batch order, so a batch reads only its own orders.
create index orders_due on orders (program_id, available_at, order_id)
  where available_at is not null;
drop index orders_holds;

-- A window's progress rows, in participant order: closing a window reads
-- them a batch at a time instead of every row of the program.
create index goal_progress_bucket on goal_progress (program_id, bucket, participant_id);
-- The windows that end after a goal's latest closed one, found by stepping
-- through (window_end, bucket) from there: one index probe per window.
create index goal_progress_windows on goal_progress (program_id, window_end, bucket)
  where window_end is not null;
drop index goal_progress_window_end;

-- Inactivity looks at spells that reached a step's length since its last run
-- (by when the spell began) and at spells that changed since then.
create index participants_spell on participants
  (program_id, (coalesce(last_order_at, created_at)), id) where status = 'active';
create index participants_activity on participants (program_id, activity_changed_at, id)
  where status = 'active' and activity_changed_at is not null;

-- A job's position is an instant and, among rows of that same instant, the
-- key (order or participant id) it got to: thousands of orders booked in one
-- batch share their available_at, and a run stopped among them goes on from
-- the next one, not from the instant's first.
alter table job_watermarks add column after_key text not null default '';

-- A window is closed in batches of participants: its row is written by the
-- first batch, with the participant the close got to, and gets closed_at
-- with the last. Grants count what all its batches granted.
alter table goal_window_closes alter column closed_at drop not null;
alter table goal_window_closes add column after_participant text not null default '';
