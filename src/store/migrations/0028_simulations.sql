-- A simulation of a draft program over stored history: the request as sent
-- (validated), its progress while it runs, and what it found when done. It is
-- the only row a simulation writes. heartbeat_at is touched by the process
-- running it, so a record whose process stopped can be told from one that
-- still runs (or waits its turn) in another server on the same database.
create table simulations (
  program_id text not null references programs (id),
  id text not null,
  status text not null check (status in ('running', 'done', 'failed')),
  request jsonb not null,
  from_at timestamptz not null,
  to_at timestamptz not null,
  replayed bigint not null default 0 check (replayed >= 0),
  total bigint not null default 0 check (total >= 0),
  result jsonb,
  error text,
  created_at timestamptz not null,
  heartbeat_at timestamptz not null default now(),
  finished_at timestamptz,
  primary key (program_id, id),
  check (from_at < to_at),
  check ((status = 'running') = (finished_at is null)),
  check ((status = 'done') = (result is not null)),
  check ((status = 'failed') = (error is not null))
);
create index simulations_running on simulations (heartbeat_at) where status = 'running';
