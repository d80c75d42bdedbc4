-- The program's settings as they were over time, so history can be replayed
-- through the settings in force when each event was processed.
create table program_versions (
  program_id text not null,
  valid_from timestamptz not null,
  -- The validated settings (ProgramInput: name, currency, time zone and the rest).
  config jsonb not null,
  primary key (program_id, valid_from)
);

-- What a program was before versions were kept is not known: its settings of
-- now stand for all of its past.
insert into program_versions (program_id, valid_from, config)
select id, '-infinity'::timestamptz,
  config || jsonb_build_object('name', name, 'currency', currency, 'timezone', timezone)
from programs;

-- A replay reads the processed events in the order they were processed, page by page.
create index events_replay on events (program_id, processed_at, seq) where status = 'processed';
