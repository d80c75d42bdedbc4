-- Goals: versioned definitions, a progress read model, grants (exactly once),
-- per-participant targets and the imports that brought them.

-- The current version of each goal; every version is kept in goal_versions.
create table goals (
  program_id text not null,
  id text not null,
  version int not null,
  -- The validated goal of the current version, read through the schema that wrote it.
  definition jsonb not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  -- Set by DELETE: the goal stops counting and granting; its grants stay.
  ended_at timestamptz,
  primary key (program_id, id)
);

create table goal_versions (
  program_id text not null,
  goal_id text not null,
  version int not null,
  definition jsonb not null,
  created_at timestamptz not null,
  primary key (program_id, goal_id, version)
);

-- What each participant has achieved in each window, for every goal measured
-- over it: kept up to date as events are processed, so reading progress never
-- scans events. One row per participant and window, not per goal, because an
-- order moves most of a participant's goals at once: with 50 goals it
-- rewrites three rows (lifetime, month, quarter) instead of some twenty.
-- bucket is 'lifetime', '2026-11', '2026-Q4' (program time zone) or
-- 'fixed:<start>/<end>'; goal_values maps goal id to value.
create table goal_progress (
  program_id text not null,
  participant_id text not null,
  bucket text not null,
  window_start timestamptz,
  window_end timestamptz,
  goal_values jsonb not null,
  updated_at timestamptz not null,
  primary key (program_id, participant_id, bucket)
);
create index goal_progress_window_end on goal_progress (program_id, window_end)
  where window_end is not null;

-- One reward from one goal step for one participant in one window. The
-- primary key is the exactly-once guarantee: whatever the concurrency or
-- redelivery, a second grant of the same step is refused by the database.
-- Across versions of a goal a step is granted once per window: a participant
-- who completed it under an earlier version keeps that grant.
create table goal_grants (
  program_id text not null,
  goal_id text not null,
  participant_id text not null,
  window_key text not null,
  step int not null,
  goal_version int not null,
  -- The reward as resolved when granted (points, cash, free_product, level),
  -- with the program it was credited to.
  reward jsonb not null,
  -- The goal's value when the step was granted.
  value bigint not null,
  event_id text,
  voucher_code text,
  granted_at timestamptz not null,
  primary key (program_id, goal_id, participant_id, window_key, step)
);
create unique index goal_grants_voucher on goal_grants (voucher_code) where voucher_code is not null;
create index goal_grants_participant on goal_grants (program_id, participant_id);

-- A window of an at_window_end goal, once its grants are made.
create table goal_window_closes (
  program_id text not null,
  goal_id text not null,
  window_key text not null,
  -- The latest closed end is where the next run starts looking.
  window_end timestamptz not null,
  goal_version int not null,
  grants int not null,
  closed_at timestamptz not null,
  primary key (program_id, goal_id, window_key)
);

-- Per-participant targets by period ('2026-11' or '2026-Q4').
create table participant_targets (
  program_id text not null,
  goal_id text not null,
  participant_id text not null,
  period text not null,
  target bigint not null,
  import_id text not null,
  primary key (program_id, goal_id, participant_id, period)
);
create index participant_targets_participant on participant_targets (program_id, participant_id);

-- Target files as imported; a file's hash makes the same file twice a no-op.
create table target_imports (
  program_id text not null,
  id text not null,
  content_hash text not null,
  source text not null,
  file_name text,
  rows int not null,
  created_at timestamptz not null,
  primary key (program_id, id),
  unique (program_id, content_hash)
);

-- When the participant's latest attributed order happened: inactivity spells
-- start there, and a first one makes a recruit count for referral_count.
alter table participants add column last_order_at timestamptz;

-- Goal rewards in the ledger: the goal version and step that granted them,
-- and free products as a unit of their SKU with the voucher's code.
alter table ledger_entries add column goal_version int;
alter table ledger_entries add column step int;
alter table ledger_entries add column sku text;
alter table ledger_entries add column voucher_code text;
alter table ledger_entries drop constraint ledger_entries_asset_check;
alter table ledger_entries add constraint ledger_entries_asset_check
  check (asset in ('cash', 'points', 'product'));
