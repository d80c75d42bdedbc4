-- The storefront widget: one signing secret per program. A shop's server signs
-- its customers' tokens (HS256) with it, so verification needs the secret
-- itself, not a digest; the API shows it once, when it is made.
create table widget_secrets (
  program_id text primary key references programs (id),
  secret text not null,
  created_at timestamptz not null
);
