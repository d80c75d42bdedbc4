-- A program's terms, one row per published version, numbered 1, 2, 3… per
-- program. Rows are only ever added: a participant's acceptance names a
-- version, so the text they accepted must stay as it was.
create table program_terms (
  program_id text not null references programs (id),
  version int not null check (version > 0),
  body text not null,
  created_at timestamptz not null default now(),
  primary key (program_id, version)
);

-- The latest version a participant accepted and when; null until they accept.
alter table participants add column terms_version int;
alter table participants add column terms_accepted_at timestamptz;
alter table participants add constraint participants_terms_version
  foreign key (program_id, terms_version) references program_terms (program_id, version);

-- Every acceptance, kept: who accepted which version and when, even after
-- they accept a later one. Accepting the same version again keeps the first time.
create table terms_acceptances (
  program_id text not null,
  participant_id text not null,
  version int not null,
  accepted_at timestamptz not null,
  primary key (program_id, participant_id, version),
  foreign key (program_id, participant_id) references participants (program_id, id),
  foreign key (program_id, version) references program_terms (program_id, version)
);
create index terms_acceptances_version on terms_acceptances (program_id, version);
