-- A participant may be turned down: `rejected` joins the statuses an
-- application moves between (applied, then active or rejected).
alter table participants drop constraint participants_status_check;
alter table participants add constraint participants_status_check
  check (status in ('applied', 'active', 'suspended', 'rejected'));

-- What someone sent when they applied on the public apply page, and what the
-- brand decided: the screening a console shows beside the applicant. One row
-- per participant who applied; a participant the brand added through the API
-- has none.
create table applications (
  program_id text not null,
  participant_id text not null,
  -- The address as applied with; one application per address per program,
  -- whatever became of it, is kept by the unique index below.
  email text not null,
  website text,
  -- The website's host name without a leading www., lowercased: what two
  -- applications by the same site share however their URLs are written.
  website_host text,
  socials text[] not null default '{}',
  message text,
  -- The sponsor the applicant named by referral code, as it was resolved.
  sponsor_id text,
  -- The country a trusted proxy in front of Laurel (Cloudflare's CF-IPCountry)
  -- said the request came from; null without one.
  ip_country text,
  applied_at timestamptz not null,
  decision text check (decision in ('approved', 'rejected')),
  decided_at timestamptz,
  reason text,
  primary key (program_id, participant_id),
  foreign key (program_id, participant_id) references participants (program_id, id),
  check ((decision is null) = (decided_at is null))
);
create unique index applications_email on applications (program_id, lower(email));
create index applications_website_host on applications (website_host) where website_host is not null;
