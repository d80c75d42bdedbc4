-- A message an admin sends to a program's participants. Its mails are rows
-- of mail_outbox that name it, written with it in one transaction and due
-- one after another at a steady rate; what it has sent and failed is read
-- from their states, so the counts never drift from the mails themselves.
create table broadcasts (
  program_id text not null references programs (id),
  id text primary key,
  brand_id text not null,
  subject text not null,
  body text not null,
  audience jsonb not null,
  recipients integer not null,
  created_at timestamptz not null
);
create index broadcasts_newest on broadcasts (program_id, id desc);

alter table mail_outbox add column broadcast_id text references broadcasts (id);
create index mail_outbox_broadcast on mail_outbox (broadcast_id, status)
  where broadcast_id is not null;

-- Whether a participant still takes broadcasts, and the token of their
-- one-click unsubscribe link. The token is kept as is, not hashed: every
-- broadcast mail must carry it again, and all it can do is stop broadcasts.
-- A row is made the first time a broadcast goes to the participant.
create table mail_preferences (
  program_id text not null,
  participant_id text not null,
  unsubscribe_token text not null unique,
  broadcasts_unsubscribed_at timestamptz,
  primary key (program_id, participant_id),
  foreign key (program_id, participant_id) references participants (program_id, id)
);
