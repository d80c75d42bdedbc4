-- Portal sessions: what a participant's magic link is exchanged for, so the
-- long-lived token leaves the address bar and the browser keeps only a
-- credential that expires. Only the SHA-256 of the secret is stored.
create table portal_sessions (
  brand_id text not null references brands (id),
  id text not null,
  session_hash text not null unique,
  program_id text not null,
  participant_id text not null,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  primary key (brand_id, id)
);
