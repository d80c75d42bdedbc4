-- A program's creatives: banners and PDFs kept in the creative store (a
-- directory or an S3 bucket, under storage_key), and text snippets kept here.
-- A deleted creative keeps its row, marked deleted_at, while its file is gone.
create table creatives (
  program_id text not null references programs (id),
  id text primary key,
  name text not null,
  kind text not null check (kind in ('image', 'pdf', 'text')),
  content_type text,
  size_bytes int check (size_bytes >= 0),
  storage_key text unique,
  file_name text,
  text text,
  created_at timestamptz not null,
  deleted_at timestamptz,
  check ((kind = 'text') = (text is not null and storage_key is null))
);
create index creatives_by_program on creatives (program_id, id) where deleted_at is null;
